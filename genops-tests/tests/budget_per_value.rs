//! Per-value budgets: a template that gives every customer (or any other dimension's value) a
//! budget of its own, with its own window, alerts and denials; and the budget store setting.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use genops::semconv::*;
use genops::{
    Budget, BudgetAlert, BudgetStore, Dimension, GenOpsLayer, GovernanceError, InitError,
    ManualClock, Scope, Usd,
};
use support::{capture_with, late_evening, nanos, AppError};

#[genops::track(team = "search", customer = customer, provider = "openai", operation = "chat", enforce)]
fn answer(customer: &str, usd: f64) -> Result<(), AppError> {
    genops::record_cost(usd);
    Ok(())
}

#[genops::track(team = "search", provider = "openai", operation = "chat", enforce)]
fn anonymous(usd: f64) -> Result<(), AppError> {
    genops::record_cost(usd);
    Ok(())
}

#[test]
fn every_customer_has_a_budget_of_its_own_for_its_window() {
    let clock = ManualClock::at(late_evening());
    let alerts = Arc::new(Mutex::new(Vec::<BudgetAlert>::new()));
    let seen = alerts.clone();
    let layer = GenOpsLayer::builder()
        .clock(clock.clone())
        .budget(
            Budget::daily_per(Dimension::Customer, Usd(1.0))
                .reservation(Usd(0.25))
                .alert_at([0.5])
                .hard(),
        )
        .on_alert(move |a| seen.lock().unwrap().push(a.clone()))
        .build();
    let budgets = layer.clone();
    let (results, cap, ledger) = capture_with(layer, true, || {
        let mut results = Vec::new();
        // acme: $0.30 + $0.30 + $0.30 = $0.90; a fourth call's $0.25 hold would pass $1.
        for _ in 0..4 {
            results.push(answer("acme", 0.3));
        }
        // globex has its own dollar.
        results.push(answer("globex", 0.3));
        // No customer: not under the template.
        results.push(anonymous(5.0));
        // The status sums the values: acme's $0.90 and globex's $0.30.
        assert_eq!(nanos(budgets.budgets()[0].spent), 1_200_000_000);
        // Past midnight UTC: acme's window, and its state, are gone.
        clock.advance(Duration::from_secs(120));
        results.push(answer("acme", 0.3));
        results
    });
    assert_eq!(results[..3], [Ok(()), Ok(()), Ok(())]);
    let Err(AppError::Denied(denied)) = &results[3] else {
        panic!("{:?}", results[3]);
    };
    assert_eq!(
        denied.to_string(),
        "budget `customer-daily (customer=acme)` has no room for this call's reservation of \
         $0.2500: $0.9000 spent and $0.0000 reserved by calls in flight leave $0.1000 of $1.00; \
         wait for the next window, raise the limit, reserve less, or make the budget soft"
    );
    assert_eq!(results[4..], [Ok(()), Ok(()), Ok(())]);

    let fired: Vec<(String, Option<String>, f64, i128)> = alerts
        .lock()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a.budget.clone(),
                a.value.clone(),
                a.threshold,
                nanos(a.spent),
            )
        })
        .collect();
    // acme crosses 50% at $0.60; globex never does; the new window's $0.30 does not.
    assert_eq!(
        fired,
        vec![(
            "customer-daily".to_owned(),
            Some("acme".to_owned()),
            0.5,
            600_000_000
        )]
    );
    let spans = cap.spans();
    assert_eq!(
        spans[1].field(GENOPS_BUDGET_NAME).str(),
        "customer-daily (customer=acme)"
    );
    assert_eq!(
        nanos(spans[1].field(GENOPS_BUDGET_REMAINING).f64()),
        400_000_000
    );
    assert_eq!(spans[3].field(GENOPS_POLICY_RESULT).str(), "blocked");
    assert_eq!(
        spans[3].field(GENOPS_POLICY_NAME).str(),
        "customer-daily (customer=acme)"
    );
    assert_eq!(
        nanos(spans[4].field(GENOPS_BUDGET_REMAINING).f64()),
        700_000_000
    );
    assert_eq!(
        nanos(spans[6].field(GENOPS_BUDGET_REMAINING).f64()),
        700_000_000
    );
    assert_eq!(ledger.snapshot().total.calls, 7);
    // After the window moved, only acme's new $0.30 is in it; nothing is held.
    let status = &budgets.budgets()[0];
    assert_eq!((nanos(status.spent), status.reserved), (300_000_000, 0.0));
}

#[test]
fn a_template_takes_a_scope_and_a_name() {
    let layer = GenOpsLayer::builder()
        .budget(
            Budget::monthly_per(Dimension::Customer, Usd(0.5))
                .named("per-customer-search")
                .reservation(Usd(0.2))
                .scoped(Scope::team("search"))
                .hard(),
        )
        .build();
    let (results, _, _) = capture_with(layer, true, || {
        (0..3).map(|_| answer("initech", 0.2)).collect::<Vec<_>>()
    });
    let Err(AppError::Denied(GovernanceError::BudgetExceeded { budget, .. })) = &results[2] else {
        panic!("{results:?}");
    };
    assert_eq!(budget, "per-customer-search (customer=initech)");
}

#[test]
fn the_budget_store_setting_names_what_is_wrong() {
    // Code: a store that cannot be opened (here a file in no directory; without the
    // `embedded` feature, any file) is an error naming the setting.
    let err = GenOpsLayer::builder()
        .budget(Budget::daily("d", Scope::all(), Usd(1.0)))
        .budget_store(BudgetStore::file("/no/such/dir/budgets.redb"))
        .try_build()
        .unwrap_err();
    assert!(
        matches!(
            err,
            InitError::Invalid {
                setting: "budget_store",
                ..
            }
        ),
        "{err}"
    );
    #[cfg(not(feature = "redis"))]
    {
        let err = GenOpsLayer::builder()
            .budget(Budget::daily("d", Scope::all(), Usd(1.0)))
            .budget_store(BudgetStore::redis("redis://127.0.0.1:6379/0"))
            .try_build()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "budget_store: a Redis budget store needs the `redis` cargo feature of genops, \
             which this build lacks"
        );
    }
    #[cfg(feature = "redis")]
    {
        // A URL the Redis client refuses names the setting, without the password.
        let refused = |url: &str| {
            GenOpsLayer::builder()
                .budget(Budget::daily("d", Scope::all(), Usd(1.0)))
                .budget_store(BudgetStore::redis(url))
                .try_build()
                .unwrap_err()
                .to_string()
        };
        #[cfg(feature = "redis-cluster")]
        assert_eq!(
            refused("redis+cluster://app:s3cret@127.0.0.1:7000,127.0.0.1/0"),
            "budget_store: redis+cluster://***@127.0.0.1:7000,127.0.0.1/0: `127.0.0.1` is not \
             a cluster node: expected host:port, with nodes separated by commas"
        );
        #[cfg(feature = "redis-cluster")]
        assert_eq!(
            refused("redis+cluster://127.0.0.1:7000/2"),
            "budget_store: redis+cluster://127.0.0.1:7000/2: a Redis Cluster has only \
             database 0, not `2`"
        );
        #[cfg(not(feature = "redis-cluster"))]
        assert_eq!(
            refused("redis+cluster://app:s3cret@127.0.0.1:7000/0"),
            "budget_store: redis+cluster://***@127.0.0.1:7000/0: a Redis Cluster store needs \
             the `redis-cluster` cargo feature of genops, which this build lacks"
        );
        #[cfg(not(feature = "redis-tls"))]
        assert_eq!(
            refused("rediss://app:s3cret@127.0.0.1:6380/0"),
            "budget_store: rediss://***@127.0.0.1:6380/0: TLS to Redis (rediss://) needs the \
             `redis-tls` cargo feature of genops, which this build lacks"
        );
    }
    // The variable: malformed, or naming a store this build cannot open, names the variable.
    std::env::set_var("GENOPS_BUDGET_STORE", "http://localhost:6379");
    let err = genops::init()
        .budget(Budget::daily("d", Scope::all(), Usd(1.0)))
        .build_layer()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "environment variable GENOPS_BUDGET_STORE: \"http://localhost:6379\" is not a budget \
         store: expected `memory`, a redis://, rediss://, redis+cluster:// or rediss+cluster:// \
         URL, or a file path"
    );
    std::env::set_var("GENOPS_BUDGET_STORE", "/no/such/dir/budgets.redb");
    let err = genops::init()
        .budget(Budget::daily("d", Scope::all(), Usd(1.0)))
        .build_layer()
        .unwrap_err();
    assert!(
        matches!(
            err,
            InitError::Env {
                var: "GENOPS_BUDGET_STORE",
                ..
            }
        ),
        "{err}"
    );
    // A store in code wins over the variable.
    genops::init()
        .budget(Budget::daily("d", Scope::all(), Usd(1.0)))
        .budget_store(BudgetStore::memory())
        .build_layer()
        .expect("memory, from code");
    std::env::set_var("GENOPS_BUDGET_STORE", "memory");
    genops::init()
        .budget(Budget::daily("d", Scope::all(), Usd(1.0)))
        .build_layer()
        .expect("memory, from the variable");
    std::env::remove_var("GENOPS_BUDGET_STORE");
}
