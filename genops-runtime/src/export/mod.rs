//! Trace export: tracing-opentelemetry into an OTLP exporter (gRPC or HTTP/protobuf) behind a
//! bounded queue that counts its drops, configured like the OpenTelemetry SDK, and the GenAI
//! metric instruments exported beside it.
//!
//! With no endpoint set nothing is exported, nothing touches the network and no thread or
//! runtime is started. Failing exports are counted and logged (`health`); flushing and
//! shutting down are bounded by one timeout (`Deadline`).
//!
//! All of it is the `otlp` cargo feature: the crate declares this module only with it.

mod genai_metrics;
mod health;
mod otlp;
mod pipeline;
mod queue;
mod sampler;
mod settings;
mod stats;

#[cfg(test)]
pub(crate) use genai_metrics::TOKEN_BUCKETS;
pub(crate) use genai_metrics::{CallMetrics, GenAiMetrics};
pub(crate) use pipeline::{Deadline, TracePipeline};
pub use sampler::sampler;
pub(crate) use settings::{ExportOverrides, ExportSettings};
pub use settings::{Protocol, TracesExporter, DEFAULT_SHUTDOWN_TIMEOUT};
#[cfg(feature = "prometheus")]
pub(crate) use stats::ExportStats;
