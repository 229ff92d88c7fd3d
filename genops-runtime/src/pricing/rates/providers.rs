//! How LiteLLM's providers differ: which have a calculator of their own, which bill service
//! tiers, and how each bills tokens and web searches. Only this module names providers.

use crate::pricing::entry::PriceEntry;

/// LiteLLM's search price for Gemini and Vertex models without one: $0.035 per grounded prompt.
pub(super) const GEMINI_DEFAULT_SEARCH: u64 = 35_000_000_000;
/// LiteLLM's search price for xAI models without one: $5 per thousand calls.
pub(super) const XAI_DEFAULT_SEARCH: u64 = 5_000_000_000;

/// Providers with a calculator of their own that takes no service tier.
const TIERLESS_PROVIDERS: [&str; 9] = [
    "xai",
    "deepseek",
    "tencent",
    "fireworks_ai",
    "perplexity",
    "lemonade",
    "dashscope",
    "qwencloud",
    "qwen_ai_platform",
];

/// Providers LiteLLM prices through a calculator of their own; every other provider costs
/// nothing unless the entry has a positive input or output price or a `tiered_pricing` table.
const NAMED_PROVIDERS: [&str; 17] = [
    "vertex_ai",
    "anthropic",
    "bedrock",
    "openai",
    "databricks",
    "fireworks_ai",
    "azure",
    "gemini",
    "deepseek",
    "tencent",
    "perplexity",
    "xai",
    "lemonade",
    "dashscope",
    "qwencloud",
    "qwen_ai_platform",
    "azure_ai",
];

/// How usage becomes billed tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum TokenRule {
    /// LiteLLM's generic rule.
    Generic,
    /// xAI: the output breakdown is dropped, every output token is billed at the output price.
    OutputUndivided,
    /// LiteLLM bills nothing for the tokens (no token price, or `lemonade`).
    Free,
}

/// How web searches are billed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum SearchRule {
    /// The price of the requested context size, per query.
    BySize,
    /// The medium price per query (Anthropic, Claude on Vertex or Azure AI, Groq).
    Medium,
    /// Gemini and Vertex: the medium price (default $0.035) per prompt, or per query when
    /// `web_search_billing_unit` is `per_query`.
    Gemini {
        /// Whether each query is billed, not each prompt.
        per_query: bool,
    },
    /// xAI: the first positive of medium, low, high (default $0.005), per call.
    Xai,
    /// Perplexity: the low price per query.
    Low,
}

/// xAI, which compares long-context thresholds with `>=` and bills every output token alike.
const XAI: &str = "xai";

/// Whether `provider` bills flex and priority at prices of their own.
pub(super) fn bills_service_tiers(provider: &str) -> bool {
    !TIERLESS_PROVIDERS.contains(&provider)
}

/// Whether `provider` compares prompt sizes with long-context thresholds by `>=`, not `>`.
pub(super) fn inclusive_thresholds(provider: &str) -> bool {
    provider == XAI
}

/// The cache-read price of `entry` of `provider` when the entry has none: Fireworks bills cache
/// reads at half the input price.
pub(super) fn cache_read_default(provider: &str, entry: &PriceEntry) -> Option<u64> {
    (provider == "fireworks_ai" && entry.price.cache_read.is_none())
        .then_some(entry.price.input / 2)
}

impl TokenRule {
    /// How `provider` bills the tokens of `entry`.
    pub(super) fn of(provider: &str, entry: &PriceEntry) -> TokenRule {
        if provider == "lemonade"
            || (!NAMED_PROVIDERS.contains(&provider)
                && !entry.price.prices_tokens()
                && entry.extra.tiered.is_none())
        {
            TokenRule::Free
        } else if provider == XAI {
            TokenRule::OutputUndivided
        } else {
            TokenRule::Generic
        }
    }
}

impl SearchRule {
    /// How `provider` bills the web searches of `entry`, stored under `name`.
    pub(super) fn of(provider: &str, name: &str, entry: &PriceEntry) -> SearchRule {
        let is_claude = name.to_ascii_lowercase().contains("claude");
        match provider {
            "gemini" => SearchRule::Gemini {
                per_query: entry.extra.search_per_query == Some(true),
            },
            p if p.starts_with("vertex_ai") && !is_claude => SearchRule::Gemini {
                per_query: entry.extra.search_per_query == Some(true),
            },
            p if p.starts_with("vertex_ai") => SearchRule::Medium,
            "anthropic" | "azure_ai" | "groq" => SearchRule::Medium,
            XAI => SearchRule::Xai,
            "perplexity" => SearchRule::Low,
            _ => SearchRule::BySize,
        }
    }
}
