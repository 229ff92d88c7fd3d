//! Rate limits on requests and tokens, kept in the budget store, and the kill switch, as a
//! subscriber sees them (in memory; `limits_redis.rs` shares them across processes).

mod support;

use std::time::Duration;

use genops::semconv::*;
use genops::{
    BudgetStore, Dimension, GenOpsLayer, GovernanceError, InitError, ManualClock, RateLimit, Scope,
};
use support::{capture_with, late_evening, AppError};

#[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini", enforce)]
fn gated(input: u64, output: u64) -> Result<(), AppError> {
    genops::record_usage(genops::Usage::new(input, output));
    Ok(())
}

#[genops::track(team = "ads", provider = "openai", model = "gpt-4o-mini", enforce)]
fn gated_ads() -> Result<(), AppError> {
    genops::record_usage(genops::Usage::new(10, 10));
    Ok(())
}

#[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini")]
fn ungated(input: u64, output: u64) {
    genops::record_usage(genops::Usage::new(input, output));
}

#[genops::track(customer = customer, provider = "openai", model = "gpt-4o-mini", enforce)]
fn for_customer(customer: &str) -> Result<(), AppError> {
    genops::record_usage(genops::Usage::new(600, 0));
    Ok(())
}

#[genops::track(provider = "openai", model = "gpt-4o-mini", enforce)]
fn for_nobody() -> Result<(), AppError> {
    Ok(())
}

fn retry_after(result: &Result<(), AppError>) -> Duration {
    match result {
        Err(AppError::Denied(GovernanceError::RateLimited { retry_after, .. })) => *retry_after,
        other => panic!("not rate limited: {other:?}"),
    }
}

#[test]
fn a_token_limit_holds_at_admission_settles_to_usage_at_close_and_slides() {
    let clock = ManualClock::at(late_evening());
    let layer = GenOpsLayer::builder()
        .clock(clock.clone())
        .rate_limit(
            RateLimit::tokens(3_000)
                .per(Duration::from_secs(2))
                .scope(Scope::team("search"))
                .hold(1_000)
                .named("search-tokens")
                .enforced(),
        )
        .build();
    let (results, cap, _) = capture_with(layer, true, || {
        let mut results = Vec::new();
        // Three calls hold 1,000 each; the first uses only 400 (settled at close).
        results.push(gated(300, 100));
        clock.advance(Duration::from_millis(500));
        results.push(gated(900, 100));
        results.push(gated(900, 100));
        // 2,400 counted: a fourth hold of 1,000 does not fit until the first call leaves the
        // window, 1.5 s from now.
        results.push(gated(900, 100));
        // An ungated call runs, and is counted at close.
        ungated(50, 50);
        clock.advance(Duration::from_millis(1_500));
        // The first call (400) has left; 2,000 and the ungated 100 remain: a hold of 1,000
        // fits when the calls of 0.5 s leave, 0.5 s from now.
        results.push(gated(900, 100));
        clock.advance(Duration::from_millis(500));
        results.push(gated(900, 100));
        results
    });
    assert_eq!(results[0], Ok(()));
    assert_eq!(results[1], Ok(()));
    assert_eq!(results[2], Ok(()));
    assert_eq!(retry_after(&results[3]), Duration::from_millis(1_500));
    assert_eq!(retry_after(&results[4]), Duration::from_millis(500));
    assert_eq!(results[5], Ok(()));
    let spans = cap.spans();
    assert_eq!(spans[3].field(GENOPS_POLICY_RESULT).str(), "blocked");
    assert_eq!(spans[3].field(GENOPS_POLICY_NAME).str(), "search-tokens");
    let message = match &results[3] {
        Err(AppError::Denied(e)) => e.to_string(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        message,
        "rate limit `search-tokens` has no room for this call in its window; it would fit in \
         1.5s: retry then, let the limit wait for it (`.wait_up_to`), or raise the limit"
    );
}

#[test]
fn a_per_value_request_limit_counts_each_value_apart_and_other_scopes_not_at_all() {
    let layer = GenOpsLayer::builder()
        .rate_limit(
            RateLimit::requests(2)
                .per_minute()
                .per_value(Dimension::Customer)
                .enforced(),
        )
        .build();
    let (results, _, _) = capture_with(layer, true, || {
        vec![
            for_customer("acme"),
            for_customer("acme"),
            for_customer("acme"),
            for_customer("globex"),
            for_nobody(),
            for_nobody(),
            for_nobody(),
        ]
    });
    assert_eq!(results[0], Ok(()));
    assert_eq!(results[1], Ok(()));
    assert!(matches!(
        &results[2],
        Err(AppError::Denied(GovernanceError::RateLimited { limit, .. }))
            if limit == "requests-2-per-60s (customer=acme)"
    ));
    assert_eq!(results[3], Ok(()), "globex has a limit of its own");
    // Calls without a customer are not under the template.
    assert!(results[4..].iter().all(Result::is_ok));
}

#[test]
fn an_advisory_limit_counts_every_call_at_close_and_warns_about_the_one_over() {
    let layer = GenOpsLayer::builder()
        .rate_limit(RateLimit::output_tokens(150).named("search-out"))
        .build();
    let (results, cap, _) = capture_with(layer, true, || vec![gated(5, 100), gated(5, 100)]);
    assert!(results.iter().all(Result::is_ok));
    let spans = cap.spans();
    assert_eq!(spans[0].field(GENOPS_POLICY_RESULT).str(), "allowed");
    assert_eq!(spans[1].field(GENOPS_POLICY_RESULT).str(), "warned");
    assert_eq!(spans[1].field(GENOPS_POLICY_NAME).str(), "search-out");
}

#[test]
fn bad_limits_are_errors_naming_them() {
    let err = |limit: RateLimit| match GenOpsLayer::builder().rate_limit(limit).try_build() {
        Err(InitError::Invalid { setting, problem }) => format!("{setting}: {problem}"),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        err(RateLimit::tokens(0).named("tpm")),
        "rate_limit: rate limit `tpm`: a limit of 0 tokens admits nothing; give a positive \
         limit, or stop the scope with the kill switch"
    );
    assert_eq!(
        err(RateLimit::requests(5)
            .per(Duration::from_micros(500))
            .named("fast")),
        "rate_limit: rate limit `fast`: a window of 500µs is shorter than the stores' clock \
         resolution of 1ms; use a window of at least that"
    );
    assert_eq!(
        err(RateLimit::requests(5)
            .named("rpm")
            .on_store_failure(genops::FailMode::Open {
                cap: Some(genops::Usd(1.0))
            })),
        "rate_limit: rate limit `rpm`: a limit counts requests, not USD, so it takes no \
         fail-open cap; use FailMode::Open { cap: None }"
    );
    let twins = GenOpsLayer::builder()
        .rate_limit(RateLimit::requests(5))
        .rate_limit(RateLimit::requests(5))
        .try_build();
    assert!(
        matches!(&twins, Err(InitError::Invalid { problem, .. }) if problem.contains("two rate limits are named `requests-5-per-60s`")),
        "{twins:?}"
    );
}

#[test]
fn a_killed_scope_denies_its_gated_calls_flags_its_ungated_ones_and_revives() {
    let clock = ManualClock::at(late_evening());
    let layer = GenOpsLayer::builder()
        .clock(clock.clone())
        .budget_store(BudgetStore::memory())
        .build();
    let handle = layer.clone();
    let (results, cap, _) = capture_with(layer, true, || {
        handle
            .kill(Scope::team("search"), "runaway agent loop")
            .unwrap();
        let killed = gated(1, 1);
        let others = gated_ads();
        ungated(1, 1);
        assert!(handle.revive(&Scope::team("search")).unwrap());
        let revived = gated(1, 1);
        vec![killed, others, revived]
    });
    let Err(AppError::Denied(denied)) = &results[0] else {
        panic!("{:?}", results[0]);
    };
    assert_eq!(
        denied,
        &GovernanceError::Killed {
            scope: "team=search".into(),
            reason: "runaway agent loop".into(),
            since: late_evening(),
        }
    );
    assert_eq!(
        denied.to_string(),
        "calls in team=search are stopped by the kill switch since 2026-11-28T23:59:00Z \
         (runaway agent loop); revive the scope (`genops-ctl revive team=search`, or `revive` \
         on the guard or layer) to run them again"
    );
    assert_eq!(results[1], Ok(()));
    assert_eq!(results[2], Ok(()));
    let spans = cap.spans();
    assert_eq!(spans[0].field(GENOPS_POLICY_RESULT).str(), "blocked");
    assert_eq!(spans[2].field(GENOPS_POLICY_RESULT).str(), "warned");
    assert_eq!(spans[2].field(GENOPS_POLICY_NAME).str(), "kill-switch");
    assert!(cap
        .events()
        .iter()
        .any(|(m, _)| m == "advisory policy violated"));
    assert_eq!(spans[3].field(GENOPS_POLICY_RESULT).str(), "allowed");
}

#[test]
fn a_layer_without_governance_says_why_it_cannot_kill() {
    let layer = GenOpsLayer::builder().build();
    let err = layer.kill(Scope::team("search"), "x").unwrap_err();
    assert!(
        err.starts_with("this layer has no governance engine"),
        "{err}"
    );
}

#[genops::track(team = "waiting", provider = "openai", model = "gpt-4o-mini", enforce)]
async fn waiting() -> Result<(), AppError> {
    Ok(())
}

#[genops::track(team = "waiting", provider = "openai", model = "gpt-4o-mini", enforce)]
fn waiting_sync() -> Result<(), AppError> {
    Ok(())
}

#[test]
fn a_limit_that_waits_lets_an_async_call_sleep_until_it_fits_without_blocking_its_thread() {
    let layer = GenOpsLayer::builder()
        .rate_limit(
            RateLimit::requests(1)
                .per(Duration::from_millis(300))
                .scope(Scope::team("waiting"))
                .wait_up_to(Duration::from_secs(2))
                .enforced(),
        )
        .rate_limit(
            RateLimit::requests(1)
                .per(Duration::from_secs(60))
                .scope(Scope::team("waiting"))
                .named("once-a-minute")
                .wait_up_to(Duration::from_secs(1))
                .enforced(),
        )
        .build();
    let layer_for_sync = GenOpsLayer::builder()
        .rate_limit(
            RateLimit::requests(1)
                .per(Duration::from_millis(300))
                .wait_up_to(Duration::from_secs(2))
                .enforced(),
        )
        .build();
    let ((first, second, ticks, waited), _, _) = capture_with(layer, true, || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let first = waiting().await;
            // One thread: the ticker runs only if the waiting call yields it.
            let ticker = tokio::spawn(async {
                let mut ticks = 0;
                for _ in 0..20 {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    ticks += 1;
                }
                ticks
            });
            let start = std::time::Instant::now();
            // Fits in the 300-ms limit after a wait, but never in a minute's: denied after
            // the wait of the first limit, without waiting a minute.
            let second = waiting().await;
            let waited = start.elapsed();
            (first, second, ticker.await.unwrap(), waited)
        })
    });
    assert_eq!(first, Ok(()));
    assert!(
        matches!(&second, Err(AppError::Denied(GovernanceError::RateLimited { limit, retry_after }))
            if limit == "once-a-minute" && *retry_after > Duration::from_secs(50)),
        "{second:?}"
    );
    assert!(waited >= Duration::from_millis(250), "{waited:?}");
    assert!(waited < Duration::from_secs(5), "{waited:?}");
    assert_eq!(
        ticks, 20,
        "the executor's one thread ran the ticker meanwhile"
    );

    let (results, _, _) = capture_with(layer_for_sync, true, || {
        let start = std::time::Instant::now();
        let results = [waiting_sync(), waiting_sync()];
        (results, start.elapsed())
    });
    assert_eq!(results.0, [Ok(()), Ok(())]);
    assert!(results.1 >= Duration::from_millis(250), "{:?}", results.1);
}

/// With `GENOPS_KILL=team=search`: search's gated calls are denied from the start, others run.
fn child_killed_from_the_start() {
    let layer = genops::init().build_layer().unwrap();
    assert_eq!(layer.kills().len(), 1);
    let (results, _, _) = capture_with(layer, true, || [gated(1, 1), gated_ads()]);
    assert!(
        matches!(&results[0], Err(AppError::Denied(GovernanceError::Killed { scope, reason, .. }))
            if scope == "team=search" && reason == "killed at start by GENOPS_KILL"),
        "{:?}",
        results[0]
    );
    assert_eq!(results[1], Ok(()));
}

/// With a malformed `GENOPS_KILL`: set-up fails naming the variable and the part at fault.
fn child_malformed_kill() {
    match genops::init().build_layer() {
        Err(InitError::Env { var, problem }) => {
            assert_eq!(var, "GENOPS_KILL");
            assert_eq!(
                problem,
                "\"squad\" is not a condition like team=search; write scopes like \
                 team=search,customer=acme"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn genops_kill_stops_its_scopes_from_the_start_and_a_malformed_one_is_an_error_naming_it() {
    support::child::run_if_child(&[
        ("child_killed_from_the_start", child_killed_from_the_start),
        ("child_malformed_kill", child_malformed_kill),
    ]);
    for (child, kill) in [
        ("child_killed_from_the_start", "team=search"),
        ("child_malformed_kill", "team=search,squad"),
    ] {
        let output = support::child::run_child(child, &[("GENOPS_KILL", kill.to_owned())]);
        assert!(
            output.status.success(),
            "{}",
            support::child::transcript(&output)
        );
    }
}

#[cfg(feature = "embedded")]
#[test]
fn a_kill_kept_in_a_budget_store_file_outlives_the_process_that_made_it() {
    let path = std::env::temp_dir().join(format!("{}.redb", support::backend::unique("kills")));
    let open = || {
        GenOpsLayer::builder()
            .budget_store(BudgetStore::file(&path))
            .build()
    };
    let first = open();
    first
        .kill(Scope::customer("acme"), "card declined")
        .unwrap();
    drop(first);
    let second = open();
    let kills = second.kills();
    assert_eq!(kills.len(), 1);
    assert_eq!(kills[0].scope(), &Scope::customer("acme"));
    assert_eq!(kills[0].reason(), "card declined");
    assert!(second.revive(&Scope::customer("acme")).unwrap());
    drop(second);
    assert!(open().kills().is_empty());
    let _ = std::fs::remove_file(&path);
}
