//! genai's Bedrock adapter, with genai's real client pointed (with a `ServiceTargetResolver`)
//! at a mock Bedrock Runtime on 127.0.0.1 (`examples/support/mock_bedrock.rs`), which streams
//! AWS event-stream frames. genai passes Bedrock's `inputTokens`, which leaves out the prompt
//! cache, through as `prompt_tokens`, and its stream's `End` event names no adapter: on a call
//! to `aws.bedrock`, genops adds the cache tokens to the input all the same.

#[path = "../examples/support/mock_bedrock.rs"]
mod mock_bedrock;
#[path = "../examples/support/mock_provider.rs"]
mod mock_provider;
mod support;

use futures::{Stream, StreamExt};
use genai::adapter::AdapterKind;
use genai::chat::{ChatMessage, ChatOptions, ChatRequest, ChatStreamEvent};
use genai::Client;
use mock_provider::MockProvider;
use support::bedrock::{self, HAIKU_4_5_US};
use support::{capture, run};

fn client(mock: &MockProvider) -> Client {
    let base = format!("{}/", mock.endpoint());
    support::genai::client(base, AdapterKind::BedrockApi, "bedrock-api-key-test")
}

#[genops::track(team = "chat", provider = "aws.bedrock", model = HAIKU_4_5_US, stream, err)]
async fn chat_stream(
    client: &Client,
) -> genai::Result<impl Stream<Item = genai::Result<ChatStreamEvent>>> {
    let options = ChatOptions::default().with_capture_usage(true);
    let question = ChatRequest::new(vec![ChatMessage::user("Describe the picture.")]);
    let response = client
        .exec_chat_stream(HAIKU_4_5_US, question, Some(&options))
        .await?;
    Ok(response.stream)
}

#[test]
fn a_genai_bedrock_stream_books_the_cache_tokens_bedrock_leaves_out_of_its_input() {
    let mock = mock_bedrock::start();
    let client = client(&mock);
    let (ended, cap, ledger) = capture(true, || {
        run(async {
            let stream = chat_stream(&client).await.expect("a stream");
            let events: Vec<_> = stream.collect().await;
            events
                .iter()
                .any(|e| matches!(e, Ok(ChatStreamEvent::End(_))))
        })
    });
    assert!(ended);
    let span = cap.span("chat");
    assert_eq!(mock_bedrock::STREAM_USAGE, bedrock::STREAM_USAGE);
    // genai reports 900 input tokens; the call books 1,600.
    bedrock::assert_stream_booked(&mock.paths(), &span, &ledger);
}
