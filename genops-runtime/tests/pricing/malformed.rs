//! Malformed price files: each error names the file, the entry and the field.

use genops_runtime::{PriceTable, PricingError};

use crate::support::{assert_contains, TempFile};

#[test]
fn bad_json_names_the_file() {
    let mut table = PriceTable::embedded();
    let file = TempFile::new(
        "bad-json.json",
        r#"{"gpt-4o": {"input_cost_per_token": 1e-6,"#,
    );
    let err = table.load_file(&file.0).unwrap_err();
    assert!(matches!(err, PricingError::Json { .. }), "{err:?}");
    assert_contains(
        &err.to_string(),
        &[&file.display(), "not valid JSON", "line"],
    );

    // Trailing garbage after a valid object.
    let err = table.apply_json("trailing.json", r#"{} x"#).unwrap_err();
    assert!(matches!(err, PricingError::Json { .. }), "{err:?}");
    assert_contains(&err.to_string(), &["trailing.json"]);

    // Empty file.
    let err = table.apply_json("empty.json", "").unwrap_err();
    assert_contains(&err.to_string(), &["empty.json"]);
}

#[test]
fn negative_price_names_file_entry_and_field() {
    let mut table = PriceTable::embedded();
    let file = TempFile::new(
        "negative.json",
        r#"{"cheap-model": {"input_cost_per_token": 1e-6, "output_cost_per_token": -2e-6}}"#,
    );
    let err = table.load_file(&file.0).unwrap_err();
    assert!(matches!(err, PricingError::Entry { .. }), "{err:?}");
    assert_contains(
        &err.to_string(),
        &[
            &file.display(),
            "`cheap-model`",
            "output_cost_per_token",
            "negative",
        ],
    );
    assert!(table.get("cheap-model").is_none());
}

#[test]
fn string_price_names_file_entry_and_field() {
    let mut table = PriceTable::embedded();
    let file = TempFile::new(
        "string-price.json",
        r#"{"gpt-4o": {"cache_read_input_token_cost": "1.25e-06"}}"#,
    );
    let err = table.load_file(&file.0).unwrap_err();
    assert!(matches!(err, PricingError::Entry { .. }), "{err:?}");
    assert_contains(
        &err.to_string(),
        &[
            &file.display(),
            "`gpt-4o`",
            "cache_read_input_token_cost",
            "string",
        ],
    );

    // Other non-numbers.
    for value in ["true", "[1e-6]", "{\"usd\": 1e-6}"] {
        let err = table
            .apply_json(
                "odd.json",
                &format!(r#"{{"m": {{"output_cost_per_reasoning_token": {value}}}}}"#),
            )
            .unwrap_err();
        assert_contains(
            &err.to_string(),
            &["odd.json", "`m`", "output_cost_per_reasoning_token"],
        );
    }
}

#[test]
fn wrong_type_for_litellm_provider_names_file_entry_and_field() {
    let mut table = PriceTable::embedded();
    let file = TempFile::new(
        "provider-number.json",
        r#"{"acme-1": {"input_cost_per_token": 1e-6, "litellm_provider": 42}}"#,
    );
    let err = table.load_file(&file.0).unwrap_err();
    assert!(matches!(err, PricingError::Entry { .. }), "{err:?}");
    assert_contains(
        &err.to_string(),
        &[&file.display(), "`acme-1`", "litellm_provider", "42"],
    );
    // And for `mode`.
    let err = table
        .apply_json("mode.json", r#"{"acme-2": {"mode": ["chat"]}}"#)
        .unwrap_err();
    assert_contains(&err.to_string(), &["mode.json", "`acme-2`", "mode"]);
}

#[test]
fn entry_that_is_not_an_object_names_file_and_entry() {
    let mut table = PriceTable::embedded();
    for (name, value) in [
        ("number", "3"),
        ("string", "\"$2.50/M\""),
        ("array", "[2.5e-06, 1e-05]"),
        ("bool", "false"),
        ("null", "null"),
    ] {
        let file = TempFile::new(
            &format!("entry-{name}.json"),
            &format!(r#"{{"weird-{name}": {value}}}"#),
        );
        let err = table.load_file(&file.0).unwrap_err();
        assert!(matches!(err, PricingError::Entry { .. }), "{name}: {err:?}");
        assert_contains(
            &err.to_string(),
            &[&file.display(), &format!("`weird-{name}`")],
        );
        assert!(table.get(&format!("weird-{name}")).is_none());
    }
}

#[test]
fn top_level_that_is_not_an_object_names_the_file() {
    let mut table = PriceTable::embedded();
    let file = TempFile::new(
        "array.json",
        r#"[{"gpt-4o": {"input_cost_per_token": 1e-6}}]"#,
    );
    let err = table.load_file(&file.0).unwrap_err();
    assert!(matches!(err, PricingError::NotAnObject { .. }), "{err:?}");
    assert_contains(&err.to_string(), &[&file.display(), "JSON object"]);

    for (origin, json) in [
        ("num.json", "42"),
        ("str.json", "\"prices\""),
        ("null.json", "null"),
    ] {
        let err = table.apply_json(origin, json).unwrap_err();
        assert!(
            matches!(err, PricingError::NotAnObject { .. }),
            "{origin}: {err:?}"
        );
        assert_contains(&err.to_string(), &[origin]);
    }
}

#[test]
fn missing_file_names_the_file() {
    let mut table = PriceTable::embedded();
    let path = std::env::temp_dir().join(format!(
        "genops-pricing-test-{}-does-not-exist.json",
        std::process::id()
    ));
    let err = table.load_file(&path).unwrap_err();
    assert!(matches!(err, PricingError::Io { .. }), "{err:?}");
    assert_contains(&err.to_string(), &[&path.display().to_string()]);
    assert!(std::error::Error::source(&err).is_some());
}

#[test]
fn failed_apply_leaves_the_table_unchanged() {
    let mut table = PriceTable::embedded();
    let len = table.len();
    let gpt4o = table.get("gpt-4o").unwrap().clone();
    // One valid new model, one valid change to an existing model, one bad entry.
    let json = r#"{
        "brand-new-model": {"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06},
        "gpt-4o": {"output_cost_per_token": 0.001, "litellm_provider": "changed"},
        "broken-model": {"input_cost_per_token": "free"}
    }"#;
    let err = table.apply_json("mixed.json", json).unwrap_err();
    assert_contains(
        &err.to_string(),
        &["mixed.json", "`broken-model`", "input_cost_per_token"],
    );
    assert!(
        table.get("brand-new-model").is_none(),
        "the valid model must not be added"
    );
    assert_eq!(table.get("gpt-4o").unwrap(), &gpt4o);
    assert_eq!(table.len(), len);

    // Same through a file, with the bad entry first in the text.
    let file = TempFile::new(
        "mixed.json",
        r#"{"bad": {"output_cost_per_token": -1}, "good": {"input_cost_per_token": 1e-06}}"#,
    );
    let err = table.load_file(&file.0).unwrap_err();
    assert_contains(&err.to_string(), &[&file.display(), "`bad`"]);
    assert!(table.get("good").is_none());
    assert_eq!(table.len(), len);

    // The table still works after the failures.
    assert_eq!(table.resolve("openai", "gpt-4o"), Some(gpt4o.price));
}
