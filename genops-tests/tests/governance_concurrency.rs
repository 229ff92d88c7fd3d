//! The reservation proof: a $1 hard budget under 50 threads and 50 async tasks calling gated
//! functions whose real cost varies (some fail, some panic, some are cancelled). Booked spend
//! never exceeds the budget by more than one reservation, and no reservation leaks.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use genops::{Budget, BudgetStatus, GenOpsLayer, GovernanceError, Scope, Usd};
use tracing_subscriber::prelude::*;

const RESERVE: f64 = 0.05;

#[derive(Debug)]
enum AppError {
    Denied(GovernanceError),
    Provider,
}

impl From<GovernanceError> for AppError {
    fn from(e: GovernanceError) -> Self {
        AppError::Denied(e)
    }
}

/// A cheap deterministic spread of costs in [$0.001, $0.05].
fn cost(seed: u64) -> f64 {
    let x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407)
        >> 33;
    0.001 + (x % 4_900) as f64 / 100_000.0
}

static DENIED: AtomicU64 = AtomicU64::new(0);

#[genops::track(team = "search", provider = "openai", model = "gpt-4o", enforce(reserve = RESERVE))]
fn call(seed: u64) -> Result<(), AppError> {
    std::thread::yield_now();
    genops::record_cost(cost(seed));
    match seed % 10 {
        0 => Err(AppError::Provider),
        1 => panic!("provider client bug"),
        _ => Ok(()),
    }
}

#[genops::track(team = "search", provider = "anthropic", model = "claude-haiku-4-5", enforce(reserve = RESERVE))]
async fn call_async(seed: u64) -> Result<(), AppError> {
    genops::record_cost(cost(seed));
    tokio::time::sleep(Duration::from_millis(seed % 3)).await;
    Ok(())
}

#[test]
fn concurrent_gated_calls_never_overshoot_and_never_leak_reservations() {
    let layer = GenOpsLayer::builder()
        .budget(Budget::daily("search-hard", Scope::team("search"), Usd(1.0)).hard())
        .build();
    let budgets = layer.clone();
    let ledger = layer.ledger();
    tracing_subscriber::registry().with(layer).init();
    // The planned panics are not news; any other (a failed assertion) is reported as usual.
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload().downcast_ref::<&str>() != Some(&"provider client bug") {
            report(info);
        }
    }));

    let threads: Vec<_> = (0..50u64)
        .map(|t| {
            std::thread::spawn(move || {
                for i in 0..40u64 {
                    let seed = t * 1_000 + i;
                    match std::panic::catch_unwind(|| call(seed)) {
                        Ok(Err(AppError::Denied(GovernanceError::BudgetExceeded { .. }))) => {
                            DENIED.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(Err(AppError::Denied(other))) => panic!("unexpected denial {other}"),
                        Ok(_) | Err(_) => {}
                    }
                }
            })
        })
        .collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let tasks: Vec<_> = (0..50u64)
            .map(|t| {
                tokio::spawn(async move {
                    for i in 0..40u64 {
                        let seed = 100_000 + t * 1_000 + i;
                        // Every seventh call is cancelled mid-flight.
                        let limit = if i % 7 == 0 {
                            Duration::ZERO
                        } else {
                            Duration::from_secs(5)
                        };
                        if let Ok(Err(AppError::Denied(_))) =
                            tokio::time::timeout(limit, call_async(seed)).await
                        {
                            DENIED.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
    });
    for thread in threads {
        thread.join().unwrap();
    }

    let status = &budgets.budgets()[0];
    assert!(DENIED.load(Ordering::Relaxed) > 0, "the budget ran out");
    assert_within_budget(status);

    // How much the concurrent calls used depends on what was still in flight when the last of
    // them was denied. With nothing in flight, gated calls are admitted until the next
    // reservation no longer fits: the budget is used up to within one reservation.
    let denied = (2_000_000u64..)
        .filter(|seed| seed % 10 >= 2) // neither an error nor a panic
        .take(2_000)
        .any(|seed| matches!(call(seed), Err(AppError::Denied(_))));
    assert!(denied, "a gated call is denied once the budget is used up");
    let status = &budgets.budgets()[0];
    assert!(
        status.spent > 1.0 - RESERVE - 1e-9,
        "the budget was used: ${}",
        status.spent
    );
    assert_within_budget(status);
    // The budget booked exactly what the ledger booked for the team.
    let booked = ledger.snapshot().by_team["search"].cost;
    assert_eq!((status.spent * 1e9).round() as u128, booked.nanos());
}

/// The $1 budget never overshot by more than one in-flight reservation, and holds none now.
fn assert_within_budget(status: &BudgetStatus) {
    assert!(
        status.spent <= 1.0 + RESERVE,
        "overshoot: ${} booked of $1",
        status.spent
    );
    assert_eq!(status.reserved, 0.0, "no reservation leaks");
}
