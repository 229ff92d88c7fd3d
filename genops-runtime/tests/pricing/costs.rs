//! Hand-computed costs of embedded models.

use genops_runtime::{PriceTable, Usage};

use crate::support::{per_m, PerM};

struct Case {
    /// The GenAI provider name passed to `resolve`.
    provider: &'static str,
    /// The model name passed to `resolve`.
    model: &'static str,
    /// The key of the entry the model must resolve to in the embedded table.
    key: &'static str,
    /// The price published for `key`, in USD per million tokens (from data/model_prices.json).
    price: PerM,
    usage: Usage,
    /// The expected cost in nano-dollars, computed by hand (see the comment on each case).
    nanos: u128,
}

#[rustfmt::skip]
fn cases() -> Vec<Case> {
    vec![
        // ---------------- OpenAI ----------------
        // gpt-4o: $2.50/M in, $10/M out, $1.25/M cache read.
        // (10,000 - 4,000) × 2,500 = 15,000,000
        // 4,000 × 1,250           =  5,000,000
        // 2,000 × 10,000          = 20,000,000
        //                     total = 40,000,000 n$ ($0.04)
        Case { provider: "openai", model: "gpt-4o", key: "gpt-4o",
               price: per_m(2.50, 10.0).cache_read(1.25),
               usage: Usage::new(10_000, 2_000).cache_read(4_000), nanos: 40_000_000 },
        // gpt-4o-mini: $0.15/M in, $0.60/M out, $0.075/M cache read.
        // (1,234 - 1,000) × 150 = 35,100
        // 1,000 × 75            = 75,000
        // 567 × 600             = 340,200
        //                 total = 450,300 n$
        Case { provider: "openai", model: "gpt-4o-mini", key: "gpt-4o-mini",
               price: per_m(0.15, 0.60).cache_read(0.075),
               usage: Usage::new(1_234, 567).cache_read(1_000), nanos: 450_300 },
        // o1: $15/M in, $60/M out, $7.50/M cache read, no reasoning rate → reasoning at $60/M.
        // 1,000 × 15,000                    =  15,000,000
        // (5,000 - 4,000) × 60,000          =  60,000,000
        // 4,000 × 60,000 (reasoning fallback) = 240,000,000
        //                             total = 315,000,000 n$
        Case { provider: "openai", model: "o1", key: "o1",
               price: per_m(15.0, 60.0).cache_read(7.50),
               usage: Usage::new(1_000, 5_000).reasoning(4_000), nanos: 315_000_000 },
        // gpt-5.6: $4/M in, $20/M out, $0.40/M cache read, $5/M cache write.
        // (10,000 - 6,000 - 2,000) × 4,000 =  8,000,000
        // 6,000 × 400                      =  2,400,000
        // 2,000 × 5,000                    = 10,000,000
        // 1,000 × 20,000                   = 20,000,000
        //                            total = 40,400,000 n$
        Case { provider: "openai", model: "gpt-5.6", key: "gpt-5.6",
               price: per_m(4.0, 20.0).cache_read(0.40).cache_creation(5.0),
               usage: Usage::new(10_000, 1_000).cache_read(6_000).cache_creation(2_000),
               nanos: 40_400_000 },
        // FALLBACK: gpt-3.5-turbo has no cache rates: $0.50/M in, $1.50/M out.
        // cache read and cache write are billed at the input rate:
        // 2,000 × 500 (of which 1,000 cache read, 500 cache write) = 1,000,000
        // 500 × 1,500                                              =   750,000
        //                                                   total = 1,750,000 n$
        Case { provider: "openai", model: "gpt-3.5-turbo", key: "gpt-3.5-turbo",
               price: per_m(0.50, 1.50),
               usage: Usage::new(2_000, 500).cache_read(1_000).cache_creation(500),
               nanos: 1_750_000 },
        // text-embedding-3-small: $0.02/M in, $0/M out.
        // 123,457 × 20 = 2,469,140 n$
        Case { provider: "openai", model: "text-embedding-3-small", key: "text-embedding-3-small",
               price: per_m(0.02, 0.0),
               usage: Usage::new(123_457, 0), nanos: 2_469_140 },

        // ---------------- Anthropic ----------------
        // claude-sonnet-4-5: $3/M in, $15/M out, $0.30/M cache read, $3.75/M cache write.
        // (20,000 - 12,000 - 5,000) × 3,000 =  9,000,000
        // 12,000 × 300                      =  3,600,000
        // 5,000 × 3,750                     = 18,750,000
        // 800 × 15,000                      = 12,000,000
        //                             total = 43,350,000 n$
        Case { provider: "anthropic", model: "claude-sonnet-4-5", key: "claude-sonnet-4-5",
               price: per_m(3.0, 15.0).cache_read(0.30).cache_creation(3.75),
               usage: Usage::new(20_000, 800).cache_read(12_000).cache_creation(5_000),
               nanos: 43_350_000 },
        // claude-haiku-4-5: $1/M in, $5/M out, $0.10/M cache read, $1.25/M cache write.
        // (5,000 - 4,000) × 1,000 = 1,000,000
        // 4,000 × 1,250           = 5,000,000
        // 300 × 5,000             = 1,500,000
        //                   total = 7,500,000 n$
        Case { provider: "anthropic", model: "claude-haiku-4-5", key: "claude-haiku-4-5",
               price: per_m(1.0, 5.0).cache_read(0.10).cache_creation(1.25),
               usage: Usage::new(5_000, 300).cache_creation(4_000), nanos: 7_500_000 },
        // claude-opus-4-6: $5/M in, $25/M out, $0.50/M cache read, $6.25/M cache write.
        // (100,000 - 90,000) × 5,000 = 50,000,000
        // 90,000 × 500               = 45,000,000
        // 2,000 × 25,000             = 50,000,000
        //                      total = 145,000,000 n$
        Case { provider: "anthropic", model: "claude-opus-4-6", key: "claude-opus-4-6",
               price: per_m(5.0, 25.0).cache_read(0.50).cache_creation(6.25),
               usage: Usage::new(100_000, 2_000).cache_read(90_000), nanos: 145_000_000 },

        // ---------------- Gemini (gcp.gemini → `gemini/…`) ----------------
        // gemini/gemini-4-argon: $2/M in, $10/M out, $0.10/M cache read, $10/M reasoning.
        // (8,000 - 3,000) × 2,000 = 10,000,000
        // 3,000 × 100             =    300,000
        // (4,000 - 2,500) × 10,000 = 15,000,000
        // 2,500 × 10,000          = 25,000,000
        //                   total = 50,300,000 n$
        Case { provider: "gcp.gemini", model: "gemini-4-argon", key: "gemini/gemini-4-argon",
               price: per_m(2.0, 10.0).cache_read(0.10).reasoning(10.0),
               usage: Usage::new(8_000, 4_000).cache_read(3_000).reasoning(2_500),
               nanos: 50_300_000 },
        // gemini/gemini-3.5-flash: $1.50/M in, $9/M out, $0.15/M cache read, $9/M reasoning.
        // 1,000,000 × 1,500          = 1,500,000,000
        // (100,000 - 60,000) × 9,000 =   360,000,000
        // 60,000 × 9,000             =   540,000,000
        //                      total = 2,400,000,000 n$ ($2.40)
        Case { provider: "gcp.gemini", model: "gemini-3.5-flash", key: "gemini/gemini-3.5-flash",
               price: per_m(1.50, 9.0).cache_read(0.15).reasoning(9.0),
               usage: Usage::new(1_000_000, 100_000).reasoning(60_000), nanos: 2_400_000_000 },

        // ---------------- Vertex AI ----------------
        // FALLBACK (both cache rates missing): vertex_ai/claude-3-sonnet: $3/M in, $15/M out.
        // 3,000 × 3,000 (1,000 cache read + 1,000 cache write at input rate) = 9,000,000
        // 1,000 × 15,000                                                    = 15,000,000
        //                                                            total = 24,000,000 n$
        Case { provider: "gcp.vertex_ai", model: "claude-3-sonnet", key: "vertex_ai/claude-3-sonnet",
               price: per_m(3.0, 15.0),
               usage: Usage::new(3_000, 1_000).cache_read(1_000).cache_creation(1_000),
               nanos: 24_000_000 },
        // gemini-3.1-pro-preview: $2/M in, $12/M out, $0.20/M cache read, no reasoning rate.
        // (10,000 - 2,000) × 2,000          = 16,000,000
        // 2,000 × 200                       =    400,000
        // 1,000 × 12,000 (400 of it reasoning, at the output rate) = 12,000,000
        //                             total = 28,400,000 n$
        Case { provider: "gcp.vertex_ai", model: "gemini-3.1-pro-preview", key: "gemini-3.1-pro-preview",
               price: per_m(2.0, 12.0).cache_read(0.20),
               usage: Usage::new(10_000, 1_000).cache_read(2_000).reasoning(400),
               nanos: 28_400_000 },
        // gemini-3-flash-preview: $0.50/M in, $3/M out, $0.05/M cache read, $3/M reasoning.
        // 2,000 × 500               = 1,000,000
        // (3,000 - 2,000) × 3,000   = 3,000,000
        // 2,000 × 3,000             = 6,000,000
        //                     total = 10,000,000 n$
        Case { provider: "gcp.vertex_ai", model: "gemini-3-flash-preview", key: "gemini-3-flash-preview",
               price: per_m(0.50, 3.0).cache_read(0.05).reasoning(3.0),
               usage: Usage::new(2_000, 3_000).reasoning(2_000), nanos: 10_000_000 },
        // vertex_ai/claude-sonnet-4-6: $3/M in, $15/M out, $0.30/M cache read, $3.75/M cache write.
        // (40,000 - 30,000 - 8,000) × 3,000 =  6,000,000
        // 30,000 × 300                      =  9,000,000
        // 8,000 × 3,750                     = 30,000,000
        // 1,500 × 15,000                    = 22,500,000
        //                             total = 67,500,000 n$
        Case { provider: "gcp.vertex_ai", model: "claude-sonnet-4-6", key: "vertex_ai/claude-sonnet-4-6",
               price: per_m(3.0, 15.0).cache_read(0.30).cache_creation(3.75),
               usage: Usage::new(40_000, 1_500).cache_read(30_000).cache_creation(8_000),
               nanos: 67_500_000 },

        // ---------------- AWS Bedrock ----------------
        // anthropic.claude-3-5-sonnet-20240620-v1:0: $3/M in, $15/M out, $0.30/M read, $3.75/M write.
        // (4,000 - 1,000 - 1,000) × 3,000 = 6,000,000
        // 1,000 × 300                     =   300,000
        // 1,000 × 3,750                   = 3,750,000
        // 500 × 15,000                    = 7,500,000
        //                           total = 17,550,000 n$
        Case { provider: "aws.bedrock", model: "anthropic.claude-3-5-sonnet-20240620-v1:0",
               key: "anthropic.claude-3-5-sonnet-20240620-v1:0",
               price: per_m(3.0, 15.0).cache_read(0.30).cache_creation(3.75),
               usage: Usage::new(4_000, 500).cache_read(1_000).cache_creation(1_000),
               nanos: 17_550_000 },
        // meta.llama2-70b-chat-v1: $1.95/M in, $2.56/M out.
        // 1,000 × 1,950 + 1,000 × 2,560 = 1,950,000 + 2,560,000 = 4,510,000 n$
        Case { provider: "aws.bedrock", model: "meta.llama2-70b-chat-v1", key: "meta.llama2-70b-chat-v1",
               price: per_m(1.95, 2.56),
               usage: Usage::new(1_000, 1_000), nanos: 4_510_000 },
        // us.zai.glm-5.3: $1.848/M in, $5.808/M out, $0.3432/M cache read, $2.31/M cache write.
        // (10,000 - 5,000 - 1,000) × 1,848 =  7,392,000
        // 5,000 × 343.2                    =  1,716,000
        // 1,000 × 2,310                    =  2,310,000
        // 2,000 × 5,808                    = 11,616,000
        //                            total = 23,034,000 n$
        Case { provider: "aws.bedrock", model: "us.zai.glm-5.3", key: "us.zai.glm-5.3",
               price: per_m(1.848, 5.808).cache_read(0.3432).cache_creation(2.31),
               usage: Usage::new(10_000, 2_000).cache_read(5_000).cache_creation(1_000),
               nanos: 23_034_000 },

        // ---------------- Azure OpenAI (azure.ai.openai → `azure/…`) ----------------
        // azure/gpt-4.1: $2/M in, $8/M out, $0.50/M cache read.
        // (3,000 - 1,000) × 2,000 = 4,000,000
        // 1,000 × 500             =   500,000
        // 1,000 × 8,000           = 8,000,000
        //                   total = 12,500,000 n$
        Case { provider: "azure.ai.openai", model: "gpt-4.1", key: "azure/gpt-4.1",
               price: per_m(2.0, 8.0).cache_read(0.50),
               usage: Usage::new(3_000, 1_000).cache_read(1_000), nanos: 12_500_000 },
        // azure/gpt-4-turbo: $11/M in, $33/M out (differs from OpenAI's own $10/$30).
        // 100 × 11,000 + 100 × 33,000 = 1,100,000 + 3,300,000 = 4,400,000 n$
        Case { provider: "azure.ai.openai", model: "gpt-4-turbo", key: "azure/gpt-4-turbo",
               price: per_m(11.0, 33.0),
               usage: Usage::new(100, 100), nanos: 4_400_000 },
        // azure/mistral-large-latest: $8/M in, $24/M out (Mistral's own is $0.50/$1.50).
        // 1,000 × 8,000 + 500 × 24,000 = 8,000,000 + 12,000,000 = 20,000,000 n$
        Case { provider: "azure.ai.openai", model: "mistral-large-latest", key: "azure/mistral-large-latest",
               price: per_m(8.0, 24.0),
               usage: Usage::new(1_000, 500), nanos: 20_000_000 },

        // ---------------- Mistral (mistral_ai → `mistral/…`) ----------------
        // mistral/mistral-large-latest: $0.50/M in, $1.50/M out, $0.05/M cache read.
        // 10,000 × 500 + 2,000 × 1,500 = 5,000,000 + 3,000,000 = 8,000,000 n$
        Case { provider: "mistral_ai", model: "mistral-large-latest", key: "mistral/mistral-large-latest",
               price: per_m(0.50, 1.50).cache_read(0.05),
               usage: Usage::new(10_000, 2_000), nanos: 8_000_000 },
        // mistral/codestral-2508: $0.30/M in, $0.90/M out, $0.03/M cache read.
        // (7,000 - 3,000) × 300 = 1,200,000
        // 3,000 × 30            =    90,000
        // 1,000 × 900           =   900,000
        //                 total = 2,190,000 n$
        Case { provider: "mistral_ai", model: "codestral-2508", key: "mistral/codestral-2508",
               price: per_m(0.30, 0.90).cache_read(0.03),
               usage: Usage::new(7_000, 1_000).cache_read(3_000), nanos: 2_190_000 },

        // ---------------- Cohere ----------------
        // command-r-plus-08-2024: $2.50/M in, $10/M out.
        // 1,000 × 2,500 + 1,000 × 10,000 = 2,500,000 + 10,000,000 = 12,500,000 n$
        Case { provider: "cohere", model: "command-r-plus-08-2024", key: "command-r-plus-08-2024",
               price: per_m(2.50, 10.0),
               usage: Usage::new(1_000, 1_000), nanos: 12_500_000 },
        // command-r7b-12-2024: $0.0375/M in, $0.15/M out.
        // 10,000 × 37.5 + 1,000 × 150 = 375,000 + 150,000 = 525,000 n$
        Case { provider: "cohere", model: "command-r7b-12-2024", key: "command-r7b-12-2024",
               price: per_m(0.0375, 0.15),
               usage: Usage::new(10_000, 1_000), nanos: 525_000 },
        // cohere/embed-v4.0: $0.12/M in.
        // 50,000 × 120 = 6,000,000 n$
        Case { provider: "cohere", model: "embed-v4.0", key: "cohere/embed-v4.0",
               price: per_m(0.12, 0.0),
               usage: Usage::new(50_000, 0), nanos: 6_000_000 },

        // ---------------- Groq (groq → `groq/…`) ----------------
        // groq/openai/gpt-oss-120b: $0.15/M in, $0.60/M out, $0.075/M cache read.
        // (20,000 - 10,000) × 150 = 1,500,000
        // 10,000 × 75             =   750,000
        // 5,000 × 600             = 3,000,000
        //                   total = 5,250,000 n$
        Case { provider: "groq", model: "openai/gpt-oss-120b", key: "groq/openai/gpt-oss-120b",
               price: per_m(0.15, 0.60).cache_read(0.075),
               usage: Usage::new(20_000, 5_000).cache_read(10_000), nanos: 5_250_000 },
        // FALLBACK: groq/qwen/qwen3.8-27b has no cache rate: $0.80/M in, $4/M out.
        // 1,000 × 800 (500 of them cache reads, at the input rate) = 800,000
        // 1,000 × 4,000                                            = 4,000,000
        //                                                    total = 4,800,000 n$
        Case { provider: "groq", model: "qwen/qwen3.8-27b", key: "groq/qwen/qwen3.8-27b",
               price: per_m(0.80, 4.0),
               usage: Usage::new(1_000, 1_000).cache_read(500), nanos: 4_800_000 },

        // ---------------- DeepSeek (deepseek → `deepseek/…`) ----------------
        // deepseek/deepseek-chat: $0.28/M in, $0.42/M out, $0.028/M cache read, $0/M cache write.
        // (100,000 - 80,000) × 280 = 5,600,000
        // 80,000 × 28              = 2,240,000
        // 10,000 × 420             = 4,200,000
        //                    total = 12,040,000 n$
        Case { provider: "deepseek", model: "deepseek-chat", key: "deepseek/deepseek-chat",
               price: per_m(0.28, 0.42).cache_read(0.028).cache_creation(0.0),
               usage: Usage::new(100_000, 10_000).cache_read(80_000), nanos: 12_040_000 },
        // deepseek-v4-pro: $1.32/M in, $3.96/M out, $0.044/M cache read, and an explicit $0/M
        // cache write (a zero rate, not a missing one: no fallback to the input rate).
        // (10,000 - 6,000 - 2,000) × 1,320 = 2,640,000
        // 6,000 × 44                       =   264,000
        // 2,000 × 0                        =         0
        // 1,000 × 3,960                    = 3,960,000
        //                            total = 6,864,000 n$
        Case { provider: "deepseek", model: "deepseek-v4-pro", key: "deepseek-v4-pro",
               price: per_m(1.32, 3.96).cache_read(0.044).cache_creation(0.0),
               usage: Usage::new(10_000, 1_000).cache_read(6_000).cache_creation(2_000),
               nanos: 6_864_000 },

        // ---------------- xAI (x_ai → `xai/…`) ----------------
        // xai/grok-4.20: $1.25/M in, $2.50/M out, $0.20/M cache read, no reasoning rate.
        // (10,000 - 4,000) × 1,250 = 7,500,000
        // 4,000 × 200              =   800,000
        // 3,000 × 2,500 (2,000 reasoning at the output rate) = 7,500,000
        //                    total = 15,800,000 n$
        Case { provider: "x_ai", model: "grok-4.20", key: "xai/grok-4.20",
               price: per_m(1.25, 2.50).cache_read(0.20),
               usage: Usage::new(10_000, 3_000).cache_read(4_000).reasoning(2_000),
               nanos: 15_800_000 },
        // xai/grok-4.6: $2/M in, $6/M out, $0.50/M cache read.
        // 1,000 × 2,000 + 1,000 × 6,000 = 2,000,000 + 6,000,000 = 8,000,000 n$
        Case { provider: "x_ai", model: "grok-4.6", key: "xai/grok-4.6",
               price: per_m(2.0, 6.0).cache_read(0.50),
               usage: Usage::new(1_000, 1_000), nanos: 8_000_000 },
    ]
}

#[test]
fn embedded_costs_match_hand_computed_values() {
    let table = PriceTable::embedded();
    let cases = cases();
    assert!(cases.len() >= 22);
    let mut failures = Vec::new();
    for case in &cases {
        let entry = table
            .get(case.key)
            .unwrap_or_else(|| panic!("`{}` is missing from the embedded table", case.key));
        assert_eq!(
            entry.price,
            case.price.picos(),
            "stored price of `{}` differs from the published {:?}",
            case.key,
            case.price
        );
        let resolved = table
            .resolve(case.provider, case.model)
            .unwrap_or_else(|| panic!("{}/{} does not resolve", case.provider, case.model));
        assert_eq!(
            resolved, entry.price,
            "{}/{} should resolve to `{}`",
            case.provider, case.model, case.key
        );
        let cost = resolved.cost(&case.usage);
        if cost.nanos() != case.nanos {
            failures.push(format!(
                "{}/{}: expected {} n$, got {} n$ ({} p$)",
                case.provider,
                case.model,
                case.nanos,
                cost.nanos(),
                cost.picos()
            ));
        }
    }
    assert!(failures.is_empty(), "wrong costs:\n{}", failures.join("\n"));
}

#[test]
fn cases_cover_every_provider_and_every_rate_kind() {
    let cases = cases();
    for provider in [
        "openai",
        "anthropic",
        "gcp.gemini",
        "gcp.vertex_ai",
        "aws.bedrock",
        "azure.ai.openai",
        "mistral_ai",
        "cohere",
        "groq",
        "deepseek",
        "x_ai",
    ] {
        assert!(
            cases.iter().any(|c| c.provider == provider),
            "no cost case for {provider}"
        );
    }
    assert!(cases
        .iter()
        .any(|c| c.usage.cache_read > 0 && c.price.cache_read.is_some()));
    assert!(cases
        .iter()
        .any(|c| c.usage.cache_read > 0 && c.price.cache_read.is_none()));
    assert!(cases
        .iter()
        .any(|c| c.usage.cache_creation > 0 && c.price.cache_creation.is_some()));
    assert!(cases
        .iter()
        .any(|c| c.usage.cache_creation > 0 && c.price.cache_creation.is_none()));
    assert!(cases
        .iter()
        .any(|c| c.usage.reasoning > 0 && c.price.reasoning.is_some()));
    assert!(cases
        .iter()
        .any(|c| c.usage.reasoning > 0 && c.price.reasoning.is_none()));
}

#[test]
fn reasoning_rate_differs_from_output_rate() {
    // No embedded model has a reasoning rate different from its output rate, so give one to o3
    // ($2/M in, $8/M out, $0.50/M cache read) through an override: $20/M per reasoning token.
    let mut table = PriceTable::embedded();
    table
        .apply_json(
            "reasoning.json",
            r#"{"o3": {"output_cost_per_reasoning_token": 2e-05}}"#,
        )
        .unwrap();
    let price = table.resolve("openai", "o3").unwrap();
    assert_eq!(
        price,
        per_m(2.0, 8.0).cache_read(0.50).reasoning(20.0).picos()
    );
    // (1,000 - 200) × 2,000 = 1,600,000
    // 200 × 500             =   100,000
    // (1,000 - 600) × 8,000 = 3,200,000
    // 600 × 20,000          = 12,000,000
    //                 total = 16,900,000 n$
    let usage = Usage::new(1_000, 1_000).cache_read(200).reasoning(600);
    assert_eq!(price.cost(&usage).nanos(), 16_900_000);
}

#[test]
fn sub_nano_costs_are_exact_in_picos_and_round_to_nearest_nano() {
    let table = PriceTable::embedded();
    // command-r7b-12-2024: $0.0375/M in = 37,500 p$ per token.
    let price = table.resolve("cohere", "command-r7b-12-2024").unwrap();
    // 3 × 37,500 = 112,500 p$ = 112.5 n$ → 113 n$ (half rounds up).
    let cost = price.cost(&Usage::new(3, 0));
    assert_eq!(cost.picos(), 112_500);
    assert_eq!(cost.nanos(), 113);
    // 1 × 37,500 = 37,500 p$ = 37.5 n$ → 38 n$; 1 output token × 150,000 p$ = 150 n$.
    let cost = price.cost(&Usage::new(1, 1));
    assert_eq!(cost.picos(), 187_500);
    assert_eq!(cost.nanos(), 188);
    // us.zai.glm-5.3 cache read: $0.3432/M = 343,200 p$ per token; 1 token = 343.2 n$ → 343 n$.
    let price = table.resolve("aws.bedrock", "us.zai.glm-5.3").unwrap();
    let cost = price.cost(&Usage::new(1, 0).cache_read(1));
    assert_eq!(cost.picos(), 343_200);
    assert_eq!(cost.nanos(), 343);
}

#[test]
fn zero_usage_costs_nothing_and_an_unpriced_model_is_free() {
    let table = PriceTable::embedded();
    let gpt4o = table.resolve("openai", "gpt-4o").unwrap();
    assert_eq!(gpt4o.cost(&Usage::default()).picos(), 0);
    // gemini/gemma-3-27b-it is published at $0/M in and out.
    let gemma = table.resolve("gcp.gemini", "gemma-3-27b-it").unwrap();
    assert_eq!(gemma.cost(&Usage::new(1_000_000, 1_000_000)).picos(), 0);
}
