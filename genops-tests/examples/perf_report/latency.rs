//! 1. Latency: each mode against a bare call timed in the same run.

use std::sync::atomic::Ordering;
use std::time::Duration;

use tracing::Dispatch;

use crate::modes::{in_dispatch, reference, run_batch, run_samples, Body, Ctx, MODES};
use crate::plan::{progress, Plan};
use crate::stats::{dist, median, put_dist, Metrics};

/// Every mode's overhead over a bare call: time-matched alternating slices, then single calls.
pub(crate) fn measure_latency(ctx: &mut Ctx, plan: &Plan, m: &mut Metrics) {
    progress("1. latency: instrumentation modes against a bare call timed in the same run");
    for mode in MODES {
        ctx.prepare(mode.stack);
        let ctx = &*ctx;
        let dispatch = ctx.dispatch(mode.stack);
        let reference = reference(mode.body);
        let rt = &ctx.rt;
        let run =
            |body: Body, n: u64, d: Option<&Dispatch>| in_dispatch(d, || run_batch(rt, body, n));
        // Warm up (thread-locals, interning, price cache, the pipeline's thread), then size the
        // slices so a mode's slice and a bare slice take about the same time.
        run(reference, 20_000, None);
        run(mode.body, 2_000, dispatch);
        ctx.drain(mode.stack);
        let per_call = |body: Body, d: Option<&Dispatch>| {
            let elapsed = run(body, 2_000, d);
            ctx.drain(mode.stack);
            elapsed.as_nanos() as f64 / 2_000.0
        };
        let slice = plan.slice.as_nanos() as f64;
        let n_mode = ((slice / per_call(mode.body, dispatch).max(0.5)) as u64).max(20);
        let n_bare = ((slice / per_call(reference, None).max(0.5)) as u64).max(1_000);
        let (mut ratios, mut diffs, mut mode_ns, mut bare_ns) = (vec![], vec![], vec![], vec![]);
        for _ in 0..plan.rounds {
            // Bare and mode slices alternate, so a burst of load from elsewhere hits both.
            let (mut tb, mut tm) = (Duration::ZERO, Duration::ZERO);
            for slice in 0..plan.slices {
                if slice % 2 == 0 {
                    tb += run(reference, n_bare, None);
                    tm += run(mode.body, n_mode, dispatch);
                } else {
                    tm += run(mode.body, n_mode, dispatch);
                    tb += run(reference, n_bare, None);
                }
            }
            ctx.drain(mode.stack);
            let slices = plan.slices as f64;
            let b = tb.as_nanos() as f64 / (n_bare as f64 * slices);
            let t = tm.as_nanos() as f64 / (n_mode as f64 * slices);
            ratios.push(t / b);
            diffs.push(t - b);
            mode_ns.push(t);
            bare_ns.push(b);
        }
        let (mut samples, mut bare_samples) = (Vec::new(), Vec::new());
        let chunk = 1_000.min(plan.samples);
        while samples.len() < plan.samples {
            in_dispatch(dispatch, || run_samples(rt, mode.body, chunk, &mut samples));
            ctx.drain(mode.stack);
            run_samples(rt, reference, chunk, &mut bare_samples);
        }
        let key = format!("latency.{}", mode.key);
        m.insert(format!("{key}.ratio"), median(&mut ratios));
        m.insert(format!("{key}.overhead_ns"), median(&mut diffs));
        m.insert(format!("{key}.batch_ns"), median(&mut mode_ns));
        m.insert(format!("{key}.bare_batch_ns"), median(&mut bare_ns));
        put_dist(m, &key, "ns", &dist(&mut samples));
        put_dist(m, &format!("{key}.bare"), "ns", &dist(&mut bare_samples));
    }
    let stacks = ctx.stacks();
    let snapshot = stacks.genops_ledger.snapshot();
    m.insert(
        "latency.genops_ledger_calls".into(),
        snapshot.total.calls as f64,
    );
    if let Some(reported) = &ctx.fastrace {
        fastrace::flush();
        m.insert(
            "latency.fastrace_spans_reported".into(),
            reported.load(Ordering::Relaxed) as f64,
        );
    }
    stacks.pipeline.flush();
    m.insert(
        "latency.otel_spans_exported".into(),
        stacks.pipeline.exported() as f64,
    );
}
