//! How a call's pricing shows on its span: the long-context tier, the service tier and its
//! fallback, and models whose prices genops cannot apply (flagged and warned about once).

mod support;

use genops::semconv::*;
use genops::{ServiceTier, Usage};
use support::{capture, V};

#[genops::track(provider = "gcp.gemini", model = "gemini-2.5-pro")]
fn long_context() {
    genops::record_usage(
        Usage::new(263_553, 5_818)
            .cache_read(60_405)
            .reasoning(1_413),
    );
}

#[genops::track(provider = "gcp.gemini", model = "gemini-2.5-pro")]
fn short_context() {
    genops::record_usage(Usage::new(1_000, 100));
}

#[test]
fn the_long_context_tier_is_recorded_with_its_cost() {
    let (_, cap, _) = capture(true, || {
        long_context();
        short_context();
    });
    // Model calls are named `{operation} {model}`: take them in call order.
    let spans = cap.spans();
    let span = &spans[0];
    assert_eq!(span.field(GENOPS_COST_TIER).str(), "above_200k");
    // 610,241,250,000 p$: see genops-runtime/tests/pricing.rs for the arithmetic.
    assert_eq!(span.field(GEN_AI_USAGE_COST).f64(), 0.61024125);
    assert!(!span.has(GENOPS_SERVICE_TIER));
    assert!(!span.has(GENOPS_COST_UNSUPPORTED));
    let span = &spans[1];
    assert!(!span.has(GENOPS_COST_TIER));
}

#[genops::track(provider = "openai", model = "gpt-5")]
fn flex_call() {
    genops::record_usage(Usage::new(1_000, 100).service_tier(ServiceTier::Flex));
}

#[genops::track(provider = "anthropic", model = "claude-sonnet-4-5")]
fn flex_without_flex_prices() {
    genops::record_usage(Usage::new(1_000, 100).service_tier(ServiceTier::Flex));
}

#[test]
fn the_service_tier_and_its_fallback_are_recorded() {
    let (_, cap, _) = capture(true, || {
        flex_call();
        flex_without_flex_prices();
    });
    let spans = cap.spans();
    let span = &spans[0];
    assert_eq!(span.field(GENOPS_SERVICE_TIER).str(), "flex");
    assert!(!span.has(GENOPS_COST_SERVICE_TIER_FALLBACK));
    // gpt-5 flex: 1,000 × $0.625/M + 100 × $5/M = $0.000625 + $0.0005
    assert_eq!(span.field(GEN_AI_USAGE_COST).f64(), 0.001125);
    let span = &spans[1];
    assert_eq!(span.field(GENOPS_SERVICE_TIER).str(), "flex");
    assert!(span.field(GENOPS_COST_SERVICE_TIER_FALLBACK).bool());
    // Standard prices: 1,000 × $3/M + 100 × $15/M = $0.003 + $0.0015
    assert_eq!(span.field(GEN_AI_USAGE_COST).f64(), 0.0045);
}

#[genops::track(provider = "deepseek", model = "deepseek-v4-pro")]
fn off_peak_model() {
    genops::record_usage(Usage::new(1_000, 100));
}

#[test]
fn a_price_genops_cannot_apply_is_flagged_and_warned_about_once() {
    let (_, cap, _) = capture(true, || {
        off_peak_model();
        off_peak_model();
    });
    for span in cap.spans() {
        assert!(span.field(GENOPS_COST_UNSUPPORTED).bool());
    }
    let warnings: Vec<_> = cap
        .events()
        .into_iter()
        .filter(|(_, f)| f["level"] == V::Str("WARN".into()))
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].0.contains("cannot apply"));
    assert_eq!(warnings[0].1["pricing"], V::Str("off_peak_pricing".into()));
    assert_eq!(warnings[0].1["model"], V::Str("deepseek-v4-pro".into()));
}

#[genops::track(
    provider = "aws.bedrock",
    model = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
)]
fn bedrock_cross_region() {
    genops::record_usage(Usage::new(1_000, 100));
}

#[test]
fn a_bedrock_cross_region_profile_is_priced_as_its_model() {
    let (_, cap, ledger) = capture(true, bedrock_cross_region);
    let span = &cap.spans()[0];
    assert!(!span.has(GENOPS_COST_UNKNOWN_MODEL));
    // claude-sonnet-4-5: 1,000 × 3,000,000 p$ + 100 × 15,000,000 p$
    assert_eq!(
        ledger.snapshot().total.cost.picos(),
        1_000 * 3_000_000 + 100 * 15_000_000
    );
}
