//! Trace export: tracing-opentelemetry into an OTLP exporter (gRPC or HTTP/protobuf) behind a
//! bounded queue that counts its drops, configured like the OpenTelemetry SDK, and the GenAI
//! metric instruments exported beside it.
//!
//! With no endpoint set nothing is exported, nothing touches the network and no thread or
//! runtime is started. Failing exports are counted and logged (`health`); flushing and
//! shutting down are bounded by one timeout (`Deadline`).
//!
//! All of it is the `otlp` cargo feature.

#[cfg(feature = "otlp")]
mod genai_metrics;
#[cfg(feature = "otlp")]
mod health;
#[cfg(feature = "otlp")]
mod otlp;
#[cfg(feature = "otlp")]
mod pipeline;
#[cfg(feature = "otlp")]
mod queue;
#[cfg(feature = "otlp")]
mod sampler;
#[cfg(feature = "otlp")]
mod settings;
#[cfg(feature = "otlp")]
mod stats;

#[cfg(all(test, feature = "otlp"))]
pub(crate) use genai_metrics::TOKEN_BUCKETS;
#[cfg(feature = "otlp")]
pub(crate) use genai_metrics::{CallMetrics, GenAiMetrics};
#[cfg(feature = "otlp")]
pub(crate) use pipeline::{Deadline, TracePipeline};
#[cfg(feature = "otlp")]
pub use sampler::sampler;
#[cfg(feature = "otlp")]
pub(crate) use settings::{ExportOverrides, ExportSettings};
#[cfg(feature = "otlp")]
pub use settings::{Protocol, TracesExporter, DEFAULT_SHUTDOWN_TIMEOUT};
#[cfg(all(feature = "otlp", feature = "prometheus"))]
pub(crate) use stats::ExportStats;
