//! 5b. Streamed calls: the per-item cost of a tracked stream beside a `tracing-futures`
//! `Instrumented` stream under the same subscriber, heap allocations per item, the accuracy of
//! the recorded time to first chunk against a provider with a known first-chunk delay, and the
//! memory an in-flight stream holds.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use tracing::Dispatch;
use tracing_futures::Instrument as _;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

use crate::heap::{heap_read, heap_start_this_thread, heap_stop};
use crate::modes::Ctx;
use crate::plan::{progress, Plan};
use crate::stats::Metrics;
use crate::table::{f, Table};

/// Items per measured stream.
const ITEMS: u64 = 1_000;

fn consume<S: futures::Stream>(rt: &tokio::runtime::Runtime, stream: S) -> u64 {
    rt.block_on(stream.fold(0_u64, |n, _| async move { n + 1 }))
}

fn items() -> impl futures::Stream<Item = u64> {
    futures::stream::iter(0..ITEMS)
}

/// Nanoseconds per item of `run`, the best of `rounds` timings of `streams` streams.
fn per_item(rounds: usize, streams: u64, mut run: impl FnMut() -> u64) -> f64 {
    (0..rounds)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..streams {
                std::hint::black_box(run());
            }
            start.elapsed().as_nanos() as f64 / (streams * ITEMS) as f64
        })
        .fold(f64::INFINITY, f64::min)
}

/// Records each finished call's time to first chunk.
#[derive(Clone, Default)]
struct FirstChunks(Arc<Mutex<Vec<f64>>>);

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> Layer<S> for FirstChunks {
    fn on_record(
        &self,
        _: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        _: Context<'_, S>,
    ) {
        struct Visit<'a>(&'a Mutex<Vec<f64>>);
        impl tracing::field::Visit for Visit<'_> {
            fn record_f64(&mut self, field: &tracing::field::Field, value: f64) {
                if field.name() == genops::semconv::GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK {
                    self.0.lock().unwrap().push(value);
                }
            }
            fn record_debug(&mut self, _: &tracing::field::Field, _: &dyn std::fmt::Debug) {}
        }
        values.record(&mut Visit(&self.0));
    }
}

pub(crate) fn measure_streaming(ctx: &Ctx, plan: &Plan, m: &mut Metrics) {
    progress("5b. streaming: per-item cost, time to first chunk, memory per stream");
    let dispatch = &ctx.stacks().genops;
    let rt = &ctx.rt;
    let rounds = if plan.quick { 5 } else { 15 };
    let streams = if plan.quick { 20 } else { 100 };
    let (bare, instrumented, tracked) = tracing::dispatcher::with_default(dispatch, || {
        let bare = per_item(rounds, streams, || consume(rt, items()));
        let instrumented = per_item(rounds, streams, || {
            consume(rt, items().instrument(tracing::info_span!("stream")))
        });
        let tracked = per_item(rounds, streams, || {
            let call = genops::span!(team = "perf", provider = "openai", model = "gpt-4o-mini");
            consume(rt, call.stream(items()))
        });
        (bare, instrumented, tracked)
    });
    m.insert("streaming.bare_ns_per_item".into(), bare);
    m.insert(
        "streaming.instrumented_ns_per_item".into(),
        instrumented - bare,
    );
    m.insert("streaming.tracked_ns_per_item".into(), tracked - bare);

    // Heap per item: a stream of 1,000 items against one of 10, both whole calls.
    let allocs = |n: u64| {
        tracing::dispatcher::with_default(dispatch, || {
            let call = genops::span!(team = "perf", provider = "openai", model = "gpt-4o-mini");
            let stream = call.stream(futures::stream::iter(0..n));
            heap_start_this_thread();
            consume(rt, stream);
            heap_stop().allocs
        })
    };
    allocs(ITEMS);
    let per_item_allocs = (allocs(ITEMS) as f64 - allocs(10) as f64) / (ITEMS - 10) as f64;
    m.insert("streaming.allocs_per_item".into(), per_item_allocs.max(0.0));

    // Time to first chunk against a provider whose first chunk comes after a known delay.
    let recorded = FirstChunks::default();
    let with_ttfc = Dispatch::new(
        tracing_subscriber::registry()
            .with(genops::layer())
            .with(recorded.clone()),
    );
    let delay = Duration::from_millis(20);
    let calls = if plan.quick { 10 } else { 50 };
    tracing::dispatcher::with_default(&with_ttfc, || {
        for _ in 0..calls {
            let call = genops::span!(team = "perf", provider = "openai", model = "gpt-4o-mini");
            let provider = futures::stream::once(async move {
                tokio::time::sleep(delay).await;
                1_u8
            })
            .chain(futures::stream::iter([2_u8, 3]));
            consume(rt, call.stream(provider));
        }
    });
    let errors: Vec<f64> = recorded
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|s| (s - delay.as_secs_f64()) * 1e3)
        .collect();
    let mean = errors.iter().sum::<f64>() / errors.len().max(1) as f64;
    let worst = errors.iter().copied().fold(0.0_f64, f64::max);
    m.insert("streaming.ttfc_calls".into(), errors.len() as f64);
    m.insert("streaming.ttfc_error_mean_ms".into(), mean);
    m.insert("streaming.ttfc_error_max_ms".into(), worst);

    // Memory held by in-flight streams: 1,000 calls, each polled once and left open.
    let inflight = 1_000;
    let bytes = tracing::dispatcher::with_default(dispatch, || {
        heap_start_this_thread();
        let mut open = Vec::with_capacity(inflight);
        let base = heap_read().live;
        for _ in 0..inflight {
            let call = genops::span!(team = "perf", provider = "openai", model = "gpt-4o-mini");
            let mut stream = Box::pin(call.stream(items()));
            rt.block_on(stream.next());
            open.push(stream);
        }
        let live = heap_read().live - base;
        drop(open);
        heap_stop();
        live
    });
    m.insert(
        "streaming.bytes_per_inflight_stream".into(),
        bytes as f64 / inflight as f64,
    );
}

/// 5b. The streaming table.
pub(crate) fn streaming_section(out: &mut String, g: &dyn Fn(&str) -> f64) {
    let _ = writeln!(
        out,
        "## 5b. Streamed calls\n\nPer item, over a bare stream of {ITEMS} items under the same \
         Registry + GenOps layer: a `tracing-futures` `Instrumented` stream (an ordinary span) \
         beside a tracked stream (the whole call: span, pricing, books, result fields, spread \
         over its items).\n"
    );
    let mut t = Table::new(&["figure", "value"]);
    t.row(vec![
        "bare stream, ns per item".into(),
        f(g("streaming.bare_ns_per_item"), 1),
    ]);
    t.row(vec![
        "`Instrumented` stream, + ns per item".into(),
        f(g("streaming.instrumented_ns_per_item"), 1),
    ]);
    t.row(vec![
        "tracked stream, + ns per item".into(),
        f(g("streaming.tracked_ns_per_item"), 1),
    ]);
    t.row(vec![
        "tracked stream, heap allocations per item".into(),
        f(g("streaming.allocs_per_item"), 3),
    ]);
    t.row(vec![
        format!(
            "time to first chunk recorded vs a known 20 ms delay, mean / worst error ({} calls)",
            g("streaming.ttfc_calls")
        ),
        format!(
            "+{} ms / +{} ms",
            f(g("streaming.ttfc_error_mean_ms"), 2),
            f(g("streaming.ttfc_error_max_ms"), 2)
        ),
    ]);
    t.row(vec![
        "memory per in-flight stream (span, call state, wrapper)".into(),
        format!("{} B", f(g("streaming.bytes_per_inflight_stream"), 0)),
    ]);
    let _ = writeln!(out, "{}", t.render());
}
