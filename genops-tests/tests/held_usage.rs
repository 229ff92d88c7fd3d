//! Usage recorded in a sync call's own body waits on its thread until the call finishes (one
//! span lookup instead of three). These tests hold it to what the ordinary path does: every
//! recording booked once, on the right call, in the order it was made, whatever moves around
//! it.

mod support;

use genops::semconv::*;
use genops::Usage;
use support::{capture, nanos, V};

// gpt-4o-mini: input $0.15/M, output $0.60/M.

#[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini")]
fn usage_then_cumulative() {
    genops::record_usage(Usage::new(1_000, 200));
    genops::record_cumulative_usage(Usage::new(500, 100));
}

#[test]
fn a_cumulative_count_after_held_usage_replaces_it() {
    let ((), cap, ledger) = capture(true, usage_then_cumulative);
    let span = cap.span("chat gpt-4o-mini");
    assert_eq!(span.field(GEN_AI_USAGE_INPUT_TOKENS), &V::I64(500));
    assert_eq!(span.field(GEN_AI_USAGE_OUTPUT_TOKENS), &V::I64(100));
    // 500 × $0.15/M + 100 × $0.60/M = $0.000075 + $0.000060
    assert_eq!(nanos(span.field(GEN_AI_USAGE_COST).f64()), 135_000);
    assert_eq!(ledger.snapshot().total.cost.picos(), 135_000_000);
}

#[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini")]
fn cumulative_then_usage() {
    genops::record_cumulative_usage(Usage::new(500, 100));
    genops::record_usage(Usage::new(1_000, 200));
}

#[test]
fn held_usage_after_a_cumulative_count_adds_to_it() {
    let ((), cap, ledger) = capture(true, cumulative_then_usage);
    let span = cap.span("chat gpt-4o-mini");
    assert_eq!(span.field(GEN_AI_USAGE_INPUT_TOKENS), &V::I64(1_500));
    assert_eq!(span.field(GEN_AI_USAGE_OUTPUT_TOKENS), &V::I64(300));
    // 1,500 × $0.15/M + 300 × $0.60/M = $0.000225 + $0.000180
    assert_eq!(ledger.snapshot().total.cost.picos(), 405_000_000);
}

#[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini")]
fn inner() {
    genops::record_usage(Usage::new(100, 10));
}

#[genops::track(team = "search", provider = "openai", model = "gpt-4o")]
fn outer() {
    genops::record_usage(Usage::new(1_000, 200));
    inner();
    genops::record_usage(Usage::new(1_000, 200));
    tracing::info_span!("step").in_scope(|| genops::record_usage(Usage::new(10, 1)));
    genops::record_usage(Usage::new(1, 1));
}

#[test]
fn usage_around_a_nested_call_and_a_child_span_reaches_its_own_call() {
    let ((), cap, ledger) = capture(true, outer);
    let inner = cap.span("chat gpt-4o-mini");
    assert_eq!(inner.field(GEN_AI_USAGE_INPUT_TOKENS), &V::I64(100));
    // 100 × $0.15/M + 10 × $0.60/M = $0.000015 + $0.000006
    assert_eq!(nanos(inner.field(GENOPS_COST_SELF).f64()), 21_000);
    let outer = cap.span("chat gpt-4o");
    assert_eq!(outer.field(GEN_AI_USAGE_INPUT_TOKENS), &V::I64(2_011));
    assert_eq!(outer.field(GEN_AI_USAGE_OUTPUT_TOKENS), &V::I64(402));
    // gpt-4o: 2,011 × $2.50/M + 402 × $10.00/M = $0.0050275 + $0.00402
    assert_eq!(nanos(outer.field(GENOPS_COST_SELF).f64()), 9_047_500);
    assert_eq!(nanos(outer.field(GENOPS_COST_TOTAL).f64()), 9_068_500);
    let snap = ledger.snapshot();
    assert_eq!(snap.total.calls, 2);
    assert_eq!(snap.total.cost.picos(), 9_068_500_000);
}

#[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini")]
fn detached_then_own() {
    // A span with no parent: the nearest tracked call above it is none, so this is not booked.
    tracing::info_span!(parent: None, "detached").in_scope(|| {
        genops::record_usage(Usage::new(9_000, 9_000));
    });
    genops::record_usage(Usage::new(1_000, 200));
}

#[test]
fn usage_under_a_detached_span_is_not_held_for_the_call() {
    let ((), cap, ledger) = capture(true, detached_then_own);
    let span = cap.span("chat gpt-4o-mini");
    assert_eq!(span.field(GEN_AI_USAGE_INPUT_TOKENS), &V::I64(1_000));
    assert_eq!(ledger.snapshot().total.cost.picos(), 270_000_000);
}

#[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini")]
fn under_another_subscriber() {
    // Another subscriber, without a genops layer, is the thread's default for a moment: what
    // is recorded there reaches no call, as it would with no call at all.
    tracing::subscriber::with_default(tracing_subscriber::registry(), || {
        genops::record_usage(Usage::new(9_000, 9_000));
    });
    genops::record_usage(Usage::new(1_000, 200));
}

#[test]
fn usage_recorded_under_another_subscriber_is_not_held_for_the_call() {
    let ((), cap, ledger) = capture(true, under_another_subscriber);
    let span = cap.span("chat gpt-4o-mini");
    assert_eq!(span.field(GEN_AI_USAGE_INPUT_TOKENS), &V::I64(1_000));
    assert_eq!(ledger.snapshot().total.cost.picos(), 270_000_000);
}

#[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini")]
fn records_then_panics() {
    genops::record_usage(Usage::new(1_000, 200));
    panic!("after the provider answered");
}

#[test]
fn held_usage_of_a_call_that_panics_is_booked() {
    let (result, cap, ledger) = capture(true, || std::panic::catch_unwind(records_then_panics));
    assert!(result.is_err());
    let span = cap.span("chat gpt-4o-mini");
    assert_eq!(span.field(ERROR_TYPE).str(), "panic");
    assert_eq!(span.field(GEN_AI_USAGE_INPUT_TOKENS), &V::I64(1_000));
    let snap = ledger.snapshot();
    assert_eq!(snap.total.errors, 1);
    assert_eq!(snap.total.cost.picos(), 270_000_000);
}

#[test]
fn usage_recorded_outside_any_call_after_one_reaches_nothing() {
    let ((), cap, ledger) = capture(true, || {
        inner();
        genops::record_usage(Usage::new(9_000, 9_000));
        inner();
    });
    assert_eq!(cap.spans().len(), 2);
    // Two calls of 100 input and 10 output tokens each: $0.000021 each.
    assert_eq!(ledger.snapshot().total.cost.picos(), 42_000_000);
}
