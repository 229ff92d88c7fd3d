//! The export sampler: parent-based, with a per-call-site rate (`sample = ...`) for the traces a
//! call site starts, else the configured rate. It decides only what is exported: cost accounting
//! sees every call.

use opentelemetry::trace::{Link, SpanKind, TraceId};
use opentelemetry::{Context, KeyValue, Value};
use opentelemetry_sdk::trace::{Sampler, SamplingResult, ShouldSample};

use crate::semconv::GENOPS_SAMPLE_RATE;

/// Samples a trace's root by trace id at its call site's `genops.sample_rate`, or the default.
#[derive(Clone, Debug)]
struct RootRate {
    default: Option<f64>,
}

impl ShouldSample for RootRate {
    fn should_sample(
        &self,
        parent: Option<&Context>,
        trace_id: TraceId,
        name: &str,
        kind: &SpanKind,
        attributes: &[KeyValue],
        links: &[Link],
    ) -> SamplingResult {
        let site_rate = attributes.iter().find_map(|kv| match (&kv.key, &kv.value) {
            (key, Value::F64(rate)) if key.as_str() == GENOPS_SAMPLE_RATE => Some(*rate),
            _ => None,
        });
        match site_rate.or(self.default) {
            None => {
                Sampler::AlwaysOn.should_sample(parent, trace_id, name, kind, attributes, links)
            }
            Some(rate) => Sampler::TraceIdRatioBased(rate)
                .should_sample(parent, trace_id, name, kind, attributes, links),
        }
    }
}

/// The export sampler genops installs: children follow their parent's decision, so traces are
/// never torn; a root is kept at its call site's `sample = ...` rate, else at `default` (all
/// when `None`). Use it in a pipeline of your own with `SdkTracerProvider::builder().with_sampler`.
///
/// ```
/// let sampler = genops::sampler(Some(0.1));
/// let _provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().with_sampler(sampler).build();
/// ```
pub fn sampler(default: Option<f64>) -> Sampler {
    Sampler::ParentBased(Box::new(RootRate { default }))
}

/// Like [`sampler`], but every span decides for itself (`OTEL_TRACES_SAMPLER` without
/// `parentbased_`).
pub(crate) fn independent_sampler(default: Option<f64>) -> impl ShouldSample + Clone {
    RootRate { default }
}
