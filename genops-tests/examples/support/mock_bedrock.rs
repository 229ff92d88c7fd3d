//! A mock AWS Bedrock Runtime on 127.0.0.1, for the tests of the `aws-bedrock` integration: it
//! answers the Converse API as Bedrock documents it, with the AWS SDK's real client on the
//! other side. Signatures are not checked. It is `mock_provider.rs`'s server: include both.
//!
//! | request | answer |
//! |---|---|
//! | `POST /model/{modelId}/converse` | a JSON response; with a `cachePoint` in the request, its usage reads and writes the prompt cache |
//! | `POST /model/{modelId}/converse-stream` | AWS event-stream frames (`application/vnd.amazon.eventstream`): `messageStart`, two `contentBlockDelta`s, `contentBlockStop`, `messageStop`, then `metadata` with the usage, prompt cache included |
//!
//! Every answer carries the request id [`REQUEST_ID`] (`x-amzn-RequestId`).
#![allow(dead_code)]

use aws_sdk_bedrockruntime::primitives::event_stream::{Header, HeaderValue, Message};
use serde_json::{json, Value};

use crate::mock_provider::{MockProvider, Reply};

/// The request id of every answer.
pub const REQUEST_ID: &str = "4b7bd0a4-2f3c-4a8e-9d1e-3c6f0e8a1b2c";

/// The usage of a Converse answer without prompt caching. Bedrock's `inputTokens` excludes the
/// cache reads and writes.
pub const CONVERSE_USAGE: (u64, u64) = (1_200, 300);
/// The usage of a Converse answer to a request with a `cachePoint`: input, output, cache read,
/// cache write.
pub const CACHED_USAGE: (u64, u64, u64, u64) = (200, 150, 1_500, 500);
/// The usage in a ConverseStream's `metadata` event: input, output, cache read, cache write.
pub const STREAM_USAGE: (u64, u64, u64, u64) = (900, 40, 600, 100);

/// Starts a mock Bedrock Runtime on a free port of 127.0.0.1; its endpoint URL is
/// [`MockProvider::endpoint`].
pub fn start() -> MockProvider {
    MockProvider::answering(reply)
}

/// Whether a Converse request puts a `cachePoint` block in a message.
fn has_cache_point(body: &Value) -> bool {
    let messages = body["messages"].as_array().into_iter().flatten();
    messages
        .flat_map(|message| message["content"].as_array().into_iter().flatten())
        .any(|block| block.get("cachePoint").is_some())
}

fn reply(path: &str, body: &Value) -> Reply {
    let mut reply = if path.ends_with("/converse") {
        let usage = if has_cache_point(body) {
            let (input, output, read, write) = CACHED_USAGE;
            json!({"inputTokens": input, "outputTokens": output,
                   "totalTokens": input + output + read + write,
                   "cacheReadInputTokens": read, "cacheWriteInputTokens": write})
        } else {
            let (input, output) = CONVERSE_USAGE;
            json!({"inputTokens": input, "outputTokens": output, "totalTokens": input + output})
        };
        let answer = json!({
            "output": {"message": {"role": "assistant",
                                   "content": [{"text": "A lighthouse at dusk."}]}},
            "stopReason": "end_turn",
            "usage": usage,
            "metrics": {"latencyMs": 812}
        });
        Reply::ok("application/json", answer.to_string())
    } else if path.ends_with("/converse-stream") {
        Reply::ok("application/vnd.amazon.eventstream", stream_body())
    } else {
        let error = json!({"message": format!("no route for {path}")});
        Reply {
            status: 404,
            headers: vec![("x-amzn-ErrorType", "UnknownOperationException")],
            ..Reply::ok("application/json", error.to_string())
        }
    };
    reply.headers.push(("x-amzn-RequestId", REQUEST_ID));
    reply
}

/// The frames of a ConverseStream, each an event message with a JSON payload.
fn stream_body() -> Vec<u8> {
    let (input, output, read, write) = STREAM_USAGE;
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
                             "totalTokens": input + output + read + write,
                             "cacheReadInputTokens": read, "cacheWriteInputTokens": write},
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
