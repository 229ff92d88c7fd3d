//! Usage that cannot be true: flagged on the span, warned about, counted, and booked at the
//! model's bound, never as claimed, as a subscriber and a budget see it.

mod support;

use genops::semconv::*;
use genops::{Budget, Cost, GenOpsLayer, Scope, Usage, Usd};
use serde_json::{json, Value};
use support::{capture, capture_with, nanos, AppError, V};

/// gpt-4o-mini in the embedded table: $0.15/M input, $0.60/M output, in pico-dollars per token,
/// and its limits (LiteLLM's `max_input_tokens`, `max_output_tokens`).
const INPUT_PICOS: u128 = 150_000;
const OUTPUT_PICOS: u128 = 600_000;
const CONTEXT_WINDOW: u64 = 128_000;
const MAX_OUTPUT: u64 = 16_384;

/// The bound of one gpt-4o-mini response: its context window at the input price plus its
/// maximum output at the output price, $0.0290304.
const BOUND_PICOS: u128 = CONTEXT_WINDOW as u128 * INPUT_PICOS + MAX_OUTPUT as u128 * OUTPUT_PICOS;

#[test]
fn the_bound_is_computed_by_hand() {
    assert_eq!(BOUND_PICOS, 29_030_400_000);
}

/// A chat completion with these usage fields.
fn completion(usage: Value) -> Value {
    json!({
        "object": "chat.completion", "id": "chatcmpl-1", "model": "gpt-4o-mini-2024-07-18",
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": "Hi"}}],
        "usage": usage,
    })
}

#[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini", enforce)]
fn ask(body: Value) -> Result<Value, AppError> {
    Ok(body)
}

#[test]
fn a_prompt_of_u64_max_tokens_books_the_bound_and_the_daily_budget_stays_usable() {
    let layer = GenOpsLayer::builder()
        .budget(Budget::daily("search-daily", Scope::team("search"), Usd(100.0)).hard())
        .build();
    let budgets = layer.clone();
    let absurd =
        completion(json!({"prompt_tokens": 18446744073709551615u64, "completion_tokens": 12}));
    let plain = completion(json!({"prompt_tokens": 1_000, "completion_tokens": 100}));
    let (results, cap, ledger) = capture_with(layer, true, || {
        let first = ask(absurd.clone()).map(|_| ());
        let after_first = budgets.budgets()[0].spent;
        let second = ask(plain).map(|_| ());
        (first, after_first, second)
    });
    let (first, after_first, second) = results;
    assert_eq!(first, Ok(()));
    // The next gated call is admitted: the budget holds the bound, not $2.8 trillion.
    assert_eq!(second, Ok(()));
    let next = 1_000 * INPUT_PICOS + 100 * OUTPUT_PICOS;
    assert_eq!(nanos(after_first), (BOUND_PICOS / 1_000) as i128);
    assert_eq!(
        nanos(budgets.budgets()[0].spent),
        ((BOUND_PICOS + next) / 1_000) as i128
    );

    let total = ledger.snapshot().total;
    assert_eq!(total.calls, 2);
    assert_eq!(total.cost, Cost::from_picos(BOUND_PICOS + next));
    assert_eq!(total.input_tokens, CONTEXT_WINDOW + 1_000);
    assert_eq!(total.output_tokens, MAX_OUTPUT + 100);
    assert_eq!(total.implausible_usage_calls, 1);

    let spans = cap.spans();
    let (flagged, plain) = (&spans[0], &spans[1]);
    assert_eq!(
        flagged.field(GENOPS_USAGE_IMPLAUSIBLE).str(),
        "input=18446744073709551615 (above the context window, 128000)"
    );
    assert_eq!(flagged.field(GEN_AI_USAGE_INPUT_TOKENS).i64(), 128_000);
    assert_eq!(flagged.field(GEN_AI_USAGE_OUTPUT_TOKENS).i64(), 16_384);
    assert_eq!(
        nanos(flagged.field(GEN_AI_USAGE_COST).f64()),
        (BOUND_PICOS / 1_000) as i128
    );
    assert_eq!(flagged.field(GENOPS_POLICY_RESULT).str(), "allowed");
    assert!(!plain.has(GENOPS_USAGE_IMPLAUSIBLE));
    assert_eq!(plain.field(GENOPS_POLICY_RESULT).str(), "allowed");

    let warnings = cap.warning_events();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let (message, fields) = &warnings[0];
    assert!(message.contains("cannot be true"), "{message}");
    assert_eq!(fields["model"], V::Str("gpt-4o-mini-2024-07-18".into()));
    assert_eq!(
        fields["claim"],
        V::Str("input=18446744073709551615 (above the context window, 128000)".into())
    );
}

#[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini")]
fn answer(body: Value) -> Value {
    body
}

#[test]
fn counts_that_are_not_counts_are_flagged_the_same_way() {
    for (usage, claim) in [
        (
            json!({"prompt_tokens": -5, "completion_tokens": 1}),
            "prompt_tokens=-5 (not a token count)",
        ),
        (
            json!({"prompt_tokens": 10.5, "completion_tokens": 1}),
            "prompt_tokens=10.5 (not a token count)",
        ),
        (
            json!({"prompt_tokens": "10", "completion_tokens": 1}),
            "prompt_tokens=\"10\" (not a token count)",
        ),
        (
            json!({"prompt_tokens": 10, "completion_tokens": true}),
            "completion_tokens=true (not a token count)",
        ),
        (
            json!({"prompt_tokens": 1e30, "completion_tokens": 1}),
            "prompt_tokens=1e+30 (not a token count)",
        ),
        (
            json!({"prompt_tokens": 10, "completion_tokens": 1,
                   "prompt_tokens_details": {"cached_tokens": [1]}}),
            "cached_tokens=[1] (not a token count)",
        ),
    ] {
        let (_, cap, ledger) = capture(true, || answer(completion(usage.clone())));
        let span = cap.span("chat gpt-4o-mini");
        assert_eq!(span.field(GENOPS_USAGE_IMPLAUSIBLE).str(), claim, "{usage}");
        let total = ledger.snapshot().total;
        assert_eq!(total.cost, Cost::from_picos(BOUND_PICOS), "{usage}");
        assert_eq!(total.implausible_usage_calls, 1, "{usage}");
    }
    // `null` is no count, and a whole number written as a float is one: both can be true.
    let usage = json!({"prompt_tokens": 1000.0, "completion_tokens": 100,
                       "prompt_tokens_details": {"cached_tokens": null}});
    let (_, cap, ledger) = capture(true, || answer(completion(usage)));
    assert!(!cap.span("chat gpt-4o-mini").has(GENOPS_USAGE_IMPLAUSIBLE));
    assert_eq!(
        ledger.snapshot().total.cost,
        Cost::from_picos(1_000 * INPUT_PICOS + 100 * OUTPUT_PICOS)
    );
}

#[test]
fn usage_at_the_limits_is_booked_as_claimed_and_one_token_more_is_not() {
    let at_limits = Usage::new(CONTEXT_WINDOW, MAX_OUTPUT).cache_read(CONTEXT_WINDOW);
    #[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini")]
    fn recorded(usage: Usage) {
        genops::record_usage(usage);
    }
    let (_, cap, ledger) = capture(true, || recorded(at_limits));
    assert!(!cap.span("chat gpt-4o-mini").has(GENOPS_USAGE_IMPLAUSIBLE));
    // Every input token a cache read, at $0.075/M.
    let cached = CONTEXT_WINDOW as u128 * 75_000 + MAX_OUTPUT as u128 * OUTPUT_PICOS;
    assert_eq!(ledger.snapshot().total.cost, Cost::from_picos(cached));

    let (_, cap, ledger) = capture(true, || recorded(Usage::new(10, MAX_OUTPUT + 1)));
    assert_eq!(
        cap.span("chat gpt-4o-mini")
            .field(GENOPS_USAGE_IMPLAUSIBLE)
            .str(),
        "output=16385 (above the maximum output, 16384)"
    );
    assert_eq!(ledger.snapshot().total.cost, Cost::from_picos(BOUND_PICOS));
}

#[test]
fn each_response_is_checked_on_its_own() {
    // An agent's loop: three responses of 100,000 input tokens each, 300,000 in all, more than
    // the window of one response and all of them true.
    #[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini")]
    fn agent() {
        for _ in 0..3 {
            genops::record(&completion(
                json!({"prompt_tokens": 100_000, "completion_tokens": 10}),
            ));
        }
    }
    let (_, cap, ledger) = capture(true, agent);
    assert!(!cap.span("chat gpt-4o-mini").has(GENOPS_USAGE_IMPLAUSIBLE));
    let total = ledger.snapshot().total;
    assert_eq!(total.input_tokens, 300_000);
    assert_eq!(total.implausible_usage_calls, 0);
}

#[test]
fn an_unpriced_model_is_held_to_the_fallback_limit_at_no_cost() {
    #[genops::track(team = "search", provider = "openai", model = "no-such-model")]
    fn unpriced() {
        genops::record_usage(Usage::new(u64::MAX, 5));
    }
    let (_, cap, ledger) = capture(true, unpriced);
    let span = cap.span("chat no-such-model");
    assert_eq!(
        span.field(GENOPS_USAGE_IMPLAUSIBLE).str(),
        "input=18446744073709551615 (above the context window, 10000000)"
    );
    assert!(span.field(GENOPS_COST_UNKNOWN_MODEL).bool());
    let total = ledger.snapshot().total;
    assert_eq!(
        (total.input_tokens, total.output_tokens),
        (10_000_000, 10_000_000)
    );
    assert_eq!(total.cost, Cost::ZERO);
}

/// The Prometheus endpoint (feature `prometheus`).
#[cfg(feature = "prometheus")]
mod prometheus {
    use serde_json::json;

    use super::support::http_get;
    use super::{answer, completion};

    #[test]
    fn the_prometheus_endpoint_counts_the_calls_by_provider_and_model() {
        let (dispatch, guard) = genops::init()
            .log_output(false)
            .metrics_addr("127.0.0.1:0")
            .into_dispatch()
            .expect("a dispatch");
        tracing::dispatcher::with_default(&dispatch, || {
            answer(completion(
                json!({"prompt_tokens": 18446744073709551615u64, "completion_tokens": 1}),
            ));
            answer(completion(
                json!({"prompt_tokens": 10, "completion_tokens": 1}),
            ));
        });
        let scrape = http_get(guard.metrics_addr().expect("metrics on"), "/metrics");
        assert!(
            scrape.contains("# TYPE genops_usage_implausible_total counter\n"),
            "{scrape}"
        );
        assert!(
            scrape.contains(
                "genops_usage_implausible_total{provider=\"openai\",model=\"gpt-4o-mini-2024-07-18\"} 1\n"
            ),
            "{scrape}"
        );
    }
}
