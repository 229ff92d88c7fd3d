//! The performance benchmarking guide's methods, run against genops, with its tables filled in.
//!
//! ```text
//! cargo run --release -p genops-tests --example perf_report -- [--quick] [--runs N] [--json out.json]
//!                                                             [--baseline report.json|dir] [--tolerance 0.15]
//!                                                             [--instructions] [--count-tolerance 0.05]
//!                                                             [--shared-budgets]
//! ```
//!
//! 1. Latency: per-call overhead of each instrumentation mode (mean, stdev, min, max, p50, p95,
//!    p99), each against a bare call timed in the same run; then the guide's per-provider table
//!    with simulated provider latencies (the guide's ranges, scaled down by `LATENCY_SCALE`).
//! 2. Memory: bytes and allocations per call (a counting global allocator), peak growth over
//!    100 concurrent operations, RSS before and after 1,000,000 operations and the share freed.
//! 3. Throughput: ops/s at 1, 10 and 50 workers (threads, and tokio tasks on a multi-thread
//!    runtime), the impact against uninstrumented workers, and the ledger checked exact.
//! 4. Statistics: `--runs N` repeats everything in N fresh processes (the guide's
//!    `run_benchmark_suite`) and prints mean, stdev and the 95% CI of every metric.
//! 5. Realistic load: the guide's operation mix under its bursty profile, time-compressed.
//! 6. The guide's SLA table and genops's own targets, with PASS/FAIL.
//! 7. Shared budgets: a gated call's p50/p99 with its budget in memory and in Redis, and under
//!    two budgets, two rate limits and the kill check in Redis, Redis operations per call,
//!    calls/s of 4 processes sharing a budget (with `--features redis` and `GENOPS_REDIS_URL`;
//!    `--shared-budgets` measures and prints this section only).
//! 8. With `--instructions`: instructions per call of every gated mode and of the bare calls,
//!    counted by callgrind (valgrind must be installed), which do not move with the machine's
//!    load.
//!
//! `--json` writes every figure with the machine and git revision. `--baseline` compares the
//! timed ratios to the bare call of the same run (never absolute times), the instruction ratios
//! and the allocation counts of the modes that run genops code with a saved report, and exits 1
//! listing every regression: a timed ratio beyond `--tolerance` (that also grows by at least one
//! bare call), a count beyond `--count-tolerance`. With `--runs N`, each timed gate figure is its
//! best run's. Its argument is a
//! report, or a directory of them, one per kind of machine: the one measured on this machine's
//! CPU model is used, since ratios to a bare call still differ between CPU models; with none, a
//! figure must regress against all of them. The anchors (`tracing::instrument`, fastrace) and
//! the OpenTelemetry modes are reported but not gated: the anchors run no genops code, and the
//! OpenTelemetry cost rides on a background thread sharing the cores. `--quick` takes about
//! 20 s on 2 cores; `--instructions` adds about a minute.
//!
//! CI: `cargo run --release -p genops-tests --example perf_report -- --quick --runs 3 --instructions \
//!      --baseline perf/baselines --tolerance 1.0`
//!
//! `--profile MODE CALLS` runs only one mode, for `valgrind --tool=callgrind`.

mod baseline;
mod books;
mod cardinality;
mod heap;
mod instructions;
mod latency;
mod load;
mod machine;
mod memory;
mod modes;
mod plan;
mod providers;
mod render;
mod shared_budgets;
mod stats;
mod streaming;
mod table;
mod targets;
mod throughput;

use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::Instant;

use serde_json::{json, Value};

#[path = "../../benches/common/mod.rs"]
mod common;

use common::genops_dispatch;
use machine::machine;
use render::render;
use targets::targets;

use crate::baseline::{check_regressions, Tolerance};
use crate::books::Books;
use crate::instructions::{counted_batch, measure_instructions, render_instructions};
use crate::latency::measure_latency;
use crate::load::measure_load;
use crate::machine::{git_dirty, git_revision, loadavg};
use crate::memory::measure_memory;
use crate::modes::{find_mode, in_dispatch, run_batch, Ctx, BARE, MODES};
use crate::plan::{progress, Plan, LATENCY_SCALE};
use crate::providers::measure_providers;
use crate::render::render_stats;
use crate::shared_budgets::measure_shared_budgets;
use crate::stats::{summarise, Metrics};
use crate::streaming::measure_streaming;
use crate::targets::gate;
use crate::throughput::measure_throughput;

struct Options {
    quick: bool,
    runs: usize,
    json: Option<PathBuf>,
    baseline: Option<PathBuf>,
    tolerance: f64,
    count_tolerance: f64,
    instructions: bool,
    child_out: Option<PathBuf>,
    profile: Option<(String, u64)>,
    shared_budget_child: Option<(String, String, f64, f64)>,
    /// `--shared-budgets`: measure and print section 7 only.
    shared_budgets: bool,
}

const USAGE_TEXT: &str = "usage: perf_report [--quick] [--runs N] [--json out.json] \
                          [--baseline report.json|dir] [--tolerance 0.15] \
                          [--instructions] [--count-tolerance 0.05] [--shared-budgets]";

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        quick: false,
        runs: 1,
        json: None,
        baseline: None,
        tolerance: 0.15,
        count_tolerance: 0.05,
        instructions: false,
        child_out: None,
        profile: None,
        shared_budget_child: None,
        shared_budgets: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--quick" => options.quick = true,
            "--runs" => {
                options.runs = value("--runs")?
                    .parse()
                    .map_err(|e| format!("--runs: {e}"))?;
                if options.runs == 0 {
                    return Err("--runs must be at least 1".into());
                }
            }
            "--json" => options.json = Some(value("--json")?.into()),
            "--baseline" => options.baseline = Some(value("--baseline")?.into()),
            "--tolerance" => {
                options.tolerance = value("--tolerance")?
                    .parse()
                    .map_err(|e| format!("--tolerance: {e}"))?;
            }
            "--count-tolerance" => {
                options.count_tolerance = value("--count-tolerance")?
                    .parse()
                    .map_err(|e| format!("--count-tolerance: {e}"))?;
            }
            "--instructions" => options.instructions = true,
            "--child-out" => options.child_out = Some(value("--child-out")?.into()),
            "--profile" => {
                let key = value("--profile")?;
                let calls = value("--profile")?
                    .parse()
                    .map_err(|e| format!("--profile MODE CALLS: {e}"))?;
                options.profile = Some((key, calls));
            }
            "--shared-budget-child" => {
                let url = value("--shared-budget-child")?;
                let budget = value("--shared-budget-child")?;
                let mut number = || {
                    value("--shared-budget-child")?.parse().map_err(|e| {
                        format!("--shared-budget-child URL BUDGET SECONDS LEASE_USD: {e}")
                    })
                };
                let seconds = number()?;
                let lease = number()?;
                options.shared_budget_child = Some((url, budget, seconds, lease));
            }
            "--shared-budgets" => options.shared_budgets = true,
            "--bench" => {} // passed by `cargo bench`-style runners; nothing to do
            "-h" | "--help" => return Err(USAGE_TEXT.into()),
            other => return Err(format!("unknown argument {other}\n{USAGE_TEXT}")),
        }
    }
    Ok(options)
}

fn run_once(plan: &Plan) -> Metrics {
    let mut m = Metrics::new();
    let mut books = Books::default();
    let mut ctx = Ctx::new();
    let started = Instant::now();
    m.insert("machine.loadavg_start".into(), loadavg());
    measure_latency(&mut ctx, plan, &mut m);
    measure_providers(&ctx, plan, &mut m);
    measure_memory(&ctx, plan, &mut m, &mut books);
    measure_streaming(&ctx, plan, &mut m);
    crate::cardinality::measure_cardinality(plan, &mut m);
    if cfg!(feature = "redis") {
        measure_shared_budgets(plan, &mut m);
    }
    // From here on the GenOps layer is the global default, as `genops::init()` installs it.
    let (global, ledger) = genops_dispatch();
    if tracing::dispatcher::set_global_default(global).is_err() {
        panic!("the report sets the global dispatcher once per process");
    }
    measure_throughput(plan, &ledger, &mut m, &mut books);
    measure_load(plan, &ledger, &mut m, &mut books);
    m.insert("errors.checked_calls".into(), books.checked as f64);
    m.insert("errors.misbooked_calls".into(), books.misbooked as f64);
    m.insert(
        "errors.unknown_or_error_calls".into(),
        books.unknown_or_error as f64,
    );
    m.insert("errors.ledger_checks".into(), books.checks as f64);
    m.insert(
        "errors.failed_ledger_checks".into(),
        books.failed_checks as f64,
    );
    m.insert(
        "errors.rate_pct".into(),
        (books.misbooked + books.unknown_or_error) as f64 / books.checked.max(1) as f64 * 100.0,
    );
    m.insert("run.seconds".into(), started.elapsed().as_secs_f64());
    m.insert("machine.loadavg_end".into(), loadavg());
    m
}

/// `--profile MODE CALLS`: only `CALLS` calls of one mode (or of `bare` or `bare_async`), after
/// 1,000 to warm up, for a profiler:
///
/// ```text
/// valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*counted_batch*' \
///     target/release/examples/perf_report --profile genops_layer_priced 100000
/// ```
fn profile(key: &str, calls: u64) -> ExitCode {
    let Some(mode) = find_mode(key) else {
        let keys: Vec<&str> = MODES.iter().chain(BARE).map(|m| m.key).collect();
        eprintln!("unknown mode {key}; one of: {}", keys.join(", "));
        return ExitCode::from(2);
    };
    let mut ctx = Ctx::new();
    ctx.prepare(mode.stack);
    let dispatch = ctx.dispatch(mode.stack);
    in_dispatch(dispatch, || run_batch(&ctx.rt, mode.body, 1_000));
    let started = Instant::now();
    in_dispatch(dispatch, || counted_batch(&ctx.rt, mode.body, calls));
    let elapsed = started.elapsed();
    ctx.drain(mode.stack);
    println!(
        "{key}: {calls} calls, {:.1} ns per call",
        elapsed.as_nanos() as f64 / calls as f64
    );
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let options = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let plan = Plan::new(options.quick);

    if let Some((key, calls)) = &options.profile {
        return profile(key, *calls);
    }
    if let Some((url, budget, seconds, lease)) = &options.shared_budget_child {
        shared_budgets::child(url, budget, *seconds, *lease);
        return ExitCode::SUCCESS;
    }

    if options.shared_budgets {
        let mut m = Metrics::new();
        measure_shared_budgets(&plan, &mut m);
        let mut out = String::new();
        shared_budgets::shared_budgets_section(&mut out, &|k| {
            m.get(k).copied().unwrap_or(f64::NAN)
        });
        print!("{out}");
        return ExitCode::SUCCESS;
    }

    if let Some(out) = &options.child_out {
        let metrics = run_once(&plan);
        let text = serde_json::to_string(&metrics).expect("metrics serialise");
        if let Err(e) = std::fs::write(out, text) {
            eprintln!("cannot write {}: {e}", out.display());
            return ExitCode::from(2);
        }
        return ExitCode::SUCCESS;
    }

    let started = Instant::now();
    let runs: Vec<Metrics> = if options.runs == 1 {
        vec![run_once(&plan)]
    } else {
        let exe = std::env::current_exe().expect("the report's own path");
        let dir = std::env::temp_dir();
        let mut runs = Vec::new();
        for i in 0..options.runs {
            progress(&format!(
                "run {}/{} in a fresh process",
                i + 1,
                options.runs
            ));
            let out = dir.join(format!("genops-perf-{}-{i}.json", std::process::id()));
            let mut cmd = Command::new(&exe);
            cmd.arg("--child-out").arg(&out);
            if options.quick {
                cmd.arg("--quick");
            }
            match cmd.status() {
                Ok(s) if s.success() => {}
                other => {
                    eprintln!("run {} failed: {other:?}", i + 1);
                    return ExitCode::from(2);
                }
            }
            let text = std::fs::read_to_string(&out).expect("the run's figures");
            let _ = std::fs::remove_file(&out);
            runs.push(serde_json::from_str(&text).expect("the run's figures parse"));
        }
        runs
    };
    let summary = summarise(&runs);
    let mut means: Metrics = summary.iter().map(|(k, s)| (k.clone(), s.mean)).collect();
    // The gate takes each timed figure from its best run: on a shared machine noise only ever
    // adds time, so the least disturbed of N fresh processes is the steadiest measure, and a real
    // regression raises every run. (Gate figures are all lower-is-better.)
    let mut best: Metrics = summary.iter().map(|(k, s)| (k.clone(), s.min)).collect();
    // Instruction counts are the same in every process, so they are counted once, here.
    let mut counted = Metrics::new();
    if options.instructions {
        if let Err(e) = measure_instructions(&mut counted) {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
        means.extend(counted.clone());
        best.extend(counted.clone());
    }

    let stats = if runs.len() > 1 {
        render_stats(&summary, runs.len())
    } else {
        "## 4. Statistics\n\nOne run: pass `--runs N` for mean, stdev and 95% CI over N fresh \
         processes.\n"
            .to_owned()
    };
    println!("{}", render(&means, &plan, runs.len(), &stats));
    if options.instructions {
        println!("{}", render_instructions(&counted));
    }
    let machine = machine();
    let revision = git_revision();
    println!(
        "Machine: {} cores, {}; git {}{}; {:.1} s.\n\nReproduce: `cargo run --release -p genops-tests \
         --example perf_report --{}{}`\n",
        machine["cores"],
        machine["cpu_model"].as_str().unwrap_or("unknown"),
        revision,
        if git_dirty() == Some(true) {
            " with uncommitted changes"
        } else {
            ""
        },
        started.elapsed().as_secs_f64(),
        if plan.quick { " --quick" } else { "" },
        if runs.len() > 1 {
            format!(" --runs {}", runs.len())
        } else {
            String::new()
        },
    );

    let gate_now = gate(&best);
    let target_list = targets(&means);
    if let Some(path) = &options.json {
        let report = json!({
            "tool": "genops perf_report",
            "schema": 1,
            "machine": machine,
            "git_revision": revision,
            "git_dirty": git_dirty(),
            "config": {
                "quick": plan.quick,
                "runs": runs.len(),
                "latency_scale": LATENCY_SCALE,
                "rounds": plan.rounds,
                "samples_per_mode": plan.samples,
                "provider_calls": plan.provider_calls,
                "million_ops": plan.million,
                "load_base_ops_s": plan.base_rate,
                "load_phase_seconds": plan.phase.as_secs_f64(),
            },
            "gate": gate_now,
            "targets": target_list.iter().map(|t| json!({
                "source": t.source,
                "metric": t.name,
                "target": t.target,
                "measured": t.measured,
                "pass": t.pass,
            })).collect::<Vec<_>>(),
            "metrics": means,
            "summary": summary.iter().map(|(k, s)| (k.clone(), json!({
                "mean": s.mean,
                "std_dev": if s.std_dev.is_nan() { Value::Null } else { json!(s.std_dev) },
                "min": s.min,
                "max": s.max,
                "confidence_95": if s.confidence_95.is_nan() { Value::Null } else { json!(s.confidence_95) },
            }))).collect::<serde_json::Map<_, _>>(),
            "runs": runs,
        });
        let text = serde_json::to_string_pretty(&report).expect("report serialises");
        if let Err(e) = std::fs::write(path, text + "\n") {
            eprintln!("cannot write {}: {e}", path.display());
            return ExitCode::from(2);
        }
        progress(&format!("wrote {}", path.display()));
    }

    if let Some(baseline) = &options.baseline {
        let tolerance = Tolerance {
            time: options.tolerance,
            count: options.count_tolerance,
        };
        match check_regressions(baseline, &machine, &gate_now, tolerance) {
            Ok(regressions) if regressions.is_empty() => {
                println!("No performance regression beyond the tolerance.");
            }
            Ok(regressions) => {
                println!("Performance regressions detected:");
                for r in &regressions {
                    println!("   {r}");
                }
                return ExitCode::from(1);
            }
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        }
    }
    ExitCode::SUCCESS
}
