//! The governance engine: budgets with windows and alerts, policies, and the admission gate of
//! `#[genops::track(enforce)]`.
//!
//! Spend is booked from the same exact integer amounts as the ledger, each call on its own cost.
//! A gated call reserves an amount at admission, which counts against its hard budgets until the
//! call closes; then the reservation is released and the actual cost booked, whatever the
//! outcome (success, `Err`, panic or cancellation).

mod budget;
mod call_info;
mod clock;
mod error;
mod policy;
mod settings;
mod store;
mod verdict;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

pub use budget::{Budget, BudgetAlert, FailMode, Scope, Usd, Window};
pub use call_info::{CallInfo, Phase};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::GovernanceError;
pub use policy::{
    AllowedModels, Enforcement, MaxCostPerCall, Policy, RateLimit, RequiredAttribution,
};
pub(crate) use settings::GovernanceSettings;
pub use store::BudgetStore;
pub(crate) use verdict::{BudgetReading, PolicyResult, Verdict};

use crate::ledger::LedgerKey;
use crate::money::Cost;
use settings::AlertFn;
use store::{Backend, Denied, Hold};

/// A budget as the engine holds it: amounts checked and converted once.
pub(crate) struct Slot {
    budget: Budget,
    limit: Cost,
    reservation: Cost,
}

impl Slot {
    /// The value `call` has for this budget's template (`Some(None)` without a template), or
    /// `None` when the budget does not apply to the call.
    fn value<'c>(&self, call: &'c CallInfo<'_>) -> Option<Option<&'c str>> {
        if !self.budget.scope.matches(call) {
            return None;
        }
        match self.budget.per {
            None => Some(None),
            Some(dim) => call.attribution(dim).map(Some),
        }
    }

    /// The budget's name, with the value for a per-value budget.
    fn label(&self, value: Option<&str>) -> String {
        match (self.budget.per, value) {
            (Some(dim), Some(value)) => format!("{} ({}={value})", self.budget.name, dim.name()),
            _ => self.budget.name.clone(),
        }
    }
}

/// Reservations held by an admitted call, one per hard budget it is under.
#[derive(Debug, Default)]
pub(crate) struct Admission(Vec<Hold>);

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

/// The alert callbacks and the count of alerts fired, shared with stores that learn of a
/// crossing after the call has closed.
pub(crate) struct Alerts {
    on_alert: Vec<AlertFn>,
    fired: Mutex<BTreeMap<(String, String), u64>>,
}

/// Budgets, policies and alert callbacks, shared by every tracked span of a layer.
pub(crate) struct Governance {
    slots: Vec<Slot>,
    store: Backend,
    policies: Vec<Arc<dyn Policy>>,
    alerts: Arc<Alerts>,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for Governance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Governance")
            .field("budgets", &self.slots.len())
            .field("policies", &self.policies.len())
            .finish_non_exhaustive()
    }
}

fn usd(cost: Cost) -> f64 {
    cost.as_usd()
}

/// The engine's form of `budget`, or what is wrong with it.
fn slot(budget: Budget) -> Result<Slot, String> {
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
    if budget.thresholds.len() > 32 {
        return Err(format!(
            "budget `{}`: {} alert thresholds; at most 32",
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
    Ok(Slot {
        budget,
        limit,
        reservation,
    })
}

impl Governance {
    /// The engine, or the setting at fault (`budget` or `budget_store`) and its problem.
    pub(crate) fn new(settings: GovernanceSettings) -> Result<Self, (&'static str, String)> {
        let slots = settings
            .budgets
            .into_iter()
            .map(slot)
            .collect::<Result<Vec<_>, String>>()
            .map_err(|problem| ("budget", problem))?;
        let alerts = Arc::new(Alerts {
            on_alert: settings.on_alert,
            fired: Mutex::new(BTreeMap::new()),
        });
        let clock: Arc<dyn Clock> = settings.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let store = Backend::open(
            settings.store.as_ref().unwrap_or(&BudgetStore::memory()),
            &slots,
            Arc::clone(&alerts),
            clock.now(),
        )
        .map_err(|problem| ("budget_store", problem))?;
        Ok(Governance {
            slots,
            store,
            policies: settings.policies,
            alerts,
            clock,
        })
    }

    fn info<'a>(
        &self,
        key: &'a LedgerKey,
        phase: Phase,
        cost: Option<Cost>,
        reservation: Option<Cost>,
    ) -> CallInfo<'a> {
        CallInfo::new(key, phase, cost, reservation, self.clock.now())
    }

    /// Admits a gated call, reserving `reserve` (or each budget's default) on its hard budgets.
    pub(crate) fn admit(
        &self,
        key: &LedgerKey,
        reserve: Option<Cost>,
    ) -> Result<Admission, GovernanceError> {
        let call = self.info(key, Phase::Admission, None, reserve);
        for policy in self
            .policies
            .iter()
            .filter(|p| p.enforcement() == Enforcement::Enforced)
        {
            if let Err(reason) = policy.check(&call) {
                return Err(GovernanceError::PolicyViolation {
                    policy: policy.name().to_owned(),
                    reason,
                });
            }
        }
        let mut admission = Admission::default();
        for (i, slot) in self.slots.iter().enumerate() {
            if !slot.budget.hard {
                continue;
            }
            let Some(value) = slot.value(&call) else {
                continue;
            };
            let amount = reserve.unwrap_or(slot.reservation);
            let cell = self.store.cell(value);
            match self.store.reserve(i, slot, cell, value, amount, call.now()) {
                Ok(hold) => admission.0.push(hold),
                Err(denied) => {
                    self.release(&admission);
                    return Err(match denied {
                        Denied::Full { spent, reserved } => GovernanceError::BudgetExceeded {
                            budget: slot.label(value),
                            limit: usd(slot.limit),
                            spent: usd(spent),
                            reserved: usd(reserved),
                            reservation: usd(amount),
                        },
                        Denied::Unavailable(problem) => GovernanceError::StoreUnavailable {
                            budget: slot.label(value),
                            problem,
                        },
                    });
                }
            }
        }
        Ok(admission)
    }

    /// Releases the reservations of `admission` without booking anything.
    pub(crate) fn release(&self, admission: &Admission) {
        for hold in &admission.0 {
            self.store.release(hold);
        }
    }

    /// Closes a call: releases its reservation, books its own cost, fires alerts and evaluates
    /// the policies.
    pub(crate) fn settle(
        &self,
        key: &LedgerKey,
        cost: Cost,
        admission: Option<&Admission>,
    ) -> Verdict {
        let call = self.info(
            key,
            Phase::Close {
                gated: admission.is_some(),
            },
            Some(cost),
            None,
        );
        let holds = admission.map_or(&[][..], |a| &a.0[..]);
        let mut verdict = Verdict::default();
        let mut tightest: Option<(Cost, &Slot, Cost, Option<&str>)> = None;
        for (i, slot) in self.slots.iter().enumerate() {
            let Some(value) = slot.value(&call) else {
                continue;
            };
            let cell = self.store.cell(value);
            let hold = holds.iter().find(|h| h.slot == i && h.cell == cell);
            let booked = self
                .store
                .settle(i, slot, cell, value, hold, cost, call.now());
            verdict
                .alerts
                .extend(alerts(slot, value, booked.spent, booked.crossed));
            let remaining = slot.limit.saturating_sub(booked.spent + booked.reserved);
            if tightest.as_ref().is_none_or(|(r, ..)| remaining < *r) {
                tightest = Some((remaining, slot, booked.spent, value));
            }
        }
        // Holds in budgets the call no longer falls under (its attribution changed after
        // admission) are given back.
        for hold in holds {
            let slot = &self.slots[hold.slot];
            if slot.value(&call).map(|v| self.store.cell(v)) != Some(hold.cell) {
                self.store.release(hold);
            }
        }
        verdict.budget = tightest.map(|(remaining, slot, spent, value)| BudgetReading {
            name: slot.label(value),
            remaining: usd(remaining),
            utilization: if slot.limit == Cost::ZERO {
                1.0
            } else {
                spent.picos() as f64 / slot.limit.picos() as f64
            },
        });
        for policy in &self.policies {
            if let Err(reason) = policy.check(&call) {
                verdict.result = PolicyResult::Warned;
                verdict.policy = Some(policy.name().to_owned());
                verdict.reason = Some(reason);
                break;
            }
        }
        if let Some(alert) = verdict
            .alerts
            .iter()
            .find(|a| a.threshold >= 1.0)
            .or(verdict.alerts.first())
        {
            if verdict.result == PolicyResult::Allowed {
                verdict.result = PolicyResult::Warned;
                verdict.policy = Some(alert.budget.clone());
                verdict.reason = Some(format!(
                    "budget reached {:.0}% of ${:.2}",
                    alert.threshold * 100.0,
                    alert.limit
                ));
            }
        }
        verdict
    }

    /// Runs the alert callbacks and counts the alerts; call with no lock held.
    pub(crate) fn deliver(&self, alerts: &[BudgetAlert]) {
        self.alerts.deliver(alerts);
    }

    /// Every budget's current window; a per-value budget's spend summed over its values.
    pub(crate) fn statuses(&self) -> Vec<BudgetStatus> {
        let now = self.clock.now();
        self.slots
            .iter()
            .enumerate()
            .map(|(i, slot)| {
                let (spent, reserved) = self.store.status(i, slot, now);
                BudgetStatus {
                    name: slot.budget.name.clone(),
                    limit: usd(slot.limit),
                    spent: usd(spent),
                    reserved: usd(reserved),
                    hard: slot.budget.hard,
                }
            })
            .collect()
    }

    /// Errors talking to the budget store so far.
    pub(crate) fn store_errors(&self) -> u64 {
        self.store.errors()
    }

    /// Alerts fired so far: (budget, threshold) → count.
    #[cfg(feature = "prometheus")]
    pub(crate) fn alert_counts(&self) -> BTreeMap<(String, String), u64> {
        self.alerts
            .fired
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// The alerts of the thresholds in `crossed`, for `value` of `slot`.
fn alerts<'s>(
    slot: &'s Slot,
    value: Option<&'s str>,
    spent: Cost,
    crossed: u32,
) -> impl Iterator<Item = BudgetAlert> + 's {
    slot.budget
        .thresholds
        .iter()
        .enumerate()
        .filter(move |(t, _)| crossed & (1 << t) != 0)
        .map(move |(_, threshold)| BudgetAlert {
            budget: slot.budget.name.clone(),
            threshold: *threshold,
            limit: usd(slot.limit),
            spent: usd(spent),
            hard: slot.budget.hard,
            value: value.map(str::to_owned),
        })
}

impl Alerts {
    /// Runs the alert callbacks and counts the alerts; call with no lock held.
    pub(crate) fn deliver(&self, alerts: &[BudgetAlert]) {
        for alert in alerts {
            {
                let mut fired = self.fired.lock().unwrap_or_else(PoisonError::into_inner);
                *fired
                    .entry((alert.budget.clone(), alert.threshold.to_string()))
                    .or_default() += 1;
            }
            tracing::warn!(
                target: "genops",
                budget = alert.budget.as_str(),
                value = alert.value.as_deref(),
                threshold = alert.threshold,
                spent_usd = alert.spent,
                limit_usd = alert.limit,
                hard = alert.hard,
                "budget threshold reached"
            );
            for callback in &self.on_alert {
                callback(alert);
            }
        }
    }
}
