//! Token usage reported by a provider.

use serde::Serialize;

/// Token counts of one provider response, following the GenAI conventions: `input` includes the
/// cache tokens and the audio input tokens, and `output` includes the reasoning tokens and the
/// audio output tokens. The service tier and web searches of the call ride along, since they
/// change its price.
///
/// ```
/// use genops::{ServiceTier, Usage};
/// let usage = Usage::new(1_200, 300)
///     .cache_read(1_000)
///     .reasoning(100)
///     .service_tier(ServiceTier::Flex);
/// assert_eq!(usage.input, 1_200);
/// assert_eq!(usage.cache_read, 1_000);
/// assert_eq!(usage.service_tier, ServiceTier::Flex);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Usage {
    /// Input (prompt) tokens, including cache reads, cache writes and audio input tokens.
    pub input: u64,
    /// Output (completion) tokens, including reasoning and audio output tokens.
    pub output: u64,
    /// Input tokens read from the provider's prompt cache.
    pub cache_read: u64,
    /// Input tokens written to the provider's prompt cache.
    pub cache_creation: u64,
    /// The part of `cache_creation` written with a one-hour lifetime (Anthropic's
    /// `ephemeral_1h_input_tokens`); the rest are priced as five-minute writes.
    pub cache_creation_1h: u64,
    /// Output tokens spent on reasoning.
    pub reasoning: u64,
    /// The part of `input` that is audio.
    pub input_audio: u64,
    /// The part of `output` that is audio.
    pub output_audio: u64,
    /// Web searches the provider ran for the call.
    pub web_search_requests: u64,
    /// The search context size the web searches were requested with.
    pub search_context_size: SearchContextSize,
    /// The service tier the call was served in.
    pub service_tier: ServiceTier,
}

impl Usage {
    /// Usage with `input` prompt tokens and `output` completion tokens, in the standard tier.
    ///
    /// ```
    /// use genops::Usage;
    /// let usage = Usage::new(10, 20);
    /// assert_eq!((usage.input, usage.output, usage.reasoning), (10, 20, 0));
    /// ```
    pub const fn new(input: u64, output: u64) -> Self {
        Usage {
            input,
            output,
            cache_read: 0,
            cache_creation: 0,
            cache_creation_1h: 0,
            reasoning: 0,
            input_audio: 0,
            output_audio: 0,
            web_search_requests: 0,
            search_context_size: SearchContextSize::Medium,
            service_tier: ServiceTier::Standard,
        }
    }

    /// Sets the number of input tokens read from the prompt cache (part of `input`).
    ///
    /// ```
    /// use genops::Usage;
    /// assert_eq!(Usage::new(100, 0).cache_read(60).cache_read, 60);
    /// ```
    pub const fn cache_read(mut self, tokens: u64) -> Self {
        self.cache_read = tokens;
        self
    }

    /// Sets the number of input tokens written to the prompt cache (part of `input`).
    ///
    /// ```
    /// use genops::Usage;
    /// assert_eq!(Usage::new(100, 0).cache_creation(40).cache_creation, 40);
    /// ```
    pub const fn cache_creation(mut self, tokens: u64) -> Self {
        self.cache_creation = tokens;
        self
    }

    /// Sets how many of the cache writes have a one-hour lifetime (part of `cache_creation`,
    /// priced with `cache_creation_input_token_cost_above_1hr`).
    ///
    /// ```
    /// use genops::Usage;
    /// let usage = Usage::new(100, 0).cache_creation(40).cache_creation_1h(30);
    /// assert_eq!(usage.cache_creation_1h, 30);
    /// ```
    pub const fn cache_creation_1h(mut self, tokens: u64) -> Self {
        self.cache_creation_1h = tokens;
        self
    }

    /// Sets the number of reasoning tokens (part of `output`).
    ///
    /// ```
    /// use genops::Usage;
    /// assert_eq!(Usage::new(0, 100).reasoning(70).reasoning, 70);
    /// ```
    pub const fn reasoning(mut self, tokens: u64) -> Self {
        self.reasoning = tokens;
        self
    }

    /// Sets the number of audio input tokens (part of `input`, priced with
    /// `input_cost_per_audio_token`).
    ///
    /// ```
    /// use genops::Usage;
    /// assert_eq!(Usage::new(100, 0).input_audio(25).input_audio, 25);
    /// ```
    pub const fn input_audio(mut self, tokens: u64) -> Self {
        self.input_audio = tokens;
        self
    }

    /// Sets the number of audio output tokens (part of `output`, priced with
    /// `output_cost_per_audio_token`).
    ///
    /// ```
    /// use genops::Usage;
    /// assert_eq!(Usage::new(0, 100).output_audio(25).output_audio, 25);
    /// ```
    pub const fn output_audio(mut self, tokens: u64) -> Self {
        self.output_audio = tokens;
        self
    }

    /// Sets the number of web searches the provider ran, priced per query with
    /// `search_context_cost_per_query` at the [medium](SearchContextSize::Medium) size unless
    /// [`search_context_size`](Self::search_context_size) says otherwise.
    ///
    /// ```
    /// use genops::Usage;
    /// assert_eq!(Usage::new(100, 10).web_search(2).web_search_requests, 2);
    /// ```
    pub const fn web_search(mut self, requests: u64) -> Self {
        self.web_search_requests = requests;
        self
    }

    /// Sets the search context size the web searches were requested with.
    ///
    /// ```
    /// use genops::{SearchContextSize, Usage};
    /// let usage = Usage::new(100, 10).web_search(1).search_context_size(SearchContextSize::High);
    /// assert_eq!(usage.search_context_size, SearchContextSize::High);
    /// ```
    pub const fn search_context_size(mut self, size: SearchContextSize) -> Self {
        self.search_context_size = size;
        self
    }

    /// Sets the service tier the call was served in.
    ///
    /// ```
    /// use genops::{ServiceTier, Usage};
    /// assert_eq!(Usage::new(1, 1).service_tier(ServiceTier::Batch).service_tier, ServiceTier::Batch);
    /// ```
    pub const fn service_tier(mut self, tier: ServiceTier) -> Self {
        self.service_tier = tier;
        self
    }

    /// Adds `other` to `self`, saturating each count. A service tier or search context size
    /// other than the default replaces the one recorded so far.
    pub(crate) fn accumulate(&mut self, other: Usage) {
        self.input = self.input.saturating_add(other.input);
        self.output = self.output.saturating_add(other.output);
        self.cache_read = self.cache_read.saturating_add(other.cache_read);
        self.cache_creation = self.cache_creation.saturating_add(other.cache_creation);
        self.cache_creation_1h = self
            .cache_creation_1h
            .saturating_add(other.cache_creation_1h);
        self.reasoning = self.reasoning.saturating_add(other.reasoning);
        self.input_audio = self.input_audio.saturating_add(other.input_audio);
        self.output_audio = self.output_audio.saturating_add(other.output_audio);
        self.web_search_requests = self
            .web_search_requests
            .saturating_add(other.web_search_requests);
        self.keep_choices(other);
    }
}

impl Usage {
    /// Raises each count of `self` to `other`'s where `other`'s is higher: a newer cumulative
    /// report of the same response, which may leave out counts it reported before. A service
    /// tier or search context size other than the default replaces the one recorded so far.
    pub(crate) fn raise(&mut self, other: Usage) {
        self.input = self.input.max(other.input);
        self.output = self.output.max(other.output);
        self.cache_read = self.cache_read.max(other.cache_read);
        self.cache_creation = self.cache_creation.max(other.cache_creation);
        self.cache_creation_1h = self.cache_creation_1h.max(other.cache_creation_1h);
        self.reasoning = self.reasoning.max(other.reasoning);
        self.input_audio = self.input_audio.max(other.input_audio);
        self.output_audio = self.output_audio.max(other.output_audio);
        self.web_search_requests = self.web_search_requests.max(other.web_search_requests);
        self.keep_choices(other);
    }

    /// Takes `other`'s service tier and search context size where they are not the default.
    fn keep_choices(&mut self, other: Usage) {
        if other.service_tier != ServiceTier::Standard {
            self.service_tier = other.service_tier;
        }
        if other.search_context_size != SearchContextSize::Medium {
            self.search_context_size = other.search_context_size;
        }
    }
}

/// The service tier a call was served in; each has its own prices in LiteLLM's schema.
///
/// | tier | LiteLLM keys | LiteLLM / provider names |
/// |---|---|---|
/// | `Standard` | `input_cost_per_token`, ... | `default`, `standard`, `auto`, `scale`, anything unknown |
/// | `Flex` | `*_flex` | `flex` |
/// | `Priority` | `*_priority` | `priority`, `fast` |
/// | `Batch` | `*_batches`, else half the standard price | `batch`, `batches` |
///
/// A component without a price of its own in the tier is billed at the standard price of that
/// component (see [`PriceTable`](crate::PriceTable)).
///
/// ```
/// use genops::ServiceTier;
/// assert_eq!(ServiceTier::from_name("fast"), ServiceTier::Priority);
/// assert_eq!(ServiceTier::from_name("auto"), ServiceTier::Standard);
/// assert_eq!(ServiceTier::Flex.as_str(), "flex");
/// assert_eq!(ServiceTier::default(), ServiceTier::Standard);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ServiceTier {
    /// The default tier.
    #[default]
    Standard,
    /// Slower, cheaper processing (OpenAI `flex`, Gemini `FLEX`).
    Flex,
    /// Faster, dearer processing (OpenAI `priority`, Anthropic `fast`, Gemini `PRIORITY`).
    Priority,
    /// Asynchronous batch jobs.
    Batch,
}

impl ServiceTier {
    /// Every tier, in declaration order.
    ///
    /// ```
    /// use genops::ServiceTier;
    /// assert_eq!(ServiceTier::ALL.len(), 4);
    /// ```
    pub const ALL: [ServiceTier; 4] = [
        ServiceTier::Standard,
        ServiceTier::Flex,
        ServiceTier::Priority,
        ServiceTier::Batch,
    ];

    /// The tier's name as genops records it (`genops.service_tier`).
    ///
    /// ```
    /// use genops::ServiceTier;
    /// assert_eq!(ServiceTier::Batch.as_str(), "batch");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            ServiceTier::Standard => "standard",
            ServiceTier::Flex => "flex",
            ServiceTier::Priority => "priority",
            ServiceTier::Batch => "batch",
        }
    }

    /// The tier a provider or LiteLLM calls `name` (case-insensitive): `flex`; `priority` or
    /// `fast`; `batch` or `batches`; anything else is the standard tier.
    ///
    /// ```
    /// use genops::ServiceTier;
    /// assert_eq!(ServiceTier::from_name("PRIORITY"), ServiceTier::Priority);
    /// assert_eq!(ServiceTier::from_name("batches"), ServiceTier::Batch);
    /// assert_eq!(ServiceTier::from_name("default"), ServiceTier::Standard);
    /// ```
    pub fn from_name(name: &str) -> Self {
        match name.to_ascii_lowercase().as_str() {
            "flex" => ServiceTier::Flex,
            "priority" | "fast" => ServiceTier::Priority,
            "batch" | "batches" => ServiceTier::Batch,
            _ => ServiceTier::Standard,
        }
    }
}

/// The search context size of a web search, which selects its price in
/// `search_context_cost_per_query`.
///
/// ```
/// use genops::SearchContextSize;
/// assert_eq!(SearchContextSize::default(), SearchContextSize::Medium);
/// assert_eq!(SearchContextSize::Low.litellm_key(), "search_context_size_low");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SearchContextSize {
    /// `search_context_size_low`.
    Low,
    /// `search_context_size_medium`, the default.
    #[default]
    Medium,
    /// `search_context_size_high`.
    High,
}

impl SearchContextSize {
    /// The key of this size's price in LiteLLM's `search_context_cost_per_query`.
    ///
    /// ```
    /// use genops::SearchContextSize;
    /// assert_eq!(SearchContextSize::High.litellm_key(), "search_context_size_high");
    /// ```
    pub const fn litellm_key(self) -> &'static str {
        match self {
            SearchContextSize::Low => "search_context_size_low",
            SearchContextSize::Medium => "search_context_size_medium",
            SearchContextSize::High => "search_context_size_high",
        }
    }
}
