//! What one call costs, instrumented every way, on the same trivial function.
//!
//! ```text
//! cargo bench -p genops-tests --bench overhead       # everything, ~2 min
//! cargo bench -p genops-tests --bench overhead -- --measurement-time 1 --warm-up-time 0.5
//! ```
//!
//! Groups run in this order, and the order matters: `no_subscriber` must run before any
//! dispatcher has been set in the process, since the first one changes how every callsite checks
//! for a subscriber. Each group starts with the bare call, so every figure has a same-run
//! reference; subtract it for "+ns over a bare call". `examples/perf_report/` measures the same
//! functions with the benchmarking guide's methods and checks the targets.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use tracing::Dispatch;

#[path = "common/mod.rs"]
mod common;

use common::*;

/// Times `iters` awaited calls of `call` inside one `block_on`, so the runtime's own cost per
/// `block_on` is not counted per call.
fn time_async<Fut>(rt: &tokio::runtime::Runtime, iters: u64, call: impl Fn() -> Fut) -> Duration
where
    Fut: std::future::Future<Output = u64>,
{
    rt.block_on(async {
        let start = Instant::now();
        for _ in 0..iters {
            black_box(call().await);
        }
        start.elapsed()
    })
}

fn bench_in(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    dispatch: &Dispatch,
    call: fn(&[u8]) -> u64,
) {
    group.bench_function(name, |b| {
        tracing::dispatcher::with_default(dispatch, || b.iter(|| call(black_box(PROMPT))))
    });
}

/// Like [`bench_in`], and adds the calls made to `created`: the spans handed to a pipeline that
/// may drop some.
fn bench_counted(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    dispatch: &Dispatch,
    call: fn(&[u8]) -> u64,
    created: &AtomicU64,
) {
    group.bench_function(name, |b| {
        b.iter_custom(|iters| {
            created.fetch_add(iters, Ordering::Relaxed);
            tracing::dispatcher::with_default(dispatch, || {
                let start = Instant::now();
                for _ in 0..iters {
                    black_box(call(black_box(PROMPT)));
                }
                start.elapsed()
            })
        })
    });
}

fn no_subscriber(c: &mut Criterion) {
    let mut group = c.benchmark_group("no_subscriber");
    group.bench_function("bare", |b| b.iter(|| bare(black_box(PROMPT))));
    group.bench_function("tracing_instrument", |b| {
        b.iter(|| instrumented(black_box(PROMPT)))
    });
    group.bench_function("genops_track", |b| b.iter(|| tracked(black_box(PROMPT))));
    group.bench_function("genops_track_priced", |b| {
        b.iter(|| tracked_priced(black_box(PROMPT)))
    });
    let rt = current_thread_runtime();
    group.bench_function("bare_async", |b| {
        b.iter_custom(|iters| time_async(&rt, iters, || bare_async(black_box(PROMPT))))
    });
    group.bench_function("tracing_instrument_async", |b| {
        b.iter_custom(|iters| time_async(&rt, iters, || instrumented_async(black_box(PROMPT))))
    });
    group.bench_function("genops_track_async", |b| {
        b.iter_custom(|iters| time_async(&rt, iters, || tracked_async(black_box(PROMPT))))
    });
    group.finish();
}

fn sync_calls(c: &mut Criterion) {
    let mut group = c.benchmark_group("sync");
    group.bench_function("bare", |b| b.iter(|| bare(black_box(PROMPT))));

    let noop = noop_dispatch();
    bench_in(
        &mut group,
        "tracing_instrument/registry_noop_layer",
        &noop,
        instrumented,
    );
    let cost_sum = cost_sum_dispatch();
    bench_in(
        &mut group,
        "tracing_instrument/registry_cost_sum_layer",
        &cost_sum,
        instrumented,
    );
    bench_in(
        &mut group,
        "genops_track/registry_noop_layer",
        &noop,
        tracked,
    );

    let (genops, ledger) = genops_dispatch();
    bench_in(&mut group, "genops_track/genops_layer", &genops, tracked);
    bench_in(
        &mut group,
        "genops_track/genops_layer_priced",
        &genops,
        tracked_priced,
    );
    // A benchmark filter may skip the calls; any that ran were priced.
    let snapshot = ledger.snapshot();
    assert!(
        snapshot.total.calls == 0 || snapshot.total.cost.picos() > 0,
        "the priced calls were priced"
    );

    // What `init()` sets up, with its default log output and without: a priced call that logs
    // nothing must cost about the same in both.
    for (name, log_output) in [
        ("genops_track/init_priced", true),
        ("genops_track/init_no_log_output_priced", false),
    ] {
        let (dispatch, guard) = init_dispatch(log_output);
        bench_in(&mut group, name, &dispatch, tracked_priced);
        let snapshot = guard.ledger().snapshot();
        assert!(
            snapshot.total.calls == 0 || snapshot.total.cost.picos() > 0,
            "{name}: the priced calls were priced"
        );
    }

    let pipeline = OtelPipeline::new();
    let created = AtomicU64::new(0);
    let otel = pipeline.dispatch();
    bench_counted(
        &mut group,
        "tracing_instrument/otel_batch_drop",
        &otel,
        instrumented,
        &created,
    );
    let (genops_otel, _ledger) = pipeline.genops_dispatch();
    bench_counted(
        &mut group,
        "genops_track/genops_layer_otel_batch_drop_priced",
        &genops_otel,
        tracked_priced,
        &created,
    );
    pipeline.flush();
    eprintln!(
        "otel: the dropping exporter received {} of {} spans (the rest overflowed the batch queue)",
        pipeline.exported(),
        created.load(Ordering::Relaxed)
    );

    let reported = install_fastrace();
    let created = AtomicU64::new(0);
    // Paced: the collector is drained outside the timed batch, so its queue stays bounded.
    group.bench_function("fastrace_trace/root_per_call", |b| {
        b.iter_custom(|iters| {
            created.fetch_add(iters * 2, Ordering::Relaxed);
            let start = Instant::now();
            for _ in 0..iters {
                black_box(fastraced_root_per_call(black_box(PROMPT)));
            }
            let elapsed = start.elapsed();
            fastrace::flush();
            elapsed
        })
    });
    group.bench_function("fastrace_trace/shared_root_100_calls", |b| {
        b.iter_custom(|iters| {
            created.fetch_add(iters + iters.div_ceil(100), Ordering::Relaxed);
            let start = Instant::now();
            black_box(fastrace_shared_root(iters, 100));
            let elapsed = start.elapsed();
            fastrace::flush();
            elapsed
        })
    });
    fastrace::flush();
    eprintln!(
        "fastrace: the dropping reporter received {} of {} spans",
        reported.load(Ordering::Relaxed),
        created.load(Ordering::Relaxed)
    );
    group.finish();
}

fn async_calls(c: &mut Criterion) {
    let mut group = c.benchmark_group("async_current_thread");
    let rt = current_thread_runtime();
    group.bench_function("bare", |b| {
        b.iter_custom(|iters| time_async(&rt, iters, || bare_async(black_box(PROMPT))))
    });
    let in_dispatch = |dispatch: &Dispatch, iters: u64, priced: bool, genops: bool| {
        tracing::dispatcher::with_default(dispatch, || match (genops, priced) {
            (false, _) => time_async(&rt, iters, || instrumented_async(black_box(PROMPT))),
            (true, false) => time_async(&rt, iters, || tracked_async(black_box(PROMPT))),
            (true, true) => time_async(&rt, iters, || tracked_priced_async(black_box(PROMPT))),
        })
    };
    let noop = noop_dispatch();
    group.bench_function("tracing_instrument/registry_noop_layer", |b| {
        b.iter_custom(|iters| in_dispatch(&noop, iters, false, false))
    });
    let (genops, _ledger) = genops_dispatch();
    group.bench_function("genops_track/genops_layer", |b| {
        b.iter_custom(|iters| in_dispatch(&genops, iters, false, true))
    });
    group.bench_function("genops_track/genops_layer_priced", |b| {
        b.iter_custom(|iters| in_dispatch(&genops, iters, true, true))
    });
    let pipeline = OtelPipeline::new();
    let otel = pipeline.dispatch();
    group.bench_function("tracing_instrument/otel_batch_drop", |b| {
        b.iter_custom(|iters| in_dispatch(&otel, iters, false, false))
    });
    let (genops_otel, _ledger) = pipeline.genops_dispatch();
    group.bench_function("genops_track/genops_layer_otel_batch_drop_priced", |b| {
        b.iter_custom(|iters| in_dispatch(&genops_otel, iters, true, true))
    });
    group.finish();
}

fn nested_chain(c: &mut Criterion) {
    let mut group = c.benchmark_group("nested_10_deep");
    group.throughput(Throughput::Elements(u64::from(CHAIN_DEPTH)));
    group.bench_function("bare", |b| b.iter(|| bare(black_box(PROMPT))));
    let noop = noop_dispatch();
    bench_in(
        &mut group,
        "tracing_instrument/registry_noop_layer",
        &noop,
        instrumented_chain10,
    );
    let (genops, ledger) = genops_dispatch();
    bench_in(
        &mut group,
        "genops_track/genops_layer_priced",
        &genops,
        tracked_chain10,
    );
    let snapshot = ledger.snapshot();
    assert_eq!(
        snapshot.total.calls % u64::from(CHAIN_DEPTH),
        0,
        "every level of every chain was booked"
    );
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30)
}

/// Per item of a 1,000-item stream under the Registry + GenOps layer: a bare stream, a
/// `tracing-futures` `Instrumented` stream, and a tracked stream (whose whole call, spread over
/// its items, is included).
fn streams(c: &mut Criterion) {
    use futures::StreamExt;
    use tracing_futures::Instrument as _;

    const ITEMS: u64 = 1_000;
    fn consume<S: futures::Stream>(stream: S) -> u64 {
        futures::executor::block_on(stream.fold(0_u64, |n, _| async move { n + 1 }))
    }
    let mut group = c.benchmark_group("stream_per_1000_items");
    group.throughput(Throughput::Elements(ITEMS));
    let (genops, _ledger) = genops_dispatch();
    tracing::dispatcher::with_default(&genops, || {
        group.bench_function("bare", |b| {
            b.iter(|| consume(futures::stream::iter(0..black_box(ITEMS))))
        });
        group.bench_function("tracing_futures_instrumented", |b| {
            b.iter(|| {
                consume(
                    futures::stream::iter(0..black_box(ITEMS))
                        .instrument(tracing::info_span!("stream")),
                )
            })
        });
        group.bench_function("genops_tracked_stream", |b| {
            b.iter(|| {
                let call =
                    genops::span!(team = "bench", provider = "openai", model = "gpt-4o-mini");
                consume(call.stream(futures::stream::iter(0..black_box(ITEMS))))
            })
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = no_subscriber, sync_calls, async_calls, nested_chain, streams
}
criterion_main!(benches);
