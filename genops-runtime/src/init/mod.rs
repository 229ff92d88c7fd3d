//! One-call set-up: `genops::init()...install()` assembles a subscriber from a registry, the
//! GenOps layer, trace export and log output, and returns the [`Guard`] that flushes it.
//!
//! [`Config`] holds every setting: the layer's own (defined once, shared with
//! [`LayerBuilder`](crate::LayerBuilder)), then export, Prometheus and log output. Each has a
//! default from the environment, read by [`from_env`]; an empty variable counts as unset.

mod from_env;
mod guard;
mod log;

use std::path::{Path, PathBuf};
use std::time::Duration;

use tracing_subscriber::filter::EnvFilter;
use tracing_subscriber::prelude::*;

pub use from_env::{
    BUDGET_STORE_VAR, DAILY_BUDGET_VAR, FOCUS_DIR_VAR, FOCUS_PERIOD_VAR, KILL_VAR, LOG_LEVEL_VAR,
    METRICS_ADDR_VAR, PRICING_FILE_VAR, SAMPLING_RATE_VAR,
};
pub use guard::Guard;

#[cfg(feature = "prometheus")]
use crate::attribution::Dimension;
use crate::call::tracked_filter;
use crate::error::InitError;
#[cfg(feature = "otlp")]
use crate::export::{
    ExportOverrides, ExportSettings, GenAiMetrics, Protocol, TracePipeline, TracesExporter,
};
use crate::focus::{FocusExport, FocusSettings, FocusWriter};
use crate::layer::{layer_setters, GenOpsLayer, LayerSettings};
#[cfg(feature = "prometheus")]
use crate::prometheus::{MetricsServer, MetricsSource, DEFAULT_LABEL_CAP};

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
    layer: LayerSettings,
    service_name: Option<String>,
    log_filter: Option<String>,
    log_output: Option<bool>,
    focus: Option<(PathBuf, FocusSettings)>,
    #[cfg(feature = "otlp")]
    export: ExportOverrides,
    #[cfg(feature = "otlp")]
    sampling_rate: Option<f64>,
    #[cfg(feature = "prometheus")]
    metrics_addr: Option<String>,
    #[cfg(feature = "prometheus")]
    metrics_label_cap: Option<usize>,
    #[cfg(feature = "prometheus")]
    metrics_extra_labels: Vec<Dimension>,
}

/// Starts a [`Config`]: `genops::init().install()` sets up a registry, an `EnvFilter`ed log
/// output and the GenOps layer as the global subscriber.
pub fn init() -> Config {
    Config::default()
}

impl Config {
    layer_setters!();

    /// The service name (default: `OTEL_SERVICE_NAME`, then `unknown_service`).
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        self.service_name = Some(name.into());
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

    /// Writes the ledger as FOCUS 1.2 cost-and-usage files into `dir`, one per period of
    /// `settings` (hourly by default): the ledger is drained at each period's end, and the last,
    /// partial period is written when the [`Guard`] is dropped. A restart resumes after the
    /// files already in `dir`. Default: `GENOPS_FOCUS_DIR` and `GENOPS_FOCUS_PERIOD`, else off.
    ///
    /// ```no_run
    /// let _guard = genops::init()
    ///     .focus("/var/lib/app/focus", genops::FocusSettings::default())
    ///     .install()?;
    /// # Ok::<(), genops::InitError>(())
    /// ```
    pub fn focus(mut self, dir: impl AsRef<Path>, settings: FocusSettings) -> Self {
        self.focus = Some((dir.as_ref().to_owned(), settings));
        self
    }

    /// The FOCUS export, when asked for in code or in the environment.
    fn focus_export(&self, layer: &GenOpsLayer) -> Result<Option<FocusExport>, InitError> {
        let Some((dir, settings)) = self
            .focus
            .clone()
            .map_or_else(from_env::focus, |f| Ok(Some(f)))?
        else {
            return Ok(None);
        };
        let problem = |e: std::io::Error| InitError::Invalid {
            setting: "focus",
            problem: format!("{}: {e}", dir.display()),
        };
        let writer = FocusWriter::new(&dir, settings).map_err(problem)?;
        FocusExport::start(layer.ledger(), writer)
            .map(Some)
            .map_err(problem)
    }

    /// Builds the GenOps layer these settings describe, for a subscriber of your own. The
    /// environment adds `GENOPS_PRICING_FILE` (unless a price file is given in code) and the
    /// budget of `GENOPS_DAILY_BUDGET_USD`, the kills of `GENOPS_KILL`, and the budget store of
    /// `GENOPS_BUDGET_STORE` (unless one is given in code).
    pub fn build_layer(&self) -> Result<GenOpsLayer, InitError> {
        let mut layer = self.layer.clone();
        if layer.pricing_file.is_none() {
            layer.pricing_file = crate::env::path(PRICING_FILE_VAR);
        }
        if let Some(budget) = from_env::daily_budget()? {
            layer.governance.budgets.push(budget);
        }
        for scope in from_env::kills()? {
            layer
                .governance
                .kills
                .push((scope, format!("killed at start by {KILL_VAR}")));
        }
        let from_env = layer.governance.store.is_none();
        if from_env {
            layer.governance.store = from_env::budget_store()?;
        }
        layer.build().map_err(|e| match e {
            // A store named by the variable that cannot be opened: name the variable.
            InitError::Invalid {
                setting: "budget_store",
                problem,
            } if from_env => InitError::Env {
                var: BUDGET_STORE_VAR,
                problem,
            },
            e => e,
        })
    }

    fn env_filter(&self) -> Result<EnvFilter, InitError> {
        let (var, directives) = from_env::log_filter(self.log_filter.as_deref())?;
        EnvFilter::try_new(&directives).map_err(|e| InitError::Env {
            var,
            problem: format!("invalid filter {directives:?}: {e}"),
        })
    }

    /// Installs the global subscriber: a registry with the GenOps layer (which sees every
    /// tracked span whatever the log filter says), trace export when an endpoint is configured,
    /// and, unless turned off, log output to stderr filtered by the log filter.
    ///
    /// It works from a plain `main` and inside any tokio runtime (`#[tokio::main]`, either
    /// flavour, or `#[tokio::test]`): export runs on genops's own threads.
    ///
    /// Installing twice is [`InitError::AlreadyInstalled`].
    pub fn install(self) -> Result<Guard, InitError> {
        // Before anything starts: a second install must not fail on, say, a busy metrics port.
        if tracing::dispatcher::has_been_set() {
            return Err(InitError::AlreadyInstalled);
        }
        let (dispatch, guard) = self.into_dispatch()?;
        if tracing::dispatcher::set_global_default(dispatch).is_err() {
            // Stop what was started, without waiting for exports that never had data.
            let mut guard = guard;
            guard.shutdown_timeout = Duration::ZERO;
            drop(guard);
            return Err(InitError::AlreadyInstalled);
        }
        for (var, feature) in from_env::unbuilt() {
            tracing::warn!(
                target: "genops",
                variable = var,
                "{var} is set, but this build of genops has no `{feature}` cargo feature: it is \
                 ignored. Enable the feature on the `genops` dependency to use it."
            );
        }
        Ok(guard)
    }

    /// Builds the subscriber [`install`](Self::install) would install, without installing it:
    /// scope it with `tracing::dispatcher::with_default` in a test or a benchmark. Keep the
    /// guard for as long as the dispatch is used.
    ///
    /// ```
    /// let (dispatch, guard) = genops::init().log_output(false).into_dispatch()?;
    /// tracing::dispatcher::with_default(&dispatch, || {
    ///     let _call = genops::span!(team = "search", provider = "openai", model = "gpt-4o-mini");
    /// });
    /// assert_eq!(guard.ledger().snapshot().total.calls, 1);
    /// # Ok::<(), genops::InitError>(())
    /// ```
    pub fn into_dispatch(self) -> Result<(tracing::Dispatch, Guard), InitError> {
        let layer = self.build_layer()?;
        let service_name = from_env::service_name(self.service_name.as_deref())?;
        // Validate the filter before anything starts.
        let home = log::Home::default();
        let log = match self.log_output.unwrap_or(true) {
            true => Some(log::layer(self.env_filter()?, &home)),
            false => None,
        };
        #[cfg(feature = "otlp")]
        let (export, pipeline, otel) = self.export_pipeline(&layer, &service_name)?;
        #[cfg(feature = "prometheus")]
        let metrics = self.metrics_server(
            &layer,
            #[cfg(feature = "otlp")]
            pipeline.as_ref(),
        )?;
        let focus = self.focus_export(&layer)?;
        let guard = Guard {
            layer: layer.clone(),
            focus,
            service_name,
            #[cfg(feature = "otlp")]
            shutdown_timeout: export.shutdown_timeout,
            #[cfg(not(feature = "otlp"))]
            shutdown_timeout: Duration::ZERO,
            #[cfg(feature = "otlp")]
            genai_metrics: export.genai_metrics,
            #[cfg(feature = "otlp")]
            pipeline,
            #[cfg(feature = "prometheus")]
            metrics,
        };
        let subscriber =
            tracing_subscriber::registry().with(layer.with_filter(tracked_filter(true)));
        #[cfg(feature = "otlp")]
        let subscriber = subscriber.with(otel);
        let subscriber = subscriber.with(log).with(home);
        Ok((tracing::Dispatch::new(subscriber), guard))
    }
}

/// The export settings, the trace pipeline and its tracing-opentelemetry layer.
#[cfg(feature = "otlp")]
struct Export {
    shutdown_timeout: Duration,
    genai_metrics: Option<std::sync::Arc<GenAiMetrics>>,
}

#[cfg(feature = "otlp")]
impl Config {
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

    /// How long [`Guard::flush`] and dropping the [`Guard`] may wait for the last exports,
    /// traces and metrics together (default: `OTEL_BSP_EXPORT_TIMEOUT`, then 5 s). Exports still
    /// running then are abandoned, and their spans counted as dropped.
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.export.shutdown_timeout = Some(timeout);
        self
    }

    /// Resolves the export settings and starts what they ask for.
    #[allow(clippy::type_complexity)]
    fn export_pipeline<S>(
        &self,
        layer: &GenOpsLayer,
        service_name: &str,
    ) -> Result<
        (
            Export,
            Option<TracePipeline>,
            Option<impl tracing_subscriber::Layer<S> + use<S>>,
        ),
        InitError,
    >
    where
        S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    {
        use opentelemetry::trace::TracerProvider as _;
        use tracing_subscriber::filter::FilterExt;

        let mut overrides = self.export.clone();
        overrides.sampler_ratio = match self.sampling_rate {
            Some(rate) if (0.0..=1.0).contains(&rate) => Some(rate),
            Some(rate) => {
                return Err(InitError::Invalid {
                    setting: "sampling_rate",
                    problem: format!("{rate} is not a rate in [0, 1]"),
                })
            }
            None => from_env::sampling_rate()?,
        };
        let settings = ExportSettings::resolve(&overrides)?;
        let pipeline = TracePipeline::build(&settings, service_name, settings.shutdown_timeout)?;
        let genai_metrics = GenAiMetrics::build(&settings, service_name)?;
        if let Some(m) = &genai_metrics {
            layer.set_genai_metrics(m.clone());
        }
        let otel = match &pipeline {
            Some(p) => Some(
                tracing_opentelemetry::layer()
                    .with_tracer(p.provider.tracer("genops"))
                    .with_threads(false)
                    .with_filter(tracked_filter(true).or(self.env_filter()?)),
            ),
            None => None,
        };
        let export = Export {
            shutdown_timeout: settings.shutdown_timeout,
            genai_metrics,
        };
        Ok((export, pipeline, otel))
    }
}

#[cfg(feature = "prometheus")]
impl Config {
    /// Serves Prometheus metrics at `http://{addr}/metrics` (default: `GENOPS_METRICS_ADDR`;
    /// off when neither is set). Use a loopback address unless the endpoint must be reachable.
    pub fn metrics_addr(mut self, addr: impl Into<String>) -> Self {
        self.metrics_addr = Some(addr.into());
        self
    }

    /// At most this many distinct values per metric label (default 100); further values are
    /// counted under [`OVERFLOW_LABEL_VALUE`](crate::OVERFLOW_LABEL_VALUE).
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

    /// Starts the Prometheus endpoint, if an address is configured.
    fn metrics_server(
        &self,
        layer: &GenOpsLayer,
        #[cfg(feature = "otlp")] pipeline: Option<&TracePipeline>,
    ) -> Result<Option<MetricsServer>, InitError> {
        let Some(addr) = from_env::metrics_addr(self.metrics_addr.as_deref())? else {
            return Ok(None);
        };
        let source = MetricsSource {
            ledger: layer.ledger(),
            #[cfg(feature = "otlp")]
            export: pipeline.map(|p| p.stats.clone()),
            label_cap: self.metrics_label_cap.unwrap_or(DEFAULT_LABEL_CAP).max(1),
            extra_labels: self.metrics_extra_labels.clone(),
            governance: layer.governance(),
        };
        MetricsServer::start(addr, source)
            .map(Some)
            .map_err(|e| InitError::Invalid {
                setting: "metrics endpoint",
                problem: format!("cannot listen on {addr}: {e}"),
            })
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn an_invalid_setting_is_the_same_error_from_either_builder() {
        let layer = crate::LayerBuilder::default()
            .local_compute_rate(-1.0)
            .try_build();
        let config = crate::init().local_compute_rate(-1.0).build_layer();
        let expected = "local_compute_rate: -1 is not a non-negative number of USD per hour";
        assert_eq!(layer.unwrap_err().to_string(), expected);
        assert_eq!(config.unwrap_err().to_string(), expected);
    }
}
