//! Budgets: a spending limit on a scope over a window, with alert thresholds.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::call_info::{CallInfo, Key};
use super::forecast::{BudgetForecast, DEFAULT_RATE_INTERVAL};
use crate::attribution::Dimension;
use crate::money::Cost;

/// An amount of US dollars, as written in configuration.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct Usd(pub f64);

impl Usd {
    /// The exact amount, or `None` for NaN, infinite or negative dollars.
    pub fn to_cost(self) -> Option<Cost> {
        Cost::from_usd(self.0)
    }
}

/// What a budget or policy applies to: calls whose attribution, provider and model match every
/// condition. `Scope::all()` matches every call.
///
/// ```
/// use genops::Scope;
/// let scope = Scope::team("search").and(Scope::provider("openai"));
/// assert_eq!(scope.to_string(), "team=search, provider=openai");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    conditions: Vec<(Key, String)>,
}

impl Scope {
    /// Every call.
    pub fn all() -> Self {
        Scope::default()
    }
    fn with(key: Key, value: impl Into<String>) -> Self {
        Scope {
            conditions: vec![(key, value.into())],
        }
    }
    /// Calls of this team.
    pub fn team(team: impl Into<String>) -> Self {
        Self::attribution(Dimension::Team, team)
    }
    /// Calls of this project.
    pub fn project(project: impl Into<String>) -> Self {
        Self::attribution(Dimension::Project, project)
    }
    /// Calls for this customer.
    pub fn customer(customer: impl Into<String>) -> Self {
        Self::attribution(Dimension::Customer, customer)
    }
    /// Calls of this feature.
    pub fn feature(feature: impl Into<String>) -> Self {
        Self::attribution(Dimension::Feature, feature)
    }
    /// Calls in this environment.
    pub fn environment(environment: impl Into<String>) -> Self {
        Self::attribution(Dimension::Environment, environment)
    }
    /// Calls of this cost center.
    pub fn cost_center(cost_center: impl Into<String>) -> Self {
        Self::attribution(Dimension::CostCenter, cost_center)
    }
    /// Calls for this user.
    pub fn user(user: impl Into<String>) -> Self {
        Self::attribution(Dimension::User, user)
    }
    /// Calls whose attribution `dim` is `value`.
    pub fn attribution(dim: Dimension, value: impl Into<String>) -> Self {
        Self::with(Key::Attribution(dim), value)
    }
    /// Calls to this provider (`gen_ai.provider.name`).
    pub fn provider(provider: impl Into<String>) -> Self {
        Self::with(Key::Provider, provider)
    }
    /// Calls priced as this model.
    pub fn model(model: impl Into<String>) -> Self {
        Self::with(Key::Model, model)
    }
    /// Calls matching both scopes.
    pub fn and(mut self, other: Scope) -> Self {
        self.conditions.extend(other.conditions);
        self
    }

    /// The scope as `GENOPS_KILL` and the stores write it: `key=value` conditions joined by
    /// `&` (`all` for every call).
    pub(crate) fn text(&self) -> String {
        if self.conditions.is_empty() {
            return "all".to_owned();
        }
        let conditions: Vec<String> = self
            .conditions
            .iter()
            .map(|(key, value)| format!("{}={value}", key_name(*key)))
            .collect();
        conditions.join("&")
    }

    /// The scope written `text` ([`text`](Self::text)'s form), or what is wrong with it.
    pub(crate) fn parse(text: &str) -> Result<Scope, String> {
        let text = text.trim();
        if text == "all" {
            return Ok(Scope::all());
        }
        let mut scope = Scope::all();
        for condition in text.split('&') {
            let (key, value) = condition
                .split_once('=')
                .ok_or_else(|| format!("{condition:?} is not a condition like team=search"))?;
            let (key, value) = (key.trim(), value.trim());
            if value.is_empty() || value.contains('=') {
                return Err(format!("{condition:?} needs one value, like team=search"));
            }
            let key = match key {
                "provider" => Key::Provider,
                "model" => Key::Model,
                _ => Key::Attribution(
                    Dimension::ALL
                        .into_iter()
                        .find(|d| d.name() == key)
                        .ok_or_else(|| {
                            format!(
                                "{key:?} is not a dimension ({}), provider or model",
                                Dimension::ALL.map(Dimension::name).join(", ")
                            )
                        })?,
                ),
            };
            scope = scope.and(Scope::with(key, value));
        }
        Ok(scope)
    }

    pub(crate) fn matches(&self, call: &CallInfo<'_>) -> bool {
        self.conditions
            .iter()
            .all(|(key, value)| call.value(*key) == Some(value.as_str()))
    }
}

/// A scope written as `GENOPS_KILL` and `genops-ctl` take it: `key=value` conditions joined
/// by `&`, where a key is a dimension (`team`, `customer`, ...), `provider` or `model`; `all`
/// is every call.
///
/// ```
/// use genops::Scope;
/// let scope: Scope = "team=search&model=gpt-4o".parse()?;
/// assert_eq!(scope, Scope::team("search").and(Scope::model("gpt-4o")));
/// assert!("squad=a".parse::<Scope>().is_err());
/// # Ok::<(), String>(())
/// ```
impl std::str::FromStr for Scope {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        Scope::parse(text)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.conditions.is_empty() {
            return f.write_str("all calls");
        }
        for (i, (key, value)) in self.conditions.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{}={value}", key_name(*key))?;
        }
        Ok(())
    }
}

/// The name a condition's key is written with.
pub(crate) fn key_name(key: Key) -> &'static str {
    match key {
        Key::Attribution(dim) => dim.name(),
        Key::Provider => "provider",
        Key::Model => "model",
    }
}

/// Seconds in a day: a daily window's length, and the unit of the calendar arithmetic.
pub(crate) const SECS_PER_DAY: u64 = 86_400;

/// How a budget's window is cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    /// A UTC calendar day.
    Daily,
    /// A UTC calendar month.
    Monthly,
    /// The last `Duration`, sliding.
    Rolling(Duration),
}

impl Window {
    /// The id of the fixed window that holds `time` (`None` for rolling windows).
    pub(crate) fn fixed_id(self, time: SystemTime) -> Option<u64> {
        let days = unix_secs(time) / SECS_PER_DAY;
        match self {
            Window::Daily => Some(days),
            Window::Monthly => {
                let (year, month) = civil_year_month(days);
                Some(year * 12 + month)
            }
            Window::Rolling(_) => None,
        }
    }

    /// The unix second at which the window holding `time` ends; for a month, at most 31 days
    /// on, so that what is kept for the window outlives it by a day or more.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn end(self, time: SystemTime) -> u64 {
        let secs = unix_secs(time);
        match self {
            Window::Daily => (secs / SECS_PER_DAY + 1) * SECS_PER_DAY,
            Window::Monthly => (secs / SECS_PER_DAY + 32) * SECS_PER_DAY,
            Window::Rolling(period) => secs + period.as_secs(),
        }
    }
}

/// Whole seconds since the unix epoch (0 before it).
pub(crate) fn unix_secs(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

/// (year, month 0-11) of a day count since 1970-01-01.
fn civil_year_month(days: u64) -> (u64, u64) {
    let (year, month, _) = civil_date(days);
    (year, month)
}

/// (year, month 0-11, day 1-31) of a day count since 1970-01-01 (Howard Hinnant's civil
/// calendar).
pub(crate) fn civil_date(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month - 1, day)
}

/// The alert thresholds of a budget that sets none: 80% and 100% of its limit.
const DEFAULT_THRESHOLDS: [f64; 2] = [0.8, 1.0];
/// What a gated call reserves under a budget that sets no reservation, when it names none.
const DEFAULT_RESERVATION: Usd = Usd(0.01);

/// A spending limit on a scope over a window.
///
/// ```
/// use genops::{Budget, Scope, Usd};
/// let b = Budget::daily("search-daily", Scope::team("search"), Usd(100.0))
///     .alert_at([0.5, 0.8, 1.0])
///     .hard();
/// assert!(b.is_hard());
/// ```
#[derive(Clone, Debug)]
pub struct Budget {
    pub(crate) name: String,
    pub(crate) scope: Scope,
    pub(crate) limit: Usd,
    pub(crate) window: Window,
    pub(crate) thresholds: Vec<f64>,
    pub(crate) hard: bool,
    pub(crate) reservation: Usd,
    /// A template: every value of this dimension has a budget of its own.
    pub(crate) per: Option<Dimension>,
    pub(crate) on_store_failure: FailMode,
    /// The recent interval whose spend rate forecasts exhaustion.
    pub(crate) rate_interval: Duration,
    /// Whether a forecast alert fires when the budget is forecast to run out in its window.
    pub(crate) forecast_alert: bool,
}

/// What a hard budget does with a gated call when its shared store cannot be reached (the
/// in-memory store is always reachable). Every store error is counted
/// (`genops_budget_store_errors_total`), logged at WARN (rate-limited), and reconciled when the
/// store is back: calls admitted meanwhile are booked then, once each.
///
/// ```
/// use genops::{Budget, FailMode, Scope, Usd};
/// let b = Budget::daily("search", Scope::team("search"), Usd(100.0))
///     .hard()
///     .on_store_failure(FailMode::Open { cap: Some(Usd(5.0)) });
/// assert_eq!(b.store_failure_mode(), FailMode::Open { cap: Some(Usd(5.0)) });
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum FailMode {
    /// Deny gated calls with [`GovernanceError::StoreUnavailable`](crate::GovernanceError).
    Closed,
    /// Admit against this replica's share of the remaining budget last read from the store
    /// (the remaining amount divided by the replicas seen). The default.
    #[default]
    Local,
    /// Admit, up to `cap` reserved by this replica while the store is away (no cap: any).
    Open {
        /// The most this replica admits while the store is unreachable.
        cap: Option<Usd>,
    },
}

impl Budget {
    /// A budget of `limit` per window.
    pub fn new(name: impl Into<String>, scope: Scope, limit: Usd, window: Window) -> Self {
        Budget {
            name: name.into(),
            scope,
            limit,
            window,
            thresholds: DEFAULT_THRESHOLDS.to_vec(),
            hard: false,
            reservation: DEFAULT_RESERVATION,
            per: None,
            on_store_failure: FailMode::Local,
            rate_interval: DEFAULT_RATE_INTERVAL,
            forecast_alert: false,
        }
    }
    /// A template giving every value of `dim` a budget of `limit` per UTC day, named
    /// `<dim>-daily` (rename it with [`named`](Self::named)). Calls without a value for `dim`
    /// are not under it. Its state for a value is created on the value's first call and evicted
    /// when the window ends.
    ///
    /// ```
    /// use genops::{Budget, Dimension, Usd};
    /// let every_customer = Budget::daily_per(Dimension::Customer, Usd(5.0)).hard();
    /// assert_eq!(every_customer.name(), "customer-daily");
    /// ```
    pub fn daily_per(dim: Dimension, limit: Usd) -> Self {
        Self::per(dim, limit, Window::Daily, "daily")
    }
    /// A template giving every value of `dim` a budget of `limit` per UTC calendar month,
    /// named `<dim>-monthly`; see [`daily_per`](Self::daily_per).
    pub fn monthly_per(dim: Dimension, limit: Usd) -> Self {
        Self::per(dim, limit, Window::Monthly, "monthly")
    }
    fn per(dim: Dimension, limit: Usd, window: Window, period: &str) -> Self {
        let mut budget = Self::new(
            format!("{}-{period}", dim.name()),
            Scope::all(),
            limit,
            window,
        );
        budget.per = Some(dim);
        budget
    }
    /// Renames the budget.
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }
    /// Limits the budget (or template) to calls in `scope`.
    pub fn scoped(mut self, scope: Scope) -> Self {
        self.scope = scope;
        self
    }
    /// What a hard budget does when its shared store is unreachable (default
    /// [`FailMode::Local`]).
    pub fn on_store_failure(mut self, mode: FailMode) -> Self {
        self.on_store_failure = mode;
        self
    }
    /// What the budget does when its shared store is unreachable.
    pub fn store_failure_mode(&self) -> FailMode {
        self.on_store_failure
    }
    /// The dimension of a per-value template.
    pub fn per_value(&self) -> Option<Dimension> {
        self.per
    }
    /// A budget per UTC day.
    pub fn daily(name: impl Into<String>, scope: Scope, limit: Usd) -> Self {
        Self::new(name, scope, limit, Window::Daily)
    }
    /// A budget per UTC calendar month.
    pub fn monthly(name: impl Into<String>, scope: Scope, limit: Usd) -> Self {
        Self::new(name, scope, limit, Window::Monthly)
    }
    /// A budget over a sliding window of `period`.
    pub fn rolling(name: impl Into<String>, scope: Scope, limit: Usd, period: Duration) -> Self {
        Self::new(name, scope, limit, Window::Rolling(period))
    }
    /// Alert when spend reaches these shares of the limit (default 0.8 and 1.0). Each fires once
    /// per window.
    pub fn alert_at(mut self, thresholds: impl IntoIterator<Item = f64>) -> Self {
        self.thresholds = thresholds.into_iter().collect();
        self.thresholds.sort_by(f64::total_cmp);
        self
    }
    /// Deny gated calls (`#[genops::track(enforce)]`) that would exceed the limit. Budgets are
    /// soft (alert only) by default.
    pub fn hard(mut self) -> Self {
        self.hard = true;
        self
    }
    /// The amount a gated call reserves when it names none (default $0.01).
    pub fn reservation(mut self, usd: Usd) -> Self {
        self.reservation = usd;
        self
    }
    /// Reads the budget's burn rate over the last `interval` (default one hour): the rate that
    /// forecasts when the budget runs out (`genops_budget_exhaustion_seconds`,
    /// `GenOpsLayer::budget_forecasts`, and the alert of
    /// [`alert_on_forecast`](Self::alert_on_forecast)).
    pub fn burn_rate_over(mut self, interval: Duration) -> Self {
        self.rate_interval = interval;
        self
    }
    /// Alert once per window when, at the burn rate of the recent interval, the budget runs out
    /// before its window ends: the alert's [`BudgetAlert::forecast`] says when. A per-value
    /// template forecasts each of its busiest values (at most 1,024) against its own limit,
    /// and alerts once per window for each value, naming it ([`BudgetAlert::value`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// use genops::{Budget, Scope, Usd};
    /// let b = Budget::daily("search", Scope::team("search"), Usd(100.0))
    ///     .burn_rate_over(Duration::from_secs(15 * 60))
    ///     .alert_on_forecast();
    /// ```
    pub fn alert_on_forecast(mut self) -> Self {
        self.forecast_alert = true;
        self
    }
    /// Whether the budget denies gated calls.
    pub fn is_hard(&self) -> bool {
        self.hard
    }
    /// The budget's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// A budget threshold crossed, or a budget forecast to run out before its window ends, passed
/// to the `on_alert` callbacks.
#[derive(Clone, Debug, PartialEq)]
pub struct BudgetAlert {
    /// The budget.
    pub budget: String,
    /// The share of the limit crossed (0.8 = 80%); for a forecast alert, the share spent when
    /// it fired.
    pub threshold: f64,
    /// The limit, in USD.
    pub limit: f64,
    /// Spent in the window, in USD.
    pub spent: f64,
    /// Whether the budget is hard.
    pub hard: bool,
    /// For a per-value budget, the value whose own budget crossed the threshold.
    pub value: Option<String>,
    /// For a forecast alert ([`Budget::alert_on_forecast`]): the forecast that fired it.
    pub forecast: Option<BudgetForecast>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_roll_over_at_utc_boundaries() {
        let day = |d: u64| UNIX_EPOCH + Duration::from_secs(d * SECS_PER_DAY);
        // 1970-01-31 and 1970-02-01.
        assert_ne!(
            Window::Monthly.fixed_id(day(30)),
            Window::Monthly.fixed_id(day(31))
        );
        assert_eq!(
            Window::Monthly.fixed_id(day(31)),
            Window::Monthly.fixed_id(day(58))
        );
        // 2024-02-29 (leap day, day 19_782) and 2024-03-01.
        assert_eq!(civil_year_month(19_782), (2024, 1));
        assert_eq!(civil_year_month(19_783), (2024, 2));
        assert_ne!(
            Window::Daily.fixed_id(day(5)),
            Window::Daily.fixed_id(day(6))
        );
    }
}
