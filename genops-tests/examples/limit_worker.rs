//! One replica of a service sharing a token rate limit and the kill switch in Redis with others:
//! `tasks` concurrent tasks make gated calls of about 1,000 tokens for `WORKER_RUN_MS`, and
//! every call is written down as it returns.
//!
//! ```text
//! GENOPS_BUDGET_STORE=redis://127.0.0.1:6379/0 WORKER_LIMIT=search-tpm \
//!   WORKER_RECORDS=/tmp/worker-1.txt cargo run -p genops-tests --features redis --example limit_worker
//! ```
//!
//! Variables: `WORKER_LIMIT` (the limit's name: 20,000 tokens per 2 s, each call holding 1,100;
//! unset, no limit), `WORKER_RECORDS` (the file of records), `WORKER_TASKS` (default 25; odd
//! tasks are team `ads`, even ones the limited team, with `WORKER_TEAMS=both`, else all the
//! limited team), `WORKER_TEAM` (the limited team, default `search`),
//! `WORKER_SEED`, `WORKER_RUN_MS` (how long the tasks go on, default 6,000), `WORKER_WAIT_MS`
//! (the limit waits this long for a call to fit; default 0, no wait), `WORKER_FAIL_MODE` (the
//! limit's fail mode while the store is away: `local`, the default, `closed` or `open`).
//!
//! A call uses 500 input and 400 to 599 output tokens. A record is `admitted <team> <tokens>
//! <before> <start>` (the unix milliseconds at which the call was made, and at which its body
//! began, after admission), `limited <team> <retry-after ms>`, `killed <team> <before>` or
//! `unavailable <team> <before>` (the store is away and the limit fails closed). A limited
//! task sleeps the `retry_after` it was told, then tries again.

use std::fs::File;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use genops::{BudgetStore, FailMode, GovernanceError, RateLimit, Scope, Usage};
use tracing::instrument::WithSubscriber;
use tracing_subscriber::prelude::*;

#[derive(Debug)]
struct Denied(GovernanceError);

impl From<GovernanceError> for Denied {
    fn from(e: GovernanceError) -> Self {
        Denied(e)
    }
}

/// The model's answer takes a few ms, then reports its usage; returns when the body began.
#[genops::track(team = team, provider = "openai", model = "gpt-4o-mini", enforce)]
async fn answer(team: &str, output_tokens: u64) -> Result<u128, Denied> {
    let start = unix_ms();
    tokio::time::sleep(Duration::from_millis(3)).await;
    genops::record_usage(Usage::new(500, output_tokens));
    Ok(start)
}

fn unix_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("a clock after 1970")
        .as_millis()
}

/// xorshift64: reproducible calls per seed.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn main() {
    let store: BudgetStore = var("GENOPS_BUDGET_STORE")
        .expect("GENOPS_BUDGET_STORE names the shared store")
        .parse()
        .expect("a budget store");
    let tasks: u64 = var("WORKER_TASKS").map_or(25, |t| t.parse().expect("a number"));
    let seed: u64 = var("WORKER_SEED").map_or(1, |s| s.parse().expect("a number"));
    let run = Duration::from_millis(var("WORKER_RUN_MS").map_or(6_000, |s| s.parse().expect("ms")));
    let both = var("WORKER_TEAMS").as_deref() == Some("both");
    let wait = Duration::from_millis(var("WORKER_WAIT_MS").map_or(0, |s| s.parse().expect("ms")));
    let limited: &'static str = var("WORKER_TEAM").map_or("search", |t| t.leak());
    let fail_mode = match var("WORKER_FAIL_MODE").as_deref() {
        None | Some("local") => FailMode::Local,
        Some("closed") => FailMode::Closed,
        Some("open") => FailMode::Open { cap: None },
        Some(other) => panic!("WORKER_FAIL_MODE is local, closed or open, not {other}"),
    };
    let records = File::create(var("WORKER_RECORDS").expect("WORKER_RECORDS names a file"))
        .expect("the records file");
    let records = Arc::new(Mutex::new(records));

    // `init()`'s settings: GENOPS_KILL applies, as do the kills already in the store.
    let mut config = genops::init().budget_store(store);
    if let Some(name) = var("WORKER_LIMIT") {
        config = config.rate_limit(
            RateLimit::tokens(20_000)
                .per(Duration::from_secs(2))
                .scope(Scope::team(limited))
                .hold(1_100)
                .wait_up_to(wait)
                .on_store_failure(fail_mode)
                .named(name)
                .enforced(),
        );
    }
    let layer = config.build_layer().expect("a layer");
    let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("a runtime");
    let deadline = Instant::now() + run;
    runtime.block_on(async {
        let handles: Vec<_> = (0..tasks)
            .map(|task| {
                let records = Arc::clone(&records);
                let team = if both && task % 2 == 1 {
                    "ads"
                } else {
                    limited
                };
                let mut state = seed.wrapping_mul(7919).wrapping_add(task * 104_729 + 1);
                tokio::spawn(
                    async move {
                        while Instant::now() < deadline {
                            let output = 400 + next(&mut state) % 200;
                            let before = unix_ms();
                            let result = answer(team, output).await;
                            let (line, pause) = match &result {
                                Ok(start) => (
                                    format!("admitted {team} {} {before} {start}\n", 500 + output),
                                    Duration::ZERO,
                                ),
                                Err(Denied(GovernanceError::RateLimited {
                                    retry_after, ..
                                })) => (
                                    format!("limited {team} {}\n", retry_after.as_millis()),
                                    *retry_after,
                                ),
                                Err(Denied(GovernanceError::Killed { .. })) => (
                                    format!("killed {team} {before}\n"),
                                    Duration::from_millis(20),
                                ),
                                Err(Denied(GovernanceError::StoreUnavailable { .. })) => (
                                    format!("unavailable {team} {before}\n"),
                                    Duration::from_millis(20),
                                ),
                                Err(Denied(other)) => panic!("{other}"),
                            };
                            records
                                .lock()
                                .unwrap()
                                .write_all(line.as_bytes())
                                .expect("a record");
                            tokio::time::sleep(pause).await;
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
    drop(dispatch);
}
