//! The `genai` integration: genai's real client, its OpenAI adapter pointed (with a
//! `ServiceTargetResolver`) at a mock OpenAI server on 127.0.0.1
//! (`examples/support/mock_provider.rs`). Tracked functions return genai's `ChatResponse` or
//! its stream of `ChatStreamEvent`s; genops records them with no user code. Each test checks
//! the span's fields and the exact booked cost in pico-dollars.

#[path = "../examples/support/mock_provider.rs"]
mod mock_provider;
mod support;

use futures::{Stream, StreamExt};
use genai::adapter::AdapterKind;
use genai::chat::{ChatMessage, ChatOptions, ChatRequest, ChatResponse, ChatStreamEvent};
use genai::Client;
use genops::semconv::*;
use mock_provider::MockProvider;
use support::providers::{assert_cached_chat_booked, MINI_IN, MINI_OUT};
use support::{capture, run};

fn client(mock: &MockProvider) -> Client {
    let base = format!("{}/", mock.openai_base());
    support::genai::client(base, AdapterKind::OpenAI, "sk-test-not-a-real-key")
}

fn question() -> ChatRequest {
    ChatRequest::new(vec![ChatMessage::user("Describe the picture.")])
}

#[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini", err)]
async fn chat(client: &Client) -> genai::Result<ChatResponse> {
    client.exec_chat("gpt-4o-mini", question(), None).await
}

#[test]
fn a_chat_response_is_booked_with_its_cached_tokens() {
    let mock = MockProvider::start();
    let client = client(&mock);
    let (response, cap, ledger) = capture(true, || run(chat(&client)));
    response.expect("the mock answers");
    assert_cached_chat_booked(&cap.span("chat gpt-4o-mini"), &ledger);
}

#[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini", stream, err)]
async fn chat_stream(
    client: &Client,
    capture_usage: bool,
) -> genai::Result<impl Stream<Item = genai::Result<ChatStreamEvent>>> {
    let options = ChatOptions::default().with_capture_usage(capture_usage);
    let response = client
        .exec_chat_stream("gpt-4o-mini", question(), Some(&options))
        .await?;
    Ok(response.stream)
}

#[test]
fn a_chat_stream_with_captured_usage_is_booked_from_its_end_event() {
    let mock = MockProvider::start();
    let client = client(&mock);
    let (ended, cap, ledger) = capture(true, || {
        run(async {
            let stream = chat_stream(&client, true).await.expect("a stream");
            let events: Vec<_> = stream.collect().await;
            events
                .iter()
                .any(|e| matches!(e, Ok(ChatStreamEvent::End(_))))
        })
    });
    assert!(ended);
    let span = cap.span("chat gpt-4o-mini");
    assert_eq!(span.field(GENOPS_STREAM_END).str(), "completed");
    assert_eq!(span.field(GEN_AI_USAGE_INPUT_TOKENS).i64(), 1_000);
    assert_eq!(span.field(GEN_AI_USAGE_OUTPUT_TOKENS).i64(), 200);
    assert!(!span.has(GENOPS_USAGE_MISSING));
    assert_eq!(
        ledger.snapshot().total.cost.picos(),
        1_000 * MINI_IN + 200 * MINI_OUT
    );
}

#[test]
fn a_chat_stream_without_captured_usage_is_flagged_and_says_how_to_capture_it() {
    let mock = MockProvider::start();
    let client = client(&mock);
    let ((), cap, ledger) = capture(true, || {
        run(async {
            let stream = chat_stream(&client, false).await.expect("a stream");
            stream.for_each(|_| async {}).await;
        })
    });
    let span = cap.span("chat gpt-4o-mini");
    assert!(span.field(GENOPS_USAGE_MISSING).bool());
    assert!(!span.has(GEN_AI_USAGE_INPUT_TOKENS));
    let warnings: Vec<_> = cap
        .warnings()
        .into_iter()
        // genai warns about the empty choice of OpenAI's last chunk on its own.
        .filter(|message| message != "EMPTY CHOICE CONTENT")
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains(
            "genai reports a stream's usage only when the chat options set \
             `with_capture_usage(true)`"
        ),
        "{}",
        warnings[0]
    );
    assert_eq!(ledger.snapshot().total.cost.picos(), 0);
}
