//! Prices per token and the rules that find a model's price.
//!
//! The table is stored in the schema of LiteLLM's `model_prices_and_context_window.json`; see
//! [`PriceTable::load_file`]. An embedded table of current chat and embedding models is compiled
//! in ([`PriceTable::embedded`]).
//!
//! Prices are whole pico-dollars (10^-12 USD) per token. A price given in the file that is not a
//! whole number of pico-dollars is rounded to the nearest one when the file is loaded.

mod error;
mod litellm;
mod matching;

use std::collections::HashMap;
use std::path::Path;

pub use error::PricingError;

use crate::money::Cost;
use crate::usage::Usage;

/// The price of one model, in pico-dollars per token.
///
/// ```
/// use genops_runtime::{Price, Usage};
/// // $2.50 per million input tokens, $10 per million output tokens, $1.25 per million cached.
/// let price = Price { input: 2_500_000, output: 10_000_000, cache_read: Some(1_250_000), ..Price::default() };
/// let cost = price.cost(&Usage::new(1_000, 100).cache_read(400));
/// // 600 × $2.50/M + 400 × $1.25/M + 100 × $10/M = $0.0015 + $0.0005 + $0.001
/// assert_eq!(cost.nanos(), 3_000_000);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Price {
    /// Per input token (`input_cost_per_token`).
    pub input: u64,
    /// Per output token (`output_cost_per_token`).
    pub output: u64,
    /// Per input token read from cache (`cache_read_input_token_cost`); falls back to `input`.
    pub cache_read: Option<u64>,
    /// Per input token written to cache (`cache_creation_input_token_cost`); falls back to `input`.
    pub cache_creation: Option<u64>,
    /// Per reasoning token (`output_cost_per_reasoning_token`); falls back to `output`.
    pub reasoning: Option<u64>,
}

impl Price {
    /// The cost of `usage` at this price, following the GenAI conventions: cache tokens are part
    /// of `input` and reasoning tokens part of `output`, each billed at its own rate.
    pub fn cost(&self, usage: &Usage) -> Cost {
        let plain_input = usage
            .input
            .saturating_sub(usage.cache_read)
            .saturating_sub(usage.cache_creation);
        let plain_output = usage.output.saturating_sub(usage.reasoning);
        let parts = [
            (plain_input, self.input),
            (usage.cache_read, self.cache_read.unwrap_or(self.input)),
            (
                usage.cache_creation,
                self.cache_creation.unwrap_or(self.input),
            ),
            (plain_output, self.output),
            (usage.reasoning, self.reasoning.unwrap_or(self.output)),
        ];
        parts.iter().fold(Cost::ZERO, |sum, &(tokens, rate)| {
            sum.saturating_add(Cost::from_picos(u128::from(tokens) * u128::from(rate)))
        })
    }
}

/// One entry of a price table: the price and what LiteLLM says about the model.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PriceEntry {
    /// The price per token.
    pub price: Price,
    /// LiteLLM's provider name (`litellm_provider`), if given.
    pub litellm_provider: Option<String>,
    /// LiteLLM's mode (`chat`, `embedding`, ...), if given.
    pub mode: Option<String>,
}

/// Model prices, keyed by model name as LiteLLM writes it, plus user-defined aliases.
///
/// ```
/// use genops_runtime::PriceTable;
/// let table = PriceTable::embedded();
/// assert!(table.len() >= 150);
/// // A dated snapshot falls back to its base model.
/// assert_eq!(table.resolve("openai", "gpt-4o-2024-08-06"), table.resolve("openai", "gpt-4o"));
/// ```
#[derive(Clone, Debug, Default)]
pub struct PriceTable {
    entries: HashMap<String, PriceEntry>,
    aliases: HashMap<String, String>,
}

/// The embedded table, in LiteLLM's schema.
const EMBEDDED_JSON: &str = include_str!("../../data/model_prices.json");

impl PriceTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// The table compiled into genops: current chat and embedding models of OpenAI, Anthropic,
    /// Google Gemini and Vertex AI, AWS Bedrock, Azure OpenAI, Mistral, Cohere, Groq, DeepSeek and
    /// xAI.
    pub fn embedded() -> Self {
        let mut table = PriceTable::new();
        table
            .apply_json("<embedded>", EMBEDDED_JSON)
            .expect("the embedded price table is valid; a unit test checks it");
        table
    }

    /// Applies a price file in LiteLLM's schema on top of this table. An entry for a model already
    /// in the table replaces only the fields it names.
    ///
    /// On error the table is left unchanged, and the error names the file and the entry.
    pub fn load_file(&mut self, path: impl AsRef<Path>) -> Result<(), PricingError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| PricingError::Io {
            file: path.display().to_string(),
            source,
        })?;
        self.apply_json(&path.display().to_string(), &text)
    }

    /// Like [`load_file`](Self::load_file), for JSON text; `origin` names it in errors.
    ///
    /// ```
    /// use genops_runtime::PriceTable;
    /// let mut table = PriceTable::embedded();
    /// table.apply_json("mine.json", r#"{"my-model": {"input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6}}"#)?;
    /// assert_eq!(table.resolve("openai", "my-model").unwrap().input, 1_000_000);
    ///
    /// let err = table.apply_json("bad.json", r#"{"x": {"input_cost_per_token": -1}}"#).unwrap_err();
    /// assert!(err.to_string().contains("bad.json"));
    /// assert!(err.to_string().contains("`x`"));
    /// # Ok::<(), genops_runtime::PricingError>(())
    /// ```
    pub fn apply_json(&mut self, origin: &str, json: &str) -> Result<(), PricingError> {
        let overrides = litellm::parse(origin, json)?;
        for (model, fields) in overrides {
            fields.apply_to(self.entries.entry(model).or_default());
        }
        Ok(())
    }

    /// Adds or replaces the entry for `model`.
    pub fn insert(&mut self, model: impl Into<String>, price: Price) {
        self.entries.entry(model.into()).or_default().price = price;
    }

    /// Makes `alias` resolve to `target` when no other rule finds a price for it.
    pub fn alias(&mut self, alias: impl Into<String>, target: impl Into<String>) {
        self.aliases.insert(alias.into(), target.into());
    }

    /// The number of models in the table.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the table has no models.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry stored under exactly `model`, with no matching rules applied.
    pub fn get(&self, model: &str) -> Option<&PriceEntry> {
        self.entries.get(model)
    }

    /// The price of `model` from `provider`, found by these rules in order:
    /// 1. exact match, first in the provider's LiteLLM namespace (`gemini/…` for `gcp.gemini`),
    ///    then as written;
    /// 2. without a `provider/` prefix (`openai/gpt-4o` → `gpt-4o`);
    /// 3. a dated snapshot to its base when the dated one is absent (`gpt-4o-2024-08-06` →
    ///    `gpt-4o`, `claude-opus-4-5-20251101` → `claude-opus-4-5`);
    /// 4. a user-defined [`alias`](Self::alias).
    pub fn resolve(&self, provider: &str, model: &str) -> Option<Price> {
        matching::resolve(self, provider, model)
    }
}
