//! Trace export: tracing-opentelemetry into an OTLP exporter (gRPC or HTTP/protobuf) behind a
//! bounded queue that counts its drops, configured like the OpenTelemetry SDK.
//!
//! With no endpoint set nothing is exported and nothing touches the network.

mod metrics;
mod queue;
mod sampler;
mod settings;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use opentelemetry_otlp::{WithExportConfig, WithHttpConfig, WithTonicConfig};
use opentelemetry_sdk::trace::SdkTracerProvider;
use opentelemetry_sdk::Resource;

pub(crate) use metrics::{CallMetrics, GenAiMetrics};
pub(crate) use queue::ExportStats;
use queue::{ExportQueue, QueueSettings};
pub use sampler::sampler;
pub(crate) use settings::{ExportOverrides, ExportSettings};
pub use settings::{Protocol, TracesExporter};

use crate::init::InitError;

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

pub(crate) fn export_error(problem: impl std::fmt::Display) -> InitError {
    InitError::Export {
        problem: problem.to_string(),
    }
}

impl TracePipeline {
    /// Builds the pipeline `settings` describe, or `None` when nothing is to be exported.
    pub(crate) fn build(
        settings: &ExportSettings,
        service_name: &str,
    ) -> Result<Option<Self>, InitError> {
        let stats = Arc::new(ExportStats::default());
        let queue_settings = QueueSettings {
            max_queue_size: settings.max_queue_size,
            schedule_delay: settings.schedule_delay,
            max_export_batch_size: settings.max_export_batch_size,
            export_timeout: settings.export_timeout,
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(export_error)?;
        let queue = match (settings.exporter, &settings.endpoint) {
            (TracesExporter::None, _) | (TracesExporter::Otlp, None) => return Ok(None),
            (TracesExporter::Console, _) => ExportQueue::start(
                opentelemetry_stdout::SpanExporter::default(),
                runtime,
                queue_settings,
                stats.clone(),
            ),
            (TracesExporter::Otlp, Some(endpoint)) => {
                let exporter = {
                    // tonic's lazy channel needs the runtime it will run on.
                    let _entered = runtime.enter();
                    otlp_exporter(settings, endpoint)?
                };
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

    /// Exports what is queued and stops, waiting at most `timeout`.
    pub(crate) fn shutdown(&self, timeout: Duration) {
        let _ = self.provider.shutdown_with_timeout(timeout);
    }
}

fn otlp_exporter(
    settings: &ExportSettings,
    endpoint: &str,
) -> Result<opentelemetry_otlp::SpanExporter, InitError> {
    let built = match settings.protocol {
        Protocol::Grpc => opentelemetry_otlp::SpanExporter::builder()
            .with_tonic()
            .with_endpoint(endpoint)
            .with_timeout(settings.export_timeout)
            .with_metadata(grpc_metadata(&settings.headers)?)
            .build(),
        Protocol::HttpProtobuf => opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_endpoint(endpoint)
            .with_timeout(settings.export_timeout)
            .with_headers(settings.headers.iter().cloned().collect::<HashMap<_, _>>())
            .build(),
    };
    built.map_err(|e| {
        export_error(format!(
            "the OTLP exporter for {endpoint} could not be built: {e}"
        ))
    })
}

/// Headers as gRPC metadata.
pub(crate) fn grpc_metadata(
    headers: &[(String, String)],
) -> Result<opentelemetry_otlp::tonic_types::metadata::MetadataMap, InitError> {
    let mut map = http::HeaderMap::new();
    for (key, value) in headers {
        let name = http::HeaderName::from_bytes(key.to_ascii_lowercase().as_bytes())
            .map_err(|e| export_error(format!("header {key:?}: {e}")))?;
        let value = http::HeaderValue::from_str(value)
            .map_err(|e| export_error(format!("header {key:?}: {e}")))?;
        map.insert(name, value);
    }
    Ok(opentelemetry_otlp::tonic_types::metadata::MetadataMap::from_headers(map))
}
