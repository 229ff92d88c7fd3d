//! A mock OpenAI-compatible provider on 127.0.0.1, for the examples and the tests of the SDK
//! integrations: it answers with bodies shaped as OpenAI documents them (the files of
//! `tests/data/providers/`), SSE for streams.
//!
//! | request | answer |
//! |---|---|
//! | `POST …/chat/completions` | a completion with cached prompt tokens; with `"stream": true`, chunks ending with a usage chunk if the request sets `stream_options.include_usage`, else without usage |
//! | `POST …/responses` | a reasoning model's response; with `"stream": true`, events up to `response.completed` |
//! | `POST …/embeddings` | an embeddings list |
//!
//! [`MockProvider::answering`] serves another provider's API with the same server
//! (`mock_bedrock.rs`).
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use serde_json::Value;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../tests/data/providers/", $name))
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
    requests: Arc<Mutex<Vec<(String, Value)>>>,
}

/// An answer to one request.
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    /// More headers: (name, value).
    pub headers: Vec<(&'static str, &'static str)>,
}

impl Reply {
    /// A 200 answer.
    pub fn ok(content_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
        Reply {
            status: 200,
            content_type,
            body: body.into(),
            headers: Vec::new(),
        }
    }
}

impl MockProvider {
    /// Starts a mock OpenAI-compatible provider on a free port of 127.0.0.1.
    pub fn start() -> Self {
        Self::answering(openai)
    }

    /// Starts a mock provider on a free port of 127.0.0.1 that answers each request with
    /// `reply(path, JSON body)` (`Value::Null` for a body that is not JSON).
    pub fn answering(reply: fn(&str, &Value) -> Reply) -> Self {
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
                    answer(request, reply, &requests);
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

    /// Its base URL (`http://127.0.0.1:port`).
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The base URL of its OpenAI-compatible API (`http://127.0.0.1:port/v1`).
    pub fn openai_base(&self) -> String {
        format!("{}/v1", self.endpoint())
    }

    /// The JSON bodies of the requests it received, in order.
    pub fn requests(&self) -> Vec<Value> {
        let requests = self.requests.lock().expect("requests");
        requests.iter().map(|(_, body)| body.clone()).collect()
    }

    /// The paths of the requests it received, in order, as sent (percent-encoded).
    pub fn paths(&self) -> Vec<String> {
        let requests = self.requests.lock().expect("requests");
        requests.iter().map(|(path, _)| path.clone()).collect()
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

fn answer(
    mut request: tiny_http::Request,
    reply: fn(&str, &Value) -> Reply,
    requests: &Mutex<Vec<(String, Value)>>,
) {
    let mut text = String::new();
    let _ = request.as_reader().read_to_string(&mut text);
    let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let path = request.url().to_owned();
    let reply = reply(&path, &body);
    requests.lock().expect("requests").push((path, body));
    let header =
        |name: &str, value: &str| tiny_http::Header::from_bytes(name, value).expect("a header");
    let mut response = tiny_http::Response::from_data(reply.body)
        .with_status_code(reply.status)
        .with_header(header("Content-Type", reply.content_type));
    for (name, value) in reply.headers {
        response.add_header(header(name, value));
    }
    let _ = request.respond(response);
}

/// The OpenAI API.
fn openai(path: &str, body: &Value) -> Reply {
    let stream = body["stream"] == Value::Bool(true);
    let include_usage = body["stream_options"]["include_usage"] == Value::Bool(true);
    let reply = if path.ends_with("/chat/completions") {
        match (stream, include_usage) {
            (false, _) => CHAT,
            (true, true) => CHAT_STREAM,
            (true, false) => CHAT_STREAM_NO_USAGE,
        }
    } else if path.ends_with("/responses") {
        if stream {
            RESPONSE_STREAM
        } else {
            RESPONSE
        }
    } else if path.ends_with("/embeddings") {
        EMBEDDINGS
    } else {
        return Reply {
            status: 404,
            ..Reply::ok("application/json", r#"{"error":{"message":"not found"}}"#)
        };
    };
    let content_type = if stream {
        "text/event-stream"
    } else {
        "application/json"
    };
    Reply::ok(content_type, reply)
}
