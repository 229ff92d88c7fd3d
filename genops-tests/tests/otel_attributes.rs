//! Through tracing-opentelemetry into an in-memory exporter: every usage and cost attribute is
//! exported exactly once, with the right OTLP type, also when usage is recorded twice and when
//! costs roll up a chain.

use std::collections::HashMap;

use opentelemetry::trace::{SpanKind, Status, TracerProvider as _};
use opentelemetry::Value;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use tracing_subscriber::prelude::*;

use genops::semconv::*;
use genops::Usage;

#[derive(Debug)]
struct AppError;

#[genops::track(team = "rag", operation = "invoke_workflow", name = "chain")]
fn chain() {
    let _ = step(false);
    let _ = step(true);
}

#[genops::track(provider = "openai", model = "gpt-4o", err)]
fn step(fail: bool) -> Result<(), AppError> {
    genops::record_usage(Usage::new(1_000, 100).cache_read(200));
    genops::record_usage(Usage::new(1_000, 100));
    genops::record_cost(0.5);
    if fail {
        Err(AppError)
    } else {
        Ok(())
    }
}

fn export(genops_first: bool) -> Vec<SpanData> {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let tracer = provider.tracer("test");
    if genops_first {
        let otel = tracing_opentelemetry::layer().with_tracer(tracer);
        let sub = tracing_subscriber::registry()
            .with(genops::layer())
            .with(otel);
        tracing::subscriber::with_default(sub, chain);
    } else {
        let otel = tracing_opentelemetry::layer().with_tracer(tracer);
        let sub = tracing_subscriber::registry()
            .with(otel)
            .with(genops::layer());
        tracing::subscriber::with_default(sub, chain);
    }
    provider.force_flush().unwrap();
    exporter.get_finished_spans().unwrap()
}

fn attributes(span: &SpanData) -> HashMap<String, Value> {
    let mut seen = HashMap::new();
    for kv in &span.attributes {
        let previous = seen.insert(kv.key.to_string(), kv.value.clone());
        assert!(
            previous.is_none(),
            "attribute {} exported twice on {}: {:?}",
            kv.key,
            span.name,
            span.attributes
        );
    }
    seen
}

fn usd_nanos(v: &Value) -> i64 {
    match v {
        Value::F64(f) => (f * 1e9).round() as i64,
        other => panic!("expected a double, found {other:?}"),
    }
}

#[test]
fn no_attribute_is_exported_twice_in_either_layer_order() {
    for genops_first in [true, false] {
        let spans = export(genops_first);
        assert_eq!(spans.len(), 3);
        let chain = spans.iter().find(|s| s.name == "chain").unwrap();
        let steps: Vec<_> = spans.iter().filter(|s| s.name == "chat gpt-4o").collect();
        assert_eq!(steps.len(), 2);
        for step in &steps {
            assert_eq!(step.parent_span_id, chain.span_context.span_id());
            assert_eq!(step.span_kind, SpanKind::Client);
            let attrs = attributes(step);
            assert_eq!(attrs[GEN_AI_USAGE_INPUT_TOKENS], Value::I64(2_000));
            assert_eq!(attrs[GEN_AI_USAGE_OUTPUT_TOKENS], Value::I64(200));
            assert_eq!(attrs[GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS], Value::I64(200));
            // 1,800 × $2.50/M + 200 × $1.25/M + 200 × $10/M + $0.50 manual
            //   = 0.0045 + 0.00025 + 0.002 + 0.5 = $0.50675
            assert_eq!(usd_nanos(&attrs[GEN_AI_USAGE_COST]), 506_750_000);
            assert_eq!(usd_nanos(&attrs[GENOPS_COST_SELF]), 506_750_000);
            assert_eq!(usd_nanos(&attrs[GENOPS_COST_TOTAL]), 506_750_000);
            assert_eq!(attrs[GENOPS_TEAM], Value::from("rag"));
        }
        let failed = steps
            .iter()
            .find(|s| matches!(s.status, Status::Error { .. }))
            .expect("the failed step has error status");
        assert_eq!(attributes(failed)[ERROR_TYPE], Value::from("AppError"));
        let attrs = attributes(chain);
        assert_eq!(chain.span_kind, SpanKind::Internal);
        assert_eq!(usd_nanos(&attrs[GEN_AI_USAGE_COST]), 0);
        assert_eq!(usd_nanos(&attrs[GENOPS_COST_TOTAL]), 1_013_500_000);
    }
}
