//! The governance engine: the admission gate of gated calls and the settlement of every call
//! against the budgets and policies it falls under.

use std::fmt;
use std::sync::Arc;

use super::alerts::Alerts;
use super::budget::BudgetAlert;
use super::call_info::{CallInfo, Phase};
use super::clock::SystemClock;
use super::compiled::{Budgets, CompiledBudget};
use super::error::GovernanceError;
use super::policy::{Enforcement, Policy};
use super::settings::GovernanceSettings;
use super::status::{utilization, BudgetStatus};
use super::store::{self, Backend, BudgetCell, BudgetStore, Denied, Hold};
use super::verdict::{BudgetReading, PolicyResult, Verdict};
use crate::ledger::LedgerKey;
use crate::money::Cost;

/// Reservations held by an admitted call, one per hard budget it is under.
#[derive(Debug, Default)]
pub(crate) struct Admission(Vec<Hold>);

/// Budgets, policies and alert callbacks, shared by every tracked span of a layer.
pub(crate) struct Governance {
    budgets: Arc<Budgets>,
    store: Box<dyn Backend>,
    policies: Vec<Arc<dyn Policy>>,
}

impl fmt::Debug for Governance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Governance")
            .field("budgets", &self.budgets.list.len())
            .field("policies", &self.policies.len())
            .finish_non_exhaustive()
    }
}

impl Governance {
    /// The engine, or the setting at fault (`budget` or `budget_store`) and its problem.
    pub(crate) fn new(settings: GovernanceSettings) -> Result<Self, (&'static str, String)> {
        Self::with_store(settings, store::open)
    }

    /// The engine, its budgets kept by the store `open` makes of the settings' choice.
    fn with_store(
        settings: GovernanceSettings,
        open: impl FnOnce(&BudgetStore, &Arc<Budgets>) -> Result<Box<dyn Backend>, String>,
    ) -> Result<Self, (&'static str, String)> {
        let list = settings
            .budgets
            .into_iter()
            .map(CompiledBudget::new)
            .collect::<Result<Vec<_>, String>>()
            .map_err(|problem| ("budget", problem))?;
        let budgets = Arc::new(Budgets {
            list,
            alerts: Alerts::new(settings.on_alert),
            clock: settings.clock.unwrap_or_else(|| Arc::new(SystemClock)),
        });
        let store = open(
            settings.store.as_ref().unwrap_or(&BudgetStore::memory()),
            &budgets,
        )
        .map_err(|problem| ("budget_store", problem))?;
        Ok(Governance {
            budgets,
            store,
            policies: settings.policies,
        })
    }

    fn info<'a>(
        &self,
        key: &'a LedgerKey,
        phase: Phase,
        cost: Option<Cost>,
        reservation: Option<Cost>,
    ) -> CallInfo<'a> {
        CallInfo::new(key, phase, cost, reservation, self.budgets.clock.now())
    }

    /// Where `call` falls in budget `index`, whose value for the template is `value`.
    fn at<'a>(
        &'a self,
        index: usize,
        budget: &'a CompiledBudget,
        value: Option<&'a str>,
        call: &CallInfo<'_>,
    ) -> BudgetCell<'a> {
        BudgetCell {
            index,
            budget,
            cell: self.store.cell(value),
            value,
            now: call.now(),
        }
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
        for (i, budget) in self.budgets.list.iter().enumerate() {
            if !budget.budget.hard {
                continue;
            }
            let Some(value) = budget.value(&call) else {
                continue;
            };
            let amount = reserve.unwrap_or(budget.reservation);
            match self.store.reserve(self.at(i, budget, value, &call), amount) {
                Ok(hold) => admission.0.push(hold),
                Err(denied) => {
                    self.release(&admission);
                    return Err(match denied {
                        Denied::Full { spent, reserved } => GovernanceError::BudgetExceeded {
                            budget: budget.label(value),
                            limit: budget.limit.as_usd(),
                            spent: spent.as_usd(),
                            reserved: reserved.as_usd(),
                            reservation: amount.as_usd(),
                        },
                        Denied::Unavailable(problem) => GovernanceError::StoreUnavailable {
                            budget: budget.label(value),
                            problem,
                        },
                    });
                }
            }
        }
        Ok(admission)
    }

    /// Whether a hard budget applies to the call of `key`, so that admitting it holds anything.
    pub(crate) fn holds(&self, key: &LedgerKey) -> bool {
        let call = self.info(key, Phase::Admission, None, None);
        self.budgets
            .list
            .iter()
            .any(|budget| budget.budget.hard && budget.value(&call).is_some())
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
        let mut tightest: Option<(Cost, &CompiledBudget, Cost, Option<&str>)> = None;
        for (i, budget) in self.budgets.list.iter().enumerate() {
            let Some(value) = budget.value(&call) else {
                continue;
            };
            let at = self.at(i, budget, value, &call);
            let hold = holds.iter().find(|h| h.budget == i && h.cell == at.cell);
            let booked = self.store.settle(at, hold, cost);
            verdict
                .alerts
                .extend(budget.alerts(value, booked.spent, booked.crossed));
            let remaining = budget.limit.saturating_sub(booked.spent + booked.reserved);
            if tightest.as_ref().is_none_or(|(r, ..)| remaining < *r) {
                tightest = Some((remaining, budget, booked.spent, value));
            }
        }
        // Holds in budgets the call no longer falls under (its attribution changed after
        // admission) are given back.
        for hold in holds {
            let budget = &self.budgets.list[hold.budget];
            if budget.value(&call).map(|v| self.store.cell(v)) != Some(hold.cell) {
                self.store.release(hold);
            }
        }
        verdict.budget = tightest.map(|(remaining, budget, spent, value)| BudgetReading {
            name: budget.label(value),
            remaining: remaining.as_usd(),
            utilization: utilization(spent.as_usd(), budget.limit.as_usd()),
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
        self.budgets.alerts.deliver(alerts);
    }

    /// Every budget's current window; a per-value budget's spend summed over its values.
    pub(crate) fn statuses(&self) -> Vec<BudgetStatus> {
        let now = self.budgets.clock.now();
        self.budgets
            .list
            .iter()
            .enumerate()
            .map(|(i, budget)| {
                let (spent, reserved) = self.store.status(i, budget, now);
                BudgetStatus {
                    name: budget.budget.name.clone(),
                    limit: budget.limit.as_usd(),
                    spent: spent.as_usd(),
                    reserved: reserved.as_usd(),
                    hard: budget.budget.hard,
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
    pub(crate) fn alert_counts(&self) -> std::collections::BTreeMap<(String, String), u64> {
        self.budgets.alerts.counts()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::time::SystemTime;

    use super::*;
    use crate::governance::budget::{Budget, Scope, Usd};
    use crate::governance::store::Booked;

    /// A store that admits every call under budget 0, cannot be reached for budget 1, and
    /// records the holds given back.
    #[derive(Default)]
    struct HalfReachable {
        released: Arc<Mutex<Vec<(usize, Cost)>>>,
    }

    impl Backend for HalfReachable {
        fn cell(&self, _: Option<&str>) -> u64 {
            0
        }
        fn reserve(&self, at: BudgetCell<'_>, amount: Cost) -> Result<Hold, Denied> {
            match at.index {
                0 => Ok(Hold {
                    budget: 0,
                    cell: at.cell,
                    amount,
                    id: 7,
                }),
                _ => Err(Denied::Unavailable("the double is away".into())),
            }
        }
        fn release(&self, hold: &Hold) {
            self.released
                .lock()
                .unwrap()
                .push((hold.budget, hold.amount));
        }
        fn settle(&self, _: BudgetCell<'_>, _: Option<&Hold>, _: Cost) -> Booked {
            unreachable!("no call is admitted")
        }
        fn status(&self, _: usize, _: &CompiledBudget, _: SystemTime) -> (Cost, Cost) {
            (Cost::ZERO, Cost::ZERO)
        }
    }

    #[test]
    fn a_budget_whose_store_is_away_denies_and_gives_back_the_holds_already_taken() {
        let store = HalfReachable::default();
        let released = Arc::clone(&store.released);
        let settings = GovernanceSettings {
            budgets: vec![
                Budget::daily("first", Scope::all(), Usd(1.0))
                    .reservation(Usd(0.25))
                    .hard(),
                Budget::daily("second", Scope::all(), Usd(1.0))
                    .hard()
                    .on_store_failure(crate::governance::FailMode::Closed),
            ],
            ..GovernanceSettings::default()
        };
        let governance = Governance::with_store(settings, |_, _| Ok(Box::new(store))).unwrap();
        let denied = governance.admit(&LedgerKey::default(), None).unwrap_err();
        assert_eq!(
            denied,
            GovernanceError::StoreUnavailable {
                budget: "second".into(),
                problem: "the double is away".into(),
            }
        );
        assert_eq!(
            *released.lock().unwrap(),
            [(0, Cost::from_usd(0.25).unwrap())]
        );
    }
}
