//! The `aws-bedrock` integration: the AWS SDK's real Bedrock Runtime client, signing with static
//! test credentials, pointed at a mock Bedrock on 127.0.0.1 (`examples/support/mock_bedrock.rs`)
//! that answers the Converse API with JSON and ConverseStream with AWS event-stream frames.
//! Tracked functions return the client's outputs, or `genops::bedrock::into_stream` of them;
//! genops records them with no user code. Each test checks the span's fields as a subscriber
//! sees them and the exact booked cost in pico-dollars, computed here from the embedded prices.
//! Bedrock names no model in its responses: the requested model prices the call.

#[path = "../examples/support/mock_bedrock.rs"]
mod mock_bedrock;
#[path = "../examples/support/mock_provider.rs"]
mod mock_provider;
mod support;

use aws_sdk_bedrockruntime::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_bedrockruntime::error::SdkError;
use aws_sdk_bedrockruntime::operation::converse::{ConverseError, ConverseOutput};
use aws_sdk_bedrockruntime::operation::converse_stream::ConverseStreamError as SendError;
use aws_sdk_bedrockruntime::types::{
    CachePointBlock, CachePointType, ContentBlock, ConversationRole, ConverseStreamOutput, Message,
    MessageStopEvent, StopReason,
};
use aws_sdk_bedrockruntime::Client;
use futures::{Stream, StreamExt};
use genops::bedrock::{into_stream, ConverseStreamError};
use genops::semconv::*;
use mock_bedrock::{CACHED_USAGE, CONVERSE_USAGE, REQUEST_ID, STREAM_USAGE};
use mock_provider::MockProvider;
use support::bedrock::{self, HAIKU_4_5_US};
use support::{capture, run, SpanRecord, V};

/// claude-3-5-sonnet on Bedrock (`anthropic.claude-3-5-sonnet-20240620-v1:0`) and
/// claude-sonnet-4-5, per token: input 3,000,000 p$, output 15,000,000 p$, cache read
/// 300,000 p$, cache write 3,750,000 p$.
const SONNET_IN: u128 = 3_000_000;
const SONNET_OUT: u128 = 15_000_000;
const SONNET_CACHE_READ: u128 = 300_000;
const SONNET_CACHE_WRITE: u128 = 3_750_000;
/// A cross-region inference profile: the price table has its model, not the profile.
const SONNET_4_5_US: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";

fn client(mock: &MockProvider) -> Client {
    let config = aws_sdk_bedrockruntime::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "test"))
        .endpoint_url(mock.endpoint())
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .sleep_impl(aws_smithy_async::rt::sleep::TokioSleep::new())
        .build();
    Client::from_conf(config)
}

/// What an answered Bedrock call records besides its usage: no response model, as Bedrock names
/// none (the requested model prices the call), the request id and the stop reason.
fn assert_answered(span: &SpanRecord) {
    assert!(!span.has(GEN_AI_RESPONSE_MODEL));
    assert!(!span.has(GENOPS_COST_UNKNOWN_MODEL));
    assert_eq!(span.field(GEN_AI_RESPONSE_ID).str(), REQUEST_ID);
    assert_eq!(
        span.field(GEN_AI_RESPONSE_FINISH_REASONS).str(),
        r#"["end_turn"]"#
    );
}

/// A user message; with `cache_point`, the prompt up to it is cached.
fn question(cache_point: bool) -> Message {
    let mut message = Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text("Describe the picture.".into()));
    if cache_point {
        let point = CachePointBlock::builder()
            .r#type(CachePointType::Default)
            .build()
            .expect("a cache point type");
        message = message.content(ContentBlock::CachePoint(point));
    }
    message.build().expect("a role and content")
}

#[genops::track(
    team = "assistant",
    provider = "aws.bedrock",
    model = "anthropic.claude-3-5-sonnet-20240620-v1:0",
    err
)]
async fn converse(client: &Client) -> Result<ConverseOutput, SdkError<ConverseError>> {
    client
        .converse()
        .model_id("anthropic.claude-3-5-sonnet-20240620-v1:0")
        .messages(question(false))
        .send()
        .await
}

#[test]
fn a_converse_output_is_booked_at_the_requested_model() {
    let mock = mock_bedrock::start();
    let client = client(&mock);
    let (_, cap, ledger) = capture(true, || run(converse(&client)).expect("the mock answers"));
    assert_eq!(
        mock.paths(),
        ["/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse"]
    );
    let span = cap.span("chat anthropic.claude-3-5-sonnet-20240620-v1:0");
    let (input, output) = CONVERSE_USAGE;
    assert_eq!(span.field(GEN_AI_USAGE_INPUT_TOKENS).i64(), 1_200);
    assert_eq!(span.field(GEN_AI_USAGE_OUTPUT_TOKENS).i64(), 300);
    assert!(!span.has(GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS));
    assert!(!span.has(GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS));
    assert_answered(&span);
    let picos = u128::from(input) * SONNET_IN + u128::from(output) * SONNET_OUT;
    // 1,200 × 3,000,000 + 300 × 15,000,000.
    assert_eq!(picos, 8_100_000_000);
    assert_eq!(ledger.snapshot().total.cost.picos(), picos);
}

/// The model id the request sends, as the `model` attribute: a variable works.
#[genops::track(team = "assistant", provider = "aws.bedrock", model = model_id, err)]
async fn converse_cached(
    client: &Client,
    model_id: &str,
) -> Result<ConverseOutput, SdkError<ConverseError>> {
    client
        .converse()
        .model_id(model_id)
        .messages(question(true))
        .send()
        .await
}

#[test]
fn a_cached_converse_output_books_its_cache_reads_and_writes_as_input_at_a_cross_region_profile() {
    let mock = mock_bedrock::start();
    let client = client(&mock);
    let (_, cap, ledger) = capture(true, || {
        run(converse_cached(&client, SONNET_4_5_US)).expect("the mock answers")
    });
    let span = cap.span("chat");
    assert_eq!(span.field(GEN_AI_REQUEST_MODEL).str(), SONNET_4_5_US);
    let (input, output, read, write) = CACHED_USAGE;
    // Bedrock's inputTokens (200) excludes the 1,500 cache reads and 500 cache writes.
    assert_eq!(span.field(GEN_AI_USAGE_INPUT_TOKENS).i64(), 2_200);
    assert_eq!(
        span.field(GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS).i64(),
        1_500
    );
    assert_eq!(
        span.field(GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS).i64(),
        500
    );
    assert_eq!(span.field(GEN_AI_USAGE_OUTPUT_TOKENS).i64(), 150);
    assert_answered(&span);
    // us.anthropic.claude-sonnet-4-5-20250929-v1:0 is priced as claude-sonnet-4-5-20250929.
    let picos = u128::from(input) * SONNET_IN
        + u128::from(read) * SONNET_CACHE_READ
        + u128::from(write) * SONNET_CACHE_WRITE
        + u128::from(output) * SONNET_OUT;
    // 600,000,000 + 450,000,000 + 1,875,000,000 + 2,250,000,000.
    assert_eq!(picos, 5_175_000_000);
    assert_eq!(ledger.snapshot().total.cost.picos(), picos);
}

#[genops::track(team = "assistant", provider = "aws.bedrock", model = model_id, stream, err)]
async fn converse_stream(
    client: &Client,
    model_id: &str,
) -> Result<
    impl Stream<Item = Result<ConverseStreamOutput, ConverseStreamError>>,
    SdkError<SendError>,
> {
    let output = client
        .converse_stream()
        .model_id(model_id)
        .messages(question(false))
        .send()
        .await?;
    Ok(into_stream(output))
}

#[test]
fn a_converse_stream_is_booked_from_its_metadata_event() {
    let mock = mock_bedrock::start();
    let client = client(&mock);
    let (text, cap, ledger) = capture(true, || {
        run(async {
            let stream = converse_stream(&client, HAIKU_4_5_US)
                .await
                .expect("a stream");
            let events: Vec<_> = stream.collect().await;
            assert_eq!(events.len(), 6, "{events:?}");
            let delta = |event: &ConverseStreamOutput| {
                let delta = event.as_content_block_delta().ok()?.delta.as_ref()?;
                delta.as_text().ok().cloned()
            };
            events
                .iter()
                .map(|event| delta(event.as_ref().expect("an event")).unwrap_or_default())
                .collect::<String>()
        })
    });
    assert_eq!(text, "A lighthouse.");
    let span = cap.span("chat");
    assert_eq!(span.field(GENOPS_STREAM_CHUNKS).i64(), 6);
    assert_eq!(STREAM_USAGE, bedrock::STREAM_USAGE);
    bedrock::assert_stream_booked(&mock.paths(), &span, &ledger);
    // The request id, recorded by `into_stream`; the stop reason, from `messageStop`.
    assert_answered(&span);
}

#[test]
fn a_converse_stream_dropped_before_its_metadata_is_cancelled_without_usage() {
    let mock = mock_bedrock::start();
    let client = client(&mock);
    let ((), cap, ledger) = capture(true, || {
        run(async {
            let stream = converse_stream(&client, HAIKU_4_5_US)
                .await
                .expect("a stream");
            let mut stream = std::pin::pin!(stream);
            // messageStart and the first delta, then the stream is dropped.
            for _ in 0..2 {
                stream.next().await.expect("an event").expect("an Ok event");
            }
        })
    });
    let span = cap.span("chat");
    assert!(span.closed);
    assert!(span.field(GENOPS_CANCELLED).bool());
    assert_eq!(span.field(GENOPS_STREAM_END).str(), "cancelled");
    assert_eq!(span.field(GENOPS_STREAM_CHUNKS).i64(), 2);
    // The usage comes last, in `metadata`: nothing is booked, and a cancelled stream is not
    // flagged as missing its usage (as for any stream).
    assert!(!span.has(GEN_AI_USAGE_INPUT_TOKENS));
    assert!(!span.has(GEN_AI_USAGE_OUTPUT_TOKENS));
    assert!(!span.has(GEN_AI_RESPONSE_FINISH_REASONS));
    assert!(!span.has(GENOPS_USAGE_MISSING));
    assert_eq!(span.field(GEN_AI_RESPONSE_ID).str(), REQUEST_ID);
    assert_eq!(span.field(GEN_AI_USAGE_COST), &V::F64(0.0));
    assert_eq!(ledger.snapshot().total.cost.picos(), 0);
    assert_eq!(ledger.snapshot().total.calls, 1);
}

/// A ConverseStream's events without the closing `metadata`, as a tracked stream yields them.
#[genops::track(team = "assistant", provider = "aws.bedrock", model = HAIKU_4_5_US, stream)]
fn events_without_metadata() -> impl Stream<Item = Result<ConverseStreamOutput, ConverseStreamError>>
{
    let stop = MessageStopEvent::builder()
        .stop_reason(StopReason::EndTurn)
        .build()
        .expect("a stop reason");
    futures::stream::iter([Ok(ConverseStreamOutput::MessageStop(stop))])
}

#[test]
fn a_converse_stream_that_ends_without_metadata_is_flagged_and_says_where_usage_comes() {
    let (events, cap, ledger) = capture(true, || {
        futures::executor::block_on(events_without_metadata().count())
    });
    assert_eq!(events, 1);
    let span = cap.span("chat");
    assert_eq!(span.field(GENOPS_STREAM_END).str(), "completed");
    assert!(span.field(GENOPS_USAGE_MISSING).bool());
    assert!(!span.has(GEN_AI_USAGE_INPUT_TOKENS));
    assert_eq!(
        span.field(GEN_AI_RESPONSE_FINISH_REASONS).str(),
        r#"["end_turn"]"#
    );
    let warnings = cap.warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains(
            "Bedrock sends a ConverseStream's usage in its last event, `metadata`, and this \
             stream ended without it"
        ),
        "{}",
        warnings[0]
    );
    assert_eq!(ledger.snapshot().total.cost.picos(), 0);
}
