//! Budgets with windows and alerts, the admission gate with reservations, and policies, as a
//! subscriber sees them.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use genops::semconv::*;
use genops::{
    AllowedModels, Budget, BudgetAlert, Dimension, GenOpsLayer, GovernanceError, ManualClock,
    MaxCostPerCall, RateLimit, RequiredAttribution, Scope, Usd,
};
use support::{capture_with, late_evening, nanos, AppError, V};

#[genops::track(team = "search", provider = "openai", operation = "generate_content")]
fn spend(usd: f64) {
    genops::record_cost(usd);
}

#[test]
fn thresholds_fire_once_per_window_and_windows_reset_at_utc_midnight() {
    let clock = ManualClock::at(late_evening());
    let alerts = Arc::new(Mutex::new(Vec::<BudgetAlert>::new()));
    let seen = alerts.clone();
    let layer = GenOpsLayer::builder()
        .clock(clock.clone())
        .budget(
            Budget::daily("search-daily", Scope::team("search"), Usd(1.0))
                .alert_at([0.5, 0.8, 1.0]),
        )
        .on_alert(move |a| seen.lock().unwrap().push(a.clone()))
        .build();
    let budgets = layer.clone();
    let (_, cap, ledger) = capture_with(layer, true, || {
        for usd in [0.3, 0.25, 0.3, 0.2, 0.1] {
            spend(usd);
        }
        assert_eq!(budgets.budgets()[0].spent, 1.15);
        clock.advance(Duration::from_secs(120)); // past midnight UTC: a new window
        spend(0.6);
    });
    let fired: Vec<(f64, i128)> = alerts
        .lock()
        .unwrap()
        .iter()
        .map(|a| (a.threshold, nanos(a.spent)))
        .collect();
    // $0.55 crosses 50%, $0.85 crosses 80%, $1.05 crosses 100%; $1.15 crosses nothing new;
    // after midnight $0.60 crosses 50% of the new window.
    assert_eq!(
        fired,
        vec![
            (0.5, 550_000_000),
            (0.8, 850_000_000),
            (1.0, 1_050_000_000),
            (0.5, 600_000_000)
        ]
    );
    let warnings = cap
        .events()
        .into_iter()
        .filter(|(m, _)| m == "budget threshold reached")
        .count();
    assert_eq!(warnings, 4);

    let spans = cap.spans();
    assert_eq!(spans.len(), 6);
    assert_eq!(spans[0].field(GENOPS_POLICY_RESULT).str(), "allowed");
    assert_eq!(spans[0].field(GENOPS_BUDGET_NAME).str(), "search-daily");
    assert_eq!(
        nanos(spans[0].field(GENOPS_BUDGET_REMAINING).f64()),
        700_000_000
    );
    assert_eq!(
        nanos(spans[1].field(GENOPS_BUDGET_UTILIZATION).f64()),
        550_000_000
    );
    assert_eq!(spans[1].field(GENOPS_POLICY_RESULT).str(), "warned");
    assert_eq!(spans[1].field(GENOPS_POLICY_NAME).str(), "search-daily");
    assert_eq!(spans[3].field(GENOPS_BUDGET_REMAINING), &V::F64(0.0));
    assert_eq!(spans[4].field(GENOPS_POLICY_RESULT).str(), "allowed");
    assert_eq!(
        nanos(spans[5].field(GENOPS_BUDGET_REMAINING).f64()),
        400_000_000
    );
    // Spend is booked from the same exact amounts as the ledger.
    assert_eq!(ledger.snapshot().total.cost.nanos(), 1_750_000_000);
}

#[test]
fn a_rolling_window_forgets_spend_older_than_its_period() {
    let clock = ManualClock::at(late_evening());
    let layer = GenOpsLayer::builder()
        .clock(clock.clone())
        .budget(Budget::rolling(
            "hourly",
            Scope::team("search"),
            Usd(1.0),
            Duration::from_secs(3_600),
        ))
        .build();
    let budgets = layer.clone();
    capture_with(layer, true, || {
        spend(0.6);
        clock.advance(Duration::from_secs(1_800));
        spend(0.3);
        assert_eq!(nanos(budgets.budgets()[0].spent), 900_000_000);
        clock.advance(Duration::from_secs(1_801));
        assert_eq!(nanos(budgets.budgets()[0].spent), 300_000_000);
    });
}

static BODIES: AtomicUsize = AtomicUsize::new(0);

#[genops::track(
    team = "search",
    provider = "openai",
    model = "gpt-4o-mini",
    enforce(reserve = 0.4)
)]
fn gated(cost: f64) -> Result<u32, AppError> {
    BODIES.fetch_add(1, Ordering::SeqCst);
    genops::record_cost(cost);
    Ok(1)
}

#[test]
fn a_hard_budget_denies_gated_calls_with_a_typed_error_before_the_body_runs() {
    let layer = GenOpsLayer::builder()
        .budget(Budget::daily("search-hard", Scope::team("search"), Usd(1.0)).hard())
        .build();
    let budgets = layer.clone();
    let (results, cap, ledger) = capture_with(layer, true, || {
        (0..4).map(|_| gated(0.3)).collect::<Vec<_>>()
    });
    // $0.3 + $0.3 + $0.3 booked; the fourth would need $0.9 + $0.4 reserved > $1.
    assert_eq!(BODIES.load(Ordering::SeqCst), 3);
    assert_eq!(results[..3], [Ok(1), Ok(1), Ok(1)]);
    let Err(AppError::Denied(denied)) = &results[3] else {
        panic!("{:?}", results[3]);
    };
    let GovernanceError::BudgetExceeded {
        budget,
        limit,
        spent,
        reserved,
        reservation,
    } = denied
    else {
        panic!("{denied:?}");
    };
    assert_eq!(
        (
            budget.as_str(),
            *limit,
            nanos(*spent),
            *reserved,
            nanos(*reservation)
        ),
        ("search-hard", 1.0, 900_000_000, 0.0, 400_000_000)
    );
    // The message names the real cause: $0.10 is left, but this call reserves $0.40.
    assert_eq!(
        denied.to_string(),
        "budget `search-hard` has no room for this call's reservation of $0.4000: $0.9000 spent \
         and $0.0000 reserved by calls in flight leave $0.1000 of $1.00; wait for the next \
         window, raise the limit, reserve less, or make the budget soft"
    );
    let blocked = &cap.spans()[3];
    assert_eq!(blocked.field(GENOPS_POLICY_RESULT).str(), "blocked");
    assert_eq!(blocked.field(GENOPS_POLICY_NAME).str(), "search-hard");
    assert_eq!(blocked.field(ERROR_TYPE).str(), "AppError");
    // A denial is counted on its own, never as an error.
    let total = ledger.snapshot().total;
    assert_eq!((total.calls, total.errors, total.denied), (4, 0, 1));
    assert_eq!(budgets.budgets()[0].reserved, 0.0);
}

#[genops::track(team = "search", provider = "anthropic", model = model, enforce)]
async fn gated_model(model: &str) -> Result<(), AppError> {
    genops::record_usage(genops::Usage::new(100, 10));
    Ok(())
}

#[genops::track(provider = "openai", model = "gpt-4o")]
fn unattributed() {
    genops::record_usage(genops::Usage::new(100_000, 0));
}

#[test]
fn enforced_policies_deny_at_the_gate_and_advisory_ones_warn_at_close() {
    let clock = ManualClock::at(late_evening());
    let layer = GenOpsLayer::builder()
        .clock(clock.clone())
        .policy(
            AllowedModels::new("search-models", Scope::team("search"))
                .models(["claude-haiku-4-5"])
                .enforced(),
        )
        .policy(RequiredAttribution::new(
            "chargeback",
            [Dimension::Team, Dimension::CostCenter],
        ))
        .policy(MaxCostPerCall::new("max-call", Usd(0.1)))
        .policy(RateLimit::new("search-rate", Scope::team("search"), 2).enforced())
        .build();
    let (results, cap, _) = capture_with(layer, true, || {
        futures::executor::block_on(async {
            let denied = gated_model("claude-sonnet-4-6").await;
            let first = gated_model("claude-haiku-4-5").await;
            let second = gated_model("claude-haiku-4-5").await;
            let limited = gated_model("claude-haiku-4-5").await;
            clock.advance(Duration::from_secs(61));
            let again = gated_model("claude-haiku-4-5").await;
            unattributed();
            vec![denied, first, second, limited, again]
        })
    });
    let Err(AppError::Denied(GovernanceError::PolicyViolation { policy, reason })) = &results[0]
    else {
        panic!("{:?}", results[0]);
    };
    assert_eq!(policy, "search-models");
    assert!(reason.contains("claude-sonnet-4-6"), "{reason}");
    assert_eq!(results[1], Ok(()));
    assert_eq!(results[2], Ok(()));
    assert!(
        matches!(&results[3], Err(AppError::Denied(GovernanceError::PolicyViolation { policy, .. })) if policy == "search-rate")
    );
    assert_eq!(results[4], Ok(()), "a new minute admits again");

    let spans = cap.spans();
    assert_eq!(spans[0].field(GENOPS_POLICY_RESULT).str(), "blocked");
    assert_eq!(spans[3].field(GENOPS_POLICY_NAME).str(), "search-rate");
    // Admitted search calls lack a cost center: the advisory policy warns at close.
    assert_eq!(spans[1].field(GENOPS_POLICY_RESULT).str(), "warned");
    assert_eq!(spans[1].field(GENOPS_POLICY_NAME).str(), "chargeback");
    assert!(spans[1]
        .field(GENOPS_POLICY_REASON)
        .str()
        .contains("cost_center"));
    // 100,000 × $2.50/M = $0.25 > $0.10; but the first advisory violation found is recorded.
    let last = spans.last().unwrap();
    assert_eq!(last.field(GENOPS_POLICY_RESULT).str(), "warned");
    assert!(last.field(GENOPS_POLICY_REASON).str().contains("team"));
    let warnings = cap
        .events()
        .into_iter()
        .filter(|(m, _)| m == "advisory policy violated")
        .count();
    assert_eq!(warnings, 4, "one per warned call");
}

#[test]
fn max_cost_per_call_sees_the_actual_cost_at_close() {
    let layer = GenOpsLayer::builder()
        .policy(MaxCostPerCall::new("max-call", Usd(0.1)))
        .build();
    let (_, cap, _) = capture_with(layer, true, unattributed);
    let span = &cap.spans()[0];
    assert_eq!(span.field(GENOPS_POLICY_NAME).str(), "max-call");
    assert!(
        span.field(GENOPS_POLICY_REASON).str().contains("$0.250000"),
        "{:?}",
        span.records
    );
}

/// Waits forever once admitted, so that a test can hold it at its first await.
#[genops::track(
    team = "search",
    provider = "openai",
    model = "gpt-4o-mini",
    enforce(reserve = 0.4)
)]
async fn gated_pending() -> Result<(), AppError> {
    std::future::pending::<()>().await;
    Ok(())
}

#[test]
fn a_gated_call_settles_its_reservation_before_its_span_closes_however_it_is_dropped() {
    use std::future::Future;
    use std::task::Context;

    let layer = GenOpsLayer::builder()
        .budget(Budget::daily("search-hard", Scope::team("search"), Usd(1.0)).hard())
        .build();
    let budgets = layer.clone();
    let reserved = move || nanos(budgets.budgets()[0].reserved);
    let (_, cap, ledger) = capture_with(layer, true, || {
        // Dropped before its first poll: no span, no admission.
        drop(gated_pending());
        assert_eq!(reserved(), 0);
        // Admitted and held at its first await: the reservation is held until it is dropped,
        // which finishes it (cancelled) and settles the reservation; its span closes after that
        // with nothing left to settle (the layer's close asserts so in debug builds).
        let mut call = Box::pin(gated_pending());
        let mut cx = Context::from_waker(futures::task::noop_waker_ref());
        assert!(call.as_mut().poll(&mut cx).is_pending());
        assert_eq!(reserved(), 400_000_000);
        drop(call);
        assert_eq!(reserved(), 0);
        // A handle's future dropped before its first poll: its span closes unfinished, and the
        // layer's close books it, once.
        let handle = genops::span!(team = "search", provider = "openai", model = "gpt-4o-mini");
        drop(handle.instrument(async {}));
    });
    assert_eq!(reserved(), 0);
    let spans = cap.spans();
    assert_eq!(spans.len(), 2);
    assert!(spans[0].field(GENOPS_CANCELLED).bool());
    assert_eq!(spans[0].field(GENOPS_POLICY_RESULT).str(), "allowed");
    assert_eq!(ledger.snapshot().total.calls, 2);
}
