//! The admission gate of `#[genops::track(enforce)]`, as the generated code calls it.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

use super::engine::Engine;
use super::layer_handle::LayerHandle;
use super::sleep::Sleep;
use super::state::TrackedState;
use super::step_down;
use crate::governance::{Admission, GovernanceError, Refusal, Usd, ENVELOPE_RESERVATION};
use crate::ledger::LedgerKey;
use crate::money::Cost;
use crate::outcome::{Outcome, TrackedResult};
use crate::pricing::WorstCase;
use crate::request::{HoldError, Request};
use crate::semconv;

mod sealed {
    /// Only `Result` takes [`super::Gated`].
    pub trait Sealed {}
    impl<T, E> Sealed for Result<T, E> {}

    /// What a gated call holds on each hard budget.
    #[derive(Clone, Copy)]
    pub enum Amount<'r> {
        /// A fixed amount, in USD.
        Usd(f64),
        /// The worst case of a request.
        WorstCase(&'r dyn crate::request::Request),
    }

    /// How a [`super::Reserve`] is held; only genops implements it.
    pub trait Held {
        /// What to hold.
        fn amount(&self) -> Amount<'_>;
    }
}

use sealed::{Amount, Held};

/// What `enforce(reserve = …)` takes: a USD amount (`f64`, or [`Usd`]), or a request genops can
/// read ([`Request`]), whose worst case the call then holds ([`worst_case`](crate::worst_case)).
/// Sealed.
#[diagnostic::on_unimplemented(
    message = "`enforce(reserve = …)` takes a USD amount or a request genops can read, not `{Self}`",
    label = "not an amount in USD, nor a request",
    note = "pass an `f64` (or `genops::Usd`), or a raw JSON request body (`serde_json::Value`) or an SDK request under its genops feature"
)]
pub trait Reserve: Held {}

impl<T: Held + ?Sized> Reserve for T {}

impl Held for Usd {
    fn amount(&self) -> Amount<'_> {
        Amount::Usd(self.0)
    }
}

/// Every number that converts into `f64` without loss is an amount in USD (`reserve = 0.05`,
/// `reserve = 1`).
macro_rules! usd_amounts {
    ($($number:ty),*) => {$(
        impl Held for $number {
            fn amount(&self) -> Amount<'_> {
                Amount::Usd(f64::from(*self))
            }
        }
    )*};
}
usd_amounts!(f64, f32, i8, i16, i32, u8, u16, u32);

impl<T: Request> Held for T {
    fn amount(&self) -> Amount<'_> {
        Amount::WorstCase(self)
    }
}

/// Asks the governance engine to admit the tracked call of `span`, reserving `reserve` (a USD
/// amount, or the worst case of a request, recorded as `genops.budget.hold`, whose tokens its
/// token rate limits hold too) or each hard budget's default. `Ok` when no budget or policy is
/// configured; the request is read only when something holds it: a hard budget, an enforced
/// token limit or a run's envelope. Denied by a rate limit that waits
/// (`RateLimit::wait_up_to`), the call sleeps until it would fit and asks again, for at most
/// that long.
pub fn admit<R: Reserve + ?Sized>(
    span: &tracing::Span,
    reserve: Option<&R>,
) -> Result<(), GovernanceError> {
    let mut waited = Duration::ZERO;
    loop {
        match admit_once(span, reserve.map(Held::amount), waited) {
            Gate::Wait(wait) => {
                std::thread::sleep(wait);
                waited += wait;
            }
            Gate::Done(result) => return result,
        }
    }
}

/// [`admit`] for an async call: a wait for a rate limit does not block the executor's thread.
pub async fn admit_async<R: Reserve + ?Sized>(
    span: &tracing::Span,
    reserve: Option<&R>,
) -> Result<(), GovernanceError> {
    let mut waited = Duration::ZERO;
    loop {
        // Nothing borrowed from the request lives across the wait.
        let gate = admit_once(span, reserve.map(Held::amount), waited);
        match gate {
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
fn admit_once(span: &tracing::Span, amount: Option<Amount<'_>>, waited: Duration) -> Gate {
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
        let envelope = state.admitting_envelope();
        // A request's worst case is read only when something holds it.
        let holds = envelope.is_some() || governance.as_ref().is_some_and(|(g, key)| g.holds(key));
        let held = match amount {
            Some(Amount::WorstCase(request)) if holds => Some(hold(engine, state.key(), request)),
            _ => None,
        };
        // The prices compare the models of a step-down.
        let prices = governance
            .as_ref()
            .filter(|(g, _)| g.steps_down())
            .map(|_| Arc::clone(engine));
        gate = Some((governance, envelope, prices, held));
    });
    let (mut governance, envelope, prices, held) = match gate {
        Some(gate @ (Some(_), ..) | gate @ (_, Some(_), ..)) => gate,
        _ => return Gate::Done(Ok(())),
    };
    let (worst, problem) = match held {
        Some(Ok(worst)) => (Some(worst), None),
        Some(Err(problem)) => (None, Some(problem)),
        None => (None, None),
    };
    let reserve = match (&worst, amount) {
        (Some(worst), _) => Some(worst.cost),
        (None, Some(Amount::Usd(usd))) => Some(Cost::from_usd(usd).unwrap_or(Cost::ZERO)),
        _ => None,
    };
    let tokens = worst.as_ref().map(|w| (w.input_tokens, w.output_tokens));
    // The run envelopes first: they are in this process, and their denial spares the store.
    // No span lock is held while policies run.
    let in_envelopes = envelope.map(|e| (e, reserve.unwrap_or(ENVELOPE_RESERVATION)));
    let release_envelopes = || {
        if let Some((envelope, amount)) = &in_envelopes {
            envelope.settle(*amount, Cost::ZERO, false);
        }
    };
    let mut stepped = None;
    let result = match problem {
        Some(problem) => Err(GovernanceError::CannotHold(problem)),
        None => match &in_envelopes {
            Some((envelope, amount)) => envelope.reserve(*amount),
            None => Ok(()),
        },
    }
    .map_err(Refusal::from)
    .and_then(|()| match &mut governance {
        Some((governance, key)) => {
            let (result, step) =
                step_down::admit(governance, prices.as_deref(), key, reserve, tokens);
            stepped = step;
            result.inspect_err(|_| release_envelopes())
        }
        None => Ok(Admission::default()),
    });
    let result = match result {
        Ok(admission) => Ok(admission),
        Err(refusal) => match refusal.wait(waited) {
            Some(wait) => return Gate::Wait(wait),
            None => Err(refusal.error),
        },
    };
    if let Some(worst) = &worst {
        span.record(semconv::GENOPS_BUDGET_HOLD, worst.cost.as_usd());
    }
    let caps = worst.as_ref().map(|w| (w.input_tokens, w.output_tokens));
    let outcome = result.as_ref().map(|_| ()).map_err(Clone::clone);
    let admitted = result.is_ok();
    let mut result = Some(result);
    let stored = on_state(&mut |state, engine| {
        if let Some(result) = result.take() {
            state.admitted(result, caps);
            if let (true, Some((_, amount))) = (admitted, &in_envelopes) {
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
        return Gate::Done(Ok(()));
    }
    if let Some(stepped) = &stepped {
        span.record(semconv::GENOPS_MODEL_ADMITTED, stepped.to.as_str());
        span.record(semconv::GENOPS_STEP_DOWN_POLICY, stepped.policy.as_str());
    }
    Gate::Done(outcome)
}

/// The worst case of `request`, priced for the call's provider and model.
fn hold(engine: &Engine, key: &LedgerKey, request: &dyn Request) -> Result<WorstCase, HoldError> {
    let model = key.model.as_ref().ok_or(HoldError::NoModel)?;
    engine.worst_case(key.provider.as_ref(), model, request)
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
