//! One-call set-up: `genops::init()...install()`.

use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;

use tracing_subscriber::filter::{filter_fn, EnvFilter, FilterExt};
use tracing_subscriber::prelude::*;

use crate::attribution::Dimension;
use crate::export::{
    ExportOverrides, ExportSettings, GenAiMetrics, Protocol, TracePipeline, TracesExporter,
};
use crate::governance::{governance_setters, Budget, GovernanceSettings, Scope, Usd};
use crate::layer::{is_tracked, GenOpsLayer};
use crate::ledger::Ledger;
use crate::metrics::{MetricsServer, MetricsSource};
use crate::pricing::{PriceTable, PricingError};

/// The variable that names the log filter; `RUST_LOG` is read when it is unset.
pub const LOG_LEVEL_VAR: &str = "GENOPS_LOG_LEVEL";
/// The variable that names the address of the Prometheus endpoint (off when unset).
pub const METRICS_ADDR_VAR: &str = "GENOPS_METRICS_ADDR";
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
    /// The exporter could not be set up.
    Export {
        /// What went wrong.
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
            InitError::Export { problem } => write!(f, "trace export: {problem}"),
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
    export: ExportOverrides,
    shutdown_timeout: Option<Duration>,
    metrics_addr: Option<String>,
    metrics_label_cap: Option<usize>,
    metrics_extra_labels: Vec<Dimension>,
    governance: GovernanceSettings,
    sampling_rate: Option<f64>,
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

    /// Exports traces over OTLP to `url` (default: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, used
    /// as is, or `OTEL_EXPORTER_OTLP_ENDPOINT`, to which `/v1/traces` is appended for HTTP).
    /// Without an endpoint nothing is exported.
    pub fn otlp_endpoint(mut self, url: impl Into<String>) -> Self {
        self.export.endpoint = Some(url.into());
        self
    }

    /// Exports the GenAI metrics over OTLP to `url`, used as is (default:
    /// `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`, or `OTEL_EXPORTER_OTLP_ENDPOINT` with `/v1/metrics`
    /// appended for HTTP; `OTEL_METRICS_EXPORTER=none` turns them off).
    pub fn otlp_metrics_endpoint(mut self, url: impl Into<String>) -> Self {
        self.export.metrics_endpoint = Some(url.into());
        self
    }

    /// The OTLP protocol (default: `OTEL_EXPORTER_OTLP_PROTOCOL`, then `http/protobuf`).
    pub fn otlp_protocol(mut self, protocol: Protocol) -> Self {
        self.export.protocol = Some(protocol);
        self
    }

    /// A header sent with every export, after those of `OTEL_EXPORTER_OTLP_HEADERS`.
    pub fn otlp_header(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.export.headers.push((key.into(), value.into()));
        self
    }

    /// Where finished spans go (default: `OTEL_TRACES_EXPORTER`, then OTLP).
    pub fn traces_exporter(mut self, exporter: TracesExporter) -> Self {
        self.export.exporter = Some(exporter);
        self
    }

    /// Exports this share of traces (default: `GENOPS_SAMPLING_RATE`, then
    /// `OTEL_TRACES_SAMPLER`/`OTEL_TRACES_SAMPLER_ARG`, then all). A child is exported with its
    /// parent, so traces are never torn; a call site's `sample = ...` overrides it for the traces
    /// it starts. Cost, ledger, budgets, policies and metrics always see every call.
    pub fn sampling_rate(mut self, rate: f64) -> Self {
        self.sampling_rate = Some(rate);
        self
    }

    governance_setters!();

    /// The export queue's capacity in spans (default: `OTEL_BSP_MAX_QUEUE_SIZE`, then 2,048).
    /// Spans that find it full are dropped and counted, never waited for.
    pub fn export_queue_size(mut self, spans: usize) -> Self {
        self.export.max_queue_size = Some(spans);
        self
    }

    /// The delay between exports (default: `OTEL_BSP_SCHEDULE_DELAY`, then 5 s).
    pub fn export_schedule_delay(mut self, delay: Duration) -> Self {
        self.export.schedule_delay = Some(delay);
        self
    }

    /// The largest batch (default: `OTEL_BSP_MAX_EXPORT_BATCH_SIZE`, then 512).
    pub fn export_batch_size(mut self, spans: usize) -> Self {
        self.export.max_export_batch_size = Some(spans);
        self
    }

    /// How long one export may take (default: `OTEL_BSP_EXPORT_TIMEOUT`, then 30 s).
    pub fn export_timeout(mut self, timeout: Duration) -> Self {
        self.export.export_timeout = Some(timeout);
        self
    }

    /// Serves Prometheus metrics at `http://{addr}/metrics` (default: `GENOPS_METRICS_ADDR`;
    /// off when neither is set). Use a loopback address unless the endpoint must be reachable.
    pub fn metrics_addr(mut self, addr: impl Into<String>) -> Self {
        self.metrics_addr = Some(addr.into());
        self
    }

    /// At most this many distinct values per metric label (default 100); further values are
    /// counted under `other`.
    pub fn metrics_label_cap(mut self, values: usize) -> Self {
        self.metrics_label_cap = Some(values);
        self
    }

    /// Also labels `genops_cost_usd_total` and `genops_tokens_total` by `dim` (off by default:
    /// customer and user ids are unbounded in most services; the cap still applies).
    pub fn metrics_attribution_label(mut self, dim: Dimension) -> Self {
        if dim != Dimension::Team && !self.metrics_extra_labels.contains(&dim) {
            self.metrics_extra_labels.push(dim);
        }
        self
    }

    /// How long dropping the [`Guard`] may wait for the last export (default 5 s).
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = Some(timeout);
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
        let mut governance = self.governance.clone();
        if let Some(budget) = daily_budget_from_env()? {
            governance.budgets.push(budget);
        }
        let mut builder = GenOpsLayer::builder()
            .prices(prices)
            .governance_settings(governance);
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
        builder.try_build()
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
    /// tracked span whatever the log filter says), trace export when an endpoint is configured,
    /// and, unless turned off, log output to stderr filtered by the log filter.
    ///
    /// Installing twice is [`InitError::AlreadyInstalled`].
    pub fn install(mut self) -> Result<Guard, InitError> {
        if let Some(rate) = self.sampling_rate {
            if !(0.0..=1.0).contains(&rate) {
                return Err(InitError::Invalid {
                    setting: "sampling_rate",
                    problem: format!("{rate} is not a rate in [0, 1]"),
                });
            }
        }
        self.export.sampler_ratio = match self.sampling_rate {
            Some(rate) => Some(rate),
            None => sampling_rate_from_env()?,
        };
        let layer = self.build_layer()?;
        let ledger = layer.ledger();
        let export = ExportSettings::resolve(&self.export)?;
        let service_name = self
            .service_name
            .clone()
            .or_else(|| {
                std::env::var("OTEL_SERVICE_NAME")
                    .ok()
                    .filter(|s| !s.is_empty())
            })
            .unwrap_or_else(|| "unknown_service".to_owned());
        // Validate the filter before anything starts.
        let log = if self.log_output.unwrap_or(true) {
            Some(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::stderr)
                    .with_filter(self.env_filter()?),
            )
        } else {
            None
        };
        let metrics_addr = match &self.metrics_addr {
            Some(addr) => Some(("metrics_addr", addr.clone())),
            None => std::env::var(METRICS_ADDR_VAR)
                .ok()
                .filter(|a| !a.trim().is_empty())
                .map(|a| (METRICS_ADDR_VAR, a)),
        };
        let metrics_addr = metrics_addr
            .map(|(origin, addr)| {
                addr.trim()
                    .parse::<std::net::SocketAddr>()
                    .map_err(|e| InitError::Env {
                        var: origin,
                        problem: format!(
                            "{addr:?} is not a socket address like 127.0.0.1:9464: {e}"
                        ),
                    })
            })
            .transpose()?;
        let pipeline = TracePipeline::build(&export, &service_name)?;
        let genai_metrics = GenAiMetrics::build(&export, &service_name)?;
        if let Some(m) = &genai_metrics {
            layer.set_genai_metrics(m.clone());
        }
        let metrics = match metrics_addr {
            Some(addr) => {
                let source = MetricsSource {
                    ledger: ledger.clone(),
                    export: pipeline.as_ref().map(|p| p.stats.clone()),
                    label_cap: self.metrics_label_cap.unwrap_or(100).max(1),
                    extra_labels: self.metrics_extra_labels.clone(),
                    governance: layer.governance(),
                };
                Some(
                    MetricsServer::start(addr, source).map_err(|e| InitError::Invalid {
                        setting: "metrics endpoint",
                        problem: format!("cannot listen on {addr}: {e}"),
                    })?,
                )
            }
            None => None,
        };
        let otel = match &pipeline {
            Some(p) => Some(
                tracing_opentelemetry::layer()
                    .with_tracer(p.provider.tracer("genops"))
                    .with_threads(false)
                    .with_filter(filter_fn(is_tracked).or(self.env_filter()?)),
            ),
            None => None,
        };
        let governed = layer.clone();
        let subscriber = tracing_subscriber::registry()
            .with(layer.with_filter(filter_fn(is_tracked)))
            .with(otel)
            .with(log);
        if tracing::subscriber::set_global_default(subscriber).is_err() {
            if let Some(p) = &pipeline {
                p.shutdown(Duration::ZERO);
            }
            return Err(InitError::AlreadyInstalled);
        }
        Ok(Guard {
            layer: governed,
            ledger,
            service_name,
            pipeline,
            genai_metrics,
            metrics,
            shutdown_timeout: self.shutdown_timeout.unwrap_or(Duration::from_secs(5)),
        })
    }
}

/// The variable that sets the export sampling rate.
pub const SAMPLING_RATE_VAR: &str = "GENOPS_SAMPLING_RATE";
/// The variable that gives `GENOPS_TEAM` a daily hard budget in USD.
pub const DAILY_BUDGET_VAR: &str = "GENOPS_DAILY_BUDGET_USD";

fn sampling_rate_from_env() -> Result<Option<f64>, InitError> {
    let Some(text) = std::env::var(SAMPLING_RATE_VAR)
        .ok()
        .filter(|v| !v.trim().is_empty())
    else {
        return Ok(None);
    };
    match text.trim().parse::<f64>() {
        Ok(rate) if (0.0..=1.0).contains(&rate) => Ok(Some(rate)),
        _ => Err(InitError::Env {
            var: SAMPLING_RATE_VAR,
            problem: format!("{text:?} is not a rate in [0, 1]"),
        }),
    }
}

/// `GENOPS_DAILY_BUDGET_USD` with `GENOPS_TEAM`: a daily hard budget for that team.
fn daily_budget_from_env() -> Result<Option<Budget>, InitError> {
    let Some(text) = std::env::var(DAILY_BUDGET_VAR)
        .ok()
        .filter(|v| !v.trim().is_empty())
    else {
        return Ok(None);
    };
    let limit = text
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|usd| usd.is_finite() && *usd >= 0.0)
        .ok_or_else(|| InitError::Env {
            var: DAILY_BUDGET_VAR,
            problem: format!("{text:?} is not a non-negative number of USD"),
        })?;
    let team = std::env::var("GENOPS_TEAM")
        .ok()
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| InitError::Env {
            var: DAILY_BUDGET_VAR,
            problem: "needs GENOPS_TEAM to name the team the budget is for".into(),
        })?;
    Ok(Some(
        Budget::daily(format!("{team}-daily"), Scope::team(team), Usd(limit)).hard(),
    ))
}

/// Returned by [`Config::install`]. Keep it alive for the life of the program: dropping it
/// flushes what genops buffers.
#[derive(Debug)]
#[must_use = "dropping the guard flushes and shuts genops down"]
pub struct Guard {
    layer: GenOpsLayer,
    ledger: Ledger,
    service_name: String,
    pipeline: Option<TracePipeline>,
    genai_metrics: Option<Arc<GenAiMetrics>>,
    metrics: Option<MetricsServer>,
    shutdown_timeout: Duration,
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

    /// Every budget's current window.
    pub fn budgets(&self) -> Vec<crate::governance::BudgetStatus> {
        self.layer.budgets()
    }

    /// The address the Prometheus endpoint listens on, if it is on.
    pub fn metrics_addr(&self) -> Option<std::net::SocketAddr> {
        self.metrics.as_ref().map(MetricsServer::addr)
    }

    /// Spans that did not reach the trace backend: a full queue, or a failed export.
    pub fn dropped_spans(&self) -> u64 {
        self.pipeline
            .as_ref()
            .map_or(0, |p| p.stats.dropped.load(Ordering::Relaxed))
    }

    /// Spans the trace backend accepted.
    pub fn exported_spans(&self) -> u64 {
        self.pipeline
            .as_ref()
            .map_or(0, |p| p.stats.exported.load(Ordering::Relaxed))
    }

    /// Exports what is queued, waiting at most the shutdown timeout.
    pub fn flush(&self) {
        if let Some(p) = &self.pipeline {
            let _ = p.provider.force_flush();
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(p) = &self.pipeline {
            p.shutdown(self.shutdown_timeout);
        }
        if let Some(m) = &self.genai_metrics {
            m.shutdown(self.shutdown_timeout);
        }
    }
}
