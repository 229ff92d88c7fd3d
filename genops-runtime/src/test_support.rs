//! Helpers for the unit tests.

use crate::call::tracked_span::TrackedSpan;
use crate::usage::Usage;

/// One tracked `chat` call to openai for `team` on `model` that records `usage`; the returned
/// handle finishes the call when dropped.
pub(crate) fn tracked_call(team: &str, model: &str, usage: Usage) -> TrackedSpan {
    let span = crate::__tracked_span!(
        level: tracing::Level::INFO,
        name: "chat",
        operation: "chat",
        provider: "openai",
        kind: "client",
        model: model,
        otel_name: tracing::field::Empty,
        sample_rate: tracing::field::Empty,
        attribution: [team, tracing::field::Empty, tracing::field::Empty, "cust-1",
            tracing::field::Empty, tracing::field::Empty, tracing::field::Empty],
        fields: {},
    );
    let call = TrackedSpan::__new(span);
    {
        let _entered = call.enter();
        crate::record_usage(usage);
    }
    call
}
