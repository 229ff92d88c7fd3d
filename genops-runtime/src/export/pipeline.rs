//! The trace pipeline `init()` installs, and the deadline that bounds its flush and shutdown.

use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use opentelemetry_sdk::trace::SdkTracerProvider;
use opentelemetry_sdk::Resource;

use super::otlp::{self, export_error, ExportRuntime};
use super::queue::{ExportQueue, QueueSettings};
use super::sampler;
use super::settings::{ExportSettings, TracesExporter};
use super::stats::ExportStats;
use crate::error::InitError;

/// A running trace pipeline.
pub(crate) struct TracePipeline {
    pub(crate) provider: SdkTracerProvider,
    pub(crate) stats: Arc<ExportStats>,
}

impl std::fmt::Debug for TracePipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TracePipeline")
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl TracePipeline {
    /// Builds the pipeline `settings` describe, or `None` when nothing is to be exported. A
    /// flush waits at most `flush_timeout`.
    pub(crate) fn build(
        settings: &ExportSettings,
        service_name: &str,
        flush_timeout: Duration,
    ) -> Result<Option<Self>, InitError> {
        let endpoint = match (settings.exporter, &settings.endpoint) {
            (TracesExporter::None, _) | (TracesExporter::Otlp, None) => return Ok(None),
            (TracesExporter::Console, _) => None,
            (TracesExporter::Otlp, Some(endpoint)) => Some(endpoint),
        };
        let stats = Arc::new(ExportStats::default());
        let queue_settings = QueueSettings {
            max_queue_size: settings.max_queue_size,
            schedule_delay: settings.schedule_delay,
            max_export_batch_size: settings.max_export_batch_size,
            export_timeout: settings.export_timeout,
            flush_timeout,
        };
        let runtime = ExportRuntime::new()?;
        let queue = match endpoint {
            None => ExportQueue::start(
                opentelemetry_stdout::SpanExporter::default(),
                runtime,
                queue_settings,
                stats.clone(),
            ),
            Some(endpoint) => {
                let exporter = otlp::span_exporter(settings, endpoint, &runtime)?;
                ExportQueue::start(exporter, runtime, queue_settings, stats.clone())
            }
        }
        .map_err(export_error)?;
        let builder = SdkTracerProvider::builder().with_span_processor(queue);
        let builder = if settings.parent_based {
            builder.with_sampler(sampler::sampler(settings.sampler_ratio))
        } else {
            builder.with_sampler(sampler::independent_sampler(settings.sampler_ratio))
        };
        let provider = builder
            .with_resource(
                Resource::builder()
                    .with_service_name(service_name.to_owned())
                    .build(),
            )
            .build();
        Ok(Some(TracePipeline { provider, stats }))
    }
}

/// One timeout shared by every step of a flush or a shutdown.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Deadline(Instant);

impl Deadline {
    /// `timeout` from now.
    pub(crate) fn after(timeout: Duration) -> Self {
        Deadline(Instant::now() + timeout)
    }

    /// What is left of it.
    pub(crate) fn remaining(self) -> Duration {
        self.0.saturating_duration_since(Instant::now())
    }

    /// Runs `step` on a thread of its own and waits for it until the deadline at most; a step
    /// still running then is left to finish in the background. For the SDK's own flush and
    /// shutdown calls, some of which wait longer than any timeout they are given.
    pub(crate) fn run(self, name: &str, step: impl FnOnce() + Send + 'static) {
        let (done, finished) = mpsc::sync_channel(1);
        let spawned = std::thread::Builder::new()
            .name(format!("genops-{name}"))
            .spawn(move || {
                step();
                let _ = done.send(());
            });
        if spawned.is_ok() {
            let _ = finished.recv_timeout(self.remaining());
        }
    }
}
