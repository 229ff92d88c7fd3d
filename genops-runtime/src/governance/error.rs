//! [`GovernanceError`]: why a gated call was denied.

use std::fmt;
use std::time::{Duration, SystemTime};

use super::kill::utc;

use crate::request::HoldError;

/// Why a gated call was denied. Its `Display` says what to do about it.
///
/// ```
/// let denied = genops::GovernanceError::BudgetExceeded {
///     budget: "search-daily".into(),
///     limit: 1.0,
///     spent: 0.99,
///     reserved: 0.0,
///     reservation: 0.02,
/// };
/// assert_eq!(
///     denied.to_string(),
///     "budget `search-daily` has no room for this call's reservation of $0.0200: $0.9900 spent \
///      and $0.0000 reserved by calls in flight leave $0.0100 of $1.00; wait for the next \
///      window, raise the limit, reserve less, or make the budget soft"
/// );
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum GovernanceError {
    /// A hard budget has no room for the call's reservation.
    BudgetExceeded {
        /// The budget.
        budget: String,
        /// Its limit in USD.
        limit: f64,
        /// Spent in the current window, in USD.
        spent: f64,
        /// Held by other calls in flight, in USD.
        reserved: f64,
        /// What this call asked to reserve, in USD.
        reservation: f64,
    },
    /// The shared budget store cannot be reached, and the budget fails closed.
    StoreUnavailable {
        /// The budget.
        budget: String,
        /// What went wrong.
        problem: String,
    },
    /// An enforced policy denies the call.
    PolicyViolation {
        /// The policy.
        policy: String,
        /// Why.
        reason: String,
    },
    /// The call reserves its request's worst case (`enforce(reserve = request)`), and that
    /// worst case cannot be known; the error says what to fix.
    CannotHold(HoldError),
    /// A rate limit's window has no room for the call.
    RateLimited {
        /// The limit (with the value, for a per-value limit).
        limit: String,
        /// When the call would fit, if nothing else is admitted meanwhile.
        retry_after: Duration,
    },
    /// The call's scope is stopped by the kill switch.
    Killed {
        /// The scope killed, as `team=search`.
        scope: String,
        /// Why, as the operator said.
        reason: String,
        /// Since when.
        since: SystemTime,
    },
    /// The envelope of a run the call is beneath (`#[genops::track(budget = ...)]`) has no room
    /// for the call's reservation.
    EnvelopeExceeded {
        /// The run: the name of the span that opened the envelope.
        run: String,
        /// The run's trace id, when the span is exported over OTLP.
        trace_id: Option<String>,
        /// The envelope, in USD.
        limit: f64,
        /// Spent beneath the run so far, in USD.
        spent: f64,
        /// Held by the run's calls in flight, in USD.
        reserved: f64,
        /// What this call asked to reserve, in USD.
        reservation: f64,
    },
}

impl fmt::Display for GovernanceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GovernanceError::BudgetExceeded {
                budget,
                limit,
                spent,
                reserved,
                reservation,
            } => {
                let left = (limit - spent - reserved).max(0.0);
                write!(
                    f,
                    "budget `{budget}` has no room for this call's reservation of \
                     ${reservation:.4}: ${spent:.4} spent and ${reserved:.4} reserved by calls \
                     in flight leave ${left:.4} of ${limit:.2}; wait for the next window, raise \
                     the limit, reserve less, or make the budget soft"
                )
            }
            GovernanceError::StoreUnavailable { budget, problem } => write!(
                f,
                "budget `{budget}` cannot admit this call: its budget store is unavailable \
                 ({problem}) and the budget fails closed; retry later, or let it fail local \
                 or open"
            ),
            GovernanceError::PolicyViolation { policy, reason } => {
                write!(f, "policy `{policy}` denies this call: {reason}")
            }
            GovernanceError::CannotHold(problem) => write!(
                f,
                "this call's worst case cannot be held, so it is not admitted: {problem}"
            ),
            GovernanceError::RateLimited { limit, retry_after } => write!(
                f,
                "rate limit `{limit}` has no room for this call in its window; it would fit in \
                 {retry_after:?}: retry then, let the limit wait for it (`.wait_up_to`), or \
                 raise the limit"
            ),
            GovernanceError::Killed {
                scope,
                reason,
                since,
            } => write!(
                f,
                "calls in {scope} are stopped by the kill switch since {} ({reason}); revive \
                 the scope (`genops-ctl revive {scope}`, or `revive` on the guard or layer) to \
                 run them again",
                utc(*since)
            ),
            GovernanceError::EnvelopeExceeded {
                run,
                trace_id,
                limit,
                spent,
                reserved,
                reservation,
            } => {
                let left = (limit - spent - reserved).max(0.0);
                write!(f, "run `{run}`")?;
                if let Some(trace_id) = trace_id {
                    write!(f, " (trace {trace_id})")?;
                }
                write!(
                    f,
                    " has no room in its ${limit:.2} envelope for this call's reservation of \
                     ${reservation:.4}: ${spent:.4} spent and ${reserved:.4} reserved by its \
                     calls in flight leave ${left:.4}; end the run, give it a larger `budget`, \
                     or reserve less"
                )
            }
        }
    }
}

impl std::error::Error for GovernanceError {}
