//! Token usage reported by a provider.

/// Token counts of one provider response, following the GenAI conventions: `input` includes the
/// cache tokens and `output` includes the reasoning tokens.
///
/// ```
/// use genops_runtime::Usage;
/// let usage = Usage::new(1_200, 300).cache_read(1_000).reasoning(100);
/// assert_eq!(usage.input, 1_200);
/// assert_eq!(usage.cache_read, 1_000);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Usage {
    /// Input (prompt) tokens, including cache reads and cache writes.
    pub input: u64,
    /// Output (completion) tokens, including reasoning tokens.
    pub output: u64,
    /// Input tokens read from the provider's prompt cache.
    pub cache_read: u64,
    /// Input tokens written to the provider's prompt cache.
    pub cache_creation: u64,
    /// Output tokens spent on reasoning.
    pub reasoning: u64,
}

impl Usage {
    /// Usage with `input` prompt tokens and `output` completion tokens.
    pub const fn new(input: u64, output: u64) -> Self {
        Usage {
            input,
            output,
            cache_read: 0,
            cache_creation: 0,
            reasoning: 0,
        }
    }

    /// Sets the number of input tokens read from the prompt cache (part of `input`).
    pub const fn cache_read(mut self, tokens: u64) -> Self {
        self.cache_read = tokens;
        self
    }

    /// Sets the number of input tokens written to the prompt cache (part of `input`).
    pub const fn cache_creation(mut self, tokens: u64) -> Self {
        self.cache_creation = tokens;
        self
    }

    /// Sets the number of reasoning tokens (part of `output`).
    pub const fn reasoning(mut self, tokens: u64) -> Self {
        self.reasoning = tokens;
        self
    }

    /// Adds `other` to `self`, saturating each count.
    pub(crate) fn accumulate(&mut self, other: Usage) {
        self.input = self.input.saturating_add(other.input);
        self.output = self.output.saturating_add(other.output);
        self.cache_read = self.cache_read.saturating_add(other.cache_read);
        self.cache_creation = self.cache_creation.saturating_add(other.cache_creation);
        self.reasoning = self.reasoning.saturating_add(other.reasoning);
    }
}
