//! The matching rules of `PriceTable::resolve`.

use genops_runtime::{Price, PriceTable};

use crate::support::per_m;

fn price_of(table: &PriceTable, key: &str) -> Price {
    table
        .get(key)
        .unwrap_or_else(|| panic!("`{key}` missing"))
        .price
}

#[test]
fn exact_match() {
    let table = PriceTable::embedded();
    assert_eq!(
        table.resolve("openai", "gpt-4o"),
        Some(per_m(2.50, 10.0).cache_read(1.25).picos())
    );
    assert_eq!(
        table.resolve("anthropic", "claude-sonnet-4-5"),
        Some(price_of(&table, "claude-sonnet-4-5"))
    );
    // A dated key that is present is matched exactly.
    assert_eq!(
        table.resolve("anthropic", "claude-opus-4-5-20251101"),
        Some(price_of(&table, "claude-opus-4-5-20251101"))
    );
    // A key stored with a namespace, given in full, matches as written.
    assert_eq!(
        table.resolve("openai", "mistral/mistral-small"),
        Some(price_of(&table, "mistral/mistral-small"))
    );
    // An unknown provider still gets exact matches.
    assert_eq!(
        table.resolve("some.new.provider", "gpt-4o"),
        Some(price_of(&table, "gpt-4o"))
    );
}

#[test]
fn provider_namespace_is_tried_first() {
    let table = PriceTable::embedded();
    // `gemini/gemini-exp-1206` is $0/$0, the bare `gemini-exp-1206` is $0.30/$2.50.
    assert_eq!(
        price_of(&table, "gemini/gemini-exp-1206"),
        per_m(0.0, 0.0).picos()
    );
    assert_eq!(
        price_of(&table, "gemini-exp-1206"),
        per_m(0.30, 2.50).cache_read(0.03).reasoning(2.50).picos()
    );
    assert_eq!(
        table.resolve("gcp.gemini", "gemini-exp-1206"),
        Some(per_m(0.0, 0.0).picos())
    );
    // Vertex has no `vertex_ai/gemini-exp-1206`, so it gets the bare entry.
    assert_eq!(
        table.resolve("gcp.vertex_ai", "gemini-exp-1206"),
        Some(price_of(&table, "gemini-exp-1206"))
    );

    // `mistral-large-latest` exists only namespaced, at different prices on Azure and Mistral.
    assert_eq!(
        table.resolve("azure.ai.openai", "mistral-large-latest"),
        Some(per_m(8.0, 24.0).picos())
    );
    assert_eq!(
        table.resolve("mistral_ai", "mistral-large-latest"),
        Some(per_m(0.50, 1.50).cache_read(0.05).picos())
    );
    assert_eq!(table.resolve("openai", "mistral-large-latest"), None);

    // xai/, groq/, deepseek/ and vertex_ai/ namespaces.
    assert_eq!(
        table.resolve("x_ai", "grok-4.6"),
        Some(price_of(&table, "xai/grok-4.6"))
    );
    assert_eq!(table.resolve("openai", "grok-4.6"), None);
    assert_eq!(
        table.resolve("groq", "meta-llama/llama-prompt-guard-2-22m"),
        Some(price_of(&table, "groq/meta-llama/llama-prompt-guard-2-22m"))
    );
    assert_eq!(
        table.resolve("deepseek", "deepseek-reasoner"),
        Some(price_of(&table, "deepseek/deepseek-reasoner"))
    );
    assert_eq!(
        table.resolve("gcp.vertex_ai", "claude-opus-5-5@default"),
        Some(price_of(&table, "vertex_ai/claude-opus-5-5@default"))
    );

    // The embedded table has no `bedrock/…` keys; check the Bedrock namespace on a table of
    // its own, where the namespaced entry must win over the bare one.
    let mut t = PriceTable::new();
    t.insert(
        "m",
        Price {
            input: 1,
            output: 1,
            ..Price::default()
        },
    );
    t.insert(
        "bedrock/m",
        Price {
            input: 2,
            output: 2,
            ..Price::default()
        },
    );
    t.insert(
        "azure/m",
        Price {
            input: 3,
            output: 3,
            ..Price::default()
        },
    );
    assert_eq!(t.resolve("aws.bedrock", "m").unwrap().input, 2);
    assert_eq!(t.resolve("azure.ai.openai", "m").unwrap().input, 3);
    assert_eq!(t.resolve("openai", "m").unwrap().input, 1);
    assert_eq!(t.resolve("gcp.gemini", "m").unwrap().input, 1);
}

#[test]
fn provider_prefix_is_stripped() {
    let table = PriceTable::embedded();
    let gpt4o = price_of(&table, "gpt-4o");
    assert_eq!(table.resolve("openai", "openai/gpt-4o"), Some(gpt4o));
    assert_eq!(
        table.resolve("anthropic", "anthropic/claude-sonnet-4-5"),
        Some(price_of(&table, "claude-sonnet-4-5"))
    );
    // The stripped name is then looked up in the provider's namespace.
    assert_eq!(
        table.resolve("x_ai", "xai/grok-4.7"),
        Some(price_of(&table, "xai/grok-4.7"))
    );
    assert_eq!(
        table.resolve("azure.ai.openai", "openai/gpt-4-turbo"),
        Some(price_of(&table, "azure/gpt-4-turbo"))
    );
}

#[test]
fn dated_snapshot_falls_back_to_its_base() {
    let table = PriceTable::embedded();
    let gpt4o = price_of(&table, "gpt-4o");
    // `-YYYY-MM-DD`; the dated key is deliberately absent from the embedded table.
    assert!(table.get("gpt-4o-2024-08-06").is_none());
    assert_eq!(table.resolve("openai", "gpt-4o-2024-08-06"), Some(gpt4o));
    // with a provider prefix as well
    assert_eq!(
        table.resolve("openai", "openai/gpt-4o-2024-11-20"),
        Some(gpt4o)
    );
    // `-YYYYMMDD`
    assert!(table.get("claude-sonnet-4-6-20251231").is_none());
    assert_eq!(
        table.resolve("anthropic", "claude-sonnet-4-6-20251231"),
        Some(price_of(&table, "claude-sonnet-4-6"))
    );
    // the base is looked up in the provider's namespace
    assert_eq!(
        table.resolve("x_ai", "grok-4.6-20260101"),
        Some(price_of(&table, "xai/grok-4.6"))
    );
    assert_eq!(
        table.resolve("azure.ai.openai", "gpt-4o-2024-08-06"),
        Some(price_of(&table, "azure/gpt-4o"))
    );

    // A dated entry that exists wins over its base.
    let mut t = PriceTable::new();
    t.insert(
        "base",
        Price {
            input: 1,
            output: 1,
            ..Price::default()
        },
    );
    t.insert(
        "base-2024-01-02",
        Price {
            input: 2,
            output: 2,
            ..Price::default()
        },
    );
    t.insert(
        "base-20240102",
        Price {
            input: 3,
            output: 3,
            ..Price::default()
        },
    );
    assert_eq!(t.resolve("openai", "base-2024-01-02").unwrap().input, 2);
    assert_eq!(t.resolve("openai", "base-20240102").unwrap().input, 3);
    assert_eq!(t.resolve("openai", "base-2025-05-05").unwrap().input, 1);
    assert_eq!(t.resolve("openai", "base-20250505").unwrap().input, 1);
}

#[test]
fn not_a_date_is_not_stripped() {
    let table = PriceTable::embedded();
    // Seven digits, letters, or a two-part suffix are not snapshot dates.
    assert_eq!(table.resolve("openai", "gpt-4o-2024080"), None);
    assert_eq!(table.resolve("openai", "gpt-4o-2024-08"), None);
    assert_eq!(table.resolve("openai", "gpt-4o-2024080x"), None);
    assert_eq!(table.resolve("openai", "gpt-4o-latest"), None);
}

#[test]
fn alias() {
    let mut table = PriceTable::embedded();
    assert_eq!(table.resolve("openai", "my-gpt"), None);
    table.alias("my-gpt", "gpt-4o");
    assert_eq!(
        table.resolve("openai", "my-gpt"),
        Some(price_of(&table, "gpt-4o"))
    );

    // The target goes through the other rules: namespace and dated snapshot.
    table.alias("fast-grok", "grok-4.6");
    assert_eq!(
        table.resolve("x_ai", "fast-grok"),
        Some(price_of(&table, "xai/grok-4.6"))
    );
    table.alias("pinned", "gpt-4o-2024-08-06");
    assert_eq!(
        table.resolve("openai", "pinned"),
        Some(price_of(&table, "gpt-4o"))
    );

    // An alias is only a last resort: it does not shadow a model that has a price.
    table.alias("gpt-4o-mini", "o1");
    assert_eq!(
        table.resolve("openai", "gpt-4o-mini"),
        Some(price_of(&table, "gpt-4o-mini"))
    );

    // An alias to an unknown model resolves to nothing.
    table.alias("ghost", "no-such-model");
    assert_eq!(table.resolve("openai", "ghost"), None);
}

#[test]
fn unknown_model_is_none() {
    let table = PriceTable::embedded();
    assert_eq!(table.resolve("openai", "definitely-not-a-model"), None);
    assert_eq!(table.resolve("openai", "acme/unknown-20240101"), None);
    assert_eq!(table.resolve("anthropic", ""), None);
    assert_eq!(PriceTable::new().resolve("openai", "gpt-4o"), None);
}
