//! One replica of a service sharing a hard budget in Redis with others: `tasks` concurrent tasks
//! make gated calls until the budget denies them, and every call is written down as it ends.
//!
//! ```text
//! GENOPS_BUDGET_STORE=redis://127.0.0.1:6379/0 WORKER_BUDGET=team-daily \
//!   WORKER_RECORDS=/tmp/worker-1.txt cargo run -p genops-tests --features redis --example budget_worker
//! ```
//!
//! Variables: `WORKER_BUDGET` (the budget's name, $1 a day, hard, $0.01 reserved a call),
//! `WORKER_RECORDS` (the file of records), `WORKER_TASKS` (default 25), `WORKER_SEED`,
//! `WORKER_HOLD_MS` (the store's hold timeout), `WORKER_ADMISSION_MS` (its admission timeout), `WORKER_FAIL` (`closed`, `local` or `open`),
//! `WORKER_OPEN_CAP_USD` (the cap of `open`; none without), `WORKER_LEASE_USD` (admit from local
//! leases of this slice), `WORKER_CALL_MS` (a call's work takes this to 6 times this, default 2).
//!
//! Each call is `gpt-4o-mini` with 10,000 input tokens and 1,000 to 13,999 output tokens: at
//! $0.15 and $0.60 a million, between $0.0021 and $0.0099. A record is `admitted <nano-dollars>
//! <start> <end>` (the unix milliseconds at which the admitted call began and finished its
//! work) or `denied`, one line per call, written when the call returns.

#[path = "support/worker.rs"]
mod worker;

use std::fs::File;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use genops::{Budget, BudgetStore, FailMode, GenOpsLayer, GovernanceError, Scope, Usage, Usd};
use tracing::instrument::WithSubscriber;
use tracing_subscriber::prelude::*;
use worker::{next, var};

#[derive(Debug)]
struct Denied(#[allow(dead_code)] GovernanceError);

impl From<GovernanceError> for Denied {
    fn from(e: GovernanceError) -> Self {
        Denied(e)
    }
}

/// The model's answer takes `ms`, then reports its usage; returns when the admitted call began
/// and finished its work, in unix milliseconds.
#[genops::track(
    team = "ground-truth",
    provider = "openai",
    model = "gpt-4o-mini",
    enforce
)]
async fn answer(output_tokens: u64, ms: u64) -> Result<(u128, u128), Denied> {
    let start = unix_ms();
    tokio::time::sleep(Duration::from_millis(ms)).await;
    genops::record_usage(Usage::new(10_000, output_tokens));
    Ok((start, unix_ms()))
}

fn unix_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("a clock after 1970")
        .as_millis()
}

/// The price of a call, worked out here from the published rates, in nano-dollars.
fn nanos(output_tokens: u64) -> u64 {
    // $0.15 per million input tokens = 150 nano-dollars a token; $0.60 = 600.
    10_000 * 150 + output_tokens * 600
}

fn main() {
    let store: BudgetStore = var("GENOPS_BUDGET_STORE")
        .expect("GENOPS_BUDGET_STORE names the shared store")
        .parse()
        .expect("a budget store");
    let store = match var("WORKER_HOLD_MS") {
        Some(ms) => store.hold_timeout(Duration::from_millis(ms.parse().expect("ms"))),
        None => store,
    };
    let store = match var("WORKER_ADMISSION_MS") {
        Some(ms) => store.admission_timeout(Duration::from_millis(ms.parse().expect("ms"))),
        None => store,
    };
    let store = match var("WORKER_LEASE_USD") {
        Some(usd) => store.lease(Usd(usd.parse().expect("USD"))),
        None => store,
    };
    let name = var("WORKER_BUDGET").expect("WORKER_BUDGET names the budget");
    let fail = match var("WORKER_FAIL").as_deref() {
        Some("closed") => FailMode::Closed,
        Some("open") => FailMode::Open {
            cap: var("WORKER_OPEN_CAP_USD").map(|usd| Usd(usd.parse().expect("USD"))),
        },
        _ => FailMode::Local,
    };
    let tasks: u64 = var("WORKER_TASKS").map_or(25, |t| t.parse().expect("a number"));
    let seed: u64 = var("WORKER_SEED").map_or(1, |s| s.parse().expect("a number"));
    let call_ms: u64 = var("WORKER_CALL_MS").map_or(2, |s| s.parse().expect("a number"));
    let records = File::create(var("WORKER_RECORDS").expect("WORKER_RECORDS names a file"))
        .expect("the records file");
    let records = Arc::new(Mutex::new(records));

    let layer = GenOpsLayer::builder()
        .budget_store(store)
        .budget(
            Budget::daily(name, Scope::team("ground-truth"), Usd(1.0))
                .reservation(Usd(0.01))
                .on_store_failure(fail)
                .hard(),
        )
        .build();
    let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let handles: Vec<_> = (0..tasks)
            .map(|task| {
                let records = Arc::clone(&records);
                let mut state = seed.wrapping_mul(7919).wrapping_add(task * 104_729 + 1);
                tokio::spawn(
                    async move {
                        loop {
                            let output = 1_000 + next(&mut state) % 13_000;
                            let ms = call_ms + next(&mut state) % (5 * call_ms);
                            let result = answer(output, ms).await;
                            let line = match &result {
                                Ok((start, end)) => {
                                    format!("admitted {} {start} {end}\n", nanos(output))
                                }
                                Err(_) => "denied\n".to_owned(),
                            };
                            // Written as the call returns, so a killed process leaves its
                            // finished calls behind.
                            let mut file = records.lock().unwrap();
                            file.write_all(line.as_bytes()).expect("a record");
                            drop(file);
                            if result.is_err() {
                                break;
                            }
                        }
                    }
                    .with_subscriber(dispatch.clone()),
                )
            })
            .collect();
        for handle in handles {
            handle.await.expect("a task");
        }
    });
    drop(runtime);
    // The last subscriber goes, and with it the layer: its settlements reach the store first.
    drop(dispatch);
}
