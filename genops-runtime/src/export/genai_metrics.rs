//! OTLP metrics of the GenAI semantic conventions: `gen_ai.client.token.usage` (by
//! `gen_ai.token.type`) and `gen_ai.client.operation.duration`, with their specified bucket
//! boundaries, plus `gen_ai.usage.cost` in USD. Recorded once per finished tracked call, in the
//! caller's context, only when an OTLP metrics endpoint is set.

use std::sync::Arc;
use std::time::Duration;

use opentelemetry::metrics::{Counter, Histogram, MeterProvider as _};
use opentelemetry::KeyValue;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider, Temporality};
use opentelemetry_sdk::Resource;

use super::health::ExportHealth;
use super::otlp::{self, ExportRuntime};
use super::settings::ExportSettings;
use super::Deadline;
use crate::error::InitError;
use crate::intern::Sym;
use crate::ledger::DURATION_BUCKETS;
use crate::semconv;
use crate::usage::Usage;

/// `gen_ai.client.token.usage` bucket boundaries, from the GenAI conventions.
pub(crate) const TOKEN_BUCKETS: [f64; 14] = [
    1.0, 4.0, 16.0, 64.0, 256.0, 1024.0, 4096.0, 16384.0, 65536.0, 262144.0, 1048576.0, 4194304.0,
    16777216.0, 67108864.0,
];

/// The GenAI metric instruments.
pub(crate) struct GenAiMetrics {
    provider: SdkMeterProvider,
    duration: Histogram<f64>,
    first_chunk: Histogram<f64>,
    per_chunk: Histogram<f64>,
    tokens: Histogram<u64>,
    cost: Counter<f64>,
}

impl std::fmt::Debug for GenAiMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GenAiMetrics").finish_non_exhaustive()
    }
}

/// What one finished call reports.
pub(crate) struct CallMetrics<'a> {
    pub(crate) operation: Option<&'a Sym>,
    pub(crate) provider: Option<&'a Sym>,
    pub(crate) model: Option<&'a Sym>,
    pub(crate) error_type: Option<&'a str>,
    pub(crate) usage: Option<Usage>,
    pub(crate) duration: Duration,
    /// A streamed call's time to its first chunk.
    pub(crate) first_chunk: Option<Duration>,
    /// A streamed call's mean time between chunks after the first.
    pub(crate) per_chunk: Option<Duration>,
    pub(crate) cost_usd: f64,
}

impl GenAiMetrics {
    /// The instruments, reading into `provider`.
    pub(crate) fn new(provider: SdkMeterProvider) -> Self {
        let meter = provider.meter("genops");
        GenAiMetrics {
            duration: meter
                .f64_histogram("gen_ai.client.operation.duration")
                .with_unit("s")
                .with_description("GenAI operation duration.")
                .with_boundaries(DURATION_BUCKETS.to_vec())
                .build(),
            first_chunk: meter
                .f64_histogram("gen_ai.client.operation.time_to_first_chunk")
                .with_unit("s")
                .with_description("Time from a streamed operation's start to its first chunk.")
                .with_boundaries(DURATION_BUCKETS.to_vec())
                .build(),
            per_chunk: meter
                .f64_histogram("gen_ai.client.operation.time_per_output_chunk")
                .with_unit("s")
                .with_description(
                    "Mean time between a streamed operation's chunks after the first.",
                )
                .with_boundaries(DURATION_BUCKETS.to_vec())
                .build(),
            tokens: meter
                .u64_histogram("gen_ai.client.token.usage")
                .with_unit("{token}")
                .with_description("Number of input and output tokens used.")
                .with_boundaries(TOKEN_BUCKETS.to_vec())
                .build(),
            cost: meter
                .f64_counter(semconv::GEN_AI_USAGE_COST)
                .with_unit("USD")
                .with_description("Own cost of tracked GenAI calls.")
                .build(),
            provider,
        }
    }

    /// The instruments exporting over OTLP to `settings.metrics_endpoint`, if one is set.
    pub(crate) fn build(
        settings: &ExportSettings,
        service_name: &str,
    ) -> Result<Option<Arc<Self>>, InitError> {
        let Some(endpoint) = &settings.metrics_endpoint else {
            return Ok(None);
        };
        let runtime = ExportRuntime::new()?;
        let exporter = otlp::metric_exporter(settings, endpoint, &runtime)?;
        let reader = PeriodicReader::builder(OnRuntime {
            inner: exporter,
            runtime,
            timeout: settings.export_timeout,
            health: ExportHealth::new("metrics"),
        })
        .build();
        let provider = SdkMeterProvider::builder()
            .with_reader(reader)
            .with_resource(
                Resource::builder()
                    .with_service_name(service_name.to_owned())
                    .build(),
            )
            .build();
        Ok(Some(Arc::new(Self::new(provider))))
    }

    /// Records one finished call.
    pub(crate) fn record(&self, call: &CallMetrics<'_>) {
        let text = |v: Option<&Sym>| v.map_or_else(|| "".into(), |s| s.as_str().to_owned());
        let mut attrs = vec![
            KeyValue::new(semconv::GEN_AI_OPERATION_NAME, text(call.operation)),
            KeyValue::new(semconv::GEN_AI_PROVIDER_NAME, text(call.provider)),
            KeyValue::new(semconv::GEN_AI_REQUEST_MODEL, text(call.model)),
        ];
        self.cost.add(call.cost_usd, &attrs);
        if let Some(usage) = call.usage {
            for (kind, tokens) in [("input", usage.input), ("output", usage.output)] {
                let mut with_type = attrs.clone();
                with_type.push(KeyValue::new("gen_ai.token.type", kind));
                self.tokens.record(tokens, &with_type);
            }
        }
        if let Some(error) = call.error_type {
            attrs.push(KeyValue::new(semconv::ERROR_TYPE, error.to_owned()));
        }
        self.duration.record(call.duration.as_secs_f64(), &attrs);
        if let Some(first_chunk) = call.first_chunk {
            self.first_chunk.record(first_chunk.as_secs_f64(), &attrs);
        }
        if let Some(per_chunk) = call.per_chunk {
            self.per_chunk.record(per_chunk.as_secs_f64(), &attrs);
        }
    }

    /// Exports what is pending, by the deadline at most.
    pub(crate) fn flush(&self, deadline: Deadline) {
        let provider = self.provider.clone();
        deadline.run("metrics-flush", move || {
            let _ = provider.force_flush();
        });
    }

    /// Exports what is pending and stops, by the deadline at most.
    pub(crate) fn shutdown(&self, deadline: Deadline) {
        let provider = self.provider.clone();
        deadline.run("metrics-shutdown", move || {
            let _ = provider.shutdown_with_timeout(deadline.remaining());
        });
    }
}

/// Runs a metric exporter's futures on a runtime of its own (the periodic reader's thread has
/// none, and the OTLP clients need tokio), each export bounded by the export timeout, and
/// reports failures.
struct OnRuntime<E> {
    inner: E,
    runtime: ExportRuntime,
    timeout: Duration,
    health: ExportHealth,
}

impl<E: PushMetricExporter> PushMetricExporter for OnRuntime<E> {
    fn export(
        &self,
        metrics: &ResourceMetrics,
    ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        let exported = self.runtime.block_on(async {
            tokio::time::timeout(self.timeout, self.inner.export(metrics)).await
        });
        let result = match exported {
            Ok(Ok(())) => {
                self.health.succeeded();
                Ok(())
            }
            Ok(Err(error)) => {
                self.health.failed(&error);
                Err(error)
            }
            Err(_elapsed) => {
                self.health
                    .failed(&format_args!("no answer within {:?}", self.timeout));
                Err(OTelSdkError::Timeout(self.timeout))
            }
        };
        async move { result }
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn temporality(&self) -> Temporality {
        self.inner.temporality()
    }
}
