//! What a budget stands at, for metrics and reports.

/// A status snapshot of one budget, for metrics and reports.
#[derive(Clone, Debug, PartialEq)]
pub struct BudgetStatus {
    /// The budget.
    pub name: String,
    /// Its limit, in USD (for a per-value budget, each value's).
    pub limit: f64,
    /// Spent in the current window, in USD (for a per-value budget, by all values).
    pub spent: f64,
    /// Held by calls in flight, in USD.
    pub reserved: f64,
    /// Whether the budget is hard.
    pub hard: bool,
}

impl BudgetStatus {
    /// The spent share of the limit (1.0 = all of it; a zero limit counts as used up).
    ///
    /// ```
    /// use genops::BudgetStatus;
    /// let status = BudgetStatus {
    ///     name: "team-a".into(),
    ///     limit: 10.0,
    ///     spent: 6.0,
    ///     reserved: 1.0,
    ///     hard: true,
    /// };
    /// assert_eq!(status.utilization(), 0.6);
    /// ```
    pub fn utilization(&self) -> f64 {
        utilization(self.spent, self.limit)
    }
}

/// The share of `limit` (USD) that `spent` (USD) is: budget utilisation, wherever it is shown.
pub(crate) fn utilization(spent: f64, limit: f64) -> f64 {
    if limit > 0.0 {
        spent / limit
    } else {
        1.0
    }
}
