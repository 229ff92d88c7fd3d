//! The names genops accepts, defined once for the `#[genops::track]` macro (which checks them at
//! compile time) and the runtime (which records and prices them). Use them through
//! `genops::semconv`.
//!
//! ```
//! assert!(genops_names::PROVIDERS.contains(&"openai"));
//! assert_eq!(genops_names::canonical_provider("bedrock"), Some("aws.bedrock"));
//! assert_eq!(genops_names::litellm_prefix("gcp.vertex_ai"), Some("vertex_ai"));
//! ```
#![no_std]
#![deny(missing_docs)]

/// GenAI operation names (`gen_ai.operation.name`) a tracked call may declare.
pub const OPERATIONS: [&str; 8] = [
    "chat",
    "text_completion",
    "embeddings",
    "generate_content",
    "execute_tool",
    "invoke_agent",
    "invoke_workflow",
    "retrieval",
];

/// Well-known GenAI provider names (`gen_ai.provider.name`), each with the prefix LiteLLM's price
/// file gives its models (`bedrock/...`), in one table.
const REMOTE: [(&str, &str); 13] = [
    ("openai", "openai"),
    ("anthropic", "anthropic"),
    ("aws.bedrock", "bedrock"),
    ("gcp.gemini", "gemini"),
    ("gcp.vertex_ai", "vertex_ai"),
    ("azure.ai.openai", "azure"),
    ("mistral_ai", "mistral"),
    ("cohere", "cohere"),
    ("groq", "groq"),
    ("deepseek", "deepseek"),
    ("x_ai", "xai"),
    ("perplexity", "perplexity"),
    ("ibm.watsonx.ai", "watsonx"),
];

/// Well-known GenAI provider names (`gen_ai.provider.name`).
pub const PROVIDERS: [&str; REMOTE.len()] = {
    let mut names = [""; REMOTE.len()];
    let mut i = 0;
    while i < REMOTE.len() {
        names[i] = REMOTE[i].0;
        i += 1;
    }
    names
};

/// Local inference runtimes: they cost nothing by default and their spans are `internal`.
pub const LOCAL_PROVIDERS: [&str; 3] = ["ollama", "vllm", "llama_cpp"];

/// Accepted aliases and the provider name each one normalises to.
pub const PROVIDER_ALIASES: [(&str, &str); 4] = [
    ("bedrock", "aws.bedrock"),
    ("gemini", "gcp.gemini"),
    ("mistral", "mistral_ai"),
    ("azure", "azure.ai.openai"),
];

/// The attribution keys of `#[genops::track]`, in span field order (`genops.team`, ...).
pub const ATTRIBUTION_KEYS: [&str; 7] = [
    "team",
    "project",
    "feature",
    "customer",
    "environment",
    "cost_center",
    "user",
];

/// Whether `provider` is a local runtime (see [`LOCAL_PROVIDERS`]).
///
/// ```
/// assert!(genops_names::is_local_provider("ollama"));
/// assert!(!genops_names::is_local_provider("openai"));
/// ```
pub fn is_local_provider(provider: &str) -> bool {
    LOCAL_PROVIDERS.contains(&provider)
}

/// The well-known or local provider `name` stands for, resolving aliases; `None` for anything
/// else.
///
/// ```
/// assert_eq!(genops_names::canonical_provider("mistral"), Some("mistral_ai"));
/// assert_eq!(genops_names::canonical_provider("ollama"), Some("ollama"));
/// assert_eq!(genops_names::canonical_provider("acme"), None);
/// ```
pub fn canonical_provider(name: &str) -> Option<&'static str> {
    let name = PROVIDER_ALIASES
        .iter()
        .find(|(alias, _)| *alias == name)
        .map_or(name, |(_, canonical)| canonical);
    PROVIDERS
        .iter()
        .chain(&LOCAL_PROVIDERS)
        .find(|known| **known == name)
        .copied()
}

/// The prefix LiteLLM's price file files `provider`'s models under (`aws.bedrock` → `bedrock`).
///
/// ```
/// assert_eq!(genops_names::litellm_prefix("x_ai"), Some("xai"));
/// assert_eq!(genops_names::litellm_prefix("ollama"), None);
/// ```
pub fn litellm_prefix(provider: &str) -> Option<&'static str> {
    REMOTE
        .iter()
        .find(|(name, _)| *name == provider)
        .map(|(_, prefix)| *prefix)
}
