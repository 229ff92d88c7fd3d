//! The guide's tables, filled in, as markdown.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::load::PHASES;
use crate::modes::{Stack, MODES};
use crate::plan::{Plan, LATENCY_SCALE};
use crate::providers::PROVIDERS;
use crate::stats::{Metrics, Summary};
use crate::table::{f, status, thousands, Table};
use crate::targets::targets;

/// The whole report; `stats` is the already rendered section 4.
pub(crate) fn render(m: &Metrics, plan: &Plan, runs: usize, stats: &str) -> String {
    let g = |k: &str| m.get(k).copied().unwrap_or(f64::NAN);
    let mut out = String::new();
    let _ =
        writeln!(
        out,
        "# genops performance report\n\n{} mode, {} run(s){}. Load average {} at the start, {} at \
         the end{}.\n",
        if plan.quick { "quick" } else { "full" },
        runs,
        if runs > 1 { "; every figure is the mean over the runs" } else { "" },
        f(g("machine.loadavg_start"), 2),
        f(g("machine.loadavg_end"), 2),
        if g("machine.loadavg_start").max(g("machine.loadavg_end")) > 1.5 {
            " (**the machine was busy with other work: timings are noisy**)"
        } else {
            ""
        }
    );
    latency_section(&mut out, &g, plan);
    memory_section(&mut out, &g);
    throughput_section(&mut out, &g);
    crate::streaming::streaming_section(&mut out, &g);
    crate::cardinality::cardinality_section(&mut out, &g);
    crate::shared_budgets::shared_budgets_section(&mut out, &g);
    let _ = writeln!(out, "{stats}");
    load_section(&mut out, &g, plan);
    sla_section(&mut out, m);
    out
}

/// 1. Latency overhead per operation, and the per-provider table.
fn latency_section(out: &mut String, g: &dyn Fn(&str) -> f64, plan: &Plan) {
    let _ = writeln!(out, "## 1. Latency overhead per operation\n");
    let _ = writeln!(
        out,
        "Columns mean to p99: each call timed on its own, the guide's method (clock reads \
         included, about {} ns, the same for the bare call; the clock ticks in 10 ns here). `+ns` \
         and `× bare`: batches of calls, each followed by `lfence` so calls do not overlap, in \
         time-matched slices alternating with the bare call (median of {} rounds of {} slices). \
         The bare call costs {} ns (async: {} ns, awaited on a current-thread runtime).\n",
        f(
            g("latency.genops_layer_priced.bare.p50_ns")
                - g("latency.genops_layer_priced.bare_batch_ns"),
            0
        ),
        plan.rounds,
        plan.slices,
        f(g("latency.genops_layer_priced.bare_batch_ns"), 2),
        f(g("latency.genops_layer_priced_async.bare_batch_ns"), 2),
    );
    let mut t = Table::new(&[
        "instrumentation",
        "mean",
        "stdev",
        "min",
        "max",
        "p50",
        "p95",
        "p99",
        "bare p50",
        "+ns / call",
        "× bare",
    ]);
    for mode in MODES {
        let k = format!("latency.{}", mode.key);
        let v = |s: &str| g(&format!("{k}.{s}"));
        t.row(vec![
            mode.label.into(),
            f(v("mean_ns"), 0),
            f(v("stdev_ns"), 0),
            f(v("min_ns"), 0),
            f(v("max_ns"), 0),
            f(v("p50_ns"), 0),
            f(v("p95_ns"), 0),
            f(v("p99_ns"), 0),
            f(v("bare.p50_ns"), 0),
            f(v("overhead_ns"), 1),
            f(v("ratio"), 2),
        ]);
    }
    let _ = writeln!(out, "{}", t.render());
    let _ = writeln!(
        out,
        "Per span in the 10-deep chains: tracing::instrument +{} ns, genops +{} ns.\n",
        f(g("latency.instrument_chain10_noop.overhead_ns") / 10.0, 0),
        f(g("latency.genops_chain10_priced.overhead_ns") / 10.0, 0)
    );

    let _ = writeln!(
        out,
        "### Provider-specific baselines\n\nSimulated provider calls: the guide's latency ranges \
         divided by {LATENCY_SCALE} (ms → µs), GenOps layer, each call priced. Overhead is the time \
         spent outside the simulated call's body, measured per call; `%` is p95 overhead against \
         the mean base latency, simulated and real (unscaled).\n"
    );
    let mut t = Table::new(&[
        "Provider",
        "Baseline Latency (guide)",
        "simulated base",
        "With GenOps",
        "Overhead mean / p95",
        "Overhead % (simulated)",
        "Overhead % (real)",
    ]);
    for (key, label, lo, hi, _) in PROVIDERS {
        let k = format!("provider.{key}");
        let v = |s: &str| g(&format!("{k}.{s}"));
        t.row(vec![
            format!("**{label}**"),
            format!("{lo:.0}-{hi:.0}ms"),
            format!("{} ms", f(v("base_mean_ms"), 3)),
            format!("{} ms", f(v("tracked_mean_ms"), 3)),
            format!(
                "+{} / {} µs",
                f(v("overhead.mean_us"), 2),
                f(v("overhead.p95_us"), 2)
            ),
            format!("{}%", f(v("overhead_p95_pct_scaled"), 3)),
            format!("{}%", f(v("overhead_p95_pct_real"), 5)),
        ]);
    }
    let _ = writeln!(out, "{}", t.render());
}

/// 2. Memory: bytes and allocations per call, 100 concurrent operations, 1,000,000 calls.
fn memory_section(out: &mut String, g: &dyn Fn(&str) -> f64) {
    let _ = writeln!(out, "## 2. Memory consumption\n");
    let _ = writeln!(
        out,
        "Heap counted by a counting global allocator (every thread, including the OpenTelemetry \
         batch thread and the fastrace collector, which are flushed inside the window).\n"
    );
    let mut t = Table::new(&["instrumentation", "bytes / call", "allocations / call"]);
    for mode in MODES.iter().filter(|m| m.stack != Stack::None) {
        let k = format!("memory.{}", mode.key);
        t.row(vec![
            mode.label.into(),
            f(g(&format!("{k}.bytes_per_call")), 0),
            f(g(&format!("{k}.allocs_per_call")), 2),
        ]);
    }
    let _ = writeln!(out, "{}", t.render());
    let c = |s: &str| g(&format!("memory.concurrent100.{s}"));
    let mut t = Table::new(&[
        "Concurrent Operations (100 operations)",
        "guide",
        "measured",
    ]);
    t.row(vec![
        "**Base memory** (RSS)".into(),
        "~1-5MB".into(),
        format!("{} MB", f(c("base_rss_mb"), 1)),
    ]);
    t.row(vec![
        "**Peak memory** (heap growth, 100 tracked calls in flight)".into(),
        "~8-15MB".into(),
        format!(
            "{} KB ({} KB untracked; genops {} B per op)",
            f(c("tracked_peak_growth_bytes") / 1024.0, 1),
            f(c("bare_peak_growth_bytes") / 1024.0, 1),
            f(c("genops_bytes_per_op"), 0)
        ),
    ]);
    t.row(vec![
        "**Memory cleanup**".into(),
        "95%+ freed after completion".into(),
        format!(
            "{}% freed ({} B left)",
            f(c("freed_pct"), 2),
            f(c("retained_bytes"), 0)
        ),
    ]);
    let _ = writeln!(out, "{}", t.render());
    let mm = |s: &str| g(&format!("memory.million.{s}"));
    let mut t = Table::new(&["1,000,000 tracked priced calls", "measured"]);
    t.row(vec![
        "RSS before".into(),
        format!("{} MB", f(mm("rss_before_mb"), 2)),
    ]);
    t.row(vec![
        "RSS after".into(),
        format!(
            "{} MB ({} KB growth)",
            f(mm("rss_after_mb"), 2),
            f(mm("rss_growth_kb"), 0)
        ),
    ]);
    t.row(vec![
        "heap allocated during the calls".into(),
        format!(
            "{} MB in {} allocations",
            f(mm("allocated_mb"), 1),
            thousands(mm("allocs"))
        ),
    ]);
    t.row(vec![
        "heap retained after the calls".into(),
        format!("{} B", f(mm("retained_bytes"), 0)),
    ]);
    t.row(vec![
        "share freed".into(),
        format!("{}%", f(mm("freed_pct"), 4)),
    ]);
    t.row(vec!["time".into(), format!("{} s", f(mm("seconds"), 2))]);
    let _ = writeln!(out, "{}", t.render());
}

/// 3. Throughput: instrumentation-bound and provider-bound, and the ledger checks.
fn throughput_section(out: &mut String, g: &dyn Fn(&str) -> f64) {
    let _ = writeln!(out, "## 3. Throughput\n");
    let _ = writeln!(
        out,
        "Instrumentation-bound, the guide's method as written (the operation is the tracked \
         priced call itself, nothing else): what the layer sustains.\n"
    );
    let mut t = Table::new(&["workers", "uninstrumented ops/s", "genops ops/s", "impact"]);
    for (kind, list) in [
        ("threads", &[1usize, 2, 10, 50][..]),
        ("tasks", &[1usize, 10, 50][..]),
    ] {
        for w in list {
            let k = format!("throughput.cpu.{kind}.{w}");
            t.row(vec![
                format!(
                    "{w} {}",
                    if kind == "tasks" {
                        "tokio tasks (multi-thread)"
                    } else {
                        "threads"
                    }
                ),
                thousands(g(&format!("{k}.bare_ops_s"))),
                thousands(g(&format!("{k}.genops_ops_s"))),
                format!("{}%", f(g(&format!("{k}.impact_pct")), 1)),
            ]);
        }
    }
    let _ = writeln!(out, "{}", t.render());
    let _ = writeln!(
        out,
        "2 threads / 1 thread: {}× (in the same run: uninstrumented {}×, what the two vCPUs \
         gave at that moment; `#[tracing::instrument]` on the same Registry {}×, how the span \
         store itself scales: its per-thread span stacks sit side by side and share cache \
         lines once the main thread has used it).\n\nProvider-bound (each operation a \
         simulated OpenAI call, 500-2000 ms / {LATENCY_SCALE}), the guide's throughput \
         characteristics:\n",
        f(g("throughput.cpu.scaling_2_threads"), 2),
        f(g("throughput.cpu.bare_scaling_2_threads"), 2),
        f(g("throughput.cpu.instrument_scaling_2_threads"), 2)
    );
    let mut t = Table::new(&[
        "Operations per Second",
        "guide",
        "workers",
        "uninstrumented",
        "genops",
        "impact (simulated)",
        "added per call",
        "impact (real latency)",
    ]);
    for (label, guide, w) in [
        ("**Single-threaded**", "50-200 ops/sec", 1),
        ("**Multi-threaded (10 workers)**", "200-800 ops/sec", 10),
        ("**High-concurrency (50+ workers)**", "500-2000 ops/sec", 50),
    ] {
        for kind in ["threads", "tasks"] {
            let k = format!("throughput.provider.{kind}.{w}");
            t.row(vec![
                label.into(),
                guide.into(),
                format!("{w} {kind}"),
                thousands(g(&format!("{k}.bare_ops_s"))),
                thousands(g(&format!("{k}.genops_ops_s"))),
                format!("{}%", f(g(&format!("{k}.impact_pct")), 2)),
                format!("{} µs", f(g(&format!("{k}.added_us_per_op")), 1)),
                format!("{}%", f(g(&format!("{k}.impact_real_pct")), 4)),
            ]);
        }
    }
    let _ = writeln!(out, "{}", t.render());
    let _ = writeln!(
        out,
        "Ledger: {} checks over {} tracked calls, {} failed (calls and pico-dollars compared \
         exactly).\n",
        thousands(g("errors.ledger_checks")),
        thousands(g("errors.checked_calls")),
        thousands(g("errors.failed_ledger_checks"))
    );
}

/// 5. Realistic load: latency, overhead and cost per phase of the bursty profile.
fn load_section(out: &mut String, g: &dyn Fn(&str) -> f64, plan: &Plan) {
    let _ = writeln!(out, "## 5. Realistic load\n");
    let _ = writeln!(
        out,
        "The guide's mix (chat 0.6 × ~100 tokens, completion 0.3 × ~200, embedding 0.1 × ~50; \
         tokens ±50%) at {} ops/s base, Poisson arrivals, each 60-minute period compressed to {} s; \
         chat and completion take 500-2000 ms / {LATENCY_SCALE}, embeddings 50-200 ms / \
         {LATENCY_SCALE}. Latency is the whole call; overhead is the instrumentation's share.\n",
        plan.base_rate,
        f(plan.phase.as_secs_f64(), 1)
    );
    let mut t = Table::new(&[
        "period",
        "load",
        "ops (chat/compl/emb)",
        "ops/s",
        "latency p50 / p95 / p99 (ms)",
        "overhead p50 / p95 / p99 (µs)",
        "cost (USD)",
        "ledger exact",
    ]);
    for (phase, _) in PHASES {
        let k = format!("load.{phase}");
        let v = |s: &str| g(&format!("{k}.{s}"));
        t.row(vec![
            phase.into(),
            format!("×{}", v("multiplier")),
            format!(
                "{} ({}/{}/{})",
                thousands(v("ops")),
                thousands(v("ops_chat")),
                thousands(v("ops_completion")),
                thousands(v("ops_embedding"))
            ),
            f(v("achieved_ops_s"), 0),
            format!(
                "{} / {} / {}",
                f(v("latency.p50_ms"), 3),
                f(v("latency.p95_ms"), 3),
                f(v("latency.p99_ms"), 3)
            ),
            format!(
                "{} / {} / {}",
                f(v("overhead.p50_us"), 2),
                f(v("overhead.p95_us"), 2),
                f(v("overhead.p99_us"), 2)
            ),
            format!("${}", f(v("cost_usd"), 6)),
            if v("ledger_exact") >= 1.0 {
                "yes".into()
            } else {
                "NO".into()
            },
        ]);
    }
    let _ = writeln!(out, "{}", t.render());
}

/// 6. The guide's SLA table and genops's own targets, with PASS/FAIL.
fn sla_section(out: &mut String, m: &Metrics) {
    let _ = writeln!(out, "## 6. Performance SLAs and targets\n");
    let mut t = Table::new(&["source", "metric", "target", "measured", "status"]);
    for target in targets(m) {
        t.row(vec![
            target.source.into(),
            target.name,
            target.target,
            target.measured,
            status(target.pass),
        ]);
    }
    let _ = writeln!(out, "{}", t.render());
}

/// The statistics table of `--runs N` (the guide's `run_benchmark_suite`).
pub(crate) fn render_stats(summary: &BTreeMap<String, Summary>, runs: usize) -> String {
    let keys: &[(&str, &str)] = &[
        (
            "latency.genops_nosub.overhead_ns",
            "genops, no subscriber (+ns)",
        ),
        (
            "latency.instrument_nosub.overhead_ns",
            "instrument, no subscriber (+ns)",
        ),
        (
            "latency.instrument_noop.overhead_ns",
            "instrument + Registry + no-op (+ns)",
        ),
        (
            "latency.genops_layer_priced.overhead_ns",
            "genops layer, priced (+ns)",
        ),
        (
            "latency.genops_layer_priced.mean_ns",
            "mean_latency: genops layer, priced (ns)",
        ),
        (
            "latency.genops_layer_priced.p95_ns",
            "p95 latency: genops layer, priced (ns)",
        ),
        (
            "latency.instrument_otel.overhead_ns",
            "instrument + OTel (+ns)",
        ),
        (
            "latency.genops_otel_priced.overhead_ns",
            "genops + OTel, priced (+ns)",
        ),
        (
            "latency.genops_chain10_priced.overhead_ns",
            "10-deep genops chain (+ns)",
        ),
        (
            "provider.openai.overhead.p95_us",
            "OpenAI simulated: p95 overhead (µs)",
        ),
        (
            "memory.genops_layer_priced.bytes_per_call",
            "memory_usage: bytes per call",
        ),
        (
            "memory.genops_layer_priced.allocs_per_call",
            "allocations per call",
        ),
        (
            "memory.concurrent100.genops_bytes_per_op",
            "bytes per in-flight op",
        ),
        ("memory.million.freed_pct", "freed after 1M calls (%)"),
        (
            "memory.million.rss_growth_kb",
            "RSS growth over 1M calls (KB)",
        ),
        (
            "throughput.cpu.threads.1.genops_ops_s",
            "throughput: 1 thread (ops/s)",
        ),
        (
            "throughput.cpu.threads.2.genops_ops_s",
            "throughput: 2 threads (ops/s)",
        ),
        ("throughput.cpu.scaling_2_threads", "2 threads / 1 thread"),
        (
            "throughput.provider.threads.10.impact_pct",
            "provider-bound impact, 10 threads (%)",
        ),
        (
            "throughput.provider.tasks.50.impact_pct",
            "provider-bound impact, 50 tasks (%)",
        ),
        (
            "load.9am-12pm.overhead.p95_us",
            "load ×2.0: p95 overhead (µs)",
        ),
        ("errors.rate_pct", "error rate (%)"),
    ];
    let mut t = Table::new(&[
        "metric",
        "mean",
        "std_dev",
        "min",
        "max",
        "confidence_95 (±)",
    ]);
    for (key, label) in keys {
        if let Some(s) = summary.get(*key) {
            t.row(vec![
                (*label).into(),
                f(s.mean, 2),
                f(s.std_dev, 2),
                f(s.min, 2),
                f(s.max, 2),
                f(s.confidence_95, 2),
            ]);
        }
    }
    format!(
        "## 4. Statistics over {runs} runs\n\nEach run in a fresh process; 95% CI = 1.96 × \
         stdev / √runs. Every metric is in the JSON.\n\n{}",
        t.render()
    )
}
