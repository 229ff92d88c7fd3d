//! [`BudgetForecast`]: when a budget runs out at its recent burn rate (the meter that reads the
//! rate is `burn_rate`).

use std::time::Duration;

/// The interval a budget's burn rate is read over unless it names one.
pub(crate) const DEFAULT_RATE_INTERVAL: Duration = Duration::from_secs(3_600);

/// When a budget runs out at the spend rate of its recent interval; carried by a forecast
/// alert and read with `GenOpsLayer::budget_forecasts`.
#[derive(Clone, Debug, PartialEq)]
pub struct BudgetForecast {
    /// The budget.
    pub budget: String,
    /// For a per-value budget, the value forecast (each metered value has a forecast of its
    /// own); `None` otherwise.
    pub value: Option<String>,
    /// The interval the rate is read over.
    pub interval: Duration,
    /// Settled by this process in the interval, in USD.
    pub spent_in_interval: f64,
    /// The spend rate, in USD per hour.
    pub usd_per_hour: f64,
    /// How long the budget's remaining amount lasts at that rate (zero when none is left;
    /// `None` when nothing was spent in the interval).
    pub exhausted_in: Option<Duration>,
}
