//! What a policy or a budget scope sees of a call: [`CallInfo`] and its [`Phase`].

use std::time::SystemTime;

use crate::attribution::{Attribution, Dimension};
use crate::intern::Sym;
use crate::ledger::LedgerKey;
use crate::money::Cost;

/// When a policy is consulted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Before a gated call's body runs.
    Admission,
    /// When a call closes; `gated` says whether it was admitted first.
    Close {
        /// Whether the call went through admission.
        gated: bool,
    },
}

/// What a policy sees of a call.
///
/// ```
/// use genops::{CallInfo, Dimension, Enforcement, Policy};
/// struct NoInterns;
/// impl Policy for NoInterns {
///     fn name(&self) -> &str { "no-interns" }
///     fn enforcement(&self) -> Enforcement { Enforcement::Enforced }
///     fn check(&self, call: &CallInfo<'_>) -> Result<(), String> {
///         match call.attribution(Dimension::User) {
///             Some(user) if user.starts_with("intern-") => Err(format!("{user} may not call models")),
///             _ => Ok(()),
///         }
///     }
/// }
/// ```
#[derive(Debug)]
pub struct CallInfo<'a> {
    attribution: &'a Attribution,
    provider: Option<&'a Sym>,
    model: Option<&'a Sym>,
    cost: Option<Cost>,
    reservation: Option<Cost>,
    phase: Phase,
    now: SystemTime,
}

/// What a budget's scope can select calls by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Key {
    Attribution(Dimension),
    Provider,
    Model,
}

impl<'a> CallInfo<'a> {
    /// The call `key` at `phase`, as the engine's clock sees it `now`.
    pub(crate) fn new(
        key: &'a LedgerKey,
        phase: Phase,
        cost: Option<Cost>,
        reservation: Option<Cost>,
        now: SystemTime,
    ) -> Self {
        CallInfo {
            attribution: &key.attribution,
            provider: key.provider.as_ref(),
            model: key.model.as_ref(),
            cost,
            reservation,
            phase,
            now,
        }
    }
}

impl CallInfo<'_> {
    /// The call's value for `dim` (its own, or inherited), if any.
    pub fn attribution(&self, dim: Dimension) -> Option<&str> {
        self.attribution.get(dim).map(Sym::as_str)
    }
    /// The provider.
    pub fn provider(&self) -> Option<&str> {
        self.provider.map(Sym::as_str)
    }
    /// The priced model.
    pub fn model(&self) -> Option<&str> {
        self.model.map(Sym::as_str)
    }
    /// The call's own cost, at close.
    pub fn cost(&self) -> Option<Cost> {
        self.cost
    }
    /// The amount reserved, at admission.
    pub fn reservation(&self) -> Option<Cost> {
        self.reservation
    }
    /// When the policy is consulted.
    pub fn phase(&self) -> Phase {
        self.phase
    }
    /// The governance clock's now.
    pub fn now(&self) -> SystemTime {
        self.now
    }
    pub(crate) fn value(&self, key: Key) -> Option<&str> {
        match key {
            Key::Attribution(dim) => self.attribution(dim),
            Key::Provider => self.provider(),
            Key::Model => self.model(),
        }
    }
}
