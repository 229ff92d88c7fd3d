//! [`Guard`]: what `install()` returns, and what flushes and stops genops when dropped.

use std::time::Duration;

#[cfg(feature = "otlp")]
use std::sync::Arc;

#[cfg(feature = "otlp")]
use crate::export::{Deadline, GenAiMetrics, TracePipeline};
use crate::focus::FocusExport;
use crate::governance::{BudgetStatus, Kill, Scope};
use crate::layer::GenOpsLayer;
use crate::ledger::Ledger;
#[cfg(feature = "prometheus")]
use crate::prometheus::MetricsServer;

/// Returned by [`Config::install`](crate::Config::install). Keep it alive for the life of the
/// program: dropping it exports what is still queued and stops the exporters.
///
/// [`flush`](Guard::flush) and the drop each wait at most the shutdown timeout
/// ([`Config::shutdown_timeout`](crate::Config::shutdown_timeout), else
/// `OTEL_BSP_EXPORT_TIMEOUT`, else 5 s), traces and metrics together. Dropping the guard is safe
/// anywhere, including inside a tokio runtime.
///
/// ```
/// let guard = genops::init().log_output(false).install()?;
/// assert_eq!(guard.ledger().snapshot().total.calls, 0);
/// drop(guard); // flushes, within the shutdown timeout
/// # Ok::<(), genops::InitError>(())
/// ```
#[derive(Debug)]
#[must_use = "dropping the guard flushes and shuts genops down"]
pub struct Guard {
    pub(crate) layer: GenOpsLayer,
    /// The FOCUS export: dropped with the guard, it writes the last, partial period.
    pub(crate) focus: Option<FocusExport>,
    pub(crate) service_name: String,
    pub(crate) shutdown_timeout: Duration,
    #[cfg(feature = "otlp")]
    pub(crate) pipeline: Option<TracePipeline>,
    #[cfg(feature = "otlp")]
    pub(crate) genai_metrics: Option<Arc<GenAiMetrics>>,
    #[cfg(feature = "prometheus")]
    pub(crate) metrics: Option<MetricsServer>,
}

impl Guard {
    /// The installed layer's ledger.
    pub fn ledger(&self) -> Ledger {
        self.layer.ledger()
    }

    /// The service name in use.
    pub fn service_name(&self) -> &str {
        &self.service_name
    }

    /// Every budget's current window.
    pub fn budgets(&self) -> Vec<BudgetStatus> {
        self.layer.budgets()
    }

    /// Stops every gated call in `scope` until it is revived; see [`GenOpsLayer::kill`].
    pub fn kill(&self, scope: Scope, reason: &str) -> Result<(), String> {
        self.layer.kill(scope, reason)
    }

    /// Lifts the kill of `scope`; see [`GenOpsLayer::revive`].
    pub fn revive(&self, scope: &Scope) -> Result<bool, String> {
        self.layer.revive(scope)
    }

    /// The kills in force, as this replica knows them.
    pub fn kills(&self) -> Vec<Kill> {
        self.layer.kills()
    }

    /// How long [`flush`](Guard::flush) and the drop may wait.
    pub fn shutdown_timeout(&self) -> Duration {
        self.shutdown_timeout
    }

    /// The address the Prometheus endpoint listens on, if it is on.
    pub fn metrics_addr(&self) -> Option<std::net::SocketAddr> {
        #[cfg(feature = "prometheus")]
        return self.metrics.as_ref().map(MetricsServer::addr);
        #[cfg(not(feature = "prometheus"))]
        None
    }

    /// Spans that did not reach the trace backend: a full queue, or a failed export.
    pub fn dropped_spans(&self) -> u64 {
        #[cfg(feature = "otlp")]
        return self.pipeline.as_ref().map_or(0, |p| p.stats.dropped());
        #[cfg(not(feature = "otlp"))]
        0
    }

    /// Spans the trace backend accepted.
    pub fn exported_spans(&self) -> u64 {
        #[cfg(feature = "otlp")]
        return self.pipeline.as_ref().map_or(0, |p| p.stats.exported());
        #[cfg(not(feature = "otlp"))]
        0
    }

    /// Exports what is queued, traces and metrics, waiting at most the shutdown timeout.
    pub fn flush(&self) {
        #[cfg(feature = "otlp")]
        {
            let deadline = Deadline::after(self.shutdown_timeout);
            if let Some(p) = &self.pipeline {
                let _ = p.provider.force_flush();
            }
            if let Some(m) = &self.genai_metrics {
                m.flush(deadline);
            }
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        // The last, partial FOCUS period first: written before export stops.
        drop(self.focus.take());
        #[cfg(feature = "otlp")]
        {
            let deadline = Deadline::after(self.shutdown_timeout);
            if let Some(p) = &self.pipeline {
                let _ = p.provider.shutdown_with_timeout(deadline.remaining());
            }
            if let Some(m) = &self.genai_metrics {
                m.shutdown(deadline);
            }
        }
    }
}
