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
mod verdict;

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

pub use budget::{Budget, BudgetAlert, Scope, Usd, Window};
pub use call_info::{CallInfo, Phase};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::GovernanceError;
pub use policy::{
    AllowedModels, Enforcement, MaxCostPerCall, Policy, RateLimit, RequiredAttribution,
};
pub(crate) use settings::GovernanceSettings;
pub(crate) use verdict::{BudgetReading, PolicyResult, Verdict};

use crate::ledger::LedgerKey;
use crate::money::Cost;
use settings::AlertFn;

#[derive(Default)]
struct BudgetState {
    window: Option<u64>,
    spent: Cost,
    reserved: Cost,
    fired: Vec<bool>,
    rolling: VecDeque<(SystemTime, Cost)>,
}

struct Slot {
    budget: Budget,
    limit: Cost,
    reservation: Cost,
    state: Mutex<BudgetState>,
}

impl Slot {
    /// The state, with its window moved to `now`.
    fn current(&self, now: SystemTime) -> std::sync::MutexGuard<'_, BudgetState> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        match self.budget.window {
            Window::Rolling(period) => {
                while let Some(&(t, amount)) = state.rolling.front() {
                    if now.duration_since(t).unwrap_or_default() < period {
                        break;
                    }
                    state.rolling.pop_front();
                    state.spent = state.spent.saturating_sub(amount);
                }
            }
            window => {
                let id = window.fixed_id(now);
                if state.window != id {
                    state.window = id;
                    state.spent = Cost::ZERO;
                    state.fired = vec![false; self.budget.thresholds.len()];
                }
            }
        }
        if state.fired.len() != self.budget.thresholds.len() {
            state.fired = vec![false; self.budget.thresholds.len()];
        }
        state
    }
}

/// Reservations held by an admitted call: (budget index, amount).
#[derive(Debug, Default)]
pub(crate) struct Admission(Vec<(usize, Cost)>);

/// A status snapshot of one budget, for metrics and reports.
#[derive(Clone, Debug, PartialEq)]
pub struct BudgetStatus {
    /// The budget.
    pub name: String,
    /// Its limit, in USD.
    pub limit: f64,
    /// Spent in the current window, in USD.
    pub spent: f64,
    /// Held by calls in flight, in USD.
    pub reserved: f64,
    /// Whether the budget is hard.
    pub hard: bool,
}

/// Budgets, policies and alert callbacks, shared by every tracked span of a layer.
pub(crate) struct Governance {
    slots: Vec<Slot>,
    policies: Vec<Arc<dyn Policy>>,
    on_alert: Vec<AlertFn>,
    clock: Arc<dyn Clock>,
    alerts_fired: Mutex<BTreeMap<(String, String), u64>>,
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

impl Governance {
    /// The engine, or an error naming a budget with an invalid amount.
    pub(crate) fn new(settings: GovernanceSettings) -> Result<Self, String> {
        let slots = settings
            .budgets
            .into_iter()
            .map(|budget| {
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
                Ok(Slot {
                    budget,
                    limit,
                    reservation,
                    state: Mutex::new(BudgetState::default()),
                })
            })
            .collect::<Result<_, String>>()?;
        Ok(Governance {
            slots,
            policies: settings.policies,
            on_alert: settings.on_alert,
            clock: settings.clock.unwrap_or_else(|| Arc::new(SystemClock)),
            alerts_fired: Mutex::new(BTreeMap::new()),
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
            if !slot.budget.hard || !slot.budget.scope.matches(&call) {
                continue;
            }
            let amount = reserve.unwrap_or(slot.reservation);
            let mut state = slot.current(call.now());
            if state.spent + state.reserved + amount > slot.limit {
                let error = GovernanceError::BudgetExceeded {
                    budget: slot.budget.name.clone(),
                    limit: usd(slot.limit),
                    spent: usd(state.spent),
                    reserved: usd(state.reserved),
                    reservation: usd(amount),
                };
                drop(state);
                self.release(&admission);
                return Err(error);
            }
            state.reserved += amount;
            admission.0.push((i, amount));
        }
        Ok(admission)
    }

    /// Releases the reservations of `admission` without booking anything.
    pub(crate) fn release(&self, admission: &Admission) {
        for &(i, amount) in &admission.0 {
            let mut state = self.slots[i]
                .state
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            state.reserved = state.reserved.saturating_sub(amount);
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
        if let Some(admission) = admission {
            self.release(admission);
        }
        let call = self.info(
            key,
            Phase::Close {
                gated: admission.is_some(),
            },
            Some(cost),
            None,
        );
        let mut verdict = Verdict::default();
        let mut tightest: Option<(Cost, &Slot, Cost)> = None;
        for slot in self.slots.iter().filter(|s| s.budget.scope.matches(&call)) {
            let mut state = slot.current(call.now());
            state.spent += cost;
            if matches!(slot.budget.window, Window::Rolling(_)) && cost > Cost::ZERO {
                state.rolling.push_back((call.now(), cost));
            }
            for (i, threshold) in slot.budget.thresholds.iter().enumerate() {
                let reached = state.spent.picos() as f64 >= threshold * slot.limit.picos() as f64;
                if reached && !state.fired[i] {
                    state.fired[i] = true;
                    verdict.alerts.push(BudgetAlert {
                        budget: slot.budget.name.clone(),
                        threshold: *threshold,
                        limit: usd(slot.limit),
                        spent: usd(state.spent),
                        hard: slot.budget.hard,
                    });
                }
            }
            let remaining = slot.limit.saturating_sub(state.spent + state.reserved);
            if tightest.as_ref().is_none_or(|(r, _, _)| remaining < *r) {
                tightest = Some((remaining, slot, state.spent));
            }
        }
        verdict.budget = tightest.map(|(remaining, slot, spent)| BudgetReading {
            name: slot.budget.name.clone(),
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
        for alert in alerts {
            {
                let mut fired = self
                    .alerts_fired
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                *fired
                    .entry((alert.budget.clone(), alert.threshold.to_string()))
                    .or_default() += 1;
            }
            tracing::warn!(
                target: "genops",
                budget = alert.budget.as_str(),
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

    /// Every budget's current window.
    pub(crate) fn statuses(&self) -> Vec<BudgetStatus> {
        let now = self.clock.now();
        self.slots
            .iter()
            .map(|slot| {
                let state = slot.current(now);
                BudgetStatus {
                    name: slot.budget.name.clone(),
                    limit: usd(slot.limit),
                    spent: usd(state.spent),
                    reserved: usd(state.reserved),
                    hard: slot.budget.hard,
                }
            })
            .collect()
    }

    /// Alerts fired so far: (budget, threshold) → count.
    #[cfg(feature = "prometheus")]
    pub(crate) fn alert_counts(&self) -> BTreeMap<(String, String), u64> {
        self.alerts_fired
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}
