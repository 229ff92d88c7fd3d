//! Model step-down: a gated call is admitted on a cheaper model as its tightest budget drains,
//! or where its requested model's hold no longer fits, and is booked on the admitted model.
//! Under a per-value budget, a call steps down at the utilisation of its own value (its
//! customer's share), and each value is forecast against its own limit, alike in memory and
//! in Redis.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use genops::semconv::*;
use genops::{
    Budget, BudgetStore, Dimension, GenOpsLayer, Price, PriceTable, Scope, StepDown, Usage, Usd,
};
use support::{capture_with, nanos, AppError};

/// The embedded prices and gpt-4.1-nano's ($0.10 and $0.40 per million tokens).
fn prices() -> PriceTable {
    let mut prices = PriceTable::embedded();
    let nano = Price {
        input: 100_000,
        output: 400_000,
        ..Price::default()
    };
    prices.insert("gpt-4.1-nano", nano);
    prices
}

/// The policy of the guide: past 80%, gpt-4o becomes gpt-4o-mini; past 95%, gpt-4.1-nano.
fn degrade() -> StepDown {
    StepDown::new("degrade", Scope::team("search"))
        .at(0.80, "gpt-4o", "gpt-4o-mini")
        .at(0.95, "gpt-4o-mini", "gpt-4.1-nano")
}

/// A layer with a hard $1.00 budget for the team and the policy of the guide.
fn layer() -> GenOpsLayer {
    GenOpsLayer::builder()
        .prices(prices())
        .budget(Budget::daily("search-daily", Scope::team("search"), Usd(1.0)).hard())
        .step_down(degrade())
        .build()
}

/// A call that obeys the step-down: it reads its model and reports 60,000 input tokens.
#[genops::track(team = "search", provider = "openai", model = "gpt-4o", enforce(reserve = usd))]
fn ask(usd: f64) -> Result<String, AppError> {
    let model = genops::admitted_model().expect("a tracked call with a model");
    genops::record_usage(Usage::new(60_000, 0));
    Ok(model)
}

#[test]
fn calls_step_down_in_order_as_the_budget_drains_and_are_booked_on_the_admitted_model() {
    let (models, cap, ledger) = capture_with(layer(), true, || {
        (0..14).map(|_| ask(0.02).unwrap()).collect::<Vec<_>>()
    });
    // 60,000 input tokens: $0.15 on gpt-4o, $0.009 on gpt-4o-mini, $0.006 on gpt-4.1-nano.
    // Six calls spend $0.90 (admitted at 0% to 75%); from 90% gpt-4o-mini; from 95.4% nano.
    let mut expected = vec!["gpt-4o"; 6];
    expected.extend(["gpt-4o-mini"; 6]);
    expected.extend(["gpt-4.1-nano"; 2]);
    assert_eq!(models, expected);
    let spans = cap.spans();
    for (span, model) in spans.iter().zip(&expected) {
        assert_eq!(span.field(GEN_AI_REQUEST_MODEL).str(), "gpt-4o");
        let cost = nanos(span.field(GENOPS_COST_SELF).f64());
        match *model {
            "gpt-4o" => {
                assert_eq!(cost, 150_000_000);
                assert!(!span.has(GENOPS_MODEL_ADMITTED));
            }
            stepped => {
                assert_eq!(span.field(GENOPS_MODEL_ADMITTED).str(), stepped);
                assert_eq!(span.field(GENOPS_STEP_DOWN_POLICY).str(), "degrade");
                let expected = if stepped == "gpt-4o-mini" {
                    9_000_000
                } else {
                    6_000_000
                };
                assert_eq!(cost, expected, "{stepped}");
            }
        }
    }
    assert_eq!(ledger.snapshot().total.cost.nanos(), 966_000_000);
}

#[test]
fn at_exhaustion_the_first_step_whose_hold_fits_is_admitted() {
    let (results, cap, _) = capture_with(layer(), true, || {
        // $0.45 spent: 45%, below every threshold.
        for _ in 0..3 {
            assert_eq!(ask(0.02).unwrap(), "gpt-4o");
        }
        // $0.60 on gpt-4o does not fit the $0.55 left; on gpt-4o-mini it is $0.036.
        let fallback = ask(0.60);
        // $20 scales to $1.20 on gpt-4o-mini and $0.80 on gpt-4.1-nano, and neither fits
        // what is left: the denial is the requested model's.
        let denied = ask(20.0);
        (fallback, denied)
    });
    assert_eq!(results.0.unwrap(), "gpt-4o-mini");
    match results.1 {
        Err(AppError::Denied(genops::GovernanceError::BudgetExceeded { reservation, .. })) => {
            assert_eq!(reservation, 20.0)
        }
        other => panic!("expected the requested model's denial, got {other:?}"),
    }
    let spans = cap.spans();
    assert_eq!(spans[3].field(GENOPS_MODEL_ADMITTED).str(), "gpt-4o-mini");
    assert_eq!(nanos(spans[3].field(GENOPS_COST_SELF).f64()), 9_000_000);
    assert_eq!(spans[4].field(GENOPS_POLICY_RESULT).str(), "blocked");
}

/// A call that sends a JSON request, rewritten to its admitted model in one line.
#[genops::track(
    team = "search",
    provider = "openai",
    model = "gpt-4o",
    enforce(reserve = 0.02)
)]
fn send() -> Result<serde_json::Value, AppError> {
    let mut body = serde_json::json!({"model": "gpt-4o", "messages": []});
    genops::use_admitted_model(&mut body);
    genops::record_usage(Usage::new(60_000, 0));
    Ok(body)
}

#[test]
fn a_request_is_rewritten_to_the_admitted_model() {
    let (bodies, _, _) = capture_with(layer(), true, || {
        (0..7)
            .map(|_| send().unwrap()["model"].clone())
            .collect::<Vec<_>>()
    });
    assert_eq!(bodies[5], "gpt-4o");
    assert_eq!(bodies[6], "gpt-4o-mini", "admitted at 90%");
}

/// A call that asks for gpt-4o whatever it was admitted on: the provider answers as gpt-4o.
#[genops::track(
    team = "search",
    provider = "openai",
    model = "gpt-4o",
    enforce(reserve = 0.02)
)]
fn stubborn() -> Result<(), AppError> {
    genops::record_response_model("gpt-4o-2024-08-06");
    genops::record_usage(Usage::new(60_000, 0));
    Ok(())
}

#[test]
fn a_call_that_ignores_its_admitted_model_is_booked_on_what_answered_with_a_warning() {
    let ((), cap, _) = capture_with(layer(), true, || {
        for _ in 0..6 {
            ask(0.02).unwrap();
        }
        stubborn().unwrap();
    });
    let span = cap.spans().pop().unwrap();
    assert_eq!(span.field(GENOPS_MODEL_ADMITTED).str(), "gpt-4o-mini");
    assert_eq!(nanos(span.field(GENOPS_COST_SELF).f64()), 150_000_000);
    let warned = cap.events().into_iter().any(|(message, fields)| {
        message.starts_with("a call stepped down by a policy was answered by another model")
            && fields.get("answered").map(|v| v.str()) == Some("gpt-4o-2024-08-06")
    });
    assert!(warned, "{:?}", cap.events());
}

/// A call for `customer` that obeys the step-down, holds `reserve` and reports `tokens` input
/// tokens.
#[genops::track(
    team = "search",
    customer = customer,
    provider = "openai",
    model = "gpt-4o",
    enforce(reserve = reserve)
)]
fn ask_for(customer: &str, tokens: u64, reserve: f64) -> Result<String, AppError> {
    genops::record_usage(Usage::new(tokens, 0));
    Ok(genops::admitted_model().expect("a tracked call with a model"))
}

/// acme's calls: 120,000 tokens, $0.30 on gpt-4o, $0.018 on gpt-4o-mini, $0.012 on nano.
const ACME: u64 = 120_000;
/// beta's and gamma's calls: 80,000 tokens, $0.20 on gpt-4o, $0.012 on gpt-4o-mini.
const BETA: u64 = 80_000;

/// One call: (customer, tokens, hold in USD, the model admitted, its cost in nano-dollars).
type Call = (&'static str, u64, f64, &'static str, i128);

/// The calls, in order; each customer's spend (of its $10) when a call is admitted in the
/// comments.
fn script() -> Vec<Call> {
    let acme = |model, nanos| ("acme", ACME, 0.01, model, nanos);
    let beta = |model, nanos| ("beta", BETA, 0.01, model, nanos);
    let mut calls = vec![beta("gpt-4o", 200_000_000)];
    // acme from $0 to $7.80: gpt-4o.
    calls.extend(vec![acme("gpt-4o", 300_000_000); 27]);
    // acme is at 81%, beta at 2%: beta is not stepped down.
    calls.push(beta("gpt-4o", 200_000_000));
    // acme from $8.10 to $9.486: gpt-4o-mini; at $9.504 (95.04%): nano.
    calls.extend(vec![acme("gpt-4o-mini", 18_000_000); 78]);
    calls.push(acme("gpt-4.1-nano", 12_000_000));
    // beta from $0.40 to $1.20: gpt-4o.
    calls.extend(vec![beta("gpt-4o", 200_000_000); 5]);
    // beta at $1.40 asks to hold $9: $10.40 passes its $10, and the fallback admits
    // gpt-4o-mini, whose hold ($0.54) fits. gamma, with nothing spent, holds $9 on gpt-4o.
    calls.push(("beta", BETA, 9.0, "gpt-4o-mini", 12_000_000));
    calls.push(("gamma", BETA, 9.0, "gpt-4o", 200_000_000));
    // beta from $1.412 to $7.812: gpt-4o; at $8.012 (80.12%): gpt-4o-mini.
    calls.extend(vec![beta("gpt-4o", 200_000_000); 33]);
    calls.push(beta("gpt-4o-mini", 12_000_000));
    calls
}

/// Runs the script on `store` under the per-customer budget `name`; `settled(customer,
/// nanos)` waits until the store shows the customer's spend.
fn steps_down_per_customer(store: BudgetStore, name: &str, settled: impl Fn(&str, i128)) {
    let layer = GenOpsLayer::builder()
        .prices(prices())
        .budget_store(store)
        .budget(
            Budget::daily_per(Dimension::Customer, Usd(10.0))
                .named(name)
                .hard(),
        )
        .step_down(degrade())
        .build();
    let forecasts = layer.clone();
    let calls = script();
    let (models, cap, ledger) = capture_with(layer, true, || {
        let mut spent = BTreeMap::<&str, i128>::new();
        let mut models = Vec::new();
        for (customer, tokens, reserve, _, cost) in &calls {
            models.push(ask_for(customer, *tokens, *reserve).unwrap());
            let spent = spent.entry(customer).or_default();
            *spent += cost;
            settled(customer, *spent);
        }
        models
    });
    let expected: Vec<&str> = calls.iter().map(|c| c.3).collect();
    assert_eq!(models, expected);
    for (span, (customer, _, _, model, cost)) in cap.spans().iter().zip(&calls) {
        assert_eq!(span.field(GENOPS_CUSTOMER_ID).str(), *customer);
        assert_eq!(span.field(GEN_AI_REQUEST_MODEL).str(), "gpt-4o");
        assert_eq!(
            nanos(span.field(GENOPS_COST_SELF).f64()),
            *cost,
            "{customer}"
        );
        if *model == "gpt-4o" {
            assert!(!span.has(GENOPS_MODEL_ADMITTED), "{customer}");
        } else {
            assert_eq!(span.field(GENOPS_MODEL_ADMITTED).str(), *model);
            assert_eq!(span.field(GENOPS_STEP_DOWN_POLICY).str(), "degrade");
        }
    }
    // Booked on the admitted models, to the pico-dollar.
    let snapshot = ledger.snapshot();
    let picos = |customer: &str| snapshot.by_customer[customer].cost.picos();
    assert_eq!(picos("acme"), 9_516_000_000_000);
    assert_eq!(picos("beta"), 8_024_000_000_000);
    assert_eq!(picos("gamma"), 200_000_000_000);
    let by_model = |model: &str| snapshot.by_model[model].cost.picos();
    assert_eq!(by_model("gpt-4o"), 16_300_000_000_000);
    assert_eq!(by_model("gpt-4o-mini"), 1_428_000_000_000);
    assert_eq!(by_model("gpt-4.1-nano"), 12_000_000_000);
    // Each customer is forecast against its own $10, at its own rate (all of it spent within
    // the hour): what it has left over what it spent, in hours; in thousandths of a dollar.
    let forecasts = forecasts.budget_forecasts();
    let values: Vec<_> = forecasts.iter().map(|f| f.value.as_deref()).collect();
    assert_eq!(values, [Some("acme"), Some("beta"), Some("gamma")]);
    let hours = |left: u128, spent: u128| {
        Some(Duration::from_nanos(
            (left * 3_600_000_000_000 / spent) as u64,
        ))
    };
    assert_eq!(forecasts[0].exhausted_in, hours(484, 9_516));
    assert_eq!(forecasts[1].exhausted_in, hours(1_976, 8_024));
    assert_eq!(forecasts[2].exhausted_in, hours(9_800, 200));
}

#[test]
fn each_customer_steps_down_at_its_own_utilisation_in_memory() {
    steps_down_per_customer(BudgetStore::memory(), "per-customer", |_, _| {});
}

#[cfg(feature = "redis")]
#[test]
fn each_customer_steps_down_at_its_own_utilisation_in_redis() {
    use std::time::Instant;

    use support::backend::unique;
    use support::redis::{hash, redis, window_key};

    let redis = redis();
    let url = redis.url();
    let name = unique("step-down-per-customer");
    // The store books behind the call: the next call's step-down reads what it has taken.
    let settled = |customer: &str, spent: i128| {
        let deadline = Instant::now() + Duration::from_secs(5);
        let key = window_key(&url, &format!("{name}|{customer}"));
        while hash(&url, &key).get("spent").map(String::as_str) != Some(&spent.to_string()) {
            assert!(Instant::now() < deadline, "{customer} never showed {spent}");
            std::thread::sleep(Duration::from_millis(5));
        }
    };
    steps_down_per_customer(BudgetStore::redis(url.clone()), &name, settled);
}
