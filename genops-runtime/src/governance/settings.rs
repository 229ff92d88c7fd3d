//! The governance engine's settings, as the builders collect them.

use std::fmt;
use std::sync::Arc;

use super::alerts::AlertFn;
use super::budget::Budget;
use super::budget::Scope;
use super::clock::Clock;
use super::policy::Policy;
use super::rate_limit::RateLimit;
use super::step_down::StepDown;
use super::store::BudgetStore;

/// Settings for the governance engine; see `LayerBuilder::budget` and friends.
#[derive(Clone, Default)]
pub(crate) struct GovernanceSettings {
    pub(crate) budgets: Vec<Budget>,
    pub(crate) policies: Vec<Arc<dyn Policy>>,
    pub(crate) limits: Vec<RateLimit>,
    /// Scopes killed at start (`GENOPS_KILL`), with the reason to keep for them.
    pub(crate) kills: Vec<(Scope, String)>,
    pub(crate) step_downs: Vec<StepDown>,
    pub(crate) on_alert: Vec<AlertFn>,
    pub(crate) clock: Option<Arc<dyn Clock>>,
    /// Chosen in code; `None` leaves it to the environment (`init()`) or memory.
    pub(crate) store: Option<BudgetStore>,
}

impl GovernanceSettings {
    pub(crate) fn is_empty(&self) -> bool {
        self.budgets.is_empty()
            && self.policies.is_empty()
            && self.step_downs.is_empty()
            && self.limits.is_empty()
            && self.kills.is_empty()
            // A store chosen: its kills are obeyed.
            && self.store.is_none()
    }
}

impl fmt::Debug for GovernanceSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GovernanceSettings")
            .field("budgets", &self.budgets)
            .field("limits", &self.limits)
            .field("kills", &self.kills)
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}
