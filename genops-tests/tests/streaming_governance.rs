//! Reservations of streamed calls: held while the stream lives, settled with the booked cost at
//! its end, released when it is dropped with nothing booked. 1,000 streams dropped at random
//! points on a multi-thread runtime leave nothing reserved and the books exact.

mod support;

use std::sync::atomic::{AtomicU64, Ordering};

use futures::{Stream, StreamExt};
use genops::{Budget, GenOpsLayer, Scope, Usage, Usd};
use support::AppError;
use tracing::instrument::WithSubscriber;
use tracing_subscriber::prelude::*;

/// Usage reports made, wherever the stream was dropped after them.
static RECORDED: AtomicU64 = AtomicU64::new(0);

/// Six chunks; each of the first five records 100 input and 10 output tokens of gpt-4o-mini:
/// 100 × $0.15/M + 10 × $0.60/M = $0.000021 per chunk.
#[genops::track(
    team = "chat",
    provider = "openai",
    model = "gpt-4o-mini",
    stream,
    enforce(reserve = 0.01)
)]
async fn gated_stream() -> Result<impl Stream<Item = u32>, AppError> {
    tokio::task::yield_now().await;
    Ok(futures::stream::iter(0..6_u32).then(|i| async move {
        if i < 5 {
            genops::record_usage(Usage::new(100, 10));
            RECORDED.fetch_add(1, Ordering::Relaxed);
        }
        tokio::task::yield_now().await;
        i
    }))
}

#[test]
fn a_thousand_streams_dropped_at_random_points_leak_no_reservation() {
    let layer = GenOpsLayer::builder()
        .budget(Budget::daily("chat", Scope::team("chat"), Usd(1_000.0)).hard())
        .build();
    let ledger = layer.ledger();
    let budgets = layer.clone();
    let subscriber = tracing_subscriber::registry().with(layer);
    let dispatch = tracing::Dispatch::new(subscriber);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut tasks = Vec::new();
        for i in 0..1_000_u64 {
            let dispatch = dispatch.clone();
            // A fixed pseudo-random point to stop at: 0 (never polled) to 7 (past the end).
            let stop = (i * 2_654_435_761 % 8) as usize;
            // The task's subscriber goes with it from worker thread to worker thread.
            let task = async move {
                let stream = gated_stream().await.expect("admitted");
                let mut stream = Box::pin(stream);
                let mut taken = 0;
                while taken < stop {
                    match stream.next().await {
                        Some(_) => taken += 1,
                        None => break,
                    }
                }
                drop(stream);
            };
            tasks.push(tokio::spawn(task.with_subscriber(dispatch)));
        }
        for task in tasks {
            task.await.unwrap();
        }
    });
    let status = &budgets.budgets()[0];
    assert_eq!(status.reserved, 0.0, "no reservation leaked");
    let snapshot = ledger.snapshot();
    assert_eq!(snapshot.total.calls, 1_000);
    // Each usage report is booked once, including those of a stream dropped while the item
    // that carried it was still on its way: $0.000021 = 21,000,000 pico-dollars each.
    let chunks = RECORDED.load(Ordering::Relaxed);
    assert!(
        chunks > 1_000,
        "the streams stopped at many points ({chunks} reports)"
    );
    assert_eq!(snapshot.total.cost.picos(), u128::from(chunks) * 21_000_000);
    assert_eq!(
        (status.spent * 1e12).round() as u128,
        snapshot.total.cost.picos(),
        "the budget books what the ledger books"
    );
}
