//! The `/metrics` endpoint: a small HTTP server on its own thread.

use std::sync::Arc;
use std::thread::JoinHandle;

use super::source::MetricsSource;

/// The `/metrics` endpoint: a small HTTP server on its own thread.
pub(crate) struct MetricsServer {
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
    addr: std::net::SocketAddr,
}

impl std::fmt::Debug for MetricsServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsServer")
            .field("addr", &self.addr)
            .finish()
    }
}

impl MetricsServer {
    pub(crate) fn start(
        addr: std::net::SocketAddr,
        source: MetricsSource,
    ) -> std::io::Result<Self> {
        let server = tiny_http::Server::http(addr).map_err(std::io::Error::other)?;
        let addr = server.server_addr().to_ip().unwrap_or(addr);
        let server = Arc::new(server);
        let serving = server.clone();
        let thread = std::thread::Builder::new()
            .name("genops-metrics".into())
            .spawn(move || {
                for request in serving.incoming_requests() {
                    let response = if request.url() == "/metrics" {
                        let response = tiny_http::Response::from_string(source.render());
                        match tiny_http::Header::from_bytes(
                            &b"Content-Type"[..],
                            &b"text/plain; version=0.0.4; charset=utf-8"[..],
                        ) {
                            Ok(content_type) => response.with_header(content_type),
                            Err(()) => response,
                        }
                    } else {
                        tiny_http::Response::from_string("genops: metrics are at /metrics\n")
                            .with_status_code(404)
                    };
                    let _ = request.respond(response);
                }
            })?;
        Ok(MetricsServer {
            server,
            thread: Some(thread),
            addr,
        })
    }

    pub(crate) fn addr(&self) -> std::net::SocketAddr {
        self.addr
    }
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
