//! What the mock Bedrock's ConverseStream (`examples/support/mock_bedrock.rs`) books at
//! claude-haiku-4-5, whichever client read it: the AWS SDK's or genai's Bedrock adapter.

use genops::semconv::*;

use super::SpanRecord;

/// A cross-region inference profile: the price table has its model, not the profile.
pub const HAIKU_4_5_US: &str = "us.anthropic.claude-haiku-4-5-20251001-v1:0";

/// The mock stream's `metadata` usage as Bedrock counts it: input (without the cache), output,
/// cache read, cache write. Each test checks the mock's `STREAM_USAGE` against it.
pub const STREAM_USAGE: (u64, u64, u64, u64) = (900, 40, 600, 100);

/// Asserts that the mock served one stream at [`HAIKU_4_5_US`] (`paths`: what it was asked),
/// that the call's span saw it to its end, and the span's usage fields and the ledger's total.
pub fn assert_stream_booked(paths: &[String], span: &SpanRecord, ledger: &genops::Ledger) {
    let model = HAIKU_4_5_US.replace(':', "%3A");
    assert_eq!(paths, [format!("/model/{model}/converse-stream")]);
    assert_eq!(span.field(GENOPS_STREAM_END).str(), "completed");
    // Bedrock's inputTokens (900) leaves out the cache reads (600) and writes (100); the GenAI
    // conventions count them.
    assert_eq!(span.field(GEN_AI_USAGE_INPUT_TOKENS).i64(), 1_600);
    assert_eq!(span.field(GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS).i64(), 600);
    assert_eq!(
        span.field(GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS).i64(),
        100
    );
    assert_eq!(span.field(GEN_AI_USAGE_OUTPUT_TOKENS).i64(), 40);
    assert!(!span.has(GENOPS_USAGE_MISSING));
    // Priced as claude-haiku-4-5-20251001, per token: input 1,000,000 p$, cache read 100,000 p$,
    // cache write 1,250,000 p$, output 5,000,000 p$.
    let picos = 900 * 1_000_000 + 600 * 100_000 + 100 * 1_250_000 + 40 * 5_000_000;
    assert_eq!(picos, 1_285_000_000);
    assert_eq!(ledger.snapshot().total.cost.picos(), picos);
}
