//! Building a [`GenOpsLayer`]: every setting the layer has, defined once for [`LayerBuilder`]
//! and [`Config`](crate::Config), and validated once, when the layer is built.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use super::genops_layer::GenOpsLayer;
use crate::attribution::{Attribution, Dimension};
use crate::call::Engine;
use crate::error::InitError;
use crate::governance::{Governance, GovernanceSettings};
use crate::intern::permanent;
use crate::ledger::{Ledger, LedgerCaps};
use crate::money::Cost;
use crate::pricing::PriceTable;

/// The layer's settings as given, before validation.
#[derive(Clone, Default)]
pub(crate) struct LayerSettings {
    pub(crate) prices: Option<PriceTable>,
    pub(crate) pricing_file: Option<PathBuf>,
    pub(crate) aliases: Vec<(String, String)>,
    pub(crate) defaults: Vec<(Dimension, String)>,
    pub(crate) local_rate: Option<f64>,
    pub(crate) ledger_caps: LedgerCaps,
    pub(crate) governance: GovernanceSettings,
}

/// A price table is summarised by its size, not printed model by model.
impl fmt::Debug for LayerSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LayerSettings")
            .field(
                "prices",
                &self.prices.as_ref().map(|p| format!("{} models", p.len())),
            )
            .field("pricing_file", &self.pricing_file)
            .field("aliases", &self.aliases)
            .field("defaults", &self.defaults)
            .field("local_rate", &self.local_rate)
            .field("ledger_caps", &self.ledger_caps)
            .field("governance", &self.governance)
            .finish()
    }
}

impl LayerSettings {
    /// Validates the settings and builds the layer, with a fresh ledger.
    pub(crate) fn build(self) -> Result<GenOpsLayer, InitError> {
        let mut prices = self.prices.unwrap_or_else(PriceTable::embedded);
        if let Some(path) = &self.pricing_file {
            prices.load_file(path)?;
        }
        for (alias, target) in &self.aliases {
            prices.alias(alias, target);
        }
        let local_rate = self
            .local_rate
            .map(|usd_per_hour| {
                Cost::from_usd(usd_per_hour)
                    .map(Cost::picos)
                    .ok_or_else(|| InitError::Invalid {
                        setting: "local_compute_rate",
                        problem: format!(
                            "{usd_per_hour} is not a non-negative number of USD per hour"
                        ),
                    })
            })
            .transpose()?;
        let governance = if self.governance.is_empty() {
            None
        } else {
            let engine = Governance::new(self.governance)
                .map_err(|(setting, problem)| InitError::Invalid { setting, problem })?;
            Some(Arc::new(engine))
        };
        let mut defaults = Attribution::default();
        for (dim, value) in &self.defaults {
            defaults.set(*dim, permanent(value));
        }
        defaults.inherit(&Attribution::from_env()?);
        Ok(GenOpsLayer::new(Engine::new(
            prices,
            defaults,
            local_rate,
            Ledger::with_caps(self.ledger_caps),
            governance,
        )))
    }
}

/// The setters of every layer setting, written once for both builders: expanded inside an
/// `impl` of a type with a `layer: LayerSettings` field.
macro_rules! layer_setters {
    () => {
        /// The price table to start from instead of the embedded one.
        pub fn prices(mut self, prices: $crate::PriceTable) -> Self {
            self.layer.prices = Some(prices);
            self
        }

        /// A price file in LiteLLM's schema, applied on top of the table (with `init()`, the
        /// default is `GENOPS_PRICING_FILE`). A file that cannot be read or parsed is an error
        /// when the layer is built.
        pub fn pricing_file(mut self, path: impl Into<::std::path::PathBuf>) -> Self {
            self.layer.pricing_file = Some(path.into());
            self
        }

        /// Prices `alias` like `target` when no other matching rule finds it.
        pub fn model_alias(mut self, alias: impl Into<String>, target: impl Into<String>) -> Self {
            self.layer.aliases.push((alias.into(), target.into()));
            self
        }

        /// A default for `dim`, used when neither the span nor a tracked ancestor has one. It
        /// wins over the `GENOPS_*` environment variables.
        pub fn default_attribution(
            mut self,
            dim: $crate::Dimension,
            value: impl Into<String>,
        ) -> Self {
            self.layer.defaults.push((dim, value.into()));
            self
        }

        /// The default team (else `GENOPS_TEAM`).
        pub fn team(self, team: impl Into<String>) -> Self {
            self.default_attribution($crate::Dimension::Team, team)
        }

        /// The default project (else `GENOPS_PROJECT`).
        pub fn project(self, project: impl Into<String>) -> Self {
            self.default_attribution($crate::Dimension::Project, project)
        }

        /// The default environment (else `GENOPS_ENVIRONMENT`).
        pub fn environment(self, environment: impl Into<String>) -> Self {
            self.default_attribution($crate::Dimension::Environment, environment)
        }

        /// The default cost center (else `GENOPS_COST_CENTER`).
        pub fn cost_center(self, cost_center: impl Into<String>) -> Self {
            self.default_attribution($crate::Dimension::CostCenter, cost_center)
        }

        /// The default feature (else `GENOPS_FEATURE`).
        pub fn feature(self, feature: impl Into<String>) -> Self {
            self.default_attribution($crate::Dimension::Feature, feature)
        }

        /// Prices local providers (`ollama`, `vllm`, `llama_cpp`) by span duration at this many
        /// USD per hour; without it they cost nothing. A negative or non-finite rate is an
        /// error when the layer is built.
        pub fn local_compute_rate(mut self, usd_per_hour: f64) -> Self {
            self.layer.local_rate = Some(usd_per_hour);
            self
        }

        /// Keeps at most `cap` distinct values of `dim` in their own ledger rows (default
        /// [`LedgerCaps::DEFAULT_CAP`](crate::LedgerCaps::DEFAULT_CAP)); the calls of further
        /// values are booked in the dimension's [`OVERFLOW`](crate::OVERFLOW) row, exactly.
        pub fn ledger_cap(mut self, dim: $crate::Dimension, cap: usize) -> Self {
            self.layer.ledger_caps = self.layer.ledger_caps.with(dim, cap);
            self
        }

        /// Adds a budget.
        pub fn budget(mut self, budget: $crate::Budget) -> Self {
            self.layer.governance.budgets.push(budget);
            self
        }

        /// Adds a policy. A [`RateLimit`](crate::RateLimit) given here is kept with the
        /// rate limits, as by [`rate_limit`](Self::rate_limit).
        pub fn policy(mut self, policy: impl $crate::Policy) -> Self {
            let any: &dyn ::std::any::Any = &policy;
            match any.downcast_ref::<$crate::RateLimit>() {
                Some(limit) => self.layer.governance.limits.push(limit.clone()),
                None => self
                    .layer
                    .governance
                    .policies
                    .push(::std::sync::Arc::new(policy)),
            }
            self
        }

        /// Adds a rate limit, counted in the budget store.
        pub fn rate_limit(mut self, limit: $crate::RateLimit) -> Self {
            self.layer.governance.limits.push(limit);
            self
        }

        /// Adds a model step-down policy: gated calls in its scope are admitted on a cheaper
        /// model as their tightest budget drains, or when the requested model's hold no longer
        /// fits a hard budget.
        pub fn step_down(mut self, policy: $crate::StepDown) -> Self {
            self.layer.governance.step_downs.push(policy);
            self
        }

        /// Calls `callback` (with no lock held) each time a budget threshold is crossed.
        pub fn on_alert(
            mut self,
            callback: impl Fn(&$crate::BudgetAlert) + Send + Sync + 'static,
        ) -> Self {
            self.layer
                .governance
                .on_alert
                .push(::std::sync::Arc::new(callback));
            self
        }

        /// Where budgets keep their state (with `init()`, the default is
        /// `GENOPS_BUDGET_STORE`, else memory). A store that cannot be used is an error when the
        /// layer is built.
        pub fn budget_store(mut self, store: $crate::BudgetStore) -> Self {
            self.layer.governance.store = Some(store);
            self
        }

        /// The clock of budget windows and rate limits (default: the system clock).
        pub fn clock(mut self, clock: impl $crate::Clock) -> Self {
            self.layer.governance.clock = Some(::std::sync::Arc::new(clock));
            self
        }
    };
}
pub(crate) use layer_setters;

/// Builds a [`GenOpsLayer`] with a custom price table, defaults, local compute rate, budgets or
/// policies. Every setting is checked by [`try_build`](Self::try_build).
///
/// ```
/// use genops::{Dimension, GenOpsLayer, PriceTable};
/// let mut prices = PriceTable::embedded();
/// prices.alias("our-gpt", "gpt-4o");
/// let layer = GenOpsLayer::builder()
///     .prices(prices)
///     .default_attribution(Dimension::Team, "platform")
///     .local_compute_rate(1.20)
///     .try_build()?;
/// # Ok::<(), genops::InitError>(())
/// ```
#[derive(Debug, Default)]
#[must_use = "nothing is built until `.try_build()` or `.build()`"]
pub struct LayerBuilder {
    layer: LayerSettings,
}

impl GenOpsLayer {
    /// A builder for a layer with custom settings.
    pub fn builder() -> LayerBuilder {
        LayerBuilder::default()
    }
}

/// A [`GenOpsLayer`] with the embedded price table and defaults from the environment.
///
/// ```
/// let layer = genops::layer();
/// let _ledger = layer.ledger();
/// ```
pub fn layer() -> GenOpsLayer {
    GenOpsLayer::builder().build()
}

impl LayerBuilder {
    layer_setters!();

    /// The layer, with a fresh ledger, or an error naming the first invalid setting.
    pub fn try_build(self) -> Result<GenOpsLayer, InitError> {
        self.layer.build()
    }

    /// The layer, with a fresh ledger.
    ///
    /// # Panics
    ///
    /// If a setting is invalid (a negative budget or compute rate, an unreadable price file, a
    /// non-Unicode `GENOPS_*` variable); use [`try_build`](Self::try_build) to get the error
    /// instead.
    pub fn build(self) -> GenOpsLayer {
        match self.try_build() {
            Ok(layer) => layer,
            Err(e) => panic!("{e}"),
        }
    }
}
