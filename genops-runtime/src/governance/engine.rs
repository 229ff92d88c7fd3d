//! The governance engine: the admission gate of gated calls and the settlement of every call
//! against the budgets and policies it falls under.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use smallvec::SmallVec;

use super::alerts::Alerts;
use super::budget::BudgetAlert;
use super::budget::Scope;
use super::call_info::{CallInfo, Phase};
use super::clock::SystemClock;
use super::compiled::{Budgets, CompiledBudget};
use super::compiled_limit::CompiledLimit;
use super::error::GovernanceError;
use super::forecast::BudgetForecast;
use super::kill::{Kill, Kills};
use super::policy::{Enforcement, Policy};
use super::rate_limit::Counted;
use super::settings::GovernanceSettings;
use super::status::{utilization, BudgetStatus};
use super::step_down::StepDown;
use super::store::{
    self, Backend, BudgetCell, BudgetStore, Denied, LimitCell, LimitDenied, LimitHold, Refused,
};
use super::verdict::{BudgetReading, PolicyResult, Verdict};
use crate::ledger::LedgerKey;
use crate::money::Cost;
use crate::usage::Usage;

/// What an admitted call holds: a reservation per hard budget it is under, and a hold per
/// enforced rate limit.
pub(crate) use super::store::Admitted as Admission;

/// Why a gated call was not admitted, and how long the rate limit that denied it lets it wait.
#[derive(Debug)]
pub(crate) struct Refusal {
    pub(crate) error: GovernanceError,
    /// The denying limit's `wait_up_to` (zero: no wait).
    patience: Duration,
}

impl Refusal {
    /// How long to sleep before asking again, having `waited` so far: `None` when the call
    /// would not fit within its limit's wait.
    pub(crate) fn wait(&self, waited: Duration) -> Option<Duration> {
        match &self.error {
            GovernanceError::RateLimited { retry_after, .. }
                if waited + *retry_after <= self.patience =>
            {
                // A wait of zero would ask again at once: the window moves in milliseconds.
                Some((*retry_after).max(Duration::from_millis(1)))
            }
            _ => None,
        }
    }
}

impl From<GovernanceError> for Refusal {
    fn from(error: GovernanceError) -> Self {
        Refusal {
            error,
            patience: Duration::ZERO,
        }
    }
}

/// The name a call flagged by the kill switch is warned under (`genops.policy.name`).
const KILL_SWITCH: &str = "kill-switch";

/// The models a gated call may be admitted on under a step-down policy: the one the tightest
/// budget's utilisation admits, then the steps below it, tried in order where a hard budget has
/// no room.
#[derive(Debug)]
pub(crate) struct StepPlan {
    pub(crate) policy: String,
    pub(crate) models: Vec<String>,
}

/// Budgets, policies and alert callbacks, shared by every tracked span of a layer.
pub(crate) struct Governance {
    budgets: Arc<Budgets>,
    store: Box<dyn Backend>,
    policies: Vec<Arc<dyn Policy>>,
    step_downs: Vec<StepDown>,
    /// Calls stepped down: (policy, from, to) → count.
    stepped: Mutex<BTreeMap<(String, String, String), u64>>,
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
        if let Some(problem) = settings.step_downs.iter().find_map(StepDown::problem) {
            return Err(("step_down", problem));
        }
        let list = settings
            .budgets
            .into_iter()
            .map(CompiledBudget::new)
            .collect::<Result<Vec<_>, String>>()
            .map_err(|problem| ("budget", problem))?;
        let limits = settings
            .limits
            .into_iter()
            .map(CompiledLimit::new)
            .collect::<Result<Vec<_>, String>>()
            .map_err(|problem| ("rate_limit", problem))?;
        if let Some(twin) = limits
            .iter()
            .enumerate()
            .find_map(|(i, a)| limits[..i].iter().find(|b| b.name == a.name))
        {
            return Err((
                "rate_limit",
                format!(
                    "two rate limits are named `{}`: the store keeps a limit's count by its \
                     name; rename one with `.named()`",
                    twin.name
                ),
            ));
        }
        let budgets = Arc::new(Budgets {
            list,
            alerts: Alerts::new(settings.on_alert),
            clock: settings.clock.unwrap_or_else(|| Arc::new(SystemClock)),
            limits,
            kills: Kills::default(),
        });
        let store = open(
            settings.store.as_ref().unwrap_or(&BudgetStore::memory()),
            &budgets,
        )
        .map_err(|problem| ("budget_store", problem))?;
        let governance = Governance {
            budgets,
            store,
            policies: settings.policies,
            step_downs: settings.step_downs,
            stepped: Mutex::new(BTreeMap::new()),
        };
        // A replica started while a kill stands starts killed.
        if let Some(kills) = governance
            .store
            .kills()
            .map_err(|problem| ("budget_store", problem))?
        {
            governance.budgets.kills.set(kills);
        }
        for (scope, reason) in settings.kills {
            let kill = governance.kill_now(scope, reason);
            // A store that cannot be reached is an outage, not an error: the kill holds here.
            if let Err(problem) = governance.store.kill(&kill) {
                tracing::warn!(
                    target: "genops",
                    scope = %kill.scope,
                    problem,
                    "the budget store could not keep a kill of GENOPS_KILL; it holds in this \
                     process"
                );
            }
            governance.budgets.kills.add(kill);
        }
        Ok(governance)
    }

    /// Stops the gated calls in `scope` until it is revived: in this replica at once, and in
    /// every replica of a shared store.
    pub(crate) fn kill(&self, scope: Scope, reason: &str) -> Result<(), String> {
        let kill = self.kill_now(scope, reason.to_owned());
        self.store.kill(&kill)?;
        self.budgets.kills.add(kill);
        Ok(())
    }

    /// A kill of `scope` for `reason`, from now.
    fn kill_now(&self, scope: Scope, reason: String) -> Kill {
        Kill {
            scope,
            reason,
            since: self.budgets.clock.now(),
        }
    }

    /// Revives `scope`; whether it was killed here.
    pub(crate) fn revive(&self, scope: &Scope) -> Result<bool, String> {
        self.store.revive(&scope.text())?;
        Ok(self.budgets.kills.remove(scope))
    }

    /// The kills in force, as this replica knows them.
    pub(crate) fn kills(&self) -> Vec<Kill> {
        self.budgets.kills.list()
    }

    /// Where `call` falls in limit `index`, whose value for the template is `value`.
    fn limit_at<'a>(
        &'a self,
        index: usize,
        limit: &'a CompiledLimit,
        value: Option<&'a str>,
        call: &CallInfo<'_>,
    ) -> LimitCell<'a> {
        LimitCell {
            index,
            limit,
            cell: self.store.cell(value),
            value,
            now: call.now(),
        }
    }

    /// What `call` takes of each enforced limit it is under: `tokens`, else each limit's hold.
    fn limit_takes<'a>(
        &'a self,
        call: &'a CallInfo<'_>,
        tokens: Option<(u64, u64)>,
    ) -> Vec<(LimitCell<'a>, u64)> {
        self.budgets
            .limits
            .iter()
            .enumerate()
            .filter(|(_, limit)| limit.limit.enforcement == Enforcement::Enforced)
            .filter_map(|(i, limit)| {
                let value = limit.value(call)?;
                Some((self.limit_at(i, limit, value, call), limit.hold(tokens)))
            })
            .collect()
    }

    /// Counts a closed call in the limits it is under: settles its holds, or counts it
    /// unchecked; the first advisory limit it takes over, with its label.
    fn count_limits(
        &self,
        call: &CallInfo<'_>,
        usage: Option<&Usage>,
        holds: &[LimitHold],
    ) -> Option<String> {
        let mut over = None;
        for (i, limit) in self.budgets.limits.iter().enumerate() {
            let Some(value) = limit.value(call) else {
                continue;
            };
            let at = self.limit_at(i, limit, value, call);
            let hold = holds.iter().find(|h| h.limit == i && h.cell == at.cell);
            let count = self.store.count(at, hold, limit.actual(usage));
            if limit.limit.enforcement == Enforcement::Advisory
                && count > limit.limit.max
                && over.is_none()
            {
                over = Some(limit.label(value));
            }
        }
        // Holds in limits the call no longer falls under are given back.
        for hold in holds {
            let limit = &self.budgets.limits[hold.limit];
            if limit.value(call).map(|v| self.store.cell(v)) != Some(hold.cell) {
                self.store.give_back(hold);
            }
        }
        over
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

    /// Admits a gated call, reserving `reserve` (or each budget's default) on its hard budgets
    /// and holding of its enforced token limits the `tokens` (input, output) of its worst case,
    /// or each limit's hold.
    pub(crate) fn admit(
        &self,
        key: &LedgerKey,
        reserve: Option<Cost>,
        tokens: Option<(u64, u64)>,
    ) -> Result<Admission, Refusal> {
        let call = self.info(key, Phase::Admission, None, reserve);
        if let Some(kill) = self.budgets.kills.over(&call) {
            return Err(GovernanceError::Killed {
                scope: kill.scope.text(),
                reason: kill.reason,
                since: kill.since,
            }
            .into());
        }
        for policy in self
            .policies
            .iter()
            .filter(|p| p.enforcement() == Enforcement::Enforced)
        {
            if let Err(reason) = policy.check(&call) {
                return Err(GovernanceError::PolicyViolation {
                    policy: policy.name().to_owned(),
                    reason,
                }
                .into());
            }
        }
        let limits = self.limit_takes(&call, tokens);
        // On the stack for the usual few: admission allocates no more than the holds it keeps.
        let budgets: SmallVec<[(BudgetCell<'_>, Cost); 4]> = self
            .budgets
            .list
            .iter()
            .enumerate()
            .filter(|(_, budget)| budget.budget.hard)
            .filter_map(|(i, budget)| {
                let value = budget.value(&call)?;
                let amount = reserve.unwrap_or(budget.reservation);
                Some((self.at(i, budget, value, &call), amount))
            })
            .collect();
        self.store
            .admit(&call, &budgets, &limits)
            .map_err(|refused| match refused {
                Refused::Limit(i, denied) => {
                    let (limit, value) = (limits[i].0.limit, limits[i].0.value);
                    match denied {
                        LimitDenied::Full { retry_after } => Refusal {
                            error: limit.denied(value, retry_after),
                            patience: limit.limit.wait,
                        },
                        LimitDenied::Unavailable(problem) => GovernanceError::StoreUnavailable {
                            budget: limit.label(value),
                            problem,
                        }
                        .into(),
                    }
                }
                Refused::Budget(i, denied) => {
                    let ((at, amount), value) = (budgets[i], budgets[i].0.value);
                    let budget = at.budget;
                    Refusal::from(match denied {
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
                    })
                }
                Refused::Killed {
                    scope,
                    reason,
                    since,
                } => GovernanceError::Killed {
                    scope,
                    reason,
                    since,
                }
                .into(),
            })
    }

    /// The step-down of a gated call for `key`, when a policy applies to it and can step its
    /// model down. Reads the spend of the budgets it falls under.
    pub(crate) fn step_plan(&self, key: &LedgerKey) -> Option<StepPlan> {
        let model = key.model.as_ref()?.as_str();
        let policy = self.step_downs.iter().find(|p| p.steps_from(model))?;
        let call = self.info(key, Phase::Admission, None, None);
        if !policy.matches(&call) {
            return None;
        }
        // The tightest budget: the highest share spent, of a per-value budget the call's own
        // value's; every budget read in one go.
        let cells: Vec<BudgetCell<'_>> = self
            .budgets
            .list
            .iter()
            .enumerate()
            .filter_map(|(i, budget)| Some(self.at(i, budget, budget.value(&call)?, &call)))
            .collect();
        let tightest = self
            .store
            .standing(&cells)
            .iter()
            .zip(&cells)
            .map(|((spent, _), at)| utilization(spent.as_usd(), at.budget.limit.as_usd()))
            .fold(0.0, f64::max);
        let start = policy.model_at(model, tightest);
        Some(StepPlan {
            policy: policy.name().to_owned(),
            models: std::iter::once(start)
                .chain(policy.below(start))
                .map(str::to_owned)
                .collect(),
        })
    }

    /// Whether any step-down policy is configured.
    pub(crate) fn steps_down(&self) -> bool {
        !self.step_downs.is_empty()
    }

    /// Counts a call of `policy` stepped down from model `from` to `to`.
    pub(crate) fn count_step_down(&self, policy: &str, from: &str, to: &str) {
        let mut stepped = self.stepped.lock().unwrap_or_else(PoisonError::into_inner);
        *stepped
            .entry((policy.to_owned(), from.to_owned(), to.to_owned()))
            .or_default() += 1;
    }

    /// Calls stepped down so far: (policy, from, to) → count.
    #[cfg(feature = "prometheus")]
    pub(crate) fn step_down_counts(&self) -> BTreeMap<(String, String, String), u64> {
        self.stepped
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Whether admitting the call of `key` holds what its request's worst case decides: a hard
    /// budget or an enforced token limit applies to it.
    pub(crate) fn holds(&self, key: &LedgerKey) -> bool {
        let call = self.info(key, Phase::Admission, None, None);
        let hard_budget = self
            .budgets
            .list
            .iter()
            .any(|budget| budget.budget.hard && budget.value(&call).is_some());
        let token_limit = self.budgets.limits.iter().any(|limit| {
            limit.limit.enforcement == Enforcement::Enforced
                && limit.limit.counted != Counted::Requests
                && limit.value(&call).is_some()
        });
        hard_budget || token_limit
    }

    /// Releases the reservations and limit holds of `admission` without booking anything.
    pub(crate) fn release(&self, admission: &Admission) {
        admission.give_back(&*self.store);
    }

    /// Closes a call: releases its reservation, books its own cost, counts its `usage` (none
    /// recorded: no tokens) in the rate limits, fires alerts and evaluates the policies.
    pub(crate) fn settle(
        &self,
        key: &LedgerKey,
        cost: Cost,
        usage: Option<&Usage>,
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
        let holds = admission.map_or(&[][..], |a| &a.holds[..]);
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
            verdict.alerts.extend(budget.forecast_after(
                value,
                at.cell,
                cost,
                booked.spent,
                call.now(),
            ));
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
        if !self.budgets.limits.is_empty() {
            let limit_holds = admission.map_or(&[][..], |a| &a.limits[..]);
            let over = self.count_limits(&call, usage, limit_holds);
            if let (Some(limit), PolicyResult::Allowed) = (over, verdict.result) {
                verdict.result = PolicyResult::Warned;
                verdict.reason = Some(format!("rate limit `{limit}` is over its limit"));
                verdict.policy = Some(limit);
            }
        }
        // An ungated call in a killed scope runs, flagged.
        if let Some(kill) = self.budgets.kills.over(&call) {
            verdict.result = PolicyResult::Warned;
            verdict.policy = Some(KILL_SWITCH.to_owned());
            verdict.reason = Some(format!("ran while {kill}"));
        }
        // A forecast alert is about the budget's future, not this call.
        let crossed = || verdict.alerts.iter().filter(|a| a.forecast.is_none());
        if let Some(alert) = crossed().find(|a| a.threshold >= 1.0).or(crossed().next()) {
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

    /// Every rate limit: (name, gated calls denied, share of the limit used in its window now).
    #[cfg(feature = "prometheus")]
    pub(crate) fn limit_figures(&self) -> Vec<(String, u64, f64)> {
        let now = self.budgets.clock.now();
        self.budgets
            .limits
            .iter()
            .enumerate()
            .map(|(i, limit)| {
                let used = self.store.used(i, limit, now);
                (
                    limit.name.clone(),
                    limit.denials(),
                    used as f64 / limit.limit.max as f64,
                )
            })
            .collect()
    }

    /// Every budget's burn-rate forecast; a per-value budget's, one per value it meters, in
    /// the order of the values, each value's spend read from the store in one go.
    pub(crate) fn forecasts(&self) -> Vec<BudgetForecast> {
        let now = self.budgets.clock.now();
        let mut forecasts = Vec::new();
        for (i, budget) in self.budgets.list.iter().enumerate() {
            let Some(values) = &budget.values else {
                let spent = self.store.status(i, budget, now).0;
                forecasts.extend(budget.forecast(None, spent, now));
                continue;
            };
            let mut values = values.values();
            values.sort_unstable_by(|a, b| a.1.cmp(&b.1));
            let cells: Vec<BudgetCell<'_>> = values
                .iter()
                .map(|(cell, value)| BudgetCell {
                    index: i,
                    budget,
                    cell: *cell,
                    value: Some(value),
                    now,
                })
                .collect();
            let standing = self.store.standing(&cells);
            forecasts.extend(values.iter().zip(standing).filter_map(
                |((cell, value), (spent, _))| budget.forecast(Some((*cell, value)), spent, now),
            ));
        }
        forecasts
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
    use crate::governance::store::{Booked, Hold};

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
        fn standing(&self, cells: &[BudgetCell<'_>]) -> Vec<(Cost, Cost)> {
            vec![(Cost::ZERO, Cost::ZERO); cells.len()]
        }
        fn take_all(
            &self,
            _: &[(LimitCell<'_>, u64)],
        ) -> Result<Vec<LimitHold>, (usize, LimitDenied)> {
            unreachable!("no rate limit is configured")
        }
        fn count(&self, _: LimitCell<'_>, _: Option<&LimitHold>, _: u64) -> u64 {
            unreachable!("no rate limit is configured")
        }
        fn give_back(&self, _: &LimitHold) {}
        fn used(&self, _: usize, _: &CompiledLimit, _: SystemTime) -> u64 {
            0
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
        let denied = governance
            .admit(&LedgerKey::default(), None, None)
            .unwrap_err()
            .error;
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
