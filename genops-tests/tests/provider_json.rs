//! Raw provider JSON recorded on tracked calls: returned, yielded by a tracked stream, or
//! recorded with `genops::record`. The bodies are shaped as OpenAI, Anthropic and Gemini
//! document them (`tests/data/providers/`); each test checks the span's fields and the exact
//! booked cost in pico-dollars against a hand computation from the embedded prices.

mod support;

use futures::{Stream, StreamExt};
use genops::semconv::*;
use genops::Usage;
use serde_json::Value;
use support::providers::{
    assert_cached_chat_booked, assert_chat_stream_booked, assert_reasoning_response_booked,
    assert_responses_stream_booked, body, sse_events,
};
use support::{capture, V};

#[derive(Debug)]
struct HttpError;

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    futures::executor::block_on(f)
}

fn warnings(cap: &support::Capture) -> Vec<String> {
    cap.events()
        .into_iter()
        .filter(|(_, f)| f["level"] == V::Str("WARN".into()))
        .map(|(message, _)| message)
        .collect()
}

#[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini")]
async fn openai_chat() -> Result<Value, HttpError> {
    Ok(body("openai_chat_cached.json"))
}

#[test]
fn a_returned_openai_chat_completion_is_recorded_with_its_cached_tokens() {
    let (value, cap, ledger) = capture(true, || block_on(openai_chat()));
    assert!(value.is_ok());
    let span = cap.span("chat gpt-4o-mini");
    assert_cached_chat_booked(&span, &ledger);
    assert_eq!(
        span.field(GEN_AI_RESPONSE_ID).str(),
        "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG"
    );
}

#[genops::track(team = "chat", provider = "openai", model = "gpt-5")]
fn openai_response() -> Value {
    body("openai_responses_reasoning.json")
}

#[test]
fn a_returned_responses_api_body_is_recorded_with_its_reasoning_tokens() {
    let (_, cap, ledger) = capture(true, openai_response);
    assert_reasoning_response_booked(&cap.span("chat gpt-5"), &ledger);
}

#[genops::track(
    team = "search",
    provider = "openai",
    model = "text-embedding-3-small",
    operation = "embeddings"
)]
fn embed() -> Value {
    body("openai_embeddings.json")
}

#[test]
fn a_returned_embeddings_body_is_recorded() {
    let (_, cap, ledger) = capture(true, embed);
    let span = cap.span("embeddings text-embedding-3-small");
    assert_eq!(span.field(GEN_AI_USAGE_INPUT_TOKENS).i64(), 5_000);
    assert_eq!(span.field(GEN_AI_USAGE_OUTPUT_TOKENS).i64(), 0);
    // text-embedding-3-small: 5,000 × 20,000 p$
    assert_eq!(ledger.snapshot().total.cost.picos(), 5_000 * 20_000);
}

/// A tracked stream of parsed SSE events, as a reqwest-based client yields them.
fn events(name: &'static str) -> impl Stream<Item = Result<Value, HttpError>> {
    futures::stream::iter(sse_events(name).into_iter().map(Ok))
}

#[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini", stream)]
fn openai_stream(name: &'static str) -> impl Stream<Item = Result<Value, HttpError>> {
    events(name)
}

#[test]
fn an_openai_chat_stream_books_the_usage_of_its_last_chunk_without_choices() {
    let (items, cap, ledger) = capture(true, || {
        block_on(openai_stream("openai_chat_stream.sse").collect::<Vec<_>>())
    });
    assert_eq!(items.len(), 5);
    assert_chat_stream_booked(&cap.span("chat gpt-4o-mini"), &ledger);
    assert_eq!(ledger.snapshot().total.cost.picos(), 270_000_000);
    assert!(warnings(&cap).is_empty());
}

#[test]
fn an_openai_chat_stream_without_usage_is_flagged_and_says_to_include_usage_once() {
    let ((), cap, ledger) = capture(true, || {
        for _ in 0..2 {
            block_on(openai_stream("openai_chat_stream_no_usage.sse").for_each(|_| async {}));
        }
    });
    for span in cap.spans() {
        assert!(span.field(GENOPS_USAGE_MISSING).bool());
        assert!(!span.has(GEN_AI_USAGE_INPUT_TOKENS));
        assert_eq!(span.field(GEN_AI_USAGE_COST).f64(), 0.0);
        assert_eq!(
            span.field(GEN_AI_RESPONSE_MODEL).str(),
            "gpt-4o-mini-2024-07-18"
        );
    }
    let warnings = warnings(&cap);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("OpenAI chat streams carry usage only when the request sets `stream_options.include_usage` to true (`genops::IncludeUsage::include_usage`)"),
        "{}",
        warnings[0]
    );
    assert_eq!(ledger.snapshot().total.missing_usage_calls, 2);
}

#[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini", stream)]
fn responses_stream() -> impl Stream<Item = Result<Value, HttpError>> {
    events("openai_responses_stream.sse")
}

#[test]
fn a_responses_api_stream_books_the_usage_of_response_completed_once() {
    let ((), cap, ledger) = capture(true, || {
        block_on(responses_stream().for_each(|_| async {}));
    });
    assert_responses_stream_booked(&cap.span("chat gpt-4o-mini"), &ledger);
}

#[genops::track(
    team = "chat",
    provider = "anthropic",
    model = "claude-sonnet-4-5",
    stream
)]
fn anthropic_stream() -> impl Stream<Item = Result<Value, HttpError>> {
    events("anthropic_stream.sse")
}

/// claude-sonnet-4-5, per token: input 3,000,000 p$, cache read 300,000 p$, 5-minute cache
/// write 3,750,000 p$, 1-hour cache write 6,000,000 p$, output 15,000,000 p$. The stream's
/// input: 10 uncached, 1,000 cache reads, 200 5-minute and 300 1-hour cache writes.
const ANTHROPIC_INPUT_PICOS: u128 =
    10 * 3_000_000 + 1_000 * 300_000 + 200 * 3_750_000 + 300 * 6_000_000;

#[test]
fn an_anthropic_stream_books_its_cumulative_usage_once_with_the_1h_cache_writes() {
    let ((), cap, ledger) = capture(true, || {
        block_on(anthropic_stream().for_each(|_| async {}));
    });
    let span = cap.span("chat claude-sonnet-4-5");
    // Anthropic's input_tokens excludes the cache: 10 + 1,000 + 500.
    assert_eq!(span.field(GEN_AI_USAGE_INPUT_TOKENS).i64(), 1_510);
    assert_eq!(
        span.field(GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS).i64(),
        1_000
    );
    assert_eq!(
        span.field(GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS).i64(),
        500
    );
    // message_start said 1 output token, message_delta 120 so far: the last count wins.
    assert_eq!(span.field(GEN_AI_USAGE_OUTPUT_TOKENS).i64(), 120);
    assert_eq!(
        span.field(GEN_AI_RESPONSE_FINISH_REASONS).str(),
        r#"["end_turn"]"#
    );
    assert_eq!(
        span.field(GEN_AI_RESPONSE_ID).str(),
        "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY"
    );
    assert_eq!(
        ledger.snapshot().total.cost.picos(),
        ANTHROPIC_INPUT_PICOS + 120 * 15_000_000
    );
}

#[test]
fn an_anthropic_stream_abandoned_midway_books_what_message_start_reported() {
    let ((), cap, ledger) = capture(true, || {
        block_on(async {
            let mut stream = Box::pin(anthropic_stream());
            stream.next().await;
            stream.next().await;
        });
    });
    let span = cap.span("chat claude-sonnet-4-5");
    assert_eq!(span.field(GENOPS_STREAM_END).str(), "cancelled");
    assert_eq!(span.field(GEN_AI_USAGE_INPUT_TOKENS).i64(), 1_510);
    assert_eq!(span.field(GEN_AI_USAGE_OUTPUT_TOKENS).i64(), 1);
    assert!(!span.has(GEN_AI_RESPONSE_FINISH_REASONS));
    assert_eq!(
        ledger.snapshot().total.cost.picos(),
        ANTHROPIC_INPUT_PICOS + 15_000_000
    );
}

#[genops::track(
    team = "chat",
    provider = "gcp.gemini",
    model = "gemini-2.5-pro",
    stream
)]
fn gemini_stream() -> impl Stream<Item = Result<Value, HttpError>> {
    events("gemini_stream.sse")
}

#[test]
fn a_gemini_stream_books_its_cumulative_usage_metadata_with_the_thinking_tokens() {
    let ((), cap, ledger) = capture(true, || {
        block_on(gemini_stream().for_each(|_| async {}));
    });
    let span = cap.span("chat gemini-2.5-pro");
    assert_eq!(span.field(GEN_AI_USAGE_INPUT_TOKENS).i64(), 1_000);
    assert_eq!(span.field(GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS).i64(), 400);
    // candidatesTokenCount excludes the 50 thinking tokens.
    assert_eq!(span.field(GEN_AI_USAGE_OUTPUT_TOKENS).i64(), 90);
    assert_eq!(span.field(GEN_AI_USAGE_REASONING_OUTPUT_TOKENS).i64(), 50);
    assert_eq!(
        span.field(GEN_AI_RESPONSE_FINISH_REASONS).str(),
        r#"["STOP"]"#
    );
    // gemini/gemini-2.5-pro: 600 × 1,250,000 p$ + 400 cached × 125,000 p$ + 90 × 10,000,000 p$
    assert_eq!(
        ledger.snapshot().total.cost.picos(),
        600 * 1_250_000 + 400 * 125_000 + 90 * 10_000_000
    );
}

#[genops::track(team = "chat", provider = "gcp.gemini", model = "gemini-2.5-pro")]
fn two_gemini_responses() {
    // Two requests in one call: each response's cumulative usage adds to the call's.
    for id in ["first", "second"] {
        let mut last = sse_events("gemini_stream.sse").pop().expect("a chunk");
        last["responseId"] = id.into();
        genops::record(&last);
    }
}

#[test]
fn cumulative_reports_of_two_responses_add_up() {
    let ((), cap, _) = capture(true, two_gemini_responses);
    let span = cap.span("chat gemini-2.5-pro");
    assert_eq!(span.field(GEN_AI_USAGE_INPUT_TOKENS).i64(), 2_000);
    assert_eq!(span.field(GEN_AI_USAGE_OUTPUT_TOKENS).i64(), 180);
    assert_eq!(span.field(GEN_AI_RESPONSE_ID).str(), "second");
    assert_eq!(
        span.field(GEN_AI_RESPONSE_FINISH_REASONS).str(),
        r#"["STOP","STOP"]"#
    );
}

#[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini")]
fn recorded_by_hand_and_returned() -> Value {
    let response = body("openai_chat_cached.json");
    // Code written before automatic recording: the returned value is not counted again.
    genops::record_usage(Usage::new(2_000, 300).cache_read(1_500));
    response
}

#[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini")]
async fn outer_returns_inner() -> Result<Value, HttpError> {
    // The tracked call inside books the response; the outer call does not book it again.
    openai_chat().await
}

#[test]
fn a_response_is_booked_once_when_user_code_or_a_nested_call_recorded_it() {
    let (_, _, ledger) = capture(true, recorded_by_hand_and_returned);
    assert_eq!(ledger.snapshot().total.cost.picos(), 367_500_000);
    let (_, cap, ledger) = capture(true, || block_on(outer_returns_inner()));
    let snapshot = ledger.snapshot();
    assert_eq!(snapshot.total.calls, 2);
    assert_eq!(snapshot.total.cost.picos(), 367_500_000);
    let spans = cap.spans();
    let outer = spans.iter().find(|s| s.parent.is_none()).expect("outer");
    assert!(!outer.has(GEN_AI_USAGE_INPUT_TOKENS));
    assert_eq!(outer.field(GENOPS_COST_TOTAL).f64(), 0.0003675);
}

#[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini")]
async fn sdk_with_its_own_spans() -> Result<Value, HttpError> {
    // An SDK's own GenAI span (genai's otel feature, rig) inside the tracked call.
    let span = tracing::info_span!(
        target: "genai::client",
        "chat gpt-4o-mini",
        gen_ai.operation.name = "chat",
        gen_ai.provider.name = "openai",
        gen_ai.request.model = "gpt-4o-mini",
        gen_ai.usage.input_tokens = tracing::field::Empty,
        gen_ai.usage.output_tokens = tracing::field::Empty,
    );
    span.record(GEN_AI_USAGE_INPUT_TOKENS, 2_000_i64);
    span.record(GEN_AI_USAGE_OUTPUT_TOKENS, 300_i64);
    Ok(body("openai_chat_cached.json"))
}

#[test]
fn a_call_with_an_sdks_own_genai_span_inside_is_booked_once() {
    for genops_first in [true, false] {
        let (_, _, ledger) = capture(genops_first, || block_on(sdk_with_its_own_spans()));
        let snapshot = ledger.snapshot();
        assert_eq!(snapshot.total.calls, 1);
        assert_eq!(snapshot.total.cost.picos(), 367_500_000);
    }
}

#[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini")]
fn returns_something_else() -> Result<String, HttpError> {
    Ok("no usage here".into())
}

#[test]
fn other_return_types_record_nothing() {
    let (_, cap, ledger) = capture(true, returns_something_else);
    let span = cap.span("chat gpt-4o-mini");
    assert!(!span.has(GEN_AI_USAGE_INPUT_TOKENS) && !span.has(GEN_AI_RESPONSE_ID));
    assert_eq!(ledger.snapshot().total.cost.picos(), 0);
}
