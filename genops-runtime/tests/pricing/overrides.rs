//! Overrides in LiteLLM's schema.

use genops_runtime::{Price, PriceEntry, PriceTable, Usage};

use crate::support::{assert_contains, litellm_full_path, per_m, TempFile};

#[test]
fn override_replaces_only_the_named_field() {
    let mut table = PriceTable::embedded();
    let before = table.get("gpt-4o").unwrap().clone();
    let len = table.len();
    // $12/M out instead of $10/M.
    let file = TempFile::new(
        "only-output.json",
        r#"{"gpt-4o": {"output_cost_per_token": 1.2e-05}}"#,
    );
    table.load_file(&file.0).unwrap();
    let after = table.get("gpt-4o").unwrap();
    assert_eq!(
        after,
        &PriceEntry {
            price: Price {
                output: 12_000_000,
                ..before.price
            },
            ..before.clone()
        }
    );
    assert_eq!(after.price.input, 2_500_000);
    assert_eq!(after.price.cache_read, Some(1_250_000));
    assert_eq!(after.litellm_provider.as_deref(), Some("openai"));
    assert_eq!(after.mode.as_deref(), Some("chat"));
    assert_eq!(table.len(), len);
    // 1,000 × 2,500 + 1,000 × 12,000 = 14,500,000 n$
    assert_eq!(
        table
            .resolve("openai", "gpt-4o")
            .unwrap()
            .cost(&Usage::new(1_000, 1_000))
            .nanos(),
        14_500_000
    );
    // The dated snapshot follows the overridden base.
    assert_eq!(
        table.resolve("openai", "gpt-4o-2024-08-06").unwrap().output,
        12_000_000
    );
}

#[test]
fn null_fields_and_unknown_fields_leave_values_alone() {
    let mut table = PriceTable::embedded();
    let before = table.get("claude-haiku-4-5").unwrap().clone();
    table
        .apply_json(
            "nulls.json",
            r#"{"claude-haiku-4-5": {"input_cost_per_token": null, "cache_read_input_token_cost": null,
                                      "max_tokens": 8192, "supports_vision": true}}"#,
        )
        .unwrap();
    assert_eq!(table.get("claude-haiku-4-5").unwrap(), &before);
}

#[test]
fn override_adds_a_new_model() {
    let mut table = PriceTable::embedded();
    let len = table.len();
    let file = TempFile::new(
        "new-model.json",
        r#"{
            "acme/rocket-1": {
                "input_cost_per_token": 3e-07,
                "output_cost_per_token": 1.2e-06,
                "cache_read_input_token_cost": 3e-08,
                "litellm_provider": "acme",
                "mode": "chat"
            }
        }"#,
    );
    table.load_file(&file.0).unwrap();
    assert_eq!(table.len(), len + 1);
    let entry = table.get("acme/rocket-1").unwrap();
    assert_eq!(entry.price, per_m(0.30, 1.20).cache_read(0.03).picos());
    assert_eq!(entry.litellm_provider.as_deref(), Some("acme"));
    assert_eq!(entry.mode.as_deref(), Some("chat"));
    // The new model resolves under its full name.
    let price = table.resolve("acme", "acme/rocket-1").unwrap();
    // (10,000 - 5,000) × 300 + 5,000 × 30 + 1,000 × 1,200 = 1,500,000 + 150,000 + 1,200,000
    //                                                     = 2,850,000 n$
    assert_eq!(
        price
            .cost(&Usage::new(10_000, 1_000).cache_read(5_000))
            .nanos(),
        2_850_000
    );

    // A new model with only an input price has output 0 and no special rates.
    table
        .apply_json(
            "partial.json",
            r#"{"embed-x": {"input_cost_per_token": 1e-07}}"#,
        )
        .unwrap();
    let entry = table.get("embed-x").unwrap();
    assert_eq!(
        entry.price,
        Price {
            input: 100_000,
            ..Price::default()
        }
    );
    assert_eq!(entry.litellm_provider, None);
    assert_eq!(entry.mode, None);
}

#[test]
fn full_litellm_file_loads_unchanged() {
    let path = litellm_full_path();
    let mut table = PriceTable::new();
    table.load_file(&path).unwrap();
    assert!(table.len() > 4_800, "only {} models", table.len());
    // LiteLLM's documentation entry is not a model.
    assert!(table.get("sample_spec").is_none());
    // The full file has the dated snapshot that the embedded one lacks.
    assert!(table.get("gpt-4o-2024-08-06").is_some());
    assert_eq!(
        table.resolve("openai", "gpt-4o").unwrap(),
        per_m(2.50, 10.0).cache_read(1.25).picos()
    );

    // And on top of the embedded table: every embedded model is also in LiteLLM's file with the
    // same prices, so nothing embedded changes and the count grows to LiteLLM's.
    let mut layered = PriceTable::embedded();
    let embedded = PriceTable::embedded();
    layered.load_file(&path).unwrap();
    assert_eq!(layered.len(), table.len());
    assert_eq!(
        layered.get("claude-sonnet-4-5"),
        embedded.get("claude-sonnet-4-5")
    );
    assert_eq!(layered.get("xai/grok-4.6"), embedded.get("xai/grok-4.6"));
}

#[test]
fn prices_round_to_the_nearest_pico_dollar() {
    // Expected values in pico-dollars per token. Halves round away from zero (f64::round), not to
    // even: 0.5 → 1, 1.5 → 2, 2.5 → 3.
    let cases: &[(&str, u64)] = &[
        ("1.0000000000004e-6", 1_000_000), // 1,000,000.0000004 p$ → 1,000,000
        ("1.0000000000006e-6", 1_000_000), // 1,000,000.0000006 p$ → 1,000,000
        ("2.5e-13", 0),                    // 0.25 p$ → 0
        ("4e-13", 0),                      // 0.4 p$ → 0
        ("5e-13", 1),                      // 0.5 p$ → 1 (half away from zero)
        ("6e-13", 1),                      // 0.6 p$ → 1
        ("1.5e-12", 2),                    // 1.5 p$ → 2
        ("2.5e-12", 3),                    // 2.5 p$ → 3 (not 2: no banker's rounding)
        ("1.4999e-12", 1),                 // 1.4999 p$ → 1
        ("3.75e-08", 37_500),              // exact
        ("0", 0),                          // integer zero
        ("1", 1_000_000_000_000),          // $1 per token, written as a JSON integer
        ("-0.0", 0),                       // negative zero is zero, not negative
    ];
    for &(json_number, picos) in cases {
        let mut table = PriceTable::new();
        table
            .apply_json(
                "rounding.json",
                &format!(r#"{{"m": {{"input_cost_per_token": {json_number}}}}}"#),
            )
            .unwrap_or_else(|e| panic!("{json_number}: {e}"));
        assert_eq!(
            table.get("m").unwrap().price.input,
            picos,
            "{json_number} USD/token"
        );
    }
}

#[test]
fn too_large_price_is_an_error() {
    // $20,000,000 per token = 2e19 p$, above u64::MAX (≈1.8447e19).
    let mut table = PriceTable::new();
    let err = table
        .apply_json("huge.json", r#"{"m": {"input_cost_per_token": 2e7}}"#)
        .unwrap_err();
    assert_contains(
        &err.to_string(),
        &["huge.json", "`m`", "input_cost_per_token"],
    );
    assert!(table.is_empty());
}

#[test]
fn price_of_exactly_two_to_the_64_picos_is_an_error() {
    // `u64::MAX as f64` rounds up to 2^64, so a price of exactly 2^64 pico-dollars
    // (18446744.073709552 USD per token) must be refused, not saturated to u64::MAX.
    let mut table = PriceTable::new();
    let result = table.apply_json(
        "edge.json",
        r#"{"m": {"input_cost_per_token": 18446744.073709552}}"#,
    );
    assert!(
        result.is_err(),
        "2^64 p$ does not fit in u64 but was accepted as {:?}",
        table.get("m").map(|e| e.price.input)
    );
}
