//! A mock AWS Bedrock Runtime on 127.0.0.1, for the tests of the `aws-bedrock` integration: it
//! answers the Converse API as Bedrock documents it, with the AWS SDK's real client on the
//! other side. Signatures are not checked.
//!
//! | request | answer |
//! |---|---|
//! | `POST /model/{modelId}/converse` | a JSON response; with a `cachePoint` in the request, its usage reads and writes the prompt cache |
//! | `POST /model/{modelId}/converse-stream` | AWS event-stream frames (`application/vnd.amazon.eventstream`): `messageStart`, two `contentBlockDelta`s, `contentBlockStop`, `messageStop`, then `metadata` with the usage |
//!
//! Every answer carries the request id [`REQUEST_ID`] (`x-amzn-RequestId`).
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use aws_sdk_bedrockruntime::primitives::event_stream::{Header, HeaderValue, Message};
use serde_json::{json, Value};

/// The request id of every answer.
pub const REQUEST_ID: &str = "4b7bd0a4-2f3c-4a8e-9d1e-3c6f0e8a1b2c";

/// The usage of a Converse answer without prompt caching. Bedrock's `inputTokens` excludes the
/// cache reads and writes.
pub const CONVERSE_USAGE: (u64, u64) = (1_200, 300);
/// The usage of a Converse answer to a request with a `cachePoint`: input, output, cache read,
/// cache write.
pub const CACHED_USAGE: (u64, u64, u64, u64) = (200, 150, 1_500, 500);
/// The usage in a ConverseStream's `metadata` event: input, output.
pub const STREAM_USAGE: (u64, u64) = (900, 40);

/// A running mock Bedrock Runtime; it stops when dropped.
pub struct MockBedrock {
    server: Arc<tiny_http::Server>,
    addr: SocketAddr,
    thread: Option<JoinHandle<()>>,
    paths: Arc<Mutex<Vec<String>>>,
}

impl MockBedrock {
    /// Starts a mock Bedrock Runtime on a free port of 127.0.0.1.
    pub fn start() -> Self {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind 127.0.0.1"));
        let addr = server
            .server_addr()
            .to_ip()
            .expect("an IP address for the mock Bedrock");
        let paths = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let (server, paths) = (server.clone(), paths.clone());
            std::thread::spawn(move || {
                for request in server.incoming_requests() {
                    answer(request, &paths);
                }
            })
        };
        MockBedrock {
            server,
            addr,
            thread: Some(thread),
            paths,
        }
    }

    /// Its endpoint URL (`http://127.0.0.1:port`).
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The paths of the requests it received, in order (the model id percent-encoded).
    pub fn paths(&self) -> Vec<String> {
        self.paths.lock().expect("paths").clone()
    }
}

impl Drop for MockBedrock {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn header(name: &'static str, value: &str) -> tiny_http::Header {
    tiny_http::Header::from_bytes(name, value).expect("a header")
}

fn answer(mut request: tiny_http::Request, paths: &Mutex<Vec<String>>) {
    let mut text = String::new();
    let _ = request.as_reader().read_to_string(&mut text);
    let path = request.url().to_owned();
    paths.lock().expect("paths").push(path.clone());
    let cache_point = text.contains("\"cachePoint\"");
    let (body, content_type) = if path.ends_with("/converse") {
        let usage = if cache_point {
            let (input, output, read, write) = CACHED_USAGE;
            json!({"inputTokens": input, "outputTokens": output,
                   "totalTokens": input + output + read + write,
                   "cacheReadInputTokens": read, "cacheWriteInputTokens": write})
        } else {
            let (input, output) = CONVERSE_USAGE;
            json!({"inputTokens": input, "outputTokens": output, "totalTokens": input + output})
        };
        let body = json!({
            "output": {"message": {"role": "assistant",
                                   "content": [{"text": "A lighthouse at dusk."}]}},
            "stopReason": "end_turn",
            "usage": usage,
            "metrics": {"latencyMs": 812}
        });
        (body.to_string().into_bytes(), "application/json")
    } else if path.ends_with("/converse-stream") {
        (stream_body(), "application/vnd.amazon.eventstream")
    } else {
        let body = json!({"message": format!("no route for {path}")});
        let response = tiny_http::Response::from_data(body.to_string().into_bytes())
            .with_status_code(404)
            .with_header(header("x-amzn-ErrorType", "UnknownOperationException"));
        let _ = request.respond(response);
        return;
    };
    let response = tiny_http::Response::from_data(body)
        .with_header(header("Content-Type", content_type))
        .with_header(header("x-amzn-RequestId", REQUEST_ID));
    let _ = request.respond(response);
}

/// The frames of a ConverseStream, each an event message with a JSON payload.
fn stream_body() -> Vec<u8> {
    let (input, output) = STREAM_USAGE;
    let events: [(&'static str, Value); 6] = [
        ("messageStart", json!({"role": "assistant"})),
        (
            "contentBlockDelta",
            json!({"contentBlockIndex": 0, "delta": {"text": "A light"}}),
        ),
        (
            "contentBlockDelta",
            json!({"contentBlockIndex": 0, "delta": {"text": "house."}}),
        ),
        ("contentBlockStop", json!({"contentBlockIndex": 0})),
        ("messageStop", json!({"stopReason": "end_turn"})),
        (
            "metadata",
            json!({"usage": {"inputTokens": input, "outputTokens": output,
                             "totalTokens": input + output},
                   "metrics": {"latencyMs": 640}}),
        ),
    ];
    let mut body = Vec::new();
    for (event_type, payload) in events {
        let message = Message::new(payload.to_string().into_bytes())
            .add_header(Header::new(
                ":event-type",
                HeaderValue::String(event_type.into()),
            ))
            .add_header(Header::new(
                ":content-type",
                HeaderValue::String("application/json".into()),
            ))
            .add_header(Header::new(
                ":message-type",
                HeaderValue::String("event".into()),
            ));
        aws_smithy_eventstream::frame::write_message_to(&message, &mut body)
            .expect("an event-stream frame");
    }
    body
}
