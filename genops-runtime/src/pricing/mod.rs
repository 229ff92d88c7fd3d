//! Prices per token and the rules that find a model's price.
//!
//! The table is stored in the schema of LiteLLM's `model_prices_and_context_window.json`; see
//! [`PriceTable::load_file`]. An embedded table of current chat and embedding models is compiled
//! in ([`PriceTable::embedded`]).
//!
//! Prices are whole pico-dollars (10^-12 USD) per token. A price given in the file that is not a
//! whole number of pico-dollars is rounded to the nearest one when the file is loaded.
//!
//! # How a call is priced
//!
//! genops follows LiteLLM's cost function (`generic_cost_per_token`, LiteLLM 1.110.2), with its
//! token model: `input` includes cache reads, cache writes and audio, `output` includes
//! reasoning and audio.
//!
//! - **Long context.** A key `{price}_above_{N}_tokens` (`N` like `200k` or `128`) applies to the
//!   whole request when the prompt (`Usage::input`, cache and audio included) is `> N` (`>= N`
//!   for xAI). Each price takes the highest crossed tier that defines it, else its flat value.
//!   Cache reads and writes without a price of their own are billed at the resolved input price.
//! - **One-hour cache writes** use `cache_creation_input_token_cost_above_1hr` (and its
//!   `_above_{N}_tokens` tier), else the cache-write price.
//! - **Reasoning** uses the tier's `output_cost_per_reasoning_token_{tier}`, else the tier's
//!   output price when the tier has one, else `output_cost_per_reasoning_token`, else the
//!   resolved output price.
//! - **Audio** is taken out of the text tokens and billed at `input_cost_per_audio_token` (with
//!   its tiers) or `output_cost_per_audio_token`, else at the text price.
//! - **Service tiers** (`Usage::service_tier`): each price of the tier (`*_flex`,
//!   `*_priority`, also above a threshold) falls back to the standard one on its own; a tier
//!   above a threshold without a price of its own takes the standard above-threshold price.
//!   Batch jobs use `*_batches` prices, else half the standard prices (cache reads of a model
//!   with batch prices keep the standard price).
//! - **`tiered_pricing`** tables select one range by prompt size (`start < prompt <= end`) and
//!   bill every token at it.
//! - **Web search** is billed per query by search context size, with the provider differences
//!   LiteLLM has (Gemini and Vertex per grounded prompt at $0.035 by default, Anthropic and
//!   Groq at the medium price, Perplexity at the low price, xAI at $0.005 by default).
//! - **Providers** are told apart by the entry's `litellm_provider`: xAI bills every output
//!   token at the output price; xAI, DeepSeek, Tencent, Fireworks, Perplexity and DashScope take
//!   no service tier; Fireworks bills cache reads without a price at half the input price; an
//!   entry of a provider without a calculator of its own costs nothing without a positive input
//!   or output price (as `lemonade` always does).
//!
//! Everything is resolved once per entry, the first time the entry prices a call ([`Rates`]), so
//! pricing a call compares its prompt with a few thresholds at most. What genops cannot apply is flagged
//! ([`Priced::unsupported`]): `off_peak_pricing` (prices by time of day) and per-second prices.

mod error;
mod keys;
mod litellm;
mod matching;
mod rates;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::OnceLock;

pub use error::PricingError;
pub use rates::{Priced, Rates};

use crate::money::Cost;
use crate::usage::{SearchContextSize, Usage};

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
    /// The cost of `usage` at this flat price, following the GenAI conventions: cache tokens are
    /// part of `input` and reasoning tokens part of `output`, each billed at its own rate. This
    /// ignores long-context tiers, service tiers, one-hour writes, audio and web search: a call
    /// is priced in full by [`Rates::cost`] (see [`PriceTable::cost`]).
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
///
/// ```
/// use genops_runtime::PriceTable;
/// let table = PriceTable::embedded();
/// let entry = table.get("gpt-4o").unwrap();
/// assert_eq!(entry.litellm_provider.as_deref(), Some("openai"));
/// assert_eq!(entry.price.input, 2_500_000);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PriceEntry {
    /// The flat standard price per token.
    pub price: Price,
    /// LiteLLM's provider name (`litellm_provider`), if given.
    pub litellm_provider: Option<String>,
    /// LiteLLM's mode (`chat`, `embedding`, ...), if given.
    pub mode: Option<String>,
    /// Every other price of the entry: tiers, service tiers, audio, web search.
    pub extra: ExtraPrices,
}

/// The prices of an entry beyond the flat five of [`Price`], as read from LiteLLM's schema.
///
/// ```
/// use genops_runtime::{PriceTable, SearchContextSize};
/// let table = PriceTable::embedded();
/// let extra = &table.get("gemini/gemini-2.5-pro").unwrap().extra;
/// assert_eq!(extra.get("input_cost_per_token_above_200k_tokens"), Some(2_500_000));
/// assert!(extra.keys().any(|(key, _)| key.ends_with("_above_200k_tokens")));
/// assert!(extra.search_context_cost(SearchContextSize::Medium).is_some());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExtraPrices {
    /// Per-token prices by LiteLLM key, in pico-dollars.
    keys: BTreeMap<String, u64>,
    search: Option<SearchPrices>,
    search_per_query: Option<bool>,
    tiered: Option<Vec<TierRow>>,
    off_peak: bool,
    per_second: bool,
}

impl ExtraPrices {
    /// The price per token stored under the LiteLLM key `key` (e.g.
    /// `input_cost_per_token_above_200k_tokens`), in pico-dollars.
    ///
    /// ```
    /// use genops_runtime::PriceTable;
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
    /// use genops_runtime::PriceTable;
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
    /// use genops_runtime::{PriceTable, SearchContextSize};
    /// let table = PriceTable::embedded();
    /// let extra = &table.get("gpt-5").unwrap().extra;
    /// assert_eq!(extra.search_context_cost(SearchContextSize::High), Some(10_000_000_000)); // $0.01
    /// ```
    pub fn search_context_cost(&self, size: SearchContextSize) -> Option<u64> {
        let i = match size {
            SearchContextSize::Low => 0,
            SearchContextSize::Medium => 1,
            SearchContextSize::High => 2,
        };
        self.search.and_then(|s| s.by_size[i])
    }

    /// Whether the entry has a `tiered_pricing` table.
    ///
    /// ```
    /// use genops_runtime::PriceTable;
    /// assert!(!PriceTable::embedded().get("gpt-4o").unwrap().extra.has_tiered_pricing());
    /// ```
    pub fn has_tiered_pricing(&self) -> bool {
        self.tiered.is_some()
    }
}

/// `search_context_cost_per_query`, in pico-dollars per query.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct SearchPrices {
    /// Low, medium, high.
    by_size: [Option<u64>; 3],
}

impl SearchPrices {
    const KEYS: [&'static str; 3] = [
        SearchContextSize::Low.litellm_key(),
        SearchContextSize::Medium.litellm_key(),
        SearchContextSize::High.litellm_key(),
    ];
}

/// One row of `tiered_pricing`: prices for prompts of `start < tokens <= end`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct TierRow {
    start: u64,
    end: u64,
    input: Option<u64>,
    output: Option<u64>,
    cache_read: Option<u64>,
    cache_creation: Option<u64>,
    reasoning: Option<u64>,
}

/// An entry of a [`PriceTable`], found by [`PriceTable::find`]: an index, `Copy`, to price calls
/// through [`PriceTable::rates`] without looking the model up again.
///
/// ```
/// use genops_runtime::PriceTable;
/// let table = PriceTable::embedded();
/// let id = table.find("openai", "gpt-4o-2024-08-06").unwrap();
/// assert_eq!(table.name(id), "gpt-4o");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EntryId(u32);

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
    slots: Vec<Slot>,
    index: HashMap<String, EntryId>,
    aliases: HashMap<String, String>,
}

/// One model: its name, its entry as read, and its prices, resolved the first time they are
/// asked for (a table of thousands of models loads without resolving the ones never called).
#[derive(Clone, Debug)]
struct Slot {
    name: String,
    entry: PriceEntry,
    rates: OnceLock<Rates>,
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
            self.update(model, |entry| fields.apply_to(entry));
        }
        Ok(())
    }

    /// Adds or replaces the flat price of `model`.
    ///
    /// ```
    /// use genops_runtime::{Price, PriceTable, Usage};
    /// let mut table = PriceTable::new();
    /// table.insert("m", Price { input: 1_000_000, output: 2_000_000, ..Price::default() });
    /// assert_eq!(table.cost("openai", "m", &Usage::new(1, 1)).unwrap().cost.picos(), 3_000_000);
    /// ```
    pub fn insert(&mut self, model: impl Into<String>, price: Price) {
        self.update(model.into(), |entry| entry.price = price);
    }

    /// Changes the entry of `model` (a new one if absent); its prices are resolved again when
    /// next asked for.
    fn update(&mut self, model: String, change: impl FnOnce(&mut PriceEntry)) {
        let id = match self.index.get(&model) {
            Some(&id) => id,
            None => {
                let id = EntryId(u32::try_from(self.slots.len()).expect("fewer than 2^32 models"));
                self.slots.push(Slot {
                    name: model.clone(),
                    entry: PriceEntry::default(),
                    rates: OnceLock::new(),
                });
                self.index.insert(model, id);
                id
            }
        };
        let slot = &mut self.slots[id.0 as usize];
        change(&mut slot.entry);
        slot.rates = OnceLock::new();
    }

    /// Makes `alias` resolve to `target` when no other rule finds a price for it.
    ///
    /// ```
    /// use genops_runtime::PriceTable;
    /// let mut table = PriceTable::embedded();
    /// table.alias("my-gpt", "gpt-4o");
    /// assert_eq!(table.resolve("openai", "my-gpt"), table.resolve("openai", "gpt-4o"));
    /// ```
    pub fn alias(&mut self, alias: impl Into<String>, target: impl Into<String>) {
        self.aliases.insert(alias.into(), target.into());
    }

    /// The number of models in the table.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether the table has no models.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The entry stored under exactly `model`, with no matching rules applied.
    pub fn get(&self, model: &str) -> Option<&PriceEntry> {
        self.index.get(model).map(|&id| &self.slot(id).entry)
    }

    /// The flat standard price of `model` from `provider`, found by the rules of
    /// [`find`](Self::find). Long-context tiers, service tiers and the other prices of the entry
    /// are in its [`rates`](Self::rates).
    ///
    /// ```
    /// use genops_runtime::PriceTable;
    /// let table = PriceTable::embedded();
    /// assert_eq!(table.resolve("openai", "openai/gpt-4o").unwrap().output, 10_000_000);
    /// ```
    pub fn resolve(&self, provider: &str, model: &str) -> Option<Price> {
        self.find(provider, model)
            .map(|id| self.slot(id).entry.price)
    }

    /// The entry of `model` from `provider`, found by these rules in order:
    /// 1. exact match, first in the provider's LiteLLM namespace (`gemini/…` for `gcp.gemini`),
    ///    then as written;
    /// 2. without a `provider/` prefix (`openai/gpt-4o` → `gpt-4o`);
    /// 3. a dated snapshot to its base when the dated one is absent (`gpt-4o-2024-08-06` →
    ///    `gpt-4o`, `claude-opus-4-5-20251101` → `claude-opus-4-5`);
    /// 4. a Bedrock model id as its model: without a cross-region inference profile's prefix
    ///    (`us.`, `eu.`, `apac.`, `global.`, ...), then without its vendor and version
    ///    (`us.anthropic.claude-sonnet-4-5-20250929-v1:0` → `claude-sonnet-4-5-20250929`), at
    ///    that model's list price;
    /// 5. a user-defined [`alias`](Self::alias).
    ///
    /// ```
    /// use genops_runtime::PriceTable;
    /// let table = PriceTable::embedded();
    /// let id = table.find("gcp.gemini", "gemini-2.5-pro").unwrap();
    /// assert_eq!(table.name(id), "gemini/gemini-2.5-pro");
    /// assert!(table.find("openai", "no-such-model").is_none());
    /// ```
    pub fn find(&self, provider: &str, model: &str) -> Option<EntryId> {
        matching::resolve(self, provider, model)
    }

    /// The resolved prices of an entry: resolved on the first call for the entry, then borrowed.
    ///
    /// ```
    /// use genops_runtime::{PriceTable, Usage};
    /// let table = PriceTable::embedded();
    /// let rates = table.rates(table.find("openai", "gpt-4o").unwrap());
    /// assert_eq!(rates.cost(&Usage::new(1_000_000, 0)).cost.as_usd(), 2.5);
    /// ```
    pub fn rates(&self, id: EntryId) -> &Rates {
        let slot = self.slot(id);
        slot.rates
            .get_or_init(|| Rates::compile(&slot.name, &slot.entry))
    }

    /// The key of an entry.
    ///
    /// ```
    /// use genops_runtime::PriceTable;
    /// let table = PriceTable::embedded();
    /// assert_eq!(table.name(table.find("openai", "gpt-4o").unwrap()), "gpt-4o");
    /// ```
    pub fn name(&self, id: EntryId) -> &str {
        &self.slot(id).name
    }

    /// The cost of `usage` for `model` from `provider`, or `None` for an unknown model.
    ///
    /// ```
    /// use genops_runtime::{PriceTable, Usage};
    /// let table = PriceTable::embedded();
    /// let priced = table.cost("gcp.gemini", "gemini-2.5-pro", &Usage::new(300_000, 1_000)).unwrap();
    /// assert_eq!(priced.tier, Some("above_200k"));
    /// ```
    pub fn cost(&self, provider: &str, model: &str, usage: &Usage) -> Option<Priced> {
        self.find(provider, model)
            .map(|id| self.rates(id).cost(usage))
    }

    fn slot(&self, id: EntryId) -> &Slot {
        &self.slots[id.0 as usize]
    }
}
