//! The `async-openai` integration: async-openai's real client, pointed at a mock OpenAI server
//! on 127.0.0.1 (`examples/support/mock_provider.rs`) that answers with bodies shaped as
//! OpenAI documents them. Tracked functions return the client's responses and streams; genops
//! records them with no user code. Each test checks the span's fields as a subscriber sees them
//! and the exact booked cost in pico-dollars, computed here from the embedded prices.

#[path = "../examples/support/mock_provider.rs"]
mod mock_provider;
mod support;

use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionRequestUserMessageArgs, ChatCompletionResponseStream,
    CreateChatCompletionRequest, CreateChatCompletionRequestArgs, CreateChatCompletionResponse,
};
use async_openai::types::embeddings::{CreateEmbeddingRequestArgs, CreateEmbeddingResponse};
use async_openai::types::responses::{CreateResponseArgs, Response, ResponseStream};
use async_openai::Client;
use futures::StreamExt;
use genops::semconv::*;
use genops::IncludeUsage;
use mock_provider::MockProvider;
use serde_json::Value;
use support::providers::{
    assert_cached_chat_booked, assert_chat_stream_booked, assert_reasoning_response_booked,
    assert_responses_stream_booked,
};
use support::{capture, run};

fn client(mock: &MockProvider) -> Client<OpenAIConfig> {
    Client::with_config(
        OpenAIConfig::new()
            .with_api_base(mock.openai_base())
            .with_api_key("sk-test-not-a-real-key"),
    )
}

fn chat_request(stream: bool) -> CreateChatCompletionRequest {
    CreateChatCompletionRequestArgs::default()
        .model("gpt-4o-mini")
        .stream(stream)
        .messages([ChatCompletionRequestUserMessageArgs::default()
            .content("Describe the picture.")
            .build()
            .expect("a message")
            .into()])
        .build()
        .expect("a request")
}

#[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini", err)]
async fn chat(client: &Client<OpenAIConfig>) -> Result<CreateChatCompletionResponse, OpenAIError> {
    client.chat().create(chat_request(false)).await
}

#[test]
fn a_chat_completion_with_cached_prompt_tokens_is_booked_from_the_returned_response() {
    let mock = MockProvider::start();
    let client = client(&mock);
    let (response, cap, ledger) = capture(true, || run(chat(&client)));
    response.expect("the mock answers");
    let span = cap.span("chat gpt-4o-mini");
    assert_cached_chat_booked(&span, &ledger);
    assert_eq!(
        span.field(GEN_AI_RESPONSE_ID).str(),
        "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG"
    );
}

#[genops::track(team = "research", provider = "openai", model = "gpt-5", err)]
async fn reason(client: &Client<OpenAIConfig>) -> Result<Response, OpenAIError> {
    let request = CreateResponseArgs::default()
        .model("gpt-5")
        .input("Write a haiku about AI.")
        .build()
        .expect("a request");
    client.responses().create(request).await
}

#[test]
fn a_responses_api_call_books_its_reasoning_tokens_as_output() {
    let mock = MockProvider::start();
    let client = client(&mock);
    let (response, cap, ledger) = capture(true, || run(reason(&client)));
    response.expect("the mock answers");
    assert_reasoning_response_booked(&cap.span("chat gpt-5"), &ledger);
}

#[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini", stream, err)]
async fn chat_stream(
    client: &Client<OpenAIConfig>,
    request: CreateChatCompletionRequest,
) -> Result<ChatCompletionResponseStream, OpenAIError> {
    client.chat().create_stream(request).await
}

#[test]
fn a_chat_stream_with_include_usage_books_the_usage_of_its_last_chunk() {
    let mock = MockProvider::start();
    let client = client(&mock);
    let (chunks, cap, ledger) = capture(true, || {
        run(async {
            let mut request = chat_request(true);
            request.include_usage();
            let stream = chat_stream(&client, request).await.expect("a stream");
            stream.collect::<Vec<_>>().await
        })
    });
    assert_eq!(chunks.len(), 5);
    let last = chunks.last().unwrap().as_ref().expect("a chunk");
    assert!(last.choices.is_empty() && last.usage.is_some());
    assert_eq!(
        mock.requests()[0]["stream_options"]["include_usage"],
        Value::Bool(true)
    );
    let span = cap.span("chat gpt-4o-mini");
    assert_chat_stream_booked(&span, &ledger);
    assert_eq!(span.field(GENOPS_STREAM_CHUNKS).i64(), 5);
    assert!(cap.warnings().is_empty());
}

#[test]
fn a_chat_stream_without_include_usage_is_flagged_and_warned_about_once() {
    let mock = MockProvider::start();
    let client = client(&mock);
    let ((), cap, ledger) = capture(true, || {
        run(async {
            for _ in 0..2 {
                let stream = chat_stream(&client, chat_request(true))
                    .await
                    .expect("a stream");
                stream.for_each(|_| async {}).await;
            }
        })
    });
    // genops never changes the request: it went out without `stream_options`.
    for request in mock.requests() {
        assert_eq!(request["stream_options"], Value::Null);
    }
    let spans = cap.spans();
    assert_eq!(spans.len(), 2);
    for span in &spans {
        assert!(span.field(GENOPS_USAGE_MISSING).bool());
        assert!(!span.has(GEN_AI_USAGE_INPUT_TOKENS));
        assert_eq!(span.field(GEN_AI_USAGE_COST).f64(), 0.0);
        assert_eq!(
            span.field(GEN_AI_RESPONSE_FINISH_REASONS).str(),
            r#"["stop"]"#
        );
    }
    let warnings = cap.warnings();
    assert_eq!(warnings.len(), 1, "once per call site: {warnings:?}");
    assert_eq!(
        warnings[0],
        "a streamed call completed without recorded usage: its tokens are not booked \
         (`genops.usage.missing`). OpenAI chat streams carry usage only when the request sets \
         `stream_options.include_usage` to true (`genops::IncludeUsage::include_usage`). \
         Warned once per call site."
    );
    let snapshot = ledger.snapshot();
    assert_eq!(snapshot.total.missing_usage_calls, 2);
    assert_eq!(snapshot.total.cost.picos(), 0);
}

#[test]
fn a_chat_stream_abandoned_midway_is_cancelled_with_the_model_and_no_usage() {
    let mock = MockProvider::start();
    let client = client(&mock);
    let ((), cap, ledger) = capture(true, || {
        run(async {
            let mut request = chat_request(true);
            request.include_usage();
            let mut stream = chat_stream(&client, request).await.expect("a stream");
            stream.next().await;
            stream.next().await;
        })
    });
    let span = cap.span("chat gpt-4o-mini");
    assert!(span.field(GENOPS_CANCELLED).bool());
    assert_eq!(span.field(GENOPS_STREAM_END).str(), "cancelled");
    assert_eq!(span.field(GENOPS_STREAM_CHUNKS).i64(), 2);
    assert_eq!(
        span.field(GEN_AI_RESPONSE_MODEL).str(),
        "gpt-4o-mini-2024-07-18"
    );
    // OpenAI reports usage only in the last chunk: none was read, none is booked or guessed.
    assert!(!span.has(GEN_AI_USAGE_INPUT_TOKENS));
    assert!(!span.has(GENOPS_USAGE_MISSING) && !span.has(GEN_AI_RESPONSE_FINISH_REASONS));
    assert_eq!(ledger.snapshot().total.cost.picos(), 0);
    assert_eq!(ledger.snapshot().total.calls, 1);
}

#[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini", stream, err)]
async fn response_stream(client: &Client<OpenAIConfig>) -> Result<ResponseStream, OpenAIError> {
    let request = CreateResponseArgs::default()
        .model("gpt-4o-mini")
        .input("Say hi.")
        .stream(true)
        .build()
        .expect("a request");
    client.responses().create_stream(request).await
}

#[test]
fn a_responses_api_stream_books_the_usage_of_response_completed() {
    let mock = MockProvider::start();
    let client = client(&mock);
    let (events, cap, ledger) = capture(true, || {
        run(async {
            let stream = response_stream(&client).await.expect("a stream");
            stream.collect::<Vec<_>>().await
        })
    });
    assert_eq!(events.len(), 5);
    assert!(events.iter().all(Result::is_ok), "{events:?}");
    assert_responses_stream_booked(&cap.span("chat gpt-4o-mini"), &ledger);
}

#[genops::track(
    team = "search",
    provider = "openai",
    model = "text-embedding-3-small",
    operation = "embeddings",
    err
)]
async fn embed(client: &Client<OpenAIConfig>) -> Result<CreateEmbeddingResponse, OpenAIError> {
    let request = CreateEmbeddingRequestArgs::default()
        .model("text-embedding-3-small")
        .input("The food was delicious.")
        .build()
        .expect("a request");
    client.embeddings().create(request).await
}

#[test]
fn an_embeddings_call_books_its_input_tokens() {
    let mock = MockProvider::start();
    let client = client(&mock);
    let (response, cap, ledger) = capture(true, || run(embed(&client)));
    response.expect("the mock answers");
    let span = cap.span("embeddings text-embedding-3-small");
    assert_eq!(span.field(GEN_AI_USAGE_INPUT_TOKENS).i64(), 5_000);
    // text-embedding-3-small: 20,000 p$ per token.
    assert_eq!(ledger.snapshot().total.cost.picos(), 5_000 * 20_000);
}
