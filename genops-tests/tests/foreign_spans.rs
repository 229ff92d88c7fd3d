//! Other libraries' GenAI spans are never booked, priced or rolled up; genops's own spans work
//! inside them. Spans are declared as those libraries declare them, and each case runs with the
//! GenOps layer first and last in the stack.

mod support;

use genops::semconv::*;
use genops::Usage;
use support::{capture, nanos};

/// What the report's reproduction declares: an operation and a model, no provider.
fn bare_chat_span() -> tracing::Span {
    tracing::info_span!(
        "chat",
        gen_ai.operation.name = "chat",
        gen_ai.request.model = "gpt-4o"
    )
}

/// The shape of the `genai` crate's otel spans: operation first, usage fields recorded later.
fn genai_style_span() -> tracing::Span {
    tracing::info_span!(
        target: "genai::client",
        "chat gpt-4o",
        gen_ai.operation.name = "chat",
        gen_ai.provider.name = "openai",
        gen_ai.request.model = "gpt-4o",
        gen_ai.response.model = tracing::field::Empty,
        gen_ai.usage.input_tokens = tracing::field::Empty,
        gen_ai.usage.output_tokens = tracing::field::Empty,
        otel.kind = "client",
    )
}

/// The shape of `rig`'s agent spans: the GenAI fields after a few of its own.
fn rig_style_span() -> tracing::Span {
    tracing::info_span!(
        target: "rig::completions",
        "invoke_agent",
        gen_ai.operation.name = "invoke_agent",
        gen_ai.agent.name = "helper",
        gen_ai.provider.name = "anthropic",
        gen_ai.request.model = "claude-sonnet-4-6",
        gen_ai.usage.input_tokens = tracing::field::Empty,
        gen_ai.usage.output_tokens = tracing::field::Empty,
    )
}

#[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini")]
fn tracked() {
    genops::record_usage(Usage::new(1_000, 100));
}

#[test]
fn a_foreign_genai_span_is_never_booked_priced_or_rolled_up() {
    for genops_first in [true, false] {
        let ((), cap, ledger) = capture(genops_first, || {
            for span in [bare_chat_span(), genai_style_span(), rig_style_span()] {
                let _entered = span.enter();
                span.record(GEN_AI_USAGE_INPUT_TOKENS, 1_000_i64);
                span.record(GEN_AI_USAGE_OUTPUT_TOKENS, 100_i64);
                // No tracked call encloses this: nothing to book.
                genops::record_usage(Usage::new(1_000, 100));
                genops::record_cost(1.0);
            }
        });
        let snapshot = ledger.snapshot();
        assert_eq!(snapshot.total.calls, 0, "genops first: {genops_first}");
        assert!(snapshot.by_model.is_empty() && snapshot.by_provider.is_empty());
        for span in cap.spans() {
            for field in [GEN_AI_USAGE_COST, GENOPS_COST_TOTAL, GENOPS_COST_SELF] {
                assert!(!span.has(field), "{} got {field}", span.name);
            }
            // Each foreign span keeps exactly what its library recorded, once.
            if span.declared.iter().any(|f| f == GEN_AI_USAGE_INPUT_TOKENS) {
                assert_eq!(span.field(GEN_AI_USAGE_INPUT_TOKENS).i64(), 1_000);
            }
        }
    }
}

#[test]
fn a_tracked_call_inside_a_foreign_span_is_booked_on_its_own_values() {
    for genops_first in [true, false] {
        let ((), cap, ledger) = capture(genops_first, || {
            let outer = genai_style_span();
            let _entered = outer.enter();
            tracked();
        });
        let snapshot = ledger.snapshot();
        assert_eq!(snapshot.total.calls, 1, "genops first: {genops_first}");
        assert_eq!(snapshot.by_provider["openai"].calls, 1);
        assert_eq!(snapshot.by_model["gpt-4o-mini"].calls, 1);
        // 1,000 × $0.15/M + 100 × $0.60/M = $0.00021, the tracked call's own price.
        assert_eq!(snapshot.total.cost.picos(), 210_000_000);
        let call = cap.span("chat gpt-4o-mini");
        assert_eq!(nanos(call.field(GEN_AI_USAGE_COST).f64()), 210_000);
        assert_eq!(call.field(GENOPS_TEAM).str(), "search");
        // Its cost is not rolled up into the foreign parent.
        assert!(!cap.span("chat gpt-4o").has(GENOPS_COST_TOTAL));
    }
}

#[test]
fn a_foreign_span_inside_a_tracked_call_records_usage_to_the_call() {
    for genops_first in [true, false] {
        let ((), cap, ledger) = capture(genops_first, || {
            let call = genops::span!(
                team = "agents",
                provider = "anthropic",
                model = "claude-sonnet-4-6"
            );
            {
                let _call = call.enter();
                let inner = rig_style_span();
                let _inner = inner.enter();
                genops::record_usage(Usage::new(1_000, 100));
            }
            drop(call);
        });
        let snapshot = ledger.snapshot();
        assert_eq!(snapshot.total.calls, 1, "genops first: {genops_first}");
        // claude-sonnet-4-6: 1,000 × $3/M + 100 × $15/M = $0.0045.
        assert_eq!(snapshot.by_team["agents"].cost.picos(), 4_500_000_000);
        assert!(!cap.span("invoke_agent").has(GEN_AI_USAGE_COST));
    }
}
