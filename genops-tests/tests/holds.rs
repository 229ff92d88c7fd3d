//! Worst-case holds: `enforce(reserve = request)` holds what the request can cost at most on
//! each hard budget, records it on the span, and books the actual cost at close.

mod support;

use genops::semconv::*;
use genops::{Budget, GenOpsLayer, GovernanceError, HoldError, Scope, Usage, Usd};
use serde_json::{json, Value};
use support::{capture_with, AppError};

#[genops::track(
    team = "search",
    provider = "openai",
    model = "gpt-4o",
    enforce(reserve = body)
)]
fn chat(body: &Value, usage: Usage) -> Result<u32, AppError> {
    genops::record_usage(usage);
    Ok(1)
}

/// "Hello!" to gpt-4o, at most 100 tokens out: 3 (the reply's priming) + 3 (the message's
/// framing) + 6 (bytes; 2 tokens with the `tokenizer` feature) tokens in.
fn hello() -> Value {
    json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "Hello!"}], "max_tokens": 100})
}

/// The input tokens of [`hello`].
const HELLO_INPUT: u128 = if cfg!(feature = "tokenizer") { 8 } else { 12 };

/// Its input at $2.50/M and 100 × $10/M out, in pico-dollars.
const HELLO_HOLD: u128 = HELLO_INPUT * 2_500_000 + 100 * 10_000_000;

#[test]
fn a_request_holds_its_worst_case_and_books_its_actual_cost() {
    let layer = GenOpsLayer::builder()
        .budget(Budget::daily("search-hard", Scope::team("search"), Usd(1.0)).hard())
        .build();
    let budgets = layer.clone();
    let (result, cap, ledger) = capture_with(layer, true, || chat(&hello(), Usage::new(8, 20)));
    assert_eq!(result, Ok(1));
    let span = &cap.spans()[0];
    assert_eq!(
        span.field(GENOPS_BUDGET_HOLD).f64(),
        HELLO_HOLD as f64 / 1e12
    );
    // Booked: 8 × $2.50/M + 20 × $10/M (8 tokens in: within the bound, and the exact count);
    // nothing is left reserved.
    let booked = 8 * 2_500_000 + 20 * 10_000_000;
    assert_eq!(ledger.snapshot().total.cost.picos(), booked);
    let status = &budgets.budgets()[0];
    assert_eq!((status.spent, status.reserved), (booked as f64 / 1e12, 0.0));
}

#[test]
fn a_budget_without_room_for_the_worst_case_denies_the_call() {
    let layer = GenOpsLayer::builder()
        .budget(Budget::daily("search-hard", Scope::team("search"), Usd(0.001)).hard())
        .build();
    let (result, cap, ledger) = capture_with(layer, true, || chat(&hello(), Usage::new(9, 20)));
    let Err(AppError::Denied(GovernanceError::BudgetExceeded { reservation, .. })) = result else {
        panic!("{result:?}");
    };
    assert_eq!(reservation, HELLO_HOLD as f64 / 1e12);
    assert_eq!(cap.spans()[0].field(GENOPS_POLICY_RESULT).str(), "blocked");
    assert_eq!(ledger.snapshot().total.cost.picos(), 0);
}

#[test]
fn a_request_with_no_messages_is_denied_with_an_error_naming_it() {
    let layer = GenOpsLayer::builder()
        .budget(Budget::daily("search-hard", Scope::team("search"), Usd(1.0)).hard())
        .build();
    let body = json!({"model": "gpt-4o", "messages": [], "max_tokens": 100});
    let (result, cap, _) = capture_with(layer, true, || chat(&body, Usage::new(9, 20)));
    let Err(AppError::Denied(denied)) = result else {
        panic!("{result:?}");
    };
    assert_eq!(
        denied,
        GovernanceError::CannotHold(HoldError::NoMessages { field: "messages" })
    );
    assert!(
        denied.to_string().contains("add at least one message"),
        "{denied}"
    );
    let span = &cap.spans()[0];
    assert_eq!(span.field(GENOPS_POLICY_RESULT).str(), "blocked");
    assert!(span
        .field(GENOPS_POLICY_REASON)
        .str()
        .contains("`messages`"));
}

#[test]
fn an_ungated_layer_does_not_read_the_request() {
    // No budget or policy: the gate admits without reading, so even a bad request runs.
    let body = json!({"model": "gpt-4o", "messages": []});
    let (result, _, ledger) = capture_with(GenOpsLayer::builder().build(), true, || {
        chat(&body, Usage::new(9, 20))
    });
    assert_eq!(result, Ok(1));
    assert_eq!(ledger.snapshot().total.calls, 1);
}

#[test]
fn usage_beyond_the_holds_caps_is_flagged_and_booked_at_the_hold() {
    let layer = GenOpsLayer::builder()
        .budget(Budget::daily("search-hard", Scope::team("search"), Usd(1.0)).hard())
        .build();
    let budgets = layer.clone();
    // The request caps the output at 100 tokens; the usage claims 500.
    let (result, cap, ledger) = capture_with(layer, true, || chat(&hello(), Usage::new(8, 500)));
    assert_eq!(result, Ok(1));
    let span = &cap.spans()[0];
    let claim = span.field(GENOPS_USAGE_IMPLAUSIBLE).str();
    assert!(claim.contains("500"), "{claim}");
    // Booked at the hold's caps, the most the call was admitted to cost.
    assert_eq!(ledger.snapshot().total.cost.picos(), HELLO_HOLD);
    let status = &budgets.budgets()[0];
    assert_eq!(
        (status.spent, status.reserved),
        (HELLO_HOLD as f64 / 1e12, 0.0)
    );
}

#[test]
fn under_soft_budgets_only_the_request_is_not_read() {
    // A soft budget never denies, so there is no worst case to hold: even a bad request runs.
    let layer = GenOpsLayer::builder()
        .budget(Budget::daily(
            "search-soft",
            Scope::team("search"),
            Usd(0.001),
        ))
        .build();
    let body = json!({"model": "gpt-4o", "messages": []});
    let (result, cap, _) = capture_with(layer, true, || chat(&body, Usage::new(9, 20)));
    assert_eq!(result, Ok(1));
    assert!(!cap.spans()[0].has(GENOPS_BUDGET_HOLD));
}
