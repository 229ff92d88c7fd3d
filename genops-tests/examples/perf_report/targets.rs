//! The guide's SLAs and the genops targets, checked; and the figures the regression gate compares.

use std::collections::BTreeMap;

use crate::modes::{Mode, Stack, MODES};
use crate::providers::PROVIDERS;
use crate::stats::Metrics;
use crate::table::{f, thousands};

/// One checked target.
pub(crate) struct Target {
    pub(crate) source: &'static str,
    pub(crate) name: String,
    pub(crate) target: String,
    pub(crate) measured: String,
    pub(crate) pass: bool,
}

/// The guide's SLAs and baselines, and genops's own targets, each checked against `m`.
pub(crate) fn targets(m: &Metrics) -> Vec<Target> {
    let g = |k: &str| m.get(k).copied().unwrap_or(f64::NAN);
    let over = |mode: &str| g(&format!("latency.{mode}.overhead_ns"));
    let mut out = Vec::new();
    let mut add = |source, name: &str, target: &str, measured: String, pass: bool| {
        out.push(Target {
            source,
            name: name.into(),
            target: target.into(),
            measured,
            pass,
        });
    };

    // The guide's SLA table.
    let worst_provider = PROVIDERS
        .iter()
        .map(|p| (p.1, g(&format!("provider.{}.overhead_p95_pct_real", p.0))))
        .fold(
            ("", f64::NEG_INFINITY),
            |a, b| if b.1 > a.1 { b } else { a },
        );
    let worst_scaled = PROVIDERS
        .iter()
        .map(|p| g(&format!("provider.{}.overhead_p95_pct_scaled", p.0)))
        .fold(f64::NEG_INFINITY, f64::max);
    add(
        "guide SLA",
        "P95 latency overhead",
        "< 2% of base operation (alert > 5%)",
        format!(
            "{}% worst ({}, real latency); {}% at the 1000× shorter simulated latency",
            f(worst_provider.1, 4),
            worst_provider.0,
            f(worst_scaled, 2)
        ),
        worst_provider.1 < 2.0,
    );
    let per_op = g("memory.genops_layer_priced.bytes_per_call")
        .max(g("memory.concurrent100.genops_bytes_per_op"));
    add(
        "guide SLA",
        "Memory per operation",
        "< 10KB (alert > 50KB)",
        format!(
            "{} B allocated per call; {} B per in-flight op (100 concurrent)",
            f(g("memory.genops_layer_priced.bytes_per_call"), 0),
            f(g("memory.concurrent100.genops_bytes_per_op"), 0)
        ),
        per_op < 10_240.0,
    );
    let impacts: Vec<f64> = [1, 10, 50]
        .iter()
        .flat_map(|w| {
            ["threads", "tasks"]
                .map(|kind| g(&format!("throughput.provider.{kind}.{w}.impact_pct")))
        })
        .collect();
    let worst_impact = impacts.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let worst_real = [1, 10, 50]
        .iter()
        .flat_map(|w| {
            ["threads", "tasks"]
                .map(|kind| g(&format!("throughput.provider.{kind}.{w}.impact_real_pct")))
        })
        .fold(f64::NEG_INFINITY, f64::max);
    add(
        "guide SLA",
        "Throughput impact",
        "< 1% degradation (alert > 5%)",
        format!(
            "{}% worst of 1/10/50 threads and tasks at real OpenAI latency (the time added per \
             call over 1,250 ms); {}% at the 1000× shorter simulated latency",
            f(worst_real, 4),
            f(worst_impact, 2)
        ),
        worst_real < 1.0,
    );
    add(
        "guide SLA",
        "Error rate",
        "< 0.1% (alert > 0.5%)",
        format!(
            "{}% ({} of {} tracked calls lost, mis-booked, unpriced or failed)",
            f(g("errors.rate_pct"), 4),
            thousands(g("errors.misbooked_calls") + g("errors.unknown_or_error_calls")),
            thousands(g("errors.checked_calls"))
        ),
        g("errors.rate_pct") < 0.1,
    );
    add(
        "guide baseline",
        "Auto-instrumentation overhead",
        "< 1ms average per operation",
        format!(
            "{} ns (priced call, full layer)",
            f(over("genops_layer_priced"), 0)
        ),
        over("genops_layer_priced") < 1e6,
    );
    add(
        "guide baseline",
        "Memory cleanup after 100 concurrent ops",
        "95%+ freed",
        format!("{}%", f(g("memory.concurrent100.freed_pct"), 2)),
        g("memory.concurrent100.freed_pct") >= 95.0,
    );

    // genops's own targets.
    let (nosub_g, nosub_i) = (over("genops_nosub"), over("instrument_nosub"));
    add(
        "genops target",
        "No subscriber: genops vs tracing::instrument",
        "≤ 1.5× the +ns of `#[tracing::instrument]`",
        format!(
            "{}× (+{} ns vs +{} ns; async +{} vs +{} ns)",
            f(nosub_g / nosub_i, 1),
            f(nosub_g, 2),
            f(nosub_i, 2),
            f(over("genops_nosub_async"), 2),
            f(over("instrument_nosub_async"), 2)
        ),
        nosub_g <= 1.5 * nosub_i,
    );
    let (layer, noop) = (over("genops_layer_priced"), over("instrument_noop"));
    add(
        "genops target",
        "Full layer, priced call vs instrument on Registry + no-op layer",
        "≤ 2×",
        format!(
            "{}× (+{} ns vs +{} ns)",
            f(layer / noop, 2),
            f(layer, 0),
            f(noop, 0)
        ),
        layer <= 2.0 * noop,
    );
    add(
        "genops target",
        "Full layer, priced call vs the Python system (80 µs)",
        "≥ 100× cheaper (≤ 800 ns)",
        format!("{}× cheaper (+{} ns)", f(80_000.0 / layer, 0), f(layer, 0)),
        layer <= 800.0,
    );
    // Whole calls (the bare call included, each a ratio to it): what a user of `init()` pays.
    let whole = |key: &str| g(&format!("latency.{key}.ratio"));
    let (init_log, init_quiet) = (
        whole("genops_init_priced"),
        whole("genops_init_no_log_priced"),
    );
    add(
        "genops target",
        "`init()` with its default log output vs `log_output(false)`, priced call that logs \
         nothing",
        "≤ 1.5×",
        format!(
            "{}× (+{} ns vs +{} ns over a bare call)",
            f(init_log / init_quiet, 2),
            f(over("genops_init_priced"), 0),
            f(over("genops_init_no_log_priced"), 0)
        ),
        init_log <= 1.5 * init_quiet,
    );
    let (tracked_item, instrumented_item) = (
        g("streaming.tracked_ns_per_item"),
        g("streaming.instrumented_ns_per_item"),
    );
    add(
        "genops target",
        "Tracked stream per item vs a `tracing-futures` `Instrumented` stream",
        "≤ 1.5× the + ns per item, and no heap allocation per item",
        format!(
            "{}× (+{} ns vs +{} ns); {} allocations per item",
            f(tracked_item / instrumented_item, 2),
            f(tracked_item, 1),
            f(instrumented_item, 1),
            f(g("streaming.allocs_per_item"), 3)
        ),
        tracked_item <= 1.5 * instrumented_item && g("streaming.allocs_per_item") < 0.01,
    );
    let (literal, recent, new) = (
        g("cardinality.literal_ns"),
        g("cardinality.recent_ns"),
        g("cardinality.new_1000000_ns"),
    );
    add(
        "genops target",
        "Call with an attribution value never seen before / seen recently, vs a literal value",
        "≤ 1.5× / ≤ 1.2×",
        format!(
            "{}× / {}× ({} / {} / {} ns)",
            f(new / literal, 2),
            f(recent / literal, 2),
            f(new, 0),
            f(recent, 0),
            f(literal, 0)
        ),
        new <= 1.5 * literal && recent <= 1.2 * literal,
    );
    let (users, customers, budgeted) = (
        g("cardinality.retained_1000000_users_bytes"),
        g("cardinality.retained_1000000_customers_bytes"),
        g("cardinality.retained_1000000_budgeted_customers_bytes"),
    );
    add(
        "genops target",
        "Memory retained by 1,000,000 distinct users / customers / customers with a per-customer \
         budget (default caps)",
        "≤ 64 MB each",
        format!(
            "{} MB / {} MB / {} MB",
            f(users / 1e6, 1),
            f(customers / 1e6, 1),
            f(budgeted / 1e6, 1)
        ),
        users.max(customers).max(budgeted) <= 64.0 * 1024.0 * 1024.0,
    );
    let (snapshot, scrape) = (
        g("cardinality.snapshot_at_cap_ms"),
        g("cardinality.scrape_at_cap_ms"),
    );
    add(
        "genops target",
        "Ledger snapshot / Prometheus scrape with the ledger at its caps",
        "≤ 1 s / < 100 ms",
        format!("{} ms / {} ms", f(snapshot, 1), f(scrape, 1)),
        snapshot <= 1_000.0 && scrape < 100.0,
    );
    let (with_otel, otel) = (over("genops_otel_priced"), over("instrument_otel"));
    let added = (with_otel - otel) / otel * 100.0;
    add(
        "genops target",
        "Governance on top of the tracing-opentelemetry pipeline",
        "adds ≤ 15%",
        format!(
            "+{}% (+{} ns vs +{} ns)",
            f(added, 1),
            f(with_otel, 0),
            f(otel, 0)
        ),
        added <= 15.0,
    );
    let (bytes, allocs) = (
        g("memory.genops_layer_priced.bytes_per_call"),
        g("memory.genops_layer_priced.allocs_per_call"),
    );
    add(
        "genops target",
        "Heap per tracked call",
        "< 1 KB and ≤ 8 allocations",
        format!("{} B, {} allocations", f(bytes, 0), f(allocs, 2)),
        bytes < 1024.0 && allocs <= 8.0,
    );
    // A priced call's own instructions and its state: counted, so they hold on any machine.
    if let Some(count) = m.get("instructions.genops_layer_priced.per_call") {
        add(
            "genops target",
            "Instructions of a priced call (full layer)",
            "≤ 4,500",
            thousands(*count),
            *count <= 4_500.0,
        );
    }
    add(
        "genops target",
        "State of a priced call (its one allocation)",
        "≤ 256 B",
        format!("{} B", f(bytes, 0)),
        bytes <= 256.0 && allocs <= 1.0,
    );
    add(
        "genops target",
        "Retained after 1,000,000 calls (ledger keys aside)",
        "0 bytes",
        format!("{} B", f(g("memory.million.retained_bytes"), 0)),
        g("memory.million.retained_bytes") <= 0.0,
    );
    add(
        "genops target",
        "Freed after 1,000,000 calls",
        "≥ 99.9%",
        format!("{}%", f(g("memory.million.freed_pct"), 4)),
        g("memory.million.freed_pct") >= 99.9,
    );
    add(
        "genops target",
        "2 threads vs 1 thread (full layer, priced calls)",
        "≥ 1.7×",
        format!(
            "{}× (in the same run: uninstrumented {}×, `tracing::instrument` on the same \
             Registry {}×)",
            f(g("throughput.cpu.scaling_2_threads"), 2),
            f(g("throughput.cpu.bare_scaling_2_threads"), 2),
            f(g("throughput.cpu.instrument_scaling_2_threads"), 2)
        ),
        g("throughput.cpu.scaling_2_threads") >= 1.7,
    );
    out
}

/// Whether a mode's figures are gated. Only the modes that run genops code: the anchors
/// (`tracing::instrument`, the cost-summing layer) cannot regress with a change to genops, and
/// their ratios move with the CPU model. The OpenTelemetry modes are left out too: their cost
/// depends on a background thread sharing the two cores, so it moves with the machine's load,
/// not with genops.
pub(crate) fn gated(mode: &Mode) -> bool {
    mode.key.starts_with("genops_") && !matches!(mode.stack, Stack::GenopsOtel)
}

/// Gate figures held to a fixed ceiling as well as to the baseline: a priced call's state (its
/// one allocation), in bytes, and its instructions (counted when the gate runs with
/// `--instructions`).
pub(crate) const CEILINGS: [(&str, f64); 2] = [
    ("genops_layer_priced.bytes_per_call", 256.0),
    ("genops_layer_priced.instructions_per_call", 4_500.0),
];

/// The gate figures that are above their [`CEILINGS`], as messages.
pub(crate) fn above_ceilings(gate: &BTreeMap<String, f64>) -> Vec<String> {
    CEILINGS
        .iter()
        .filter_map(|&(key, ceiling)| {
            let now = *gate.get(key)?;
            (now > ceiling).then(|| format!("{key}: {now} is above its ceiling of {ceiling}"))
        })
        .collect()
}

/// The figures the regression gate compares: ratios to the bare call of the same run, in time
/// and (with `--instructions`) in instructions, a priced call's own instruction count, and
/// allocation counts. Never absolute times.
pub(crate) fn gate(m: &Metrics) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for mode in MODES.iter().filter(|mode| gated(mode)) {
        if let Some(v) = m.get(&format!("latency.{}.ratio", mode.key)) {
            out.insert(format!("{}.ratio_to_bare", mode.key), *v);
        }
        if let Some(v) = m.get(&format!("instructions.{}.ratio", mode.key)) {
            out.insert(format!("{}.instruction_ratio", mode.key), *v);
        }
    }
    if let Some(v) = m.get("instructions.genops_layer_priced.per_call") {
        out.insert("genops_layer_priced.instructions_per_call".into(), *v);
    }
    for key in [
        "genops_layer",
        "genops_layer_priced",
        "genops_layer_priced_async",
        "genops_chain10_priced",
    ] {
        for what in ["allocs_per_call", "bytes_per_call"] {
            if let Some(v) = m.get(&format!("memory.{key}.{what}")) {
                out.insert(format!("{key}.{what}"), *v);
            }
        }
    }
    out
}
