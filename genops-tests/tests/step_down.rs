//! Model step-down: a gated call is admitted on a cheaper model as its tightest budget drains,
//! or where its requested model's hold no longer fits, and is booked on the admitted model.

mod support;

use genops::semconv::*;
use genops::{Budget, GenOpsLayer, Price, PriceTable, Scope, StepDown, Usage, Usd};
use support::{capture_with, nanos, AppError};

/// A layer with a hard $1.00 budget for the team and the policy of the guide, and
/// gpt-4.1-nano's price ($0.10 and $0.40 per million tokens).
fn layer() -> GenOpsLayer {
    let mut prices = PriceTable::embedded();
    let nano = Price {
        input: 100_000,
        output: 400_000,
        ..Price::default()
    };
    prices.insert("gpt-4.1-nano", nano);
    GenOpsLayer::builder()
        .prices(prices)
        .budget(Budget::daily("search-daily", Scope::team("search"), Usd(1.0)).hard())
        .step_down(
            StepDown::new("degrade", Scope::team("search"))
                .at(0.80, "gpt-4o", "gpt-4o-mini")
                .at(0.95, "gpt-4o-mini", "gpt-4.1-nano"),
        )
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
