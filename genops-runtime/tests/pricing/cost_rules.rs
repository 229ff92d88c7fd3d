//! LiteLLM's cost rules: long context, service tiers, cache lifetimes, audio, reasoning, web
//! search. Expected costs are pico-dollars (p$); $1/M = 1,000,000 p$ per token.

use genops_runtime::{PriceEntry, PriceTable, PricingError, SearchContextSize, ServiceTier, Usage};

use crate::support::{assert_contains, TempFile};

/// A table of one model `m` from LiteLLM-schema JSON fields.
fn table_of(fields: &str) -> PriceTable {
    let mut table = PriceTable::new();
    table
        .apply_json("test.json", &format!(r#"{{"m": {fields}}}"#))
        .unwrap();
    table
}

fn priced(table: &PriceTable, provider: &str, model: &str, usage: Usage) -> genops_runtime::Priced {
    table
        .cost(provider, model, &usage)
        .unwrap_or_else(|| panic!("{provider}/{model} has no price"))
}

#[test]
fn gemini_2_5_pro_long_context_worked_example() {
    // gemini/gemini-2.5-pro above 200k prompt tokens: $2.50/M in, $0.25/M cache read, $15/M out,
    // no reasoning price (reasoning at the output price). 263,553 prompt tokens > 200,000, so the
    // whole request takes the long-context prices:
    //   (263,553 - 60,405) × 2,500,000 = 203,148 × 2,500,000 = 507,870,000,000
    //   60,405 × 250,000                                      =  15,101,250,000
    //   (5,818 - 1,413) × 15,000,000 = 4,405 × 15,000,000     =  66,075,000,000
    //   1,413 × 15,000,000                                    =  21,195,000,000
    //                                                   total = 610,241,250,000 p$ ($0.61024125,
    // what LiteLLM 1.110.2 says; the flat prices would book $0.319665625).
    let table = PriceTable::embedded();
    let usage = Usage::new(263_553, 5_818)
        .cache_read(60_405)
        .reasoning(1_413);
    for (provider, model) in [
        ("gcp.gemini", "gemini-2.5-pro"),
        ("gcp.vertex_ai", "gemini-2.5-pro"),
    ] {
        let priced = priced(&table, provider, model, usage);
        assert_eq!(priced.cost.picos(), 610_241_250_000, "{provider}");
        assert_eq!(priced.tier, Some("above_200k"));
        assert_eq!(priced.unsupported, None);
    }
    // The flat price alone (what `Price::cost` computes) is the old, wrong booking:
    //   203,148 × 1,250,000 + 60,405 × 125,000 + 5,818 × 10,000,000 = 319,665,625,000 p$
    let flat = table.resolve("gcp.gemini", "gemini-2.5-pro").unwrap();
    assert_eq!(flat.cost(&usage).picos(), 319_665_625_000);
}

#[test]
fn the_tier_applies_strictly_above_its_threshold() {
    let table = PriceTable::embedded();
    let at = |prompt: u64| {
        priced(
            &table,
            "gcp.gemini",
            "gemini-2.5-pro",
            Usage::new(prompt, 1_000),
        )
    };
    // 199,999 × 1,250,000 + 1,000 × 10,000,000 = 249,998,750,000 + 10,000,000,000
    assert_eq!(at(199_999).cost.picos(), 259_998_750_000);
    assert_eq!(at(199_999).tier, None);
    // 200,000 is not > 200,000: still flat. 250,000,000,000 + 10,000,000,000
    assert_eq!(at(200_000).cost.picos(), 260_000_000_000);
    assert_eq!(at(200_000).tier, None);
    // 200,001 × 2,500,000 + 1,000 × 15,000,000 = 500,002,500,000 + 15,000,000,000
    assert_eq!(at(200_001).cost.picos(), 515_002_500_000);
    assert_eq!(at(200_001).tier, Some("above_200k"));

    // xAI's thresholds are inclusive: at 128,000 the tier applies.
    let mut xai = PriceTable::new();
    xai.apply_json(
        "xai.json",
        r#"{"xai/m": {"litellm_provider": "xai", "input_cost_per_token": 1e-06,
            "output_cost_per_token": 2e-06, "input_cost_per_token_above_128k_tokens": 2e-06}}"#,
    )
    .unwrap();
    // 127,999 × 1,000,000 = 127,999,000,000; 128,000 × 2,000,000 = 256,000,000,000
    assert_eq!(
        priced(&xai, "x_ai", "m", Usage::new(127_999, 0))
            .cost
            .picos(),
        127_999_000_000
    );
    assert_eq!(
        priced(&xai, "x_ai", "m", Usage::new(128_000, 0))
            .cost
            .picos(),
        256_000_000_000
    );
}

#[test]
fn each_price_takes_the_highest_crossed_tier_that_defines_it() {
    // Tiers at 32k {input, cache read} and 256k {input}: at 300k, input is at 256k's price and
    // cache reads keep 32k's. Cache writes have no price: they take the resolved input price.
    let table = table_of(
        r#"{"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06,
            "cache_read_input_token_cost": 1e-07,
            "input_cost_per_token_above_32k_tokens": 3e-06,
            "cache_read_input_token_cost_above_32k_tokens": 3e-07,
            "input_cost_per_token_above_256k_tokens": 5e-06}"#,
    );
    let p = priced(
        &table,
        "openai",
        "m",
        Usage::new(300_000, 100)
            .cache_read(100_000)
            .cache_creation(50_000),
    );
    // (300,000 - 100,000 - 50,000) × 5,000,000 = 750,000,000,000
    // 100,000 × 300,000                        =  30,000,000,000
    // 50,000 × 5,000,000 (write at the input)  = 250,000,000,000
    // 100 × 2,000,000                          =     200,000,000
    //                                   total = 1,030,200,000,000
    assert_eq!(p.cost.picos(), 1_030_200_000_000);
    assert_eq!(p.tier, Some("above_256k"));
}

#[test]
fn service_tiers_fall_back_per_price() {
    let table = table_of(
        r#"{"input_cost_per_token": 1e-06, "output_cost_per_token": 4e-06,
            "input_cost_per_token_priority": 2e-06, "output_cost_per_token_priority": 8e-06,
            "input_cost_per_token_above_200k_tokens": 3e-06,
            "output_cost_per_token_above_200k_tokens": 6e-06,
            "input_cost_per_token_above_200k_tokens_priority": 5e-06}"#,
    );
    // Priority above 200k: input at its own 200k priority price; output has no 200k priority
    // price, so it takes the standard 200k price ($6/M), not the flat priority one ($8/M).
    // 250,000 × 5,000,000 + 1,000 × 6,000,000 = 1,250,000,000,000 + 6,000,000,000
    let usage = Usage::new(250_000, 1_000).service_tier(ServiceTier::Priority);
    let p = priced(&table, "openai", "m", usage);
    assert_eq!(p.cost.picos(), 1_256_000_000_000);
    assert_eq!(
        (p.tier, p.service_tier, p.service_tier_fallback),
        (Some("above_200k"), ServiceTier::Priority, false)
    );

    // Flex: no flex prices at all, so the standard ones, flagged as a fallback.
    // 1,000 × 1,000,000 + 100 × 4,000,000 = 1,400,000,000
    let p = priced(
        &table,
        "openai",
        "m",
        Usage::new(1_000, 100).service_tier(ServiceTier::Flex),
    );
    assert_eq!(p.cost.picos(), 1_400_000_000);
    assert!(p.service_tier_fallback);

    // Batch without batch prices: half the standard prices. 1,400,000,000 / 2
    let p = priced(
        &table,
        "openai",
        "m",
        Usage::new(1_000, 100).service_tier(ServiceTier::Batch),
    );
    assert_eq!(p.cost.picos(), 700_000_000);
    assert!(!p.service_tier_fallback);
}

#[test]
fn batch_prices() {
    // gpt-5 batch: $0.625/M in, $0.0625/M cache read, $5/M out.
    // 6,000 × 625,000 + 4,000 × 62,500 + 1,000 × 5,000,000
    //   = 3,750,000,000 + 250,000,000 + 5,000,000,000 = 9,000,000,000 p$
    let table = PriceTable::embedded();
    let usage = Usage::new(10_000, 1_000)
        .cache_read(4_000)
        .service_tier(ServiceTier::Batch);
    assert_eq!(
        priced(&table, "openai", "gpt-5", usage).cost.picos(),
        9_000_000_000
    );

    // A batch input price but no batch cache-read or output price: cache reads keep the
    // standard price (not halved), output is half the standard one.
    let table = table_of(
        r#"{"input_cost_per_token": 2e-06, "output_cost_per_token": 8e-06,
            "cache_read_input_token_cost": 5e-07, "input_cost_per_token_batches": 1e-06}"#,
    );
    // 6,000 × 1,000,000 + 4,000 × 500,000 + 1,000 × 4,000,000 = 12,000,000,000 p$
    assert_eq!(
        priced(&table, "openai", "m", usage).cost.picos(),
        12_000_000_000
    );
}

#[test]
fn one_hour_cache_writes() {
    // claude-sonnet-4-5: $3/M in, $0.30/M cache read, $3.75/M 5-minute writes, $6/M 1-hour
    // writes, $15/M out.
    //   (20,000 - 12,000 - 5,000) × 3,000,000 = 9,000,000,000
    //   12,000 × 300,000                      = 3,600,000,000
    //   (5,000 - 2,000) × 3,750,000           = 11,250,000,000
    //   2,000 × 6,000,000                     = 12,000,000,000
    //   800 × 15,000,000                      = 12,000,000,000
    //                                   total = 47,850,000,000 p$
    let table = PriceTable::embedded();
    let usage = Usage::new(20_000, 800)
        .cache_read(12_000)
        .cache_creation(5_000)
        .cache_creation_1h(2_000);
    assert_eq!(
        priced(&table, "anthropic", "claude-sonnet-4-5", usage)
            .cost
            .picos(),
        47_850_000_000
    );
    // Without a one-hour price the writes all take the cache-write price: gpt-5.6 has
    // $5/M writes, $4/M in, $0.40/M cache read, $20/M out.
    //   3,000 × 4,000,000 + 12,000 × 400,000 + 5,000 × 5,000,000 + 800 × 20,000,000
    //   = 12,000,000,000 + 4,800,000,000 + 25,000,000,000 + 16,000,000,000 = 57,800,000,000
    assert_eq!(
        priced(&table, "openai", "gpt-5.6", usage).cost.picos(),
        57_800_000_000
    );
}

#[test]
fn audio_is_billed_at_audio_prices() {
    let table = table_of(
        r#"{"input_cost_per_token": 1e-06, "output_cost_per_token": 4e-06,
            "cache_read_input_token_cost": 1e-07, "input_cost_per_audio_token": 5e-06,
            "output_cost_per_audio_token": 2e-05}"#,
    );
    let usage = Usage::new(10_000, 1_500)
        .cache_read(1_000)
        .input_audio(2_000)
        .output_audio(400);
    //   (10,000 - 1,000 - 2,000) × 1,000,000 = 7,000,000,000
    //   1,000 × 100,000                       =   100,000,000
    //   2,000 × 5,000,000                     = 10,000,000,000
    //   (1,500 - 400) × 4,000,000             =  4,400,000,000
    //   400 × 20,000,000                      =  8,000,000,000
    //                                   total = 29,500,000,000 p$
    assert_eq!(
        priced(&table, "openai", "m", usage).cost.picos(),
        29_500_000_000
    );
    // Without audio prices audio is billed as text: gpt-4o ($2.50/M in, $1.25/M cache read,
    // $10/M out): 9,000 × 2,500,000 + 1,000 × 1,250,000 + 1,500 × 10,000,000 = 38,750,000,000
    let embedded = PriceTable::embedded();
    assert_eq!(
        priced(&embedded, "openai", "gpt-4o", usage).cost.picos(),
        38_750_000_000
    );
}

#[test]
fn reasoning_price_follows_the_service_tier() {
    let table = table_of(
        r#"{"input_cost_per_token": 1e-06, "output_cost_per_token": 4e-06,
            "output_cost_per_reasoning_token": 2e-06, "output_cost_per_token_flex": 3e-06}"#,
    );
    let usage = Usage::new(1_000, 1_000).reasoning(600);
    // Standard: 1,000 × 1,000,000 + 400 × 4,000,000 + 600 × 2,000,000 = 3,800,000,000
    assert_eq!(
        priced(&table, "openai", "m", usage).cost.picos(),
        3_800_000_000
    );
    // Flex has an output price of its own and no reasoning one: reasoning takes the flex output
    // price. 1,000 × 1,000,000 + 400 × 3,000,000 + 600 × 3,000,000 = 4,000,000,000
    let flex = usage.service_tier(ServiceTier::Flex);
    assert_eq!(
        priced(&table, "openai", "m", flex).cost.picos(),
        4_000_000_000
    );
}

#[test]
fn web_search_is_billed_per_query_by_context_size() {
    let table = PriceTable::embedded();
    // gpt-5 (OpenAI, $0.01 per search at every size): 1,000 × 1,250,000 + 100 × 10,000,000
    // = 2,250,000,000 tokens, + 2 × 10,000,000,000 = 22,250,000,000 p$
    let usage = Usage::new(1_000, 100).web_search(2);
    assert_eq!(
        priced(&table, "openai", "gpt-5", usage).cost.picos(),
        22_250_000_000
    );
    // Gemini bills grounding per prompt: 3 searches cost one $0.035.
    // 2,250,000,000 + 35,000,000,000 = 37,250,000,000 p$
    let usage3 = Usage::new(1_000, 100).web_search(3);
    assert_eq!(
        priced(&table, "gcp.gemini", "gemini-2.5-pro", usage3)
            .cost
            .picos(),
        37_250_000_000
    );

    // The requested size picks the price: low $0.005, medium $0.01, high $0.03.
    let sized = table_of(
        r#"{"input_cost_per_token": 1e-06, "output_cost_per_token": 0, "litellm_provider": "openai",
            "search_context_cost_per_query": {"search_context_size_low": 0.005,
            "search_context_size_medium": 0.01, "search_context_size_high": 0.03}}"#,
    );
    let search = |size| {
        let usage = Usage::new(1_000, 0).web_search(1).search_context_size(size);
        priced(&sized, "openai", "m", usage).cost.picos()
    };
    // 1,000 × 1,000,000 = 1,000,000,000 of tokens, plus the search.
    assert_eq!(search(SearchContextSize::Low), 6_000_000_000);
    assert_eq!(search(SearchContextSize::Medium), 11_000_000_000);
    assert_eq!(search(SearchContextSize::High), 31_000_000_000);
}

#[test]
fn off_peak_entries_are_flagged_unsupported() {
    let table = PriceTable::embedded();
    let p = priced(
        &table,
        "deepseek",
        "deepseek-v4-pro",
        Usage::new(1_000, 100),
    );
    assert_eq!(p.unsupported, Some("off_peak_pricing"));
    assert_eq!(
        priced(&table, "openai", "gpt-4o", Usage::new(1, 1)).unsupported,
        None
    );
}

#[test]
fn an_override_replaces_only_the_tier_prices_it_names() {
    let mut table = PriceTable::embedded();
    let before = table.get("gemini/gemini-2.5-pro").unwrap().clone();
    table
        .apply_json(
            "tier.json",
            r#"{"gemini/gemini-2.5-pro": {"input_cost_per_token_above_200k_tokens": 3e-06}}"#,
        )
        .unwrap();
    let after = table.get("gemini/gemini-2.5-pro").unwrap();
    assert_eq!(
        after.extra.get("input_cost_per_token_above_200k_tokens"),
        Some(3_000_000)
    );
    assert_eq!(after.price, before.price);
    let others = |e: &PriceEntry| {
        e.extra
            .keys()
            .filter(|(k, _)| *k != "input_cost_per_token_above_200k_tokens")
            .map(|(k, v)| (k.to_owned(), v))
            .collect::<Vec<_>>()
    };
    assert_eq!(others(after), others(&before));
    // 200,001 × 3,000,000 = 600,003,000,000 p$
    assert_eq!(
        priced(
            &table,
            "gcp.gemini",
            "gemini-2.5-pro",
            Usage::new(200_001, 0)
        )
        .cost
        .picos(),
        600_003_000_000
    );
}

#[test]
fn a_tier_key_with_a_bad_threshold_names_file_entry_and_key() {
    let mut table = PriceTable::embedded();
    let len = table.len();
    let file = TempFile::new(
        "bad-tier.json",
        r#"{"good": {"input_cost_per_token": 1e-06},
            "long-model": {"input_cost_per_token": 1e-06, "input_cost_per_token_above_2m_tokens": 2e-06}}"#,
    );
    let err = table.load_file(&file.0).unwrap_err();
    assert!(matches!(err, PricingError::Entry { .. }), "{err:?}");
    assert_contains(
        &err.to_string(),
        &[
            &file.display(),
            "`long-model`",
            "input_cost_per_token_above_2m_tokens",
            "2m",
        ],
    );
    // Nothing of the file was applied.
    assert!(table.get("good").is_none());
    assert_eq!(table.len(), len);
}

#[test]
fn a_tiered_pricing_table_bills_the_whole_request_at_one_range() {
    let table = table_of(
        r#"{"litellm_provider": "volcengine", "input_cost_per_token": 5e-06,
            "output_cost_per_token": 9e-06, "tiered_pricing": [
              {"range": [0, 32000], "input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06},
              {"range": [32000, 128000], "input_cost_per_token": 2e-06,
               "output_cost_per_token": 4e-06, "cache_read_input_token_cost": 2e-07}]}"#,
    );
    let at = |usage: Usage| priced(&table, "volcengine", "m", usage);
    // 32,000 is in (0, 32000]: 32,000 × 1,000,000 + 100 × 2,000,000
    let p = at(Usage::new(32_000, 100));
    assert_eq!(p.cost.picos(), 32_200_000_000);
    assert_eq!(p.tier, Some("tiered_0_32000"));
    // 32,001 is in (32000, 128000]:
    //   (32,001 - 10,001) × 2,000,000 + 10,001 × 200,000 + 100 × 4,000,000
    //   = 44,000,000,000 + 2,000,200,000 + 400,000,000
    let p = at(Usage::new(32_001, 100).cache_read(10_001));
    assert_eq!(p.cost.picos(), 46_400_200_000);
    assert_eq!(p.tier, Some("tiered_32000_128000"));
    // Above every range: the last one. 200,000 × 2,000,000 + 100 × 4,000,000
    assert_eq!(at(Usage::new(200_000, 100)).cost.picos(), 400_400_000_000);
    // No prompt: the flat prices. 100 × 9,000,000
    assert_eq!(at(Usage::new(0, 100)).cost.picos(), 900_000_000);
}

#[test]
fn provider_rules() {
    // Fireworks bills cache reads without a price at half the input price:
    // 600 × 1,000,000 + 400 × 500,000 = 800,000,000
    let fireworks = table_of(
        r#"{"litellm_provider": "fireworks_ai", "input_cost_per_token": 1e-06,
            "output_cost_per_token": 2e-06}"#,
    );
    let usage = Usage::new(1_000, 0).cache_read(400);
    assert_eq!(
        priced(&fireworks, "fireworks", "m", usage).cost.picos(),
        800_000_000
    );

    // xAI bills every output token at the output price, reasoning included:
    // 1,000 × 2,000,000 = 2,000,000,000
    let xai = table_of(
        r#"{"litellm_provider": "xai", "input_cost_per_token": 1e-06,
            "output_cost_per_token": 2e-06, "output_cost_per_reasoning_token": 5e-06}"#,
    );
    let usage = Usage::new(0, 1_000).reasoning(600);
    assert_eq!(priced(&xai, "x_ai", "m", usage).cost.picos(), 2_000_000_000);

    // A provider without a calculator of its own bills nothing when the entry has no positive
    // input or output price, whatever its other prices; OpenAI bills the cache reads.
    let fields = |provider: &str| {
        format!(
            r#"{{"litellm_provider": "{provider}", "input_cost_per_token": 0,
                "output_cost_per_token": 0, "cache_read_input_token_cost": 1e-06}}"#
        )
    };
    let usage = Usage::new(1_000, 0).cache_read(1_000);
    let other = table_of(&fields("some_router"));
    assert_eq!(priced(&other, "openai", "m", usage).cost.picos(), 0);
    let openai = table_of(&fields("openai"));
    // 1,000 × 1,000,000
    assert_eq!(
        priced(&openai, "openai", "m", usage).cost.picos(),
        1_000_000_000
    );
}
