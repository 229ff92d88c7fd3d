//! One entry of a price table, as read from LiteLLM's schema: the flat price and every other
//! price the entry names.

use std::collections::BTreeMap;

use super::price::Price;
use crate::usage::SearchContextSize;

/// One entry of a price table: the price and what LiteLLM says about the model.
///
/// ```
/// use genops::PriceTable;
/// let table = PriceTable::embedded();
/// let entry = table.get("gpt-4o").unwrap();
/// assert_eq!(entry.litellm_provider.as_deref(), Some("openai"));
/// assert_eq!(entry.price.input, 2_500_000);
/// assert_eq!((entry.max_input_tokens, entry.max_output_tokens), (Some(128_000), Some(16_384)));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PriceEntry {
    /// The flat standard price per token.
    pub price: Price,
    /// LiteLLM's provider name (`litellm_provider`), if given.
    pub litellm_provider: Option<String>,
    /// LiteLLM's mode (`chat`, `embedding`, ...), if given.
    pub mode: Option<String>,
    /// The model's context window, the most input tokens of one response (`max_input_tokens`),
    /// if given: the most input a call can be billed for. A response that claims more is booked
    /// at a bound (see the guide's "Usage that cannot be true").
    pub max_input_tokens: Option<u64>,
    /// The most output tokens of one response (`max_output_tokens`), if given: the output cap
    /// of a worst-case hold when the request sets none.
    pub max_output_tokens: Option<u64>,
    /// Every other price of the entry: tiers, service tiers, audio, web search.
    pub extra: ExtraPrices,
}

/// The prices of an entry beyond the flat five of [`Price`], as read from LiteLLM's schema.
///
/// ```
/// use genops::{PriceTable, SearchContextSize};
/// let table = PriceTable::embedded();
/// let extra = &table.get("gemini/gemini-2.5-pro").unwrap().extra;
/// assert_eq!(extra.get("input_cost_per_token_above_200k_tokens"), Some(2_500_000));
/// assert!(extra.keys().any(|(key, _)| key.ends_with("_above_200k_tokens")));
/// assert!(extra.search_context_cost(SearchContextSize::Medium).is_some());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExtraPrices {
    /// Per-token prices by LiteLLM key, in pico-dollars.
    pub(super) keys: BTreeMap<String, u64>,
    /// `search_context_cost_per_query`, if given.
    pub(super) search: Option<SearchPrices>,
    /// `web_search_billing_unit`, if given: whether it is `per_query`.
    pub(super) search_per_query: Option<bool>,
    /// `tiered_pricing`, if it has a row with a range.
    pub(super) tiered: Option<Vec<TierRow>>,
    /// Whether the entry has `off_peak_pricing`.
    pub(super) off_peak: bool,
    /// Whether the entry has per-second prices.
    pub(super) per_second: bool,
}

impl ExtraPrices {
    /// The price per token stored under the LiteLLM key `key` (e.g.
    /// `input_cost_per_token_above_200k_tokens`), in pico-dollars.
    ///
    /// ```
    /// use genops::PriceTable;
    /// let table = PriceTable::embedded();
    /// let extra = &table.get("gpt-4o").unwrap().extra;
    /// assert_eq!(extra.get("no_such_key"), None);
    /// ```
    pub fn get(&self, key: &str) -> Option<u64> {
        self.keys.get(key).copied()
    }

    /// Every per-token price by key, in key order.
    ///
    /// ```
    /// use genops::PriceTable;
    /// let table = PriceTable::embedded();
    /// let extra = &table.get("gpt-5").unwrap().extra;
    /// assert!(extra.keys().any(|(key, _)| key == "input_cost_per_token_flex"));
    /// ```
    pub fn keys(&self) -> impl Iterator<Item = (&str, u64)> {
        self.keys.iter().map(|(k, &v)| (k.as_str(), v))
    }

    /// The price of one web search of `size` (`search_context_cost_per_query`), in pico-dollars.
    ///
    /// ```
    /// use genops::{PriceTable, SearchContextSize};
    /// let table = PriceTable::embedded();
    /// let extra = &table.get("gpt-5").unwrap().extra;
    /// assert_eq!(extra.search_context_cost(SearchContextSize::High), Some(10_000_000_000)); // $0.01
    /// ```
    pub fn search_context_cost(&self, size: SearchContextSize) -> Option<u64> {
        self.search.and_then(|prices| prices.get(size))
    }

    /// Whether the entry has a `tiered_pricing` table.
    ///
    /// ```
    /// use genops::PriceTable;
    /// assert!(!PriceTable::embedded().get("gpt-4o").unwrap().extra.has_tiered_pricing());
    /// ```
    pub fn has_tiered_pricing(&self) -> bool {
        self.tiered.is_some()
    }
}

/// `search_context_cost_per_query`, in pico-dollars per query.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct SearchPrices {
    /// `search_context_size_low`.
    pub(super) low: Option<u64>,
    /// `search_context_size_medium`.
    pub(super) medium: Option<u64>,
    /// `search_context_size_high`.
    pub(super) high: Option<u64>,
}

impl SearchPrices {
    /// The price of one query of `size`.
    #[inline]
    pub(super) fn get(&self, size: SearchContextSize) -> Option<u64> {
        match size {
            SearchContextSize::Low => self.low,
            SearchContextSize::Medium => self.medium,
            SearchContextSize::High => self.high,
        }
    }
}

/// One row of `tiered_pricing`: prices for prompts of `start < tokens <= end`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct TierRow {
    /// The prompt size the row starts after.
    pub(super) start: u64,
    /// The largest prompt size of the row.
    pub(super) end: u64,
    /// `input_cost_per_token`.
    pub(super) input: Option<u64>,
    /// `output_cost_per_token`.
    pub(super) output: Option<u64>,
    /// `cache_read_input_token_cost`.
    pub(super) cache_read: Option<u64>,
    /// `cache_creation_input_token_cost`.
    pub(super) cache_creation: Option<u64>,
    /// `output_cost_per_reasoning_token`.
    pub(super) reasoning: Option<u64>,
}
