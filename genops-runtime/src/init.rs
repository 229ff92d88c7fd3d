//! One-call set-up: `genops::init()...install()`.

use std::fmt;
use std::path::PathBuf;

use tracing_subscriber::filter::{filter_fn, EnvFilter};
use tracing_subscriber::prelude::*;

use crate::attribution::Dimension;
use crate::layer::{is_tracked, GenOpsLayer};
use crate::ledger::Ledger;
use crate::pricing::{PriceTable, PricingError};

/// The variable that names the log filter; `RUST_LOG` is read when it is unset.
pub const LOG_LEVEL_VAR: &str = "GENOPS_LOG_LEVEL";
/// The variable that names an extra price file in LiteLLM's schema.
pub const PRICING_FILE_VAR: &str = "GENOPS_PRICING_FILE";

/// Why [`Config::install`] failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum InitError {
    /// A global subscriber is already installed (by genops or anything else).
    AlreadyInstalled,
    /// A price file could not be applied.
    Pricing(PricingError),
    /// A setting read from the environment is malformed.
    Env {
        /// The variable.
        var: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// A setting given in code is out of range.
    Invalid {
        /// The setting.
        setting: &'static str,
        /// What is wrong with it.
        problem: String,
    },
}

impl fmt::Display for InitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InitError::AlreadyInstalled => f.write_str(
                "a global tracing subscriber is already installed; call genops::init().install() \
                 once, or compose genops::layer() into your own subscriber",
            ),
            InitError::Pricing(e) => write!(f, "{e}"),
            InitError::Env { var, problem } => write!(f, "environment variable {var}: {problem}"),
            InitError::Invalid { setting, problem } => write!(f, "{setting}: {problem}"),
        }
    }
}

impl std::error::Error for InitError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            InitError::Pricing(e) => Some(e),
            _ => None,
        }
    }
}

impl From<PricingError> for InitError {
    fn from(e: PricingError) -> Self {
        InitError::Pricing(e)
    }
}

/// The set-up builder returned by [`init()`]. Every setting has an environment default.
///
/// ```no_run
/// let _guard = genops::init()
///     .service_name("checkout")
///     .team("payments")
///     .install()?;
/// # Ok::<(), genops::InitError>(())
/// ```
#[derive(Debug, Default)]
#[must_use = "nothing is installed until `.install()`"]
pub struct Config {
    service_name: Option<String>,
    pricing_file: Option<PathBuf>,
    aliases: Vec<(String, String)>,
    defaults: Vec<(Dimension, String)>,
    local_rate: Option<f64>,
    log_filter: Option<String>,
    log_output: Option<bool>,
}

/// Starts a [`Config`]: `genops::init().install()` sets up a registry, an `EnvFilter`ed log
/// output and the GenOps layer as the global subscriber.
pub fn init() -> Config {
    Config::default()
}

impl Config {
    /// The service name (default: `OTEL_SERVICE_NAME`, then `unknown_service`).
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        self.service_name = Some(name.into());
        self
    }

    /// An extra price file in LiteLLM's schema, applied on top of the embedded table (default:
    /// `GENOPS_PRICING_FILE`).
    pub fn pricing_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.pricing_file = Some(path.into());
        self
    }

    /// Prices `alias` like `target` when no other matching rule finds it.
    pub fn model_alias(mut self, alias: impl Into<String>, target: impl Into<String>) -> Self {
        self.aliases.push((alias.into(), target.into()));
        self
    }

    /// A default for an attribution dimension; it wins over the `GENOPS_*` variables.
    pub fn default_attribution(mut self, dim: Dimension, value: impl Into<String>) -> Self {
        self.defaults.push((dim, value.into()));
        self
    }

    /// The default team (else `GENOPS_TEAM`).
    pub fn team(self, team: impl Into<String>) -> Self {
        self.default_attribution(Dimension::Team, team)
    }

    /// The default project (else `GENOPS_PROJECT`).
    pub fn project(self, project: impl Into<String>) -> Self {
        self.default_attribution(Dimension::Project, project)
    }

    /// The default environment (else `GENOPS_ENVIRONMENT`).
    pub fn environment(self, environment: impl Into<String>) -> Self {
        self.default_attribution(Dimension::Environment, environment)
    }

    /// The default cost center (else `GENOPS_COST_CENTER`).
    pub fn cost_center(self, cost_center: impl Into<String>) -> Self {
        self.default_attribution(Dimension::CostCenter, cost_center)
    }

    /// The default feature (else `GENOPS_FEATURE`).
    pub fn feature(self, feature: impl Into<String>) -> Self {
        self.default_attribution(Dimension::Feature, feature)
    }

    /// Prices local providers by span duration at this many USD per hour.
    pub fn local_compute_rate(mut self, usd_per_hour: f64) -> Self {
        self.local_rate = Some(usd_per_hour);
        self
    }

    /// The log filter directives (default: `GENOPS_LOG_LEVEL`, then `RUST_LOG`, then `info`).
    /// It filters log output only: tracked calls are always priced and booked.
    pub fn log_filter(mut self, directives: impl Into<String>) -> Self {
        self.log_filter = Some(directives.into());
        self
    }

    /// Whether to print log events to stderr (default: yes).
    pub fn log_output(mut self, enabled: bool) -> Self {
        self.log_output = Some(enabled);
        self
    }

    /// Builds the GenOps layer these settings describe, for a subscriber of your own.
    pub fn build_layer(&self) -> Result<GenOpsLayer, InitError> {
        let mut prices = PriceTable::embedded();
        let pricing_file = self
            .pricing_file
            .clone()
            .or_else(|| std::env::var_os(PRICING_FILE_VAR).map(PathBuf::from));
        if let Some(path) = pricing_file {
            prices.load_file(path)?;
        }
        for (alias, target) in &self.aliases {
            prices.alias(alias, target);
        }
        let mut builder = GenOpsLayer::builder().prices(prices);
        for (dim, value) in &self.defaults {
            builder = builder.default_attribution(*dim, value);
        }
        if let Some(rate) = self.local_rate {
            if !rate.is_finite() || rate < 0.0 {
                return Err(InitError::Invalid {
                    setting: "local_compute_rate",
                    problem: format!("{rate} is not a non-negative number of USD per hour"),
                });
            }
            builder = builder.local_compute_rate(rate);
        }
        Ok(builder.build())
    }

    fn env_filter(&self) -> Result<EnvFilter, InitError> {
        let (var, directives) = match &self.log_filter {
            Some(d) => ("log_filter", d.clone()),
            None => [LOG_LEVEL_VAR, "RUST_LOG"]
                .into_iter()
                .find_map(|var| Some((var, std::env::var(var).ok()?)))
                .unwrap_or(("default", "info".to_owned())),
        };
        EnvFilter::try_new(&directives).map_err(|e| InitError::Env {
            var: if var == "log_filter" {
                "GENOPS_LOG_LEVEL (log_filter)"
            } else {
                var
            },
            problem: format!("invalid filter {directives:?}: {e}"),
        })
    }

    /// Installs the global subscriber: a registry with the GenOps layer (which sees every
    /// tracked span whatever the log filter says) and, unless turned off, log output to stderr
    /// filtered by the log filter.
    ///
    /// Installing twice is [`InitError::AlreadyInstalled`].
    pub fn install(self) -> Result<Guard, InitError> {
        let layer = self.build_layer()?;
        let ledger = layer.ledger();
        let log = if self.log_output.unwrap_or(true) {
            let filter = self.env_filter()?;
            Some(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::stderr)
                    .with_filter(filter),
            )
        } else {
            None
        };
        let subscriber = tracing_subscriber::registry()
            .with(layer.with_filter(filter_fn(is_tracked)))
            .with(log);
        tracing::subscriber::set_global_default(subscriber)
            .map_err(|_| InitError::AlreadyInstalled)?;
        let service_name = self
            .service_name
            .or_else(|| std::env::var("OTEL_SERVICE_NAME").ok())
            .unwrap_or_else(|| "unknown_service".to_owned());
        Ok(Guard {
            ledger,
            service_name,
        })
    }
}

/// Returned by [`Config::install`]. Keep it alive for the life of the program: dropping it
/// flushes what genops buffers.
#[derive(Debug)]
#[must_use = "dropping the guard flushes and shuts genops down"]
pub struct Guard {
    ledger: Ledger,
    service_name: String,
}

impl Guard {
    /// The installed layer's ledger.
    pub fn ledger(&self) -> Ledger {
        self.ledger.clone()
    }

    /// The service name in use.
    pub fn service_name(&self) -> &str {
        &self.service_name
    }
}
