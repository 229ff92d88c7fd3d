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
use genai::resolver::{AuthData, Endpoint, ServiceTargetResolver};
use genai::{Client, ModelIden, ServiceTarget};
use genops::semconv::*;
use mock_bedrock::STREAM_USAGE;
use mock_provider::MockProvider;
use support::{capture, run};

const HAIKU_4_5_US: &str = "us.anthropic.claude-haiku-4-5-20251001-v1:0";

fn client(mock: &MockProvider) -> Client {
    let base = format!("{}/", mock.endpoint());
    let resolver = ServiceTargetResolver::from_resolver_fn(
        move |target: ServiceTarget| -> Result<ServiceTarget, genai::resolver::Error> {
            Ok(ServiceTarget {
                endpoint: Endpoint::from_owned(base.clone()),
                auth: AuthData::from_single("bedrock-api-key-test"),
                model: ModelIden::new(AdapterKind::BedrockApi, target.model.model_name),
            })
        },
    );
    Client::builder()
        .with_service_target_resolver(resolver)
        .build()
        .expect("a genai client")
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
    assert_eq!(
        mock.paths(),
        [format!(
            "/model/{}/converse-stream",
            HAIKU_4_5_US.replace(':', "%3A")
        )]
    );
    let span = cap.span("chat");
    assert_eq!(span.field(GENOPS_STREAM_END).str(), "completed");
    let (input, output, read, write) = STREAM_USAGE;
    assert_eq!((input, read, write), (900, 600, 100));
    // genai reports 900; the GenAI conventions count the cache too.
    assert_eq!(span.field(GEN_AI_USAGE_INPUT_TOKENS).i64(), 1_600);
    assert_eq!(span.field(GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS).i64(), 600);
    assert_eq!(
        span.field(GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS).i64(),
        100
    );
    assert_eq!(span.field(GEN_AI_USAGE_OUTPUT_TOKENS).i64(), output as i64);
    // claude-haiku-4-5 per token: input 1,000,000 p$, cache read 100,000 p$, cache write
    // 1,250,000 p$, output 5,000,000 p$.
    let picos = 900 * 1_000_000 + 600 * 100_000 + 100 * 1_250_000 + 40 * 5_000_000;
    assert_eq!(ledger.snapshot().total.cost.picos(), picos);
}
