//! The admission gate of `#[genops::track(enforce)]`, as the generated code calls it.

use std::ops::ControlFlow;
use std::sync::Arc;

use super::engine::Engine;
use super::layer_handle::LayerHandle;
use super::state::TrackedState;
use super::step_down;
use crate::governance::{Admission, GovernanceError, ENVELOPE_RESERVATION};
use crate::money::Cost;
use crate::outcome::{Outcome, TrackedResult};
use crate::semconv;

mod sealed {
    /// Only `Result` takes [`super::Gated`].
    pub trait Sealed {}
    impl<T, E> Sealed for Result<T, E> {}
}

/// Asks the governance engine to admit the tracked call of `span`, reserving `reserve_usd` (or
/// each hard budget's default). `Ok` when no budget or policy is configured.
pub fn admit(span: &tracing::Span, reserve_usd: Option<f64>) -> Result<(), GovernanceError> {
    let reserve = reserve_usd.map(|usd| Cost::from_usd(usd).unwrap_or(Cost::ZERO));
    // The span's own state, read (`f(None)` first) and then written (`f(Some(result))`).
    let on_state = |f: &mut dyn FnMut(&mut TrackedState, &Arc<Engine>)| {
        span.with_subscriber(|(id, dispatch)| {
            let handle = LayerHandle::of(dispatch)?;
            let mut found = false;
            handle.walk(dispatch, id, |extensions| {
                if let Some(state) = extensions.get_mut::<TrackedState>() {
                    f(state, &handle.engine);
                    found = true;
                }
                ControlFlow::Break(())
            });
            found.then_some(())
        })
        .flatten()
    };
    let mut gate = None;
    on_state(&mut |state, engine| {
        let governance = state.governance(engine);
        // The prices compare the models of a step-down.
        let prices = governance
            .as_ref()
            .filter(|(g, _)| g.steps_down())
            .map(|_| Arc::clone(engine));
        gate = Some((governance, state.admitting_envelope(), prices));
    });
    let (mut governance, envelope, prices) = match gate {
        Some(gate @ (Some(_), ..) | gate @ (_, Some(_), _)) => gate,
        _ => return Ok(()),
    };
    // The run envelopes first: they are in this process, and their denial spares the store.
    // No span lock is held while policies run.
    let held = envelope.map(|e| (e, reserve.unwrap_or(ENVELOPE_RESERVATION)));
    let release_envelopes = || {
        if let Some((envelope, amount)) = &held {
            envelope.settle(*amount, Cost::ZERO, false);
        }
    };
    let mut stepped = None;
    let result = match &held {
        Some((envelope, amount)) => envelope.reserve(*amount),
        None => Ok(()),
    }
    .and_then(|()| match &mut governance {
        Some((governance, key)) => {
            let (result, step) = step_down::admit(governance, prices.as_deref(), key, reserve);
            stepped = step;
            result.inspect_err(|_| release_envelopes())
        }
        None => Ok(Admission::default()),
    });
    let outcome = result.as_ref().map(|_| ()).map_err(Clone::clone);
    let admitted = result.is_ok();
    let mut result = Some(result);
    let stored = on_state(&mut |state, engine| {
        if let Some(result) = result.take() {
            state.admitted(result);
            if let (true, Some((_, amount))) = (admitted, &held) {
                state.held_in_envelopes(*amount);
            }
            if let Some(stepped) = stepped.clone() {
                state.stepped_down(engine, stepped);
            }
        }
    });
    if stored.is_none() {
        // The span vanished: nothing would settle the reservation, so release it here.
        if let Some(Ok(admission)) = result {
            if let Some((governance, _)) = &governance {
                governance.release(&admission);
            }
            release_envelopes();
        }
        return Ok(());
    }
    if let Some(stepped) = &stepped {
        span.record(semconv::GENOPS_MODEL_ADMITTED, stepped.to.as_str());
        span.record(semconv::GENOPS_STEP_DOWN_POLICY, stepped.policy.as_str());
    }
    outcome
}

/// A return type that a denied gated call can produce: `Result<T, E>` with
/// `E: From<GovernanceError>`. Sealed.
#[diagnostic::on_unimplemented(
    message = "`#[genops::track(enforce)]` needs a function that returns `Result<_, E>` with `E: From<genops::GovernanceError>`, but it returns `{Self}`",
    label = "a denied call returns `Err(GovernanceError.into())` here",
    note = "remove `enforce`, or return a `Result` whose error type implements `From<genops::GovernanceError>`"
)]
pub trait Gated: sealed::Sealed {
    /// The value a denied call returns.
    fn denied(error: GovernanceError) -> Self;
    /// The outcome recorded for that value.
    fn denied_outcome(&self) -> Outcome;
}

impl<T, E: From<GovernanceError>> Gated for Result<T, E> {
    fn denied(error: GovernanceError) -> Self {
        Err(E::from(error))
    }
    fn denied_outcome(&self) -> Outcome {
        TrackedResult::outcome(self)
    }
}

/// The return value of a denied gated call, and the outcome to record for it.
pub fn denied<R: Gated>(error: GovernanceError) -> (R, Outcome) {
    let value = R::denied(error);
    let outcome = value.denied_outcome();
    (value, outcome)
}
