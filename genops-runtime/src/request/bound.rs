//! What a request says about its cost: a bound on its input tokens, its output cap, its
//! service tier and whether it may write the prompt cache.

use crate::usage::ServiceTier;

/// Whose rules read a request: the per-message overhead and the most one image can count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// OpenAI and Azure OpenAI.
    OpenAi,
    /// Anthropic, direct or on Bedrock and Vertex AI.
    Anthropic,
    /// Google Gemini and Vertex AI's Gemini models.
    Gemini,
    /// Any other provider: no image has a documented maximum.
    Other,
}

impl Family {
    /// The family of a provider, named as the price table's `litellm_provider` or as the span's
    /// `gen_ai.provider.name`, and of the model (Claude on Bedrock or Vertex AI is Anthropic's).
    pub fn of(provider: &str, model: &str) -> Family {
        let claude = model.contains("claude") || model.contains("anthropic.");
        match provider {
            _ if claude => Family::Anthropic,
            "openai" | "azure" | "azure.ai.openai" | "text-completion-openai" => Family::OpenAi,
            "anthropic" => Family::Anthropic,
            "gemini"
            | "gcp.gemini"
            | "vertex_ai-language-models"
            | "gcp.vertex_ai"
            | "gcp.gen_ai" => Family::Gemini,
            _ => Family::Other,
        }
    }
}

/// What the request is read for: whose rules apply, and the model (the image maximum and the
/// tokenizer depend on it).
#[derive(Clone, Copy, Debug)]
pub struct Reading<'a> {
    /// Whose rules apply.
    pub family: Family,
    /// The model, as the price table names it.
    pub model: &'a str,
}

/// The prompt-cache writes a request may cause, priced above plain input; ordered by price.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum CacheWrite {
    /// None: the request marks nothing for caching.
    #[default]
    None,
    /// Five-minute writes (Anthropic's `cache_control` without a `ttl`).
    FiveMinutes,
    /// One-hour writes (`"ttl": "1h"`).
    OneHour,
}

/// What a request says about its cost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RequestBound {
    /// The most input tokens the provider can count for what the request shows.
    pub input: u64,
    /// What of the input only the context window bounds (audio, a file, an earlier response).
    pub unbounded: Option<&'static str>,
    /// The request's own output cap, of one choice.
    pub output: Option<u64>,
    /// The choices (completions) it asks for, each of which may produce up to the output cap
    /// (`n`, `candidateCount`); 0 counts as 1.
    pub choices: u64,
    /// The service tier the request asks for.
    pub service_tier: ServiceTier,
    /// The prompt-cache writes it may cause.
    pub cache_write: CacheWrite,
}
