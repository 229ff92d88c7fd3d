//! The admission gate of `#[genops::track(enforce)]`, as the generated code calls it.

use std::ops::ControlFlow;

use super::engine::Engine;
use super::layer_handle::LayerHandle;
use super::state::TrackedState;
use crate::governance::{GovernanceError, Usd};
use crate::ledger::LedgerKey;
use crate::money::Cost;
use crate::outcome::{Outcome, TrackedResult};
use crate::pricing::WorstCase;
use crate::request::{HoldError, Request};
use crate::semconv::GENOPS_BUDGET_HOLD;

mod sealed {
    /// Only `Result` takes [`super::Gated`].
    pub trait Sealed {}
    impl<T, E> Sealed for Result<T, E> {}

    /// What a gated call holds on each hard budget.
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
/// amount, or the worst case of a request, recorded as `genops.budget.hold`) or each hard
/// budget's default. `Ok` when no budget or policy is configured; the request is read only when
/// a hard budget applies to the call.
pub fn admit<R: Reserve + ?Sized>(
    span: &tracing::Span,
    reserve: Option<&R>,
) -> Result<(), GovernanceError> {
    let amount = reserve.map(Held::amount);
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
    on_state(&mut |state, engine| {
        gate = state.governance(engine).map(|(governance, key)| {
            // The request is read only when a hard budget would hold its worst case.
            let held = match amount {
                Some(Amount::WorstCase(request)) if governance.holds(&key) => {
                    Some(hold(engine, &key, request))
                }
                _ => None,
            };
            (governance, key, held)
        });
    });
    let Some((governance, key, held)) = gate else {
        return Ok(());
    };
    let (result, caps) = match held {
        Some(Ok(worst)) => {
            span.record(GENOPS_BUDGET_HOLD, worst.cost.as_usd());
            let caps = (worst.input_tokens, worst.output_tokens);
            // No span lock is held while policies run.
            (governance.admit(&key, Some(worst.cost)), Some(caps))
        }
        Some(Err(problem)) => (Err(GovernanceError::CannotHold(problem)), None),
        None => {
            // A request under no hard budget holds nothing: policies alone admit it.
            let reserve = match amount {
                Some(Amount::Usd(usd)) => Some(Cost::from_usd(usd).unwrap_or(Cost::ZERO)),
                _ => None,
            };
            (governance.admit(&key, reserve), None)
        }
    };
    let outcome = result.as_ref().map(|_| ()).map_err(Clone::clone);
    let mut result = Some(result);
    let stored = on_state(&mut |state, _| {
        if let Some(result) = result.take() {
            state.admitted(result, caps);
        }
    });
    if stored.is_none() {
        // The span vanished: nothing would settle the reservation, so release it here.
        if let Some(Ok(admission)) = result {
            governance.release(&admission);
        }
        return Ok(());
    }
    outcome
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
