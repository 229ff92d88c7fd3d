//! 2. Memory: bytes and allocations per call, peak growth over 100 concurrent operations, and
//!    RSS before and after 1,000,000 calls.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::books::{cost_times, price, Books};
use crate::common::*;
use crate::heap::{
    heap_read, heap_start, heap_start_this_thread, heap_stop, rss_bytes, rss_peak_bytes,
};
use crate::modes::{in_dispatch, run_batch, Body, Ctx, Stack, MODES};
use crate::plan::{progress, Plan};
use crate::stats::Metrics;

/// Heap per call of every mode with a subscriber, 100 concurrent operations, and 1,000,000 calls.
pub(crate) fn measure_memory(ctx: &Ctx, plan: &Plan, m: &mut Metrics, books: &mut Books) {
    progress("2. memory: bytes and allocations per call (counting allocator)");
    for mode in MODES.iter().filter(|mode| mode.stack != Stack::None) {
        let dispatch = ctx.dispatch(mode.stack);
        let n = if mode.body == Body::TrackedChain || mode.body == Body::InstrumentedChain {
            plan.alloc_calls / 10
        } else {
            plan.alloc_calls
        };
        in_dispatch(dispatch, || run_batch(&ctx.rt, mode.body, 2_000));
        ctx.drain(mode.stack);
        heap_start();
        in_dispatch(dispatch, || run_batch(&ctx.rt, mode.body, n));
        ctx.drain(mode.stack);
        let heap = heap_stop();
        let k = format!("memory.{}", mode.key);
        m.insert(
            format!("{k}.allocs_per_call"),
            heap.allocs as f64 / n as f64,
        );
        m.insert(
            format!("{k}.bytes_per_call"),
            heap.alloc_bytes as f64 / n as f64,
        );
        m.insert(format!("{k}.retained_bytes"), heap.live as f64);
    }

    progress("2. memory: peak growth over 100 concurrent operations");
    let genops = &ctx.stacks().genops;
    let ledger = &ctx.stacks().genops_ledger;
    let unit = price("openai", "gpt-4o-mini").cost(&USAGE);
    // Warm the runtime and the layer, then measure each side twice and keep the second.
    let concurrent = |tracked: bool| {
        let run = || {
            tracing::dispatcher::with_default(genops, || {
                ctx.rt.block_on(concurrent_operations(100, tracked))
            })
        };
        run();
        run()
    };
    let before = ledger.snapshot().total;
    let bare = concurrent(false);
    let with = concurrent(true);
    let after = ledger.snapshot().total;
    books.check(&before, &after, 200, cost_times(unit, 200));
    let k = "memory.concurrent100";
    m.insert(format!("{k}.tracked_peak_growth_bytes"), with.peak as f64);
    m.insert(format!("{k}.bare_peak_growth_bytes"), bare.peak as f64);
    m.insert(format!("{k}.in_flight_bytes"), with.in_flight as f64);
    m.insert(
        format!("{k}.genops_bytes_per_op"),
        (with.peak - bare.peak) as f64 / 100.0,
    );
    m.insert(format!("{k}.retained_bytes"), with.after as f64);
    m.insert(
        format!("{k}.freed_pct"),
        (1.0 - with.after as f64 / with.peak.max(1) as f64) * 100.0,
    );
    m.insert(format!("{k}.base_rss_mb"), rss_bytes() / 1048576.0);

    progress("2. memory: RSS before and after 1,000,000 tracked calls");
    tracing::dispatcher::with_default(genops, || {
        run_batch(&ctx.rt, Body::TrackedPriced, 10_000);
        let before = ledger.snapshot().total;
        let rss_before = rss_bytes();
        heap_start_this_thread();
        let elapsed = run_batch(&ctx.rt, Body::TrackedPriced, plan.million);
        let heap = heap_stop();
        let rss_after = rss_bytes();
        let after = ledger.snapshot().total;
        books.check(
            &before,
            &after,
            plan.million,
            cost_times(unit, plan.million),
        );
        let k = "memory.million";
        m.insert(format!("{k}.ops"), plan.million as f64);
        m.insert(format!("{k}.seconds"), elapsed.as_secs_f64());
        m.insert(format!("{k}.rss_before_mb"), rss_before / 1048576.0);
        m.insert(format!("{k}.rss_after_mb"), rss_after / 1048576.0);
        m.insert(
            format!("{k}.rss_growth_kb"),
            (rss_after - rss_before) / 1024.0,
        );
        m.insert(format!("{k}.rss_peak_mb"), rss_peak_bytes() / 1048576.0);
        m.insert(
            format!("{k}.allocated_mb"),
            heap.alloc_bytes as f64 / 1048576.0,
        );
        m.insert(format!("{k}.allocs"), heap.allocs as f64);
        m.insert(format!("{k}.retained_bytes"), heap.live as f64);
        m.insert(
            format!("{k}.freed_pct"),
            heap.dealloc_bytes as f64 / heap.alloc_bytes.max(1) as f64 * 100.0,
        );
    });
}

struct Concurrent {
    /// Net heap growth while all operations were in flight.
    in_flight: i64,
    /// Highest net heap growth.
    peak: i64,
    /// Net heap growth after all completed.
    after: i64,
}

#[genops::track(team = "memory-benchmark", provider = "openai", model = "gpt-4o-mini")]
async fn concurrent_tracked(gate: Arc<tokio::sync::Semaphore>, entered: Arc<AtomicU64>) -> u64 {
    entered.fetch_add(1, Ordering::SeqCst);
    let _permit = gate.acquire().await;
    genops::record_usage(USAGE);
    work(PROMPT)
}

async fn concurrent_bare(gate: Arc<tokio::sync::Semaphore>, entered: Arc<AtomicU64>) -> u64 {
    entered.fetch_add(1, Ordering::SeqCst);
    let _permit = gate.acquire().await;
    work(PROMPT)
}

/// `n` operations in flight at once on a current-thread runtime, each parked inside its call.
async fn concurrent_operations(n: u64, tracked: bool) -> Concurrent {
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let entered = Arc::new(AtomicU64::new(0));
    heap_start_this_thread();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..n {
        let (gate, entered) = (gate.clone(), entered.clone());
        if tracked {
            tasks.spawn(concurrent_tracked(gate, entered));
        } else {
            tasks.spawn(concurrent_bare(gate, entered));
        }
    }
    while entered.load(Ordering::SeqCst) < n {
        tokio::task::yield_now().await;
    }
    let in_flight = heap_read().live;
    gate.add_permits(n as usize);
    while let Some(result) = tasks.join_next().await {
        black_box(result.expect("task ran"));
    }
    drop(tasks);
    let heap = heap_stop();
    Concurrent {
        in_flight,
        peak: heap.peak,
        after: heap.live,
    }
}
