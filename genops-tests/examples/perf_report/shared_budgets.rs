//! Section 7, shared budgets: the latency of a gated call under one hard budget kept in memory
//! and in a local Redis (p50 and p99), with and without leases, and under two hard budgets,
//! two enforced rate limits and the kill check in Redis; the Redis scripts per call; and the
//! calls per second of four processes sharing one budget in Redis. Measured when the
//! report is built with the `redis` feature and `GENOPS_REDIS_URL` names a server; otherwise
//! the section says so.

use std::fmt::Write as _;
use std::time::Instant;

use genops::{Budget, BudgetStore, GenOpsLayer, GovernanceError, RateLimit, Scope, Usd};
use tracing_subscriber::prelude::*;

use crate::plan::{progress, Plan};
use crate::stats::{dist, put_dist, Metrics};
use crate::table::{f, Table};

/// Processes sharing one budget for the calls-per-second figure.
const PROCESSES: usize = 4;
/// Threads making gated calls in each of them.
const THREADS: usize = 4;

#[derive(Debug)]
struct Denied(#[allow(dead_code)] GovernanceError);

impl From<GovernanceError> for Denied {
    fn from(e: GovernanceError) -> Self {
        Denied(e)
    }
}

#[genops::track(team = "perf", provider = "openai", model = "gpt-4o-mini", enforce)]
fn gated() -> Result<(), Denied> {
    genops::record_usage(genops::Usage::new(100, 10));
    Ok(())
}

fn layer(store: BudgetStore, budget: &str) -> GenOpsLayer {
    GenOpsLayer::builder()
        .budget_store(store)
        .budget(Budget::daily(budget, Scope::team("perf"), Usd(1e6)).hard())
        .build()
}

/// A layer under two hard budgets (`budget` and `budget`-all, every call's) and two enforced
/// rate limits (requests and tokens, named after `budget`) that never refuse, in `store`.
fn limited_layer(store: BudgetStore, budget: &str) -> GenOpsLayer {
    GenOpsLayer::builder()
        .budget_store(store)
        .budget(Budget::daily(budget, Scope::team("perf"), Usd(1e6)).hard())
        .budget(Budget::daily(format!("{budget}-all"), Scope::all(), Usd(1e6)).hard())
        .rate_limit(
            RateLimit::requests(1 << 40)
                .per_minute()
                .named(format!("{budget}-requests"))
                .enforced(),
        )
        .rate_limit(
            RateLimit::tokens(1 << 40)
                .per_minute()
                .scope(Scope::team("perf"))
                .named(format!("{budget}-tokens"))
                .enforced(),
        )
        .build()
}

/// The microseconds of each of `calls` gated calls under `layer`.
fn latencies(layer: GenOpsLayer, calls: usize) -> Vec<f64> {
    let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
    tracing::dispatcher::with_default(&dispatch, || {
        (0..calls)
            .map(|_| {
                let start = Instant::now();
                gated().expect("a $1,000,000 budget admits");
                start.elapsed().as_nanos() as f64 / 1e3
            })
            .collect()
    })
}

/// Scripts the Redis server has been asked to run so far (`EVAL`, `EVALSHA`, `SCRIPT`), from
/// `INFO commandstats`: the round trips of reservations and settlements. (The commands the
/// scripts run inside the server count there too, and are left out.)
fn scripts(url: &str) -> f64 {
    let out = std::process::Command::new("redis-cli")
        .args(["-u", url, "INFO", "commandstats"])
        .output()
        .expect("redis-cli (it comes with redis-server)");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with("cmdstat_eval") || l.starts_with("cmdstat_script"))
        .filter_map(|l| {
            l.split("calls=")
                .nth(1)?
                .split(',')
                .next()?
                .parse::<f64>()
                .ok()
        })
        .sum()
}

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    format!("{prefix}-{}-{nanos}", std::process::id())
}

/// The Redis store at `url`, with leases of `lease` USD (none for 0).
fn redis_store(url: &str, lease: f64) -> BudgetStore {
    let store = BudgetStore::redis(url);
    if lease > 0.0 {
        store.lease(Usd(lease))
    } else {
        store
    }
}

/// The slice of the leased figures.
const LEASE_USD: f64 = 1.0;

/// `--shared-budget-child URL BUDGET SECONDS LEASE_USD`: `THREADS` threads make gated calls
/// under the budget in Redis for `SECONDS`, from leases of `LEASE_USD` (none for 0); prints
/// the number of calls.
pub(crate) fn child(url: &str, budget: &str, seconds: f64, lease: f64) {
    let layer = layer(redis_store(url, lease), budget);
    let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
    let until = Instant::now() + std::time::Duration::from_secs_f64(seconds);
    let calls: usize = std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                let dispatch = dispatch.clone();
                s.spawn(move || {
                    tracing::dispatcher::with_default(&dispatch, || {
                        let mut n = 0;
                        while Instant::now() < until {
                            gated().expect("a $1,000,000 budget admits");
                            n += 1;
                        }
                        n
                    })
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a thread"))
            .sum()
    });
    println!("{calls}");
}

pub(crate) fn measure_shared_budgets(plan: &Plan, m: &mut Metrics) {
    let Some(url) = std::env::var("GENOPS_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        return;
    };
    progress("shared budgets: memory and Redis");
    let calls = if plan.quick { 2_000 } else { 20_000 };
    let mut memory = latencies(layer(BudgetStore::memory(), "perf-memory"), calls);
    put_dist(m, "shared.memory", "us", &dist(&mut memory));

    // Two budgets, two limits, and a kill of another team standing in the store, so that
    // each admission checks a kill: the same number of calls, right before the others.
    progress("shared budgets: Redis, budgets, limits and the kill check");
    let budget = unique("perf-limited");
    let limited = limited_layer(redis_store(&url, 0.0), &budget);
    let other = Scope::team(unique("perf-killed"));
    limited
        .kill(other.clone(), "the perf report's kill of another team")
        .expect("the Redis server keeps the kill");
    let before = scripts(&url);
    let mut samples = latencies(limited.clone(), calls);
    let _ = limited.revive(&other);
    drop(limited);
    let after = scripts(&url);
    put_dist(m, "shared.limited", "us", &dist(&mut samples));
    m.insert(
        "shared.limited.ops_per_call".into(),
        (after - before) / calls as f64,
    );

    for (key, lease) in [("redis", 0.0), ("leased", LEASE_USD)] {
        let budget = unique("perf-redis");
        let before = scripts(&url);
        let mut samples = latencies(layer(redis_store(&url, lease), &budget), calls);
        // The layer is gone: its settlements have reached the server.
        let after = scripts(&url);
        put_dist(m, &format!("shared.{key}"), "us", &dist(&mut samples));
        m.insert(
            format!("shared.{key}.ops_per_call"),
            (after - before) / calls as f64,
        );

        progress(&format!("shared budgets: {PROCESSES} processes ({key})"));
        let seconds = if plan.quick { 2.0 } else { 10.0 };
        let exe = std::env::current_exe().expect("the report's own path");
        let budget = unique("perf-processes");
        let start = Instant::now();
        let children: Vec<_> = (0..PROCESSES)
            .map(|_| {
                std::process::Command::new(&exe)
                    .arg("--shared-budget-child")
                    .args([&url, &budget, &seconds.to_string(), &lease.to_string()])
                    .stdout(std::process::Stdio::piped())
                    .spawn()
                    .expect("the report runs itself")
            })
            .collect();
        let total: f64 = children
            .into_iter()
            .map(|c| {
                let out = c.wait_with_output().expect("a child");
                String::from_utf8_lossy(&out.stdout)
                    .trim()
                    .parse::<f64>()
                    .unwrap_or(0.0)
            })
            .sum();
        m.insert(
            format!("shared.{key}.processes_calls_per_s"),
            total / start.elapsed().as_secs_f64(),
        );
    }
}

pub(crate) fn shared_budgets_section(out: &mut String, g: &dyn Fn(&str) -> f64) {
    let _ = writeln!(out, "## 7. Shared budgets\n");
    if g("shared.redis.p50_us").is_nan() {
        let _ = writeln!(
            out,
            "Not measured: build with `--features redis` and set `GENOPS_REDIS_URL` to a Redis \
             server.\n"
        );
        return;
    }
    let _ = writeln!(
        out,
        "A gated call under one hard budget (admission, the call, settlement) on one thread, \
         against a local Redis, with and without leases of ${LEASE_USD:.2} ($0.01 reserved a \
         call), and under two hard budgets, two enforced rate limits (requests and tokens) and \
         a kill of another team standing; then {PROCESSES} processes x {THREADS} threads \
         sharing one budget. The call waits for one script, its admission (kill check, limits \
         and budgets together); the others are its settlements, one per budget and one per \
         limit, sent at close without waiting (a leased call's admission and settlement stay \
         in the process).\n"
    );
    let mut t = Table::new(&[
        "store",
        "p50 (µs)",
        "p99 (µs)",
        "Redis scripts per call",
        "calls/s, 4 processes",
    ]);
    t.row(vec![
        "memory".into(),
        f(g("shared.memory.p50_us"), 2),
        f(g("shared.memory.p99_us"), 2),
        "0".into(),
        "-".into(),
    ]);
    for (key, name) in [
        ("redis", "Redis"),
        ("limited", "Redis, 2 budgets + 2 limits + kill check"),
        ("leased", "Redis, leases"),
    ] {
        let processes = g(&format!("shared.{key}.processes_calls_per_s"));
        t.row(vec![
            name.into(),
            f(g(&format!("shared.{key}.p50_us")), 1),
            f(g(&format!("shared.{key}.p99_us")), 1),
            f(g(&format!("shared.{key}.ops_per_call")), 3),
            if processes.is_nan() {
                "-".into()
            } else {
                f(processes, 0)
            },
        ]);
    }
    let _ = writeln!(out, "{}", t.render());
}
