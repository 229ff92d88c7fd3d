//! Sampling decides what is exported, never what is booked: at 10% over 20,000 calls the ledger
//! is exact and the exported count is within the binomial 99.9% interval; children go with their
//! parent; a call site's `sample = ...` overrides the default for the traces it starts.

use std::collections::HashSet;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
use tracing_subscriber::prelude::*;

use genops::Usage;

const CALLS: u64 = 20_000;

#[genops::track(team = "search", operation = "invoke_workflow", name = "root")]
fn root() {
    child();
}

#[genops::track(
    provider = "openai",
    model = "gpt-4o-mini",
    name = "child",
    sample = 1.0
)]
fn child() {
    genops::record_usage(Usage::new(1_000, 0));
}

#[genops::track(
    team = "batch",
    provider = "openai",
    model = "gpt-4o-mini",
    name = "half",
    sample = 0.5
)]
fn half() {
    genops::record_usage(Usage::new(1_000, 0));
}

/// The 99.9% two-sided interval of a binomial count (normal approximation, z = 3.29).
fn interval(n: u64, p: f64) -> (f64, f64) {
    let mean = n as f64 * p;
    let sd = (n as f64 * p * (1.0 - p)).sqrt();
    (mean - 3.29 * sd, mean + 3.29 * sd)
}

#[test]
fn ten_percent_of_traces_are_exported_whole_and_every_call_is_booked() {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .with_sampler(genops::sampler(Some(0.1)))
        .build();
    let layer = genops::layer();
    let ledger = layer.ledger();
    let subscriber = tracing_subscriber::registry()
        .with(layer)
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("test")));
    tracing::subscriber::with_default(subscriber, || {
        for _ in 0..CALLS {
            root();
            half();
        }
    });
    provider.force_flush().unwrap();
    let spans = exporter.get_finished_spans().unwrap();

    // The books see every call: 20,000 roots, children and half-sampled calls.
    let snapshot = ledger.snapshot();
    assert_eq!(snapshot.total.calls, 3 * CALLS);
    // 40,000 calls × 1,000 tokens × $0.15/M = $6.
    assert_eq!(snapshot.total.cost.nanos(), 6_000_000_000);

    let roots: Vec<_> = spans.iter().filter(|s| s.name == "root").collect();
    let (low, high) = interval(CALLS, 0.1);
    assert!(
        (low..=high).contains(&(roots.len() as f64)),
        "{} roots exported, expected {low:.0}..{high:.0}",
        roots.len()
    );

    // Children are exported exactly with their parents, whatever their own rate says.
    let root_ids: HashSet<_> = roots.iter().map(|s| s.span_context.span_id()).collect();
    let children: Vec<_> = spans.iter().filter(|s| s.name == "child").collect();
    assert_eq!(children.len(), roots.len());
    assert!(children
        .iter()
        .all(|c| root_ids.contains(&c.parent_span_id)));

    // A call site's own rate overrides the default for the traces it starts.
    let halves = spans.iter().filter(|s| s.name == "half").count();
    let (low, high) = interval(CALLS, 0.5);
    assert!(
        (low..=high).contains(&(halves as f64)),
        "{halves} exported at rate 0.5"
    );
}
