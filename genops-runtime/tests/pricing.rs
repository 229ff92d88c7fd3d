//! Integration tests of the pricing module: hand-computed costs of embedded models, the matching
//! rules of `PriceTable::resolve`, overrides in LiteLLM's schema and malformed price files.
//!
//! Units used throughout:
//! - a published price is written in USD per million tokens (`$2.50/M`);
//! - $1/M = 1e-6 USD per token = 1,000 nano-dollars per token = 1,000,000 pico-dollars per token;
//! - so a price of `$P/M` costs `P × 1,000` nano-dollars per token, and every expected cost
//!   below is written in nano-dollars (1e-9 USD) as an integer literal computed by hand.

use std::path::PathBuf;

use genops_runtime::{
    Price, PriceEntry, PriceTable, PricingError, SearchContextSize, ServiceTier, Usage,
};

// ---------------------------------------------------------------------------------------------
// Helpers (independent of the code under test)
// ---------------------------------------------------------------------------------------------

/// A published price in USD per million tokens.
#[derive(Clone, Copy, Debug)]
struct PerM {
    input: f64,
    output: f64,
    cache_read: Option<f64>,
    cache_creation: Option<f64>,
    reasoning: Option<f64>,
}

const fn per_m(input: f64, output: f64) -> PerM {
    PerM {
        input,
        output,
        cache_read: None,
        cache_creation: None,
        reasoning: None,
    }
}

impl PerM {
    const fn cache_read(mut self, v: f64) -> Self {
        self.cache_read = Some(v);
        self
    }
    const fn cache_creation(mut self, v: f64) -> Self {
        self.cache_creation = Some(v);
        self
    }
    const fn reasoning(mut self, v: f64) -> Self {
        self.reasoning = Some(v);
        self
    }

    /// The same price in whole pico-dollars per token: $1/M = 1,000,000 picos per token.
    fn picos(self) -> Price {
        let conv = |usd_per_m: f64| (usd_per_m * 1_000_000.0).round() as u64;
        Price {
            input: conv(self.input),
            output: conv(self.output),
            cache_read: self.cache_read.map(conv),
            cache_creation: self.cache_creation.map(conv),
            reasoning: self.reasoning.map(conv),
        }
    }
}

/// A pricing file in a unique temporary path, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, contents: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "genops-pricing-test-{}-{}",
            std::process::id(),
            name
        ));
        std::fs::write(&path, contents).expect("write temp pricing file");
        TempFile(path)
    }

    fn display(&self) -> String {
        self.0.display().to_string()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn litellm_full_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../genops-tests/tests/data/litellm_model_prices.json")
}

fn embedded_json_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/model_prices.json")
}

fn assert_contains(haystack: &str, needles: &[&str]) {
    for needle in needles {
        assert!(
            haystack.contains(needle),
            "expected error text to contain {needle:?}, got: {haystack}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Hand-computed costs of embedded models
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// 2. Matching rules
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// 3. Overrides
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// 4. Malformed files
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// 5. The embedded table
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// 6. LiteLLM's cost rules: long context, service tiers, cache lifetimes, audio, reasoning, web
//    search. Expected costs are pico-dollars (p$); $1/M = 1,000,000 p$ per token.
// ---------------------------------------------------------------------------------------------

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
