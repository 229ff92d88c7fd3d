//! The governance verdict a call's span records: [`PolicyResult`] and the budget it was closest
//! to.

use super::BudgetAlert;

/// The value of `genops.policy.result`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum PolicyResult {
    /// No policy objected and no alert fired.
    #[default]
    Allowed,
    /// An advisory policy objected, or a budget threshold was crossed.
    Warned,
    /// The gate denied the call.
    Blocked,
}

impl PolicyResult {
    /// The field value.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            PolicyResult::Allowed => "allowed",
            PolicyResult::Warned => "warned",
            PolicyResult::Blocked => "blocked",
        }
    }
}

/// The tightest budget matching a call, as its span records it.
#[derive(Debug)]
pub(crate) struct BudgetReading {
    pub(crate) name: String,
    /// What is left in the window, in USD.
    pub(crate) remaining: f64,
    /// Spent over limit (1.0 = all).
    pub(crate) utilization: f64,
}

/// The governance verdict recorded on a span.
#[derive(Debug, Default)]
pub(crate) struct Verdict {
    pub(crate) result: PolicyResult,
    pub(crate) policy: Option<String>,
    pub(crate) reason: Option<String>,
    pub(crate) budget: Option<BudgetReading>,
    pub(crate) alerts: Vec<BudgetAlert>,
}
