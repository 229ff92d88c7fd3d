//! The admission gate of `#[genops::track(enforce)]`, as the generated code calls it.

use std::ops::ControlFlow;
use std::time::Duration;

use super::engine::Engine;
use super::layer_handle::LayerHandle;
use super::sleep::Sleep;
use super::state::TrackedState;
use crate::governance::GovernanceError;
use crate::money::Cost;
use crate::outcome::{Outcome, TrackedResult};

mod sealed {
    /// Only `Result` takes [`super::Gated`].
    pub trait Sealed {}
    impl<T, E> Sealed for Result<T, E> {}
}

/// Asks the governance engine to admit the tracked call of `span`, reserving `reserve_usd` (or
/// each hard budget's default). `Ok` when no budget or policy is configured. Denied by a rate
/// limit that waits (`RateLimit::wait_up_to`), the call sleeps until it would fit and asks
/// again, for at most that long.
pub fn admit(span: &tracing::Span, reserve_usd: Option<f64>) -> Result<(), GovernanceError> {
    let mut waited = Duration::ZERO;
    loop {
        match admit_once(span, reserve_usd, waited) {
            Gate::Wait(wait) => {
                std::thread::sleep(wait);
                waited += wait;
            }
            Gate::Done(result) => return result,
        }
    }
}

/// [`admit`] for an async call: a wait for a rate limit does not block the executor's thread.
pub async fn admit_async(
    span: &tracing::Span,
    reserve_usd: Option<f64>,
) -> Result<(), GovernanceError> {
    let mut waited = Duration::ZERO;
    loop {
        match admit_once(span, reserve_usd, waited) {
            Gate::Wait(wait) => {
                Sleep::new(wait).await;
                waited += wait;
            }
            Gate::Done(result) => return result,
        }
    }
}

/// What one admission attempt came to.
enum Gate {
    /// Denied by a rate limit that waits: try again after this long.
    Wait(Duration),
    /// Admitted or denied, recorded on the call.
    Done(Result<(), GovernanceError>),
}

/// Asks once, having `waited` so far; a denial that is worth waiting out is not recorded.
fn admit_once(span: &tracing::Span, reserve_usd: Option<f64>, waited: Duration) -> Gate {
    let reserve = reserve_usd.map(|usd| Cost::from_usd(usd).unwrap_or(Cost::ZERO));
    // The span's own state, read (`f(None)` first) and then written (`f(Some(result))`).
    let on_state = |f: &mut dyn FnMut(&mut TrackedState, &Engine)| {
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
    on_state(&mut |state, engine| gate = state.governance(engine));
    let Some((governance, key)) = gate else {
        return Gate::Done(Ok(()));
    };
    // No span lock is held while policies run.
    let result = match governance.admit(&key, reserve, None) {
        Ok(admission) => Ok(admission),
        Err(refusal) => match refusal.wait(waited) {
            Some(wait) => return Gate::Wait(wait),
            None => Err(refusal.error),
        },
    };
    let outcome = result.as_ref().map(|_| ()).map_err(Clone::clone);
    let mut result = Some(result);
    let stored = on_state(&mut |state, _| {
        if let Some(result) = result.take() {
            state.admitted(result);
        }
    });
    if stored.is_none() {
        // The span vanished: nothing would settle the reservation, so release it here.
        if let Some(Ok(admission)) = result {
            governance.release(&admission);
        }
        return Gate::Done(Ok(()));
    }
    Gate::Done(outcome)
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
