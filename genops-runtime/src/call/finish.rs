//! Closing a tracked call: books, roll-up, governance settlement and reports.
//!
//! This runs in the caller's context (the generated code, or a handle's drop), never inside a
//! layer callback, so the fields and events it emits reach every layer of the span's subscriber.

use std::cell::Cell;
use std::ops::ControlFlow;

use tracing::{Dispatch, Span};
use tracing_core::span::Id;

use super::engine::Engine;
use super::finished::{Finished, StreamReport};
use super::held_usage;
use super::layer_handle::{open_call, LayerHandle};
use super::result_fields;
#[cfg(feature = "otlp")]
use crate::export::CallMetrics;
use crate::governance::{GovernanceError, PolicyResult, Verdict};
use crate::intern::Sym;
use crate::outcome::Outcome;
use crate::semconv;
use crate::usage::Usage;

thread_local! {
    /// The finished span this thread is dropping (0: none), so that the layer's `on_close` knows
    /// without looking the span up that its call is already finished.
    static CLOSING_FINISHED: Cell<u64> = const { Cell::new(0) };
}

/// Drops `span`, whose call [`finish`] has just finished on this thread.
pub(crate) fn drop_finished(span: Span) {
    let Some(id) = span.id() else { return };
    let previous = CLOSING_FINISHED
        .try_with(|closing| closing.replace(id.into_u64()))
        .unwrap_or(0);
    drop(span);
    let _ = CLOSING_FINISHED.try_with(|closing| closing.set(previous));
}

/// Whether span `id` is closing as [`drop_finished`] drops it: its call is finished already. (An
/// id names one open span: it is reused only after that span closed.)
pub(crate) fn closing_finished(id: &Id) -> bool {
    CLOSING_FINISHED
        .try_with(|closing| closing.get() == id.into_u64())
        .unwrap_or(false)
}

/// Finishes `span` with `outcome`, once; later calls do nothing.
pub(crate) fn finish(span: &Span, outcome: Outcome) {
    finish_with(span, outcome, None);
}

/// Finishes the streamed call of `span`, with what its stream reported.
pub(crate) fn finish_stream(span: &Span, outcome: Outcome, stream: StreamReport) {
    finish_with(span, outcome, Some(stream));
}

fn finish_with(span: &Span, outcome: Outcome, stream: Option<StreamReport>) {
    span.with_subscriber(|(id, dispatch)| {
        let handle = LayerHandle::of(dispatch)?;
        // A sync call's body may have left usage held on this thread (see `held_usage`).
        let held = held_usage::release(id);
        // Filled in place: a finished call is large, and moving it costs a copy each time.
        let mut done = None;
        let closing = Closing {
            outcome,
            stream,
            held,
        };
        close_books(id, dispatch, handle, closing, &mut done);
        report(span, id, &handle.engine, done.as_ref()?);
        Some(())
    });
}

/// How a call ends: its outcome, its stream's report, and the usage held for it.
struct Closing {
    outcome: Outcome,
    stream: Option<StreamReport>,
    held: Option<Usage>,
}

/// Settles governance, records the result fields and feeds the metrics of a finished call. No
/// span lock is held: policies, alerts and every layer's `on_record` run freely.
fn report(span: &Span, id: &Id, engine: &Engine, done: &Finished) {
    let governance = engine.governance.as_deref();
    // A run's envelope may deny a call where no budget or policy is configured.
    let verdict = match (done.blocked(), governance) {
        (Some(denied), _) => Some(blocked_verdict(denied)),
        (None, Some(governance)) => Some(governance.settle(
            &done.key,
            done.own_cost,
            done.usage.as_ref(),
            done.admission(),
        )),
        (None, None) => None,
    };
    result_fields::record(span, id, done, verdict.as_ref());
    if let Some(run) = done.envelope().and_then(|e| e.close(done.own_cost)) {
        span.record(semconv::GENOPS_RUN_BUDGET, run.limit.as_usd());
        span.record(semconv::GENOPS_RUN_SPENT, run.spent.as_usd());
        span.record(semconv::GENOPS_RUN_REMAINING, run.remaining.as_usd());
    }
    if let (Some(governance), Some(v)) = (governance, &verdict) {
        governance.deliver(&v.alerts);
        if v.result == PolicyResult::Warned && v.alerts.is_empty() {
            tracing::warn!(
                target: "genops",
                policy = v.policy.as_deref().unwrap_or(""),
                reason = v.reason.as_deref().unwrap_or(""),
                "advisory policy violated"
            );
        }
    }
    if let Some(stream) = done.stream.filter(|s| s.usage_missing) {
        let site = span.metadata().map_or(0, |m| m as *const _ as usize);
        if engine.first_missing_usage(site) {
            // The stream's items say why, when they know (OpenAI chat chunks).
            let hint = done.usage_hint().unwrap_or(
                "Record usage from the stream's final chunk; OpenAI chat streams carry it only \
                 with `stream_options.include_usage`",
            );
            tracing::warn!(
                target: "genops",
                provider = done.key.provider.as_ref().map_or("", Sym::as_str),
                model = done.key.model.as_ref().map_or("", Sym::as_str),
                chunks = stream.chunks,
                "a streamed call completed without recorded usage: its tokens are not booked \
                 (`genops.usage.missing`). {hint}. Warned once per call site."
            );
        }
    }
    if let Some(claim) = done.implausible() {
        tracing::warn!(
            target: "genops",
            provider = done.key.provider.as_ref().map_or("", Sym::as_str),
            model = done.key.model.as_ref().map_or("", Sym::as_str),
            claim,
            booked_usd = done.own_cost.as_usd(),
            "a response claimed usage that cannot be true: it is booked as the most one response \
             of the model can use (its context window and maximum output, or the caps of the \
             call's hold), not as claimed (`genops.usage.implausible`, \
             `genops_usage_implausible_total`). If the model's limits are larger than the price \
             table says, give them in a price file (`max_input_tokens`, `max_output_tokens`) with \
             GENOPS_PRICING_FILE"
        );
    }
    #[cfg(feature = "otlp")]
    if let Some(instruments) = engine.genai_metrics.get() {
        instruments.record(&CallMetrics {
            operation: done.key.operation.as_ref(),
            provider: done.key.provider.as_ref(),
            model: done.key.model.as_ref(),
            error_type: done.outcome.error_type(),
            usage: done.usage,
            duration: done.duration,
            first_chunk: done.stream.and_then(|s| s.first_chunk),
            per_chunk: done.stream.and_then(|s| s.per_chunk),
            cost_usd: done.own_cost.as_usd(),
        });
    }
    if let Some((stepped, answered)) = done.step_down_ignored() {
        tracing::warn!(
            target: "genops",
            policy = stepped.policy.as_str(),
            requested = stepped.from.as_str(),
            admitted = stepped.to.as_str(),
            answered = answered.as_str(),
            "a call stepped down by a policy was answered by another model, and is booked on \
             what the provider reported; use `genops::admitted_model()` for the request's model"
        );
    }
    if let Some(pair) = &done.warn_unknown {
        let (provider, model) = &**pair;
        tracing::warn!(
            target: "genops",
            provider = provider.as_str(),
            model = model.as_str(),
            "no price is known for this model: its calls are booked at $0 and flagged \
             `genops.cost.unknown_model`; add it with GENOPS_PRICING_FILE or an alias"
        );
    }
    if let Some(warning) = &done.warn_unsupported {
        let (provider, model, reason) = &**warning;
        tracing::warn!(
            target: "genops",
            provider = provider.as_str(),
            model = model.as_str(),
            pricing = *reason,
            "this model's price has a mode genops cannot apply: its calls are booked at the \
             standard token prices and flagged `genops.cost.unsupported`"
        );
    }
}

fn blocked_verdict(denied: &GovernanceError) -> Verdict {
    let (policy, reason) = match denied {
        GovernanceError::BudgetExceeded { budget, .. }
        | GovernanceError::StoreUnavailable { budget, .. } => (budget.clone(), denied.to_string()),
        GovernanceError::PolicyViolation { policy, reason } => (policy.clone(), reason.clone()),
        GovernanceError::CannotHold(problem) => ("worst case".to_owned(), problem.to_string()),
        GovernanceError::RateLimited { limit, .. } => (limit.clone(), denied.to_string()),
        GovernanceError::Killed { scope, .. } => (scope.clone(), denied.to_string()),
        GovernanceError::EnvelopeExceeded { run, .. } => (run.clone(), denied.to_string()),
    };
    Verdict {
        result: PolicyResult::Blocked,
        policy: Some(policy),
        reason: Some(reason),
        ..Verdict::default()
    }
}

/// Closes the books of the tracked span `id` into `done` and adds its total to the nearest
/// tracked ancestor.
fn close_books(
    id: &Id,
    dispatch: &Dispatch,
    handle: &LayerHandle,
    closing: Closing,
    done: &mut Option<Finished>,
) {
    let Closing {
        outcome,
        stream,
        mut held,
    } = closing;
    let mut outcome = Some(outcome);
    let mut own = true;
    handle.walk(dispatch, id, |extensions| {
        if std::mem::take(&mut own) {
            // The span itself: finish it, or stop if it is not a live tracked call.
            if let Some((state, outcome)) = open_call(extensions).zip(outcome.take()) {
                if let Some(usage) = held.take() {
                    state.add_usage(&handle.engine, usage);
                }
                state.finish(&handle.engine, outcome, stream, done);
            }
            return if done.is_some() {
                ControlFlow::Continue(())
            } else {
                ControlFlow::Break(())
            };
        }
        match (open_call(extensions), &*done) {
            // The nearest tracked ancestor still open: a stream may outlive the call that
            // returned it, whose total is then already recorded.
            (Some(parent), Some(done)) => {
                parent.add_child_cost(done.total_cost);
                ControlFlow::Break(())
            }
            _ => ControlFlow::Continue(()),
        }
    });
}
