//! 3. Throughput: ops/s at 1, 2, 10 and 50 workers, instrumentation-bound and provider-bound,
//!    threads and tokio tasks.

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use genops::Ledger;

use crate::books::{cost_times, price, Books};
use crate::common::*;
use crate::plan::{progress, Plan, LATENCY_SCALE};
use crate::providers::provider_bare;
use crate::stats::{median, Metrics, Rng};

/// Runs `workers` threads calling `call` until `window` has passed; returns calls and ops/s.
fn threads_throughput(workers: usize, window: Duration, call: fn(&[u8]) -> u64) -> (u64, f64) {
    let stop = Arc::new(AtomicBool::new(false));
    let barrier = Arc::new(Barrier::new(workers + 1));
    let handles: Vec<_> = (0..workers)
        .map(|_| {
            let (stop, barrier) = (stop.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let started = Instant::now();
                let mut ops = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    for _ in 0..64 {
                        black_box(call(black_box(PROMPT)));
                    }
                    ops += 64;
                }
                (ops, started, Instant::now())
            })
        })
        .collect();
    barrier.wait();
    std::thread::sleep(window);
    stop.store(true, Ordering::Relaxed);
    // From the first worker's start to the last one's end: with more threads than cores, this
    // thread may run late after the barrier.
    let mut total = 0;
    let (mut start, mut end): (Option<Instant>, Option<Instant>) = (None, None);
    for handle in handles {
        let (ops, started, finished) = handle.join().expect("worker");
        total += ops;
        start = Some(start.map_or(started, |s| s.min(started)));
        end = Some(end.map_or(finished, |e| e.max(finished)));
    }
    let elapsed = match (start, end) {
        (Some(s), Some(e)) => (e - s).as_secs_f64(),
        _ => f64::NAN,
    };
    (total, total as f64 / elapsed)
}

/// Runs `tasks` tokio tasks on a multi-thread runtime, each awaiting calls until `window` has
/// passed (yielding every 64); returns calls and ops/s.
fn tasks_throughput(
    rt: &tokio::runtime::Runtime,
    tasks: usize,
    window: Duration,
    tracked: bool,
) -> (u64, f64) {
    let stop = Arc::new(AtomicBool::new(false));
    rt.block_on(async {
        let start = Instant::now();
        let handles: Vec<_> = (0..tasks)
            .map(|_| {
                let stop = stop.clone();
                tokio::spawn(async move {
                    let mut ops = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        for _ in 0..64 {
                            let out = if tracked {
                                tracked_priced_async(black_box(PROMPT)).await
                            } else {
                                bare_async(black_box(PROMPT)).await
                            };
                            black_box(out);
                        }
                        ops += 64;
                        tokio::task::yield_now().await;
                    }
                    (ops, Instant::now())
                })
            })
            .collect();
        tokio::time::sleep(window).await;
        stop.store(true, Ordering::Relaxed);
        let mut total = 0;
        let mut end = start;
        for handle in handles {
            let (ops, finished) = handle.await.expect("task");
            total += ops;
            end = end.max(finished);
        }
        (total, total as f64 / (end - start).as_secs_f64())
    })
}

#[genops::track(
    team = "throughput-benchmark",
    provider = "openai",
    model = "gpt-4o-mini"
)]
fn provider_tracked(latency: Duration) -> u64 {
    std::thread::sleep(latency);
    genops::record_usage(USAGE);
    work(PROMPT)
}

#[genops::track(
    team = "throughput-benchmark",
    provider = "openai",
    model = "gpt-4o-mini"
)]
async fn provider_tracked_async(latency: Duration) -> u64 {
    tokio::time::sleep(latency).await;
    genops::record_usage(USAGE);
    work(PROMPT)
}

async fn provider_bare_async(latency: Duration) -> u64 {
    tokio::time::sleep(latency).await;
    work(PROMPT)
}

/// Latencies of the OpenAI range, scaled, the same for both sides of a comparison.
fn provider_latencies(seed: u64, n: usize) -> Vec<Duration> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| Duration::from_secs_f64(rng.uniform(500.0, 2000.0) / 1000.0 / LATENCY_SCALE))
        .collect()
}

/// `workers` threads each making `ops` simulated provider calls; returns the elapsed time.
fn provider_threads(workers: usize, ops: usize, tracked: bool) -> Duration {
    let barrier = Arc::new(Barrier::new(workers + 1));
    let handles: Vec<_> = (0..workers)
        .map(|w| {
            let barrier = barrier.clone();
            let latencies = provider_latencies(100 + w as u64, ops);
            std::thread::spawn(move || {
                barrier.wait();
                for latency in latencies {
                    if tracked {
                        black_box(provider_tracked(latency));
                    } else {
                        black_box(provider_bare(latency));
                    }
                }
                Instant::now()
            })
        })
        .collect();
    barrier.wait();
    let start = Instant::now();
    let end = handles
        .into_iter()
        .map(|h| h.join().expect("worker"))
        .max()
        .unwrap_or(start);
    end - start
}

/// `tasks` tokio tasks each making `ops` simulated provider calls; returns the elapsed time.
fn provider_tasks(
    rt: &tokio::runtime::Runtime,
    tasks: usize,
    ops: usize,
    tracked: bool,
) -> Duration {
    rt.block_on(async {
        let start = Instant::now();
        let handles: Vec<_> = (0..tasks)
            .map(|t| {
                let latencies = provider_latencies(200 + t as u64, ops);
                tokio::spawn(async move {
                    for latency in latencies {
                        if tracked {
                            black_box(provider_tracked_async(latency).await);
                        } else {
                            black_box(provider_bare_async(latency).await);
                        }
                    }
                })
            })
            .collect();
        for handle in handles {
            handle.await.expect("task");
        }
        start.elapsed()
    })
}

/// Throughput with the GenOps layer installed as the global default, as `genops::init()` does
/// (a global dispatcher is not reference-counted per span, a scoped one is).
pub(crate) fn measure_throughput(plan: &Plan, ledger: &Ledger, m: &mut Metrics, books: &mut Books) {
    let unit = price("openai", "gpt-4o-mini").cost(&USAGE);
    let multi = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a multi-thread runtime");
    let window = plan.throughput_window;

    progress(
        "3. throughput: instrumentation-bound (the guide's method: the op is the tracked call)",
    );
    for workers in [1usize, 2, 10, 50] {
        let (_, bare_ops) = threads_throughput(workers, window, bare);
        let before = ledger.snapshot().total;
        let (calls, tracked_ops) = threads_throughput(workers, window, tracked_priced);
        let after = ledger.snapshot().total;
        books.check(&before, &after, calls, cost_times(unit, calls));
        let k = format!("throughput.cpu.threads.{workers}");
        m.insert(format!("{k}.bare_ops_s"), bare_ops);
        m.insert(format!("{k}.genops_ops_s"), tracked_ops);
        m.insert(
            format!("{k}.impact_pct"),
            (1.0 - tracked_ops / bare_ops) * 100.0,
        );
    }
    let one = m["throughput.cpu.threads.1.genops_ops_s"];
    let two = m["throughput.cpu.threads.2.genops_ops_s"];
    m.insert("throughput.cpu.scaling_2_threads".into(), two / one);
    let one = m["throughput.cpu.threads.1.bare_ops_s"];
    let two = m["throughput.cpu.threads.2.bare_ops_s"];
    m.insert("throughput.cpu.bare_scaling_2_threads".into(), two / one);
    // The same two thread counts for `#[tracing::instrument]` on the same Registry (the GenOps
    // layer passes its spans by): how the span store itself scales in this process.
    let (_, one) = threads_throughput(1, window, instrumented);
    let (_, two) = threads_throughput(2, window, instrumented);
    m.insert(
        "throughput.cpu.instrument_scaling_2_threads".into(),
        two / one,
    );
    for tasks in [1usize, 10, 50] {
        let (_, bare_ops) = tasks_throughput(&multi, tasks, window, false);
        let before = ledger.snapshot().total;
        let (calls, tracked_ops) = tasks_throughput(&multi, tasks, window, true);
        let after = ledger.snapshot().total;
        books.check(&before, &after, calls, cost_times(unit, calls));
        let k = format!("throughput.cpu.tasks.{tasks}");
        m.insert(format!("{k}.bare_ops_s"), bare_ops);
        m.insert(format!("{k}.genops_ops_s"), tracked_ops);
        m.insert(
            format!("{k}.impact_pct"),
            (1.0 - tracked_ops / bare_ops) * 100.0,
        );
    }

    progress("3. throughput: provider-bound (OpenAI latencies / 1000), threads and tokio tasks");
    let ops = plan.provider_ops;
    for workers in [1usize, 10, 50] {
        for (kind, is_tasks) in [("threads", false), ("tasks", true)] {
            let run = |tracked: bool| {
                let elapsed = if is_tasks {
                    provider_tasks(&multi, workers, ops, tracked)
                } else {
                    provider_threads(workers, ops, tracked)
                };
                elapsed.as_secs_f64()
            };
            let (mut bare_t, mut tracked_t, mut impacts) = (Vec::new(), Vec::new(), Vec::new());
            let before = ledger.snapshot().total;
            for round in 0..plan.provider_rounds {
                let (b, t) = if round % 2 == 0 {
                    let b = run(false);
                    (b, run(true))
                } else {
                    let t = run(true);
                    (run(false), t)
                };
                bare_t.push(b);
                tracked_t.push(t);
                impacts.push((1.0 - b / t) * 100.0);
            }
            let after = ledger.snapshot().total;
            let calls = (plan.provider_rounds * workers * ops) as u64;
            books.check(&before, &after, calls, cost_times(unit, calls));
            let total = (workers * ops) as f64;
            let (bare_s, tracked_s) = (median(&mut bare_t), median(&mut tracked_t));
            let k = format!("throughput.provider.{kind}.{workers}");
            m.insert(format!("{k}.bare_ops_s"), total / bare_s);
            m.insert(format!("{k}.genops_ops_s"), total / tracked_s);
            m.insert(format!("{k}.impact_pct"), median(&mut impacts));
            // Each worker makes its calls one after another, so the time genops added per call
            // is the elapsed difference over `ops`; against the real (unscaled) mean OpenAI
            // latency of 1,250 ms that is the impact on a real workload.
            let added_per_op = (tracked_s - bare_s) / ops as f64;
            m.insert(format!("{k}.added_us_per_op"), added_per_op * 1e6);
            m.insert(format!("{k}.impact_real_pct"), added_per_op / 1.25 * 100.0);
        }
    }
}
