//! Provider bodies shaped as the providers document them (`tests/data/providers/`), and the
//! events of their SSE streams.

use serde_json::Value;

/// The text of `tests/data/providers/{name}`.
pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/data/providers/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The JSON body `tests/data/providers/{name}`.
pub fn body(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).expect("a JSON fixture")
}

/// The `data:` payloads of an SSE stream, parsed, without OpenAI's closing `[DONE]`.
pub fn sse_events(name: &str) -> Vec<Value> {
    fixture(name)
        .lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .map(str::trim)
        .filter(|data| *data != "[DONE]")
        .map(|data| serde_json::from_str(data).expect("an SSE data line of JSON"))
        .collect()
}

/// gpt-4o-mini per token, in pico-dollars: input 150,000, cached input 75,000, output 600,000.
pub const MINI_IN: u128 = 150_000;
/// See [`MINI_IN`].
pub const MINI_CACHED: u128 = 75_000;
/// See [`MINI_IN`].
pub const MINI_OUT: u128 = 600_000;

/// What the documented chat completion with a cached prompt (`openai_chat_cached.json`, which
/// the mock provider also serves) books, whichever path carried it: 2,000 input tokens of which
/// 1,500 cached, 300 output tokens, the dated model that answered, and its finish reason.
pub fn assert_cached_chat_booked(span: &super::SpanRecord, ledger: &genops::Ledger) {
    use genops::semconv::*;
    assert_eq!(span.field(GEN_AI_USAGE_INPUT_TOKENS).i64(), 2_000);
    assert_eq!(
        span.field(GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS).i64(),
        1_500
    );
    assert_eq!(span.field(GEN_AI_USAGE_OUTPUT_TOKENS).i64(), 300);
    assert!(!span.has(GEN_AI_USAGE_REASONING_OUTPUT_TOKENS));
    assert_eq!(
        span.field(GEN_AI_RESPONSE_MODEL).str(),
        "gpt-4o-mini-2024-07-18"
    );
    assert_eq!(
        span.field(GEN_AI_RESPONSE_FINISH_REASONS).str(),
        r#"["stop"]"#
    );
    // 500 uncached + 1,500 cached input tokens, 300 output tokens.
    let picos = 500 * MINI_IN + 1_500 * MINI_CACHED + 300 * MINI_OUT;
    assert_eq!(picos, 367_500_000);
    assert_eq!(ledger.snapshot().total.cost.picos(), picos);
}

/// What the documented Responses API reply of gpt-5 with reasoning
/// (`openai_responses_reasoning.json`, which the mock provider also serves) books: 1,000 input
/// tokens and 2,000 output tokens, 1,500 of them reasoning.
pub fn assert_reasoning_response_booked(span: &super::SpanRecord, ledger: &genops::Ledger) {
    use genops::semconv::*;
    assert_eq!(span.field(GEN_AI_USAGE_INPUT_TOKENS).i64(), 1_000);
    assert_eq!(span.field(GEN_AI_USAGE_OUTPUT_TOKENS).i64(), 2_000);
    assert_eq!(
        span.field(GEN_AI_USAGE_REASONING_OUTPUT_TOKENS).i64(),
        1_500
    );
    assert_eq!(span.field(GEN_AI_RESPONSE_MODEL).str(), "gpt-5-2025-08-07");
    assert_eq!(
        span.field(GEN_AI_RESPONSE_FINISH_REASONS).str(),
        r#"["completed"]"#
    );
    // gpt-5: 1,000 in × 1,250,000 p$ + 2,000 out (reasoning included) × 10,000,000 p$
    let picos = 1_000 * 1_250_000 + 2_000 * 10_000_000;
    assert_eq!(ledger.snapshot().total.cost.picos(), picos);
}

/// What the documented chat stream with usage in its last chunk (`openai_chat_stream.sse`, which
/// the mock provider also serves) books: 1,000 input and 200 output tokens, completed, with no
/// usage missing.
pub fn assert_chat_stream_booked(span: &super::SpanRecord, ledger: &genops::Ledger) {
    use genops::semconv::*;
    assert_eq!(span.field(GENOPS_STREAM_END).str(), "completed");
    assert_eq!(span.field(GEN_AI_USAGE_INPUT_TOKENS).i64(), 1_000);
    assert_eq!(span.field(GEN_AI_USAGE_OUTPUT_TOKENS).i64(), 200);
    assert_eq!(span.field(GEN_AI_RESPONSE_ID).str(), "chatcmpl-123");
    assert_eq!(
        span.field(GEN_AI_RESPONSE_FINISH_REASONS).str(),
        r#"["stop"]"#
    );
    assert!(!span.has(GENOPS_USAGE_MISSING));
    // 1,000 × 150,000 p$ + 200 × 600,000 p$
    assert_eq!(
        ledger.snapshot().total.cost.picos(),
        1_000 * MINI_IN + 200 * MINI_OUT
    );
}

/// What the documented Responses API stream (`openai_responses_stream.sse`, which the mock
/// provider also serves) books, from its `response.completed` event: 37 input and 11 output
/// tokens.
pub fn assert_responses_stream_booked(span: &super::SpanRecord, ledger: &genops::Ledger) {
    use genops::semconv::*;
    assert_eq!(span.field(GEN_AI_USAGE_INPUT_TOKENS).i64(), 37);
    assert_eq!(span.field(GEN_AI_USAGE_OUTPUT_TOKENS).i64(), 11);
    assert_eq!(span.field(GEN_AI_RESPONSE_ID).str(), "resp_123");
    assert_eq!(
        span.field(GEN_AI_RESPONSE_FINISH_REASONS).str(),
        r#"["completed"]"#
    );
    // 37 × 150,000 p$ + 11 × 600,000 p$
    assert_eq!(
        ledger.snapshot().total.cost.picos(),
        37 * MINI_IN + 11 * MINI_OUT
    );
}
