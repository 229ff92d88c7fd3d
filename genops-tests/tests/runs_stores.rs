//! Model step-down and burn-rate forecasts read the budget's spend from its store: they work
//! alike in memory, in a file and in Redis. (Run envelopes live in the process, with no store.)

mod support;

use std::time::Duration;

use genops::semconv::GENOPS_MODEL_ADMITTED;
use genops::{Budget, BudgetStore, GenOpsLayer, Scope, StepDown, Usage, Usd};
use support::{capture_with, AppError};

/// 60,000 input tokens: $0.15 on gpt-4o, $0.009 on gpt-4o-mini.
#[genops::track(
    team = "runs-stores",
    provider = "openai",
    model = "gpt-4o",
    enforce(reserve = 0.02)
)]
fn ask() -> Result<String, AppError> {
    genops::record_usage(Usage::new(60_000, 0));
    Ok(genops::admitted_model().unwrap())
}

/// Four calls on gpt-4o spend 60% of $1.00; past 50% the fifth steps down. Its forecast: $0.609
/// in the last hour leaves $0.391 for 0.642 h.
fn steps_down_and_forecasts(store: BudgetStore, name: &str) {
    // The system clock: Redis expires a window's keys by the real time.
    let layer = GenOpsLayer::builder()
        .budget_store(store)
        .budget(Budget::daily(name, Scope::team("runs-stores"), Usd(1.0)).hard())
        .step_down(StepDown::new("degrade", Scope::team("runs-stores")).at(
            0.5,
            "gpt-4o",
            "gpt-4o-mini",
        ))
        .build();
    let budgets = layer.clone();
    let status = layer.clone();
    // A shared store books behind the call: wait until it shows what was spent.
    let settled = |spent: f64| {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while (status.budgets()[0].spent - spent).abs() > 1e-9 {
            assert!(
                std::time::Instant::now() < deadline,
                "the store never showed ${spent}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    let (models, cap, _) = capture_with(layer, true, || {
        let mut models = Vec::new();
        for spent in [0.15, 0.30, 0.45, 0.60, 0.609] {
            models.push(ask().unwrap());
            settled(spent);
        }
        models
    });
    assert_eq!(
        models,
        ["gpt-4o", "gpt-4o", "gpt-4o", "gpt-4o", "gpt-4o-mini"]
    );
    assert_eq!(
        cap.spans()[4].field(GENOPS_MODEL_ADMITTED).str(),
        "gpt-4o-mini"
    );
    let forecast = budgets.budget_forecasts().remove(0);
    assert_eq!(forecast.budget, name);
    let nanos = 391_000u128 * 3_600_000_000_000 / 609_000;
    assert_eq!(
        forecast.exhausted_in,
        Some(Duration::from_nanos(nanos as u64))
    );
}

#[test]
fn in_memory() {
    steps_down_and_forecasts(BudgetStore::memory(), "runs-stores-memory");
}

#[cfg(feature = "embedded")]
#[test]
fn in_a_file() {
    let path = std::env::temp_dir().join(format!("genops-runs-stores-{}.redb", std::process::id()));
    let _ = std::fs::remove_file(&path);
    steps_down_and_forecasts(BudgetStore::file(&path), "runs-stores-file");
    let _ = std::fs::remove_file(&path);
}

#[cfg(feature = "redis")]
#[test]
fn in_redis() {
    let redis = support::redis::redis();
    let name = format!("runs-stores-redis-{}", std::process::id());
    steps_down_and_forecasts(BudgetStore::redis(redis.url()), &name);
}
