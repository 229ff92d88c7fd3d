//! Policies: rules evaluated at admission for gated calls and at close for every tracked call.

use super::budget::{Scope, Usd};
use super::CallInfo;
use crate::attribution::Dimension;
use crate::money::Cost;

/// What a violation does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Enforcement {
    /// Recorded on the span (`genops.policy.result = warned`) with a WARN event.
    Advisory,
    /// Also denies gated calls (`#[genops::track(enforce)]`) at admission.
    Enforced,
}

/// A governance rule. Implement it to add your own.
///
/// ```
/// use genops::{CallInfo, Dimension, Enforcement, Policy};
/// struct NoFridayDeploys;
/// impl Policy for NoFridayDeploys {
///     fn name(&self) -> &str { "no-prod-experiments" }
///     fn enforcement(&self) -> Enforcement { Enforcement::Enforced }
///     fn check(&self, call: &CallInfo<'_>) -> Result<(), String> {
///         match (call.attribution(Dimension::Environment), call.model()) {
///             (Some("production"), Some(m)) if m.contains("preview") => {
///                 Err(format!("preview model {m} is not allowed in production"))
///             }
///             _ => Ok(()),
///         }
///     }
/// }
/// ```
pub trait Policy: Send + Sync + 'static {
    /// The policy's name, recorded as `genops.policy.name`.
    fn name(&self) -> &str;
    /// Whether a violation denies gated calls or only warns.
    fn enforcement(&self) -> Enforcement;
    /// `Err(reason)` when `call` violates the policy. Called at admission (gated calls) and at
    /// close (every call, with its cost known).
    fn check(&self, call: &CallInfo<'_>) -> Result<(), String>;
}

/// Only these models and providers, within a scope.
///
/// ```
/// use genops::{AllowedModels, Scope};
/// let policy = AllowedModels::new("search-models", Scope::team("search"))
///     .models(["gpt-4o-mini", "claude-haiku-4-5"])
///     .enforced();
/// ```
#[derive(Debug)]
pub struct AllowedModels {
    name: String,
    scope: Scope,
    models: Option<Vec<String>>,
    providers: Option<Vec<String>>,
    enforcement: Enforcement,
}

impl AllowedModels {
    /// A policy on calls in `scope`; add lists with [`models`](Self::models) and
    /// [`providers`](Self::providers).
    pub fn new(name: impl Into<String>, scope: Scope) -> Self {
        AllowedModels {
            name: name.into(),
            scope,
            models: None,
            providers: None,
            enforcement: Enforcement::Advisory,
        }
    }
    /// The models allowed.
    pub fn models<S: Into<String>>(mut self, models: impl IntoIterator<Item = S>) -> Self {
        self.models = Some(models.into_iter().map(Into::into).collect());
        self
    }
    /// The providers allowed.
    pub fn providers<S: Into<String>>(mut self, providers: impl IntoIterator<Item = S>) -> Self {
        self.providers = Some(providers.into_iter().map(Into::into).collect());
        self
    }
    /// Deny gated calls that violate it.
    pub fn enforced(mut self) -> Self {
        self.enforcement = Enforcement::Enforced;
        self
    }
}

fn allowed(list: &Option<Vec<String>>, value: Option<&str>) -> bool {
    list.as_ref()
        .is_none_or(|list| value.is_some_and(|v| list.iter().any(|l| l == v)))
}

impl Policy for AllowedModels {
    fn name(&self) -> &str {
        &self.name
    }
    fn enforcement(&self) -> Enforcement {
        self.enforcement
    }
    fn check(&self, call: &CallInfo<'_>) -> Result<(), String> {
        if !self.scope.matches(call) {
            return Ok(());
        }
        if !allowed(&self.providers, call.provider()) {
            return Err(format!(
                "provider {} is not allowed for {}",
                call.provider().unwrap_or("(none)"),
                self.scope
            ));
        }
        if !allowed(&self.models, call.model()) {
            return Err(format!(
                "model {} is not allowed for {}",
                call.model().unwrap_or("(none)"),
                self.scope
            ));
        }
        Ok(())
    }
}

/// Every call must carry these attribution values.
///
/// ```
/// use genops::{Dimension, RequiredAttribution};
/// let policy = RequiredAttribution::new("chargeback", [Dimension::Team, Dimension::CostCenter]);
/// ```
#[derive(Debug)]
pub struct RequiredAttribution {
    name: String,
    dims: Vec<Dimension>,
    enforcement: Enforcement,
}

impl RequiredAttribution {
    /// Requires `dims` on every call.
    pub fn new(name: impl Into<String>, dims: impl IntoIterator<Item = Dimension>) -> Self {
        RequiredAttribution {
            name: name.into(),
            dims: dims.into_iter().collect(),
            enforcement: Enforcement::Advisory,
        }
    }
    /// Deny gated calls that violate it.
    pub fn enforced(mut self) -> Self {
        self.enforcement = Enforcement::Enforced;
        self
    }
}

impl Policy for RequiredAttribution {
    fn name(&self) -> &str {
        &self.name
    }
    fn enforcement(&self) -> Enforcement {
        self.enforcement
    }
    fn check(&self, call: &CallInfo<'_>) -> Result<(), String> {
        let missing: Vec<&str> = self
            .dims
            .iter()
            .filter(|d| call.attribution(**d).is_none())
            .map(|d| d.name())
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(format!("missing attribution: {}", missing.join(", ")))
        }
    }
}

/// No single call may cost more than this. At admission the call's reservation is checked; at
/// close, its actual cost.
#[derive(Debug)]
pub struct MaxCostPerCall {
    name: String,
    limit: Option<Cost>,
    enforcement: Enforcement,
}

impl MaxCostPerCall {
    /// A limit per call. A NaN, infinite or negative limit denies nothing.
    pub fn new(name: impl Into<String>, limit: Usd) -> Self {
        MaxCostPerCall {
            name: name.into(),
            limit: limit.to_cost(),
            enforcement: Enforcement::Advisory,
        }
    }
    /// Deny gated calls whose reservation exceeds it.
    pub fn enforced(mut self) -> Self {
        self.enforcement = Enforcement::Enforced;
        self
    }
}

impl Policy for MaxCostPerCall {
    fn name(&self) -> &str {
        &self.name
    }
    fn enforcement(&self) -> Enforcement {
        self.enforcement
    }
    fn check(&self, call: &CallInfo<'_>) -> Result<(), String> {
        let (Some(limit), Some(cost)) = (self.limit, call.cost().or(call.reservation())) else {
            return Ok(());
        };
        if cost > limit {
            Err(format!(
                "a call may cost at most {limit:.6}; this one {cost:.6}"
            ))
        } else {
            Ok(())
        }
    }
}
