//! A mock OpenAI-compatible provider on 127.0.0.1, for the examples and the tests of the SDK
//! integrations: it answers with bodies shaped as OpenAI documents them (the files of
//! `tests/data/providers/`), SSE for streams.
//!
//! | request | answer |
//! |---|---|
//! | `POST …/chat/completions` | a completion with cached prompt tokens; with `"stream": true`, chunks ending with a usage chunk if the request sets `stream_options.include_usage`, else without usage |
//! | `POST …/responses` | a reasoning model's response; with `"stream": true`, events up to `response.completed` |
//! | `POST …/embeddings` | an embeddings list |
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use serde_json::Value;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/providers/",
            $name
        ))
    };
}

const CHAT: &str = fixture!("openai_chat_cached.json");
const CHAT_STREAM: &str = fixture!("openai_chat_stream.sse");
const CHAT_STREAM_NO_USAGE: &str = fixture!("openai_chat_stream_no_usage.sse");
const RESPONSE: &str = fixture!("openai_responses_reasoning.json");
const RESPONSE_STREAM: &str = fixture!("openai_responses_stream.sse");
const EMBEDDINGS: &str = fixture!("openai_embeddings.json");

/// A running mock provider; it stops when dropped.
pub struct MockProvider {
    server: Arc<tiny_http::Server>,
    addr: SocketAddr,
    thread: Option<JoinHandle<()>>,
    requests: Arc<Mutex<Vec<Value>>>,
}

impl MockProvider {
    /// Starts a mock provider on a free port of 127.0.0.1.
    pub fn start() -> Self {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind 127.0.0.1"));
        let addr = server
            .server_addr()
            .to_ip()
            .expect("an IP address for the mock provider");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let (server, requests) = (server.clone(), requests.clone());
            std::thread::spawn(move || {
                for request in server.incoming_requests() {
                    answer(request, &requests);
                }
            })
        };
        MockProvider {
            server,
            addr,
            thread: Some(thread),
            requests,
        }
    }

    /// The base URL of its OpenAI-compatible API (`http://127.0.0.1:port/v1`).
    pub fn openai_base(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// The JSON bodies of the requests it received, in order.
    pub fn requests(&self) -> Vec<Value> {
        self.requests.lock().expect("requests").clone()
    }
}

impl Drop for MockProvider {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn answer(mut request: tiny_http::Request, requests: &Mutex<Vec<Value>>) {
    let mut text = String::new();
    let _ = request.as_reader().read_to_string(&mut text);
    let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let stream = body["stream"] == Value::Bool(true);
    let include_usage = body["stream_options"]["include_usage"] == Value::Bool(true);
    requests.lock().expect("requests").push(body);
    let url = request.url().to_owned();
    let reply = if url.ends_with("/chat/completions") {
        match (stream, include_usage) {
            (false, _) => Some(CHAT),
            (true, true) => Some(CHAT_STREAM),
            (true, false) => Some(CHAT_STREAM_NO_USAGE),
        }
    } else if url.ends_with("/responses") {
        Some(if stream { RESPONSE_STREAM } else { RESPONSE })
    } else if url.ends_with("/embeddings") {
        Some(EMBEDDINGS)
    } else {
        None
    };
    let content_type = if stream {
        "text/event-stream"
    } else {
        "application/json"
    };
    let response = match reply {
        Some(body) => tiny_http::Response::from_string(body).with_header(
            tiny_http::Header::from_bytes("Content-Type", content_type).expect("a header"),
        ),
        None => tiny_http::Response::from_string(r#"{"error":{"message":"not found"}}"#)
            .with_status_code(404),
    };
    let _ = request.respond(response);
}
