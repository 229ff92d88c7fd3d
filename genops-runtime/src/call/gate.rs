//! The admission gate of `#[genops::track(enforce)]`, as the generated code calls it.

use crate::governance::GovernanceError;
use crate::outcome::{Outcome, TrackedResult};

mod sealed {
    /// Only `Result` takes [`super::Gated`].
    pub trait Sealed {}
    impl<T, E> Sealed for Result<T, E> {}
}

/// Asks the governance engine to admit the tracked call of `span`, reserving `reserve_usd` (or
/// each hard budget's default). `Ok` when no budget or policy is configured.
pub fn admit(span: &tracing::Span, reserve_usd: Option<f64>) -> Result<(), GovernanceError> {
    super::record::admit(span, reserve_usd)
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
