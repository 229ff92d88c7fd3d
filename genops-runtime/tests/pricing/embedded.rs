//! The embedded table.

use genops_runtime::PriceTable;

use crate::support::{embedded_json_path, litellm_full_path};

#[test]
fn embedded_table_is_large_and_covers_every_provider() {
    let table = PriceTable::embedded();
    assert!(table.len() >= 150, "only {} models", table.len());

    // Every key of the data file is in the table, with its provider.
    let text = std::fs::read_to_string(embedded_json_path()).unwrap();
    let json: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text).unwrap();
    let keys: Vec<&String> = json.keys().filter(|k| *k != "sample_spec").collect();
    assert_eq!(table.len(), keys.len());
    let mut providers = std::collections::BTreeMap::<String, usize>::new();
    for key in keys {
        let entry = table
            .get(key)
            .unwrap_or_else(|| panic!("`{key}` from the data file is not in the table"));
        let provider = entry
            .litellm_provider
            .clone()
            .unwrap_or_else(|| panic!("`{key}` has no litellm_provider"));
        assert_eq!(
            Some(provider.as_str()),
            json[key.as_str()]["litellm_provider"].as_str(),
            "{key}"
        );
        *providers.entry(provider).or_default() += 1;
    }

    // LiteLLM's provider names for each provider genops documents.
    let families: &[(&str, &[&str])] = &[
        ("OpenAI", &["openai"]),
        ("Anthropic", &["anthropic"]),
        ("Gemini", &["gemini"]),
        (
            "Vertex AI",
            &["vertex_ai-language-models", "vertex_ai-anthropic_models"],
        ),
        ("Bedrock", &["bedrock", "bedrock_converse"]),
        ("Azure", &["azure"]),
        ("Mistral", &["mistral"]),
        ("Cohere", &["cohere", "cohere_chat"]),
        ("Groq", &["groq"]),
        ("DeepSeek", &["deepseek"]),
        ("xAI", &["xai"]),
    ];
    for (family, names) in families {
        let count: usize = names
            .iter()
            .map(|n| providers.get(*n).copied().unwrap_or(0))
            .sum();
        assert!(
            count > 0,
            "no {family} model in the embedded table: {providers:?}"
        );
    }

    // Spot checks of provider and mode.
    for (model, provider, mode) in [
        ("gpt-4o", "openai", "chat"),
        ("text-embedding-3-small", "openai", "embedding"),
        ("claude-sonnet-4-5", "anthropic", "chat"),
        ("gemini/gemini-pro-latest", "gemini", "chat"),
        (
            "gemini-3.1-pro-preview",
            "vertex_ai-language-models",
            "chat",
        ),
        (
            "vertex_ai/claude-sonnet-4-6",
            "vertex_ai-anthropic_models",
            "chat",
        ),
        (
            "anthropic.claude-3-5-sonnet-20240620-v1:0",
            "bedrock",
            "chat",
        ),
        ("us.zai.glm-5.3", "bedrock_converse", "chat"),
        ("azure/gpt-4o", "azure", "chat"),
        ("mistral/mistral-large-latest", "mistral", "chat"),
        ("command-r-plus-08-2024", "cohere_chat", "chat"),
        ("cohere/embed-v4.0", "cohere", "embedding"),
        ("groq/openai/gpt-oss-120b", "groq", "chat"),
        ("deepseek/deepseek-chat", "deepseek", "chat"),
        ("xai/grok-4.6", "xai", "chat"),
    ] {
        let entry = table
            .get(model)
            .unwrap_or_else(|| panic!("`{model}` missing"));
        assert_eq!(entry.litellm_provider.as_deref(), Some(provider), "{model}");
        assert_eq!(entry.mode.as_deref(), Some(mode), "{model}");
    }
}

#[test]
fn embedded_prices_match_the_data_file() {
    // Cross-check every price field of every entry against the JSON, converting USD per token to
    // pico-dollars independently (multiply by 10^12 and round).
    let table = PriceTable::embedded();
    let text = std::fs::read_to_string(embedded_json_path()).unwrap();
    let json: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text).unwrap();
    let to_picos = |v: &serde_json::Value| v.as_f64().map(|usd| (usd * 1e12).round() as u64);
    for (key, value) in &json {
        let price = table.get(key).unwrap().price;
        let field = |name: &str| value.get(name).and_then(to_picos);
        assert_eq!(
            price.input,
            field("input_cost_per_token").unwrap_or(0),
            "{key}"
        );
        assert_eq!(
            price.output,
            field("output_cost_per_token").unwrap_or(0),
            "{key}"
        );
        assert_eq!(
            price.cache_read,
            field("cache_read_input_token_cost"),
            "{key}"
        );
        assert_eq!(
            price.cache_creation,
            field("cache_creation_input_token_cost"),
            "{key}"
        );
        assert_eq!(
            price.reasoning,
            field("output_cost_per_reasoning_token"),
            "{key}"
        );
    }
}

#[test]
fn embedded_entries_agree_with_litellms_file_on_every_field_genops_reads() {
    // tests/data/litellm_model_prices.json is LiteLLM 1.110.2's bundled price file, the one
    // scripts/embed_prices.py regenerated data/model_prices.json from. `PriceEntry` holds every
    // field genops reads (flat prices, tiers, service tiers, audio, web search, flags), so any
    // difference is a stale embedded table: run scripts/embed_prices.py.
    let embedded = PriceTable::embedded();
    let mut full = PriceTable::new();
    full.load_file(litellm_full_path()).unwrap();
    let text = std::fs::read_to_string(embedded_json_path()).unwrap();
    let json: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text).unwrap();
    let stale: Vec<&String> = json
        .keys()
        .filter(|key| embedded.get(key) != full.get(key))
        .collect();
    assert!(
        stale.is_empty(),
        "embedded entries differ from tests/data/litellm_model_prices.json: {stale:?}"
    );
}
