//! The price table: models by name, their entries, and their rates resolved on first use.

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

use super::entry::PriceEntry;
use super::error::PricingError;
use super::price::Price;
use super::rates::{Priced, Rates};
use super::{litellm, matching};
use crate::usage::Usage;

/// An entry of a [`PriceTable`], found by [`PriceTable::find`]: an index, `Copy`, to price calls
/// through [`PriceTable::rates`] without looking the model up again.
///
/// ```
/// use genops::PriceTable;
/// let table = PriceTable::embedded();
/// let id = table.find("openai", "gpt-4o-2024-08-06").unwrap();
/// assert_eq!(table.name(id), "gpt-4o");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EntryId(std::num::NonZeroU32);

impl EntryId {
    /// The id of the entry at `index` (one more than it, so that an `Option<EntryId>` is as
    /// small as an id).
    fn at(index: usize) -> Self {
        let id = u32::try_from(index + 1).expect("fewer than 2^32 models");
        EntryId(std::num::NonZeroU32::new(id).expect("one more than an index"))
    }

    /// The index of the entry.
    fn index(self) -> usize {
        self.0.get() as usize - 1
    }
}

/// Model prices, keyed by model name as LiteLLM writes it, plus user-defined aliases.
///
/// ```
/// use genops::PriceTable;
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
    /// use genops::PriceTable;
    /// let mut table = PriceTable::embedded();
    /// table.apply_json("mine.json", r#"{"my-model": {"input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6}}"#)?;
    /// assert_eq!(table.resolve("openai", "my-model").unwrap().input, 1_000_000);
    ///
    /// let err = table.apply_json("bad.json", r#"{"x": {"input_cost_per_token": -1}}"#).unwrap_err();
    /// assert!(err.to_string().contains("bad.json"));
    /// assert!(err.to_string().contains("`x`"));
    /// # Ok::<(), genops::PricingError>(())
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
    /// use genops::{Price, PriceTable, Usage};
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
                let id = EntryId::at(self.slots.len());
                self.slots.push(Slot {
                    name: model.clone(),
                    entry: PriceEntry::default(),
                    rates: OnceLock::new(),
                });
                self.index.insert(model, id);
                id
            }
        };
        let slot = &mut self.slots[id.index()];
        change(&mut slot.entry);
        slot.rates = OnceLock::new();
    }

    /// Makes `alias` resolve to `target` when no other rule finds a price for it.
    ///
    /// ```
    /// use genops::PriceTable;
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
    /// use genops::PriceTable;
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
    /// use genops::PriceTable;
    /// let table = PriceTable::embedded();
    /// let id = table.find("gcp.gemini", "gemini-2.5-pro").unwrap();
    /// assert_eq!(table.name(id), "gemini/gemini-2.5-pro");
    /// assert!(table.find("openai", "no-such-model").is_none());
    /// ```
    pub fn find(&self, provider: &str, model: &str) -> Option<EntryId> {
        let exact = |name: &str| self.index.get(name).copied();
        matching::resolve(exact, &self.aliases, provider, model)
    }

    /// The resolved prices of an entry: resolved on the first call for the entry, then borrowed.
    ///
    /// ```
    /// use genops::{PriceTable, Usage};
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
    /// use genops::PriceTable;
    /// let table = PriceTable::embedded();
    /// assert_eq!(table.name(table.find("openai", "gpt-4o").unwrap()), "gpt-4o");
    /// ```
    pub fn name(&self, id: EntryId) -> &str {
        &self.slot(id).name
    }

    /// The cost of `usage` for `model` from `provider`, or `None` for an unknown model.
    ///
    /// ```
    /// use genops::{PriceTable, Usage};
    /// let table = PriceTable::embedded();
    /// let priced = table.cost("gcp.gemini", "gemini-2.5-pro", &Usage::new(300_000, 1_000)).unwrap();
    /// assert_eq!(priced.tier, Some("above_200k"));
    /// ```
    pub fn cost(&self, provider: &str, model: &str, usage: &Usage) -> Option<Priced> {
        self.find(provider, model)
            .map(|id| self.rates(id).cost(usage))
    }

    fn slot(&self, id: EntryId) -> &Slot {
        &self.slots[id.index()]
    }
}
