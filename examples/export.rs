//! Send tracked calls to your observability backend.
//!
//! ```text
//! OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:6006 OTEL_SERVICE_NAME=rag-demo \
//!     cargo run --example export
//! ```
//!
//! Everything is configured by the OpenTelemetry SDK's standard variables
//! (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_PROTOCOL`, `OTEL_EXPORTER_OTLP_HEADERS`,
//! `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, ...). Without an endpoint nothing is exported.
//! `EXPORT_DEMO_ROUNDS` (default 1) repeats the workload, pausing `EXPORT_DEMO_PAUSE_MS` between
//! rounds, and `EXPORT_DEMO_PROVIDER_US` simulates the provider's latency; it prints each round as
//! it starts and, at the end, the p50 and p99 latency of a round, for the fault tests. With
//! `GENOPS_METRICS_ADDR` set it serves Prometheus metrics, and keeps serving them for
//! `EXPORT_DEMO_LINGER_MS` after the workload.

use std::time::Duration;

use genops::Usage;

#[derive(Debug)]
struct ProviderError;

#[genops::track(team = "support", operation = "invoke_workflow", name = "rag.answer", fields(round = i64::from(round)))]
fn rag_answer(round: u32) {
    retrieve();
    let _ = generate(round);
    let _ = generate_fallback();
}

#[genops::track(
    provider = "openai",
    model = "text-embedding-3-small",
    operation = "embeddings"
)]
fn retrieve() {
    genops::record_usage(Usage::new(8_000, 0));
}

#[genops::track(provider = "anthropic", model = "claude-sonnet-4-6", err)]
fn generate(round: u32) -> Result<u32, ProviderError> {
    // The simulated provider call: `EXPORT_DEMO_PROVIDER_US` microseconds of work.
    let work = Duration::from_micros(env_number("EXPORT_DEMO_PROVIDER_US", 0));
    let start = std::time::Instant::now();
    while start.elapsed() < work {
        std::hint::spin_loop();
    }
    genops::record_usage(Usage::new(3_500, 400).cache_read(3_000));
    Ok(round)
}

#[genops::track(
    provider = "openai",
    model = "gpt-4o-mini",
    name = "chat fallback",
    err
)]
fn generate_fallback() -> Result<(), ProviderError> {
    genops::record_usage(Usage::new(100, 0));
    Err(ProviderError)
}

fn env_number(var: &str, default: u64) -> u64 {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let guard = genops::init().log_output(false).install()?;
    let rounds = env_number("EXPORT_DEMO_ROUNDS", 1) as u32;
    let pause = Duration::from_millis(env_number("EXPORT_DEMO_PAUSE_MS", 0));
    let mut latencies = Vec::with_capacity(rounds as usize);
    for round in 0..rounds {
        println!("round {round}");
        let start = std::time::Instant::now();
        rag_answer(round);
        latencies.push(start.elapsed().as_nanos());
        std::thread::sleep(pause);
    }
    latencies.sort_unstable();
    let quantile = |q: usize| {
        latencies
            .get(latencies.len() * q / 100)
            .copied()
            .unwrap_or(0)
    };
    println!("p50_ns={} p99_ns={}", quantile(50), quantile(99));
    let snapshot = guard.ledger().snapshot();
    println!(
        "calls={} cost_picos={}",
        snapshot.total.calls,
        snapshot.total.cost.picos()
    );
    guard.flush();
    if let Some(addr) = guard.metrics_addr() {
        println!("metrics=http://{addr}/metrics");
        std::thread::sleep(Duration::from_millis(env_number(
            "EXPORT_DEMO_LINGER_MS",
            0,
        )));
    }
    println!(
        "exported={} dropped={}",
        guard.exported_spans(),
        guard.dropped_spans()
    );
    Ok(())
}
