//! Opening a run's envelope (`budget = ...`), as the generated code calls it.

use std::ops::ControlFlow;

use tracing::Span;

use super::layer_handle::LayerHandle;
use super::state::TrackedState;
use crate::money::Cost;

/// Makes the tracked call of `span` a run: every gated call beneath it (on this thread, or on
/// tasks that carry the span) is admitted against an envelope of `usd` (nothing for a negative
/// or non-finite amount), as well as against the envelopes of the runs it is beneath.
pub fn open_envelope(span: &Span, usd: f64) {
    let Some(name) = span.metadata().map(|m| m.name()) else {
        return;
    };
    let limit = Cost::from_usd(usd).unwrap_or(Cost::ZERO);
    let mut trace_id = trace_id(span);
    span.with_subscriber(|(id, dispatch)| {
        let handle = LayerHandle::of(dispatch)?;
        handle.walk(dispatch, id, |extensions| {
            if let Some(state) = extensions.get_mut::<TrackedState>() {
                state.open_envelope(name, trace_id.take(), limit);
            }
            ControlFlow::Break(())
        });
        Some(())
    });
}

/// The trace id of `span`, when it is exported over OTLP.
#[cfg(feature = "otlp")]
fn trace_id(span: &Span) -> Option<String> {
    use opentelemetry::trace::TraceContextExt as _;
    use tracing_opentelemetry::OpenTelemetrySpanExt as _;
    let context = span.context();
    let span_context = context.span().span_context().clone();
    span_context
        .is_valid()
        .then(|| span_context.trace_id().to_string())
}

/// Without OTLP export, a span has no trace id.
#[cfg(not(feature = "otlp"))]
fn trace_id(_: &Span) -> Option<String> {
    None
}
