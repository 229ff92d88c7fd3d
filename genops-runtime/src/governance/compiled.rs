//! Budgets as the engine holds them: their amounts checked and converted to exact money once,
//! when the layer is built, and shared with the store with the alerts they fire and the clock
//! that reads their windows.

use std::sync::Arc;
use std::time::SystemTime;

use super::alerts::Alerts;
use super::budget::{Budget, BudgetAlert, FailMode};
use super::burn_rate::{Meter, ValueMeters};
use super::call_info::CallInfo;
use super::clock::Clock;
use super::compiled_limit::CompiledLimit;
use super::forecast::BudgetForecast;
use super::kill::Kills;
use super::status::utilization;
use super::template;
use crate::money::Cost;

/// The most alert thresholds a budget has: which of them a booking crossed is a `u32` bit set.
const MAX_THRESHOLDS: usize = u32::BITS as usize;

/// The engine's budgets (a budget's index here names it to the store), the alerts they fire,
/// and the clock their windows are read by; its rate limits (named to the store by index too),
/// and the kills in force, which a shared store refreshes.
pub(crate) struct Budgets {
    pub(crate) list: Vec<CompiledBudget>,
    pub(crate) alerts: Alerts,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) limits: Vec<CompiledLimit>,
    pub(crate) kills: Kills,
}

/// A budget with its limit and default reservation in exact money.
pub(crate) struct CompiledBudget {
    pub(crate) budget: Budget,
    pub(crate) limit: Cost,
    pub(crate) reservation: Cost,
    /// Its spend over the recent interval, for burn-rate forecasts (a per-value budget meters
    /// its values instead, in `values`, each like this one).
    pub(crate) meter: Meter,
    /// For a per-value budget, the spend of its busiest values over the interval.
    pub(crate) values: Option<ValueMeters>,
}

impl CompiledBudget {
    /// The engine's form of `budget`, or what is wrong with it.
    pub(crate) fn new(budget: Budget) -> Result<Self, String> {
        let limit = budget.limit.to_cost().ok_or_else(|| {
            format!(
                "budget `{}`: the limit {} is not a non-negative number of USD",
                budget.name, budget.limit.0
            )
        })?;
        let reservation = budget.reservation.to_cost().ok_or_else(|| {
            format!(
                "budget `{}`: the reservation {} is not a non-negative number of USD",
                budget.name, budget.reservation.0
            )
        })?;
        if let Some(t) = budget
            .thresholds
            .iter()
            .find(|t| !t.is_finite() || **t <= 0.0)
        {
            return Err(format!(
                "budget `{}`: alert threshold {t} must be a positive share",
                budget.name
            ));
        }
        if budget.thresholds.len() > MAX_THRESHOLDS {
            return Err(format!(
                "budget `{}`: {} alert thresholds; at most {MAX_THRESHOLDS}",
                budget.name,
                budget.thresholds.len()
            ));
        }
        if let FailMode::Open { cap: Some(cap) } = budget.on_store_failure {
            if cap.to_cost().is_none() {
                return Err(format!(
                    "budget `{}`: the fail-open cap {} is not a non-negative number of USD",
                    budget.name, cap.0
                ));
            }
        }
        let meter = Meter::new(budget.rate_interval)
            .map_err(|problem| format!("budget `{}`: {problem}", budget.name))?;
        let values = budget.per.map(|_| ValueMeters::like(&meter, budget.window));
        Ok(CompiledBudget {
            budget,
            limit,
            reservation,
            meter,
            values,
        })
    }

    /// The value `call` has for this budget's template (`Some(None)` without a template), or
    /// `None` when the budget does not apply to the call.
    pub(crate) fn value<'c>(&self, call: &'c CallInfo<'_>) -> Option<Option<&'c str>> {
        template::value(&self.budget.scope, self.budget.per, call)
    }

    /// The budget's name, with the value for a per-value budget.
    pub(crate) fn label(&self, value: Option<&str>) -> String {
        template::label(&self.budget.name, self.budget.per, value)
    }

    /// The alerts of the thresholds in `crossed` (bit `t` for threshold `t`), for `value`.
    pub(crate) fn alerts<'s>(
        &'s self,
        value: Option<&'s str>,
        spent: Cost,
        crossed: u32,
    ) -> impl Iterator<Item = BudgetAlert> + 's {
        self.budget
            .thresholds
            .iter()
            .enumerate()
            .filter(move |(t, _)| crossed & (1 << t) != 0)
            .map(move |(_, threshold)| BudgetAlert {
                budget: self.budget.name.clone(),
                threshold: *threshold,
                limit: self.limit.as_usd(),
                spent: spent.as_usd(),
                hard: self.budget.hard,
                value: value.map(str::to_owned),
                forecast: None,
            })
    }

    /// Counts `cost`, settled `now` with `spent` booked in the window (of `value`, whose cell is
    /// `cell`, for a per-value budget), and returns the forecast alert it makes due, if any.
    pub(crate) fn forecast_after(
        &self,
        value: Option<&str>,
        cell: u64,
        cost: Cost,
        spent: Cost,
        now: SystemTime,
    ) -> Option<BudgetAlert> {
        let remaining = self.limit.saturating_sub(spent);
        let due = |meter: &Meter| {
            meter.record(now, cost);
            if !self.budget.forecast_alert || cost == Cost::ZERO {
                return None;
            }
            let forecast = meter.forecast(&self.budget.name, value, remaining, now);
            let due = meter.alert_due(self.budget.window, forecast.exhausted_in?, now);
            due.then_some(forecast)
        };
        let forecast = match (&self.values, value) {
            (None, _) => due(&self.meter)?,
            // A value that spent nothing is not metered, nor one whose shard is full of values
            // alerted in this window.
            (Some(values), Some(value)) if cost > Cost::ZERO => {
                values.with(cell, value, now, due)??
            }
            (Some(_), _) => return None,
        };
        Some(BudgetAlert {
            budget: self.budget.name.clone(),
            threshold: utilization(spent.as_usd(), self.limit.as_usd()),
            limit: self.limit.as_usd(),
            spent: spent.as_usd(),
            hard: self.budget.hard,
            value: value.map(str::to_owned),
            forecast: Some(forecast),
        })
    }

    /// The forecast of this budget (of its `value`, whose cell is `cell`, for a per-value
    /// budget: `None` when the value is not metered) with `spent` booked in the window, `now`.
    pub(crate) fn forecast(
        &self,
        value: Option<(u64, &str)>,
        spent: Cost,
        now: SystemTime,
    ) -> Option<BudgetForecast> {
        let remaining = self.limit.saturating_sub(spent);
        let name = &self.budget.name;
        match (&self.values, value) {
            (Some(values), Some((cell, value))) => values.read(cell, |meter| {
                meter.forecast(name, Some(value), remaining, now)
            }),
            (None, _) => Some(self.meter.forecast(name, None, remaining, now)),
            (Some(_), None) => None,
        }
    }
}
