//! The shape of a real async service: `genops::init()` inside `#[tokio::main]`, tracked calls on
//! the runtime's tasks, and the guard flushing on the way out. Runs offline.
//!
//! ```text
//! cargo run --example service
//! ```
//!
//! With `OTEL_EXPORTER_OTLP_ENDPOINT` set, the same program exports its spans; with
//! `GENOPS_METRICS_ADDR=127.0.0.1:9464` it serves Prometheus metrics while it runs.

use std::time::Duration;

use genops::{GovernanceError, Usage};

#[derive(Debug)]
enum AppError {
    Denied(GovernanceError),
}

impl From<GovernanceError> for AppError {
    fn from(e: GovernanceError) -> Self {
        AppError::Denied(e)
    }
}

/// A provider call: `err` records a failure as `error.type`; the usage comes from the response.
#[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini", err)]
async fn answer(question: &str) -> Result<String, AppError> {
    tokio::time::sleep(Duration::from_millis(5)).await; // the provider's latency
    genops::record_usage(Usage::new(1_200, 300).cache_read(1_000));
    Ok(format!("answer to {question:?}"))
}

#[tokio::main]
async fn main() -> Result<(), genops::InitError> {
    // One call at startup; an error here prints as a readable message from `main`.
    let guard = genops::init().service_name("search-api").install()?;

    // Requests handled concurrently on the runtime's tasks.
    let handles: Vec<_> = ["what is genops?", "how do budgets work?", "who pays?"]
        .into_iter()
        .map(|q| tokio::spawn(answer(q)))
        .collect();
    for handle in handles {
        match handle.await.expect("the task") {
            Ok(text) => println!("{text}"),
            Err(AppError::Denied(e)) => println!("denied: {e}"),
        }
    }

    println!("\n{}", guard.ledger().snapshot());
    // Dropping the guard inside the runtime is fine: it flushes within its shutdown timeout.
    drop(guard);
    Ok(())
}
