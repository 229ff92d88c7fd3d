//! Rate cards: an entry's prices resolved once, on first use, for every service tier and every
//! prompt-size band, following LiteLLM's cost rules (see the crate's pricing docs). Pricing a call
//! is then a search among a few thresholds and a handful of multiplications.
//!
//! Resolution works on one prompt size at a time ([`View::band`], [`View::batch_band`]); since a
//! prompt size only enters the rules through comparisons with the entry's thresholds, evaluating
//! it once per interval between consecutive thresholds gives every band.

use std::collections::BTreeSet;

use super::keys::{self, tier_of};
use super::{PriceEntry, TierRow};
use crate::money::Cost;
use crate::usage::{SearchContextSize, ServiceTier, Usage};

/// LiteLLM's search price for Gemini and Vertex models without one: $0.035 per grounded prompt.
const GEMINI_DEFAULT_SEARCH: u64 = 35_000_000_000;
/// LiteLLM's search price for xAI models without one: $5 per thousand calls.
const XAI_DEFAULT_SEARCH: u64 = 5_000_000_000;

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

/// The resolved per-token prices of one band, in pico-dollars.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Band {
    input: u64,
    output: u64,
    cache_read: u64,
    cache_creation: u64,
    cache_creation_1h: u64,
    input_audio: u64,
    output_audio: u64,
    reasoning: u64,
    /// The long-context tier, `None` for flat prices.
    label: Option<&'static str>,
}

/// The prices of a batch job in one band.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BatchBand {
    /// The entry has a batch input price: LiteLLM's batch formula with batch prices.
    Own {
        input: u64,
        /// `None`: cache reads are billed as input.
        cache_read: Option<u64>,
        /// (5-minute, 1-hour) write prices; `None`: writes are billed as input.
        writes: Option<(u64, u64)>,
        input_audio: u64,
        output: Halvable,
        label: Option<&'static str>,
    },
    /// No batch input price: half the flat standard prices.
    Half {
        input: u64,
        cache_read: u64,
        cache_creation: u64,
        output: Halvable,
        label: Option<&'static str>,
    },
}

/// A batch output price: the batch price, or half the standard one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Halvable {
    Full(u64),
    Half(u64),
}

impl Halvable {
    /// Twice the price, in half-pico-dollars.
    fn doubled(self) -> u128 {
        match self {
            Halvable::Full(p) => 2 * u128::from(p),
            Halvable::Half(p) => u128::from(p),
        }
    }
}

/// Bands by prompt size: `bands[k]` applies when exactly `k` of `starts` are `<=` the prompt.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Banded<B> {
    starts: Box<[u64]>,
    bands: Box<[B]>,
}

impl<B: Copy + PartialEq> Banded<B> {
    fn build(representatives: &[u64], band: impl Fn(u64) -> B) -> Self {
        let mut starts = Vec::new();
        let mut bands: Vec<B> = Vec::new();
        for &p in representatives {
            let b = band(p);
            if bands.last() != Some(&b) {
                if !bands.is_empty() {
                    starts.push(p);
                }
                bands.push(b);
            }
        }
        Banded {
            starts: starts.into(),
            bands: bands.into(),
        }
    }

    #[inline]
    fn at(&self, prompt: u64) -> &B {
        // Flat prices have one band: no search at all.
        let k = match self.starts.len() {
            0 => 0,
            _ => self.starts.partition_point(|&s| s <= prompt),
        };
        &self.bands[k]
    }
}

/// How usage becomes billed tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TokenRule {
    /// LiteLLM's generic rule.
    Generic,
    /// xAI: the output breakdown is dropped, every output token is billed at the output price.
    OutputUndivided,
    /// LiteLLM bills nothing for the tokens (no token price, or `lemonade`).
    Free,
}

/// How web searches are billed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SearchRule {
    /// The price of the requested context size, per query.
    BySize,
    /// The medium price per query (Anthropic, Claude on Vertex or Azure AI, Groq).
    Medium,
    /// Gemini and Vertex: the medium price (default $0.035) per prompt, or per query when
    /// `web_search_billing_unit` is `per_query`.
    Gemini { per_query: bool },
    /// xAI: the first positive of medium, low, high (default $0.005), per call.
    Xai,
    /// Perplexity: the low price per query.
    Low,
}

/// An entry's prices, resolved for every service tier and prompt size.
///
/// Get one with [`PriceTable::rates`](super::PriceTable::rates); price a call with
/// [`cost`](Self::cost).
///
/// ```
/// use genops_runtime::{PriceTable, ServiceTier, Usage};
/// let table = PriceTable::embedded();
/// let id = table.find("gcp.gemini", "gemini-2.5-pro").unwrap();
/// let rates = table.rates(id);
/// // Above 200k prompt tokens the whole request is billed at the long-context prices.
/// let priced = rates.cost(&Usage::new(250_000, 1_000));
/// assert_eq!(priced.tier, Some("above_200k"));
/// assert!(rates.cost(&Usage::new(1_000, 1_000)).tier.is_none());
/// assert!(rates.has_own_prices(ServiceTier::Standard));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rates {
    /// Flex, priority and standard.
    cards: [Banded<Band>; 3],
    batch: Banded<BatchBand>,
    /// Whether the entry has prices of its own for flex and priority.
    own_tier_prices: [bool; 2],
    tokens: TokenRule,
    search: SearchRule,
    search_prices: [Option<u64>; 3],
    unsupported: Option<&'static str>,
}

/// The cost of one call and how it was priced.
///
/// ```
/// use genops_runtime::{PriceTable, ServiceTier, Usage};
/// let table = PriceTable::embedded();
/// let priced = table.cost("openai", "gpt-4o", &Usage::new(1_000, 100)).unwrap();
/// assert_eq!(priced.cost.nanos(), 3_500_000); // 1,000 × $2.50/M + 100 × $10/M
/// assert_eq!(priced.tier, None);
/// assert_eq!(priced.service_tier, ServiceTier::Standard);
/// assert!(!priced.service_tier_fallback);
/// assert_eq!(priced.unsupported, None);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Priced {
    /// The cost.
    pub cost: Cost,
    /// The long-context tier that applied (`above_200k`, ...; `tiered_…` for a
    /// `tiered_pricing` range), `None` for flat prices.
    pub tier: Option<&'static str>,
    /// The service tier of the call.
    pub service_tier: ServiceTier,
    /// `true` when the model has no prices of its own for the call's service tier, so it was
    /// billed at standard prices.
    pub service_tier_fallback: bool,
    /// Why the price may be wrong: the entry has a pricing mode genops cannot apply
    /// (`off_peak_pricing`, which depends on the time of day, or `per_second`).
    pub unsupported: Option<&'static str>,
}

impl Rates {
    /// The cost of `usage`: its prompt size selects the band, its service tier the prices.
    ///
    /// ```
    /// use genops_runtime::{PriceTable, Usage};
    /// let table = PriceTable::embedded();
    /// let rates = table.rates(table.find("openai", "gpt-4o").unwrap());
    /// assert_eq!(rates.cost(&Usage::new(1_000, 100)).cost.nanos(), 3_500_000);
    /// ```
    pub fn cost(&self, usage: &Usage) -> Priced {
        let tier = usage.service_tier;
        let (tokens, label, fallback) = match tier {
            ServiceTier::Batch => {
                let (cost, label) = self.batch.at(usage.input).cost(usage);
                (cost, label, false)
            }
            _ => {
                let (card, fallback) = match tier {
                    ServiceTier::Flex => (0, !self.own_tier_prices[0]),
                    ServiceTier::Priority => (1, !self.own_tier_prices[1]),
                    _ => (2, false),
                };
                let band = self.cards[card].at(usage.input);
                let cost = match self.tokens {
                    TokenRule::Free => 0,
                    TokenRule::Generic => band.cost(usage, true),
                    TokenRule::OutputUndivided => band.cost(usage, false),
                };
                (cost, band.label, fallback)
            }
        };
        Priced {
            cost: Cost::from_picos(tokens.saturating_add(self.search_cost(usage))),
            tier: label,
            service_tier: tier,
            service_tier_fallback: fallback,
            unsupported: self.unsupported,
        }
    }

    /// Whether the entry has prices of its own for `tier`. Standard and batch always have
    /// (a batch without batch prices costs half the standard price); flex and priority have when
    /// the entry names a `*_flex` or `*_priority` price and its provider bills service tiers.
    ///
    /// ```
    /// use genops_runtime::{PriceTable, ServiceTier};
    /// let table = PriceTable::embedded();
    /// let gpt5 = table.rates(table.find("openai", "gpt-5").unwrap());
    /// assert!(gpt5.has_own_prices(ServiceTier::Flex));
    /// let claude = table.rates(table.find("anthropic", "claude-sonnet-4-5").unwrap());
    /// assert!(!claude.has_own_prices(ServiceTier::Flex));
    /// ```
    pub fn has_own_prices(&self, tier: ServiceTier) -> bool {
        match tier {
            ServiceTier::Flex => self.own_tier_prices[0],
            ServiceTier::Priority => self.own_tier_prices[1],
            _ => true,
        }
    }

    /// Why genops cannot price this entry exactly, if it cannot: `off_peak_pricing` (prices by
    /// time of day) or `per_second` (prices by duration).
    ///
    /// ```
    /// use genops_runtime::PriceTable;
    /// let table = PriceTable::embedded();
    /// assert_eq!(table.rates(table.find("openai", "gpt-4o").unwrap()).unsupported(), None);
    /// ```
    pub fn unsupported(&self) -> Option<&'static str> {
        self.unsupported
    }

    fn search_cost(&self, usage: &Usage) -> u128 {
        let n = usage.web_search_requests;
        if n == 0 {
            return 0;
        }
        let [low, medium, high] = self.search_prices;
        let (price, queries) = match self.search {
            SearchRule::BySize => {
                let price = match usage.search_context_size {
                    SearchContextSize::Low => low,
                    SearchContextSize::Medium => medium,
                    SearchContextSize::High => high,
                };
                (price.unwrap_or(0), n)
            }
            SearchRule::Medium => (medium.unwrap_or(0), n),
            SearchRule::Gemini { per_query } => (
                medium.unwrap_or(GEMINI_DEFAULT_SEARCH),
                if per_query { n } else { 1 },
            ),
            SearchRule::Xai => (
                [medium, low, high]
                    .into_iter()
                    .flatten()
                    .find(|&p| p > 0)
                    .unwrap_or(XAI_DEFAULT_SEARCH),
                n,
            ),
            SearchRule::Low => (low.unwrap_or(0), n),
        };
        u128::from(price) * u128::from(queries)
    }

    /// Resolves every band of `entry`, stored under `name`.
    pub(super) fn compile(name: &str, entry: &PriceEntry) -> Rates {
        let provider = entry.litellm_provider.as_deref().unwrap_or("");
        let tierless = TIERLESS_PROVIDERS.contains(&provider);
        let view = View {
            entry,
            inclusive: provider == "xai",
            // Fireworks bills cache reads without a price at half the input price.
            cache_read_default: (provider == "fireworks_ai" && entry.price.cache_read.is_none())
                .then_some(entry.price.input / 2),
        };
        let representatives = view.representatives();
        let has_suffix =
            |sfx: &str| !tierless && entry.extra.keys.keys().any(|key| key.ends_with(sfx));
        let own_tier_prices = [has_suffix("_flex"), has_suffix("_priority")];
        let standard = Banded::build(&representatives, |p| view.band(p, ""));
        // A tier without prices of its own resolves every price to the standard one.
        let card = |own: bool, sfx: &'static str| match own {
            true => Banded::build(&representatives, |p| view.band(p, sfx)),
            false => standard.clone(),
        };
        let batch_view = View {
            cache_read_default: None,
            ..view
        };
        let token_priced = entry.price.input > 0 || entry.price.output > 0;
        let tokens = if provider == "lemonade"
            || (!NAMED_PROVIDERS.contains(&provider)
                && !token_priced
                && entry.extra.tiered.is_none())
        {
            TokenRule::Free
        } else if provider == "xai" {
            TokenRule::OutputUndivided
        } else {
            TokenRule::Generic
        };
        let is_claude = name.to_ascii_lowercase().contains("claude");
        let search = match provider {
            "gemini" => SearchRule::Gemini {
                per_query: entry.extra.search_per_query == Some(true),
            },
            p if p.starts_with("vertex_ai") && !is_claude => SearchRule::Gemini {
                per_query: entry.extra.search_per_query == Some(true),
            },
            p if p.starts_with("vertex_ai") => SearchRule::Medium,
            "anthropic" | "azure_ai" | "groq" => SearchRule::Medium,
            "xai" => SearchRule::Xai,
            "perplexity" => SearchRule::Low,
            _ => SearchRule::BySize,
        };
        let per_second = entry.extra.per_second
            && !token_priced
            && entry.extra.tiered.is_none()
            && matches!(
                entry.mode.as_deref(),
                None | Some(
                    "audio_transcription" | "chat" | "completion" | "embedding" | "responses"
                )
            );
        let unsupported = if entry.extra.off_peak {
            Some("off_peak_pricing")
        } else if per_second {
            Some("per_second")
        } else {
            None
        };
        Rates {
            cards: [
                card(own_tier_prices[0], "_flex"),
                card(own_tier_prices[1], "_priority"),
                standard,
            ],
            batch: Banded::build(&representatives, |p| batch_view.batch_band(p)),
            own_tier_prices,
            tokens,
            search,
            search_prices: entry
                .extra
                .search
                .map_or([None; 3], |prices| prices.by_size),
            unsupported,
        }
    }
}

impl Band {
    /// The cost of `usage` at these prices, in pico-dollars. `divided_output`: bill reasoning
    /// and audio output at their own prices.
    #[inline]
    fn cost(&self, usage: &Usage, divided_output: bool) -> u128 {
        let hit = usage.cache_read;
        let written = usage.cache_creation;
        let prompt = usage.input;
        let uncached = prompt.saturating_sub(hit).saturating_sub(written);
        // Audio is a part of the uncached input; more than that is clamped when cache counts
        // are present, as LiteLLM does.
        let audio = if hit > 0 || written > 0 {
            usage.input_audio.min(uncached)
        } else {
            usage.input_audio
        };
        let text = uncached.saturating_sub(audio);
        let long_writes = usage.cache_creation_1h.min(written);
        let mut parts = [
            (text, self.input),
            (hit, self.cache_read),
            (audio, self.input_audio),
            (written - long_writes, self.cache_creation),
            (long_writes, self.cache_creation_1h),
            (usage.output, self.output),
            (0, self.reasoning),
            (0, self.output_audio),
        ];
        if divided_output && (usage.reasoning > 0 || usage.output_audio > 0) {
            parts[5].0 = usage
                .output
                .saturating_sub(usage.reasoning)
                .saturating_sub(usage.output_audio);
            parts[6].0 = usage.reasoning;
            parts[7].0 = usage.output_audio;
        }
        sum(&parts)
    }
}

impl BatchBand {
    /// The cost of `usage` at these prices, in pico-dollars, and the band's tier.
    fn cost(&self, usage: &Usage) -> (u128, Option<&'static str>) {
        let prompt = usage.input;
        let hit = usage.cache_read;
        // Computed in half-pico-dollars: half prices are exact.
        let (doubled, label) = match *self {
            BatchBand::Own {
                input,
                cache_read,
                writes,
                input_audio,
                output,
                label,
            } => {
                let hit = if cache_read.is_some() { hit } else { 0 };
                let (written, (short, long)) = match writes {
                    Some(prices) => (usage.cache_creation, prices),
                    None => (0, (0, 0)),
                };
                let long_writes = usage.cache_creation_1h.min(written);
                let text = prompt
                    .saturating_sub(usage.input_audio)
                    .saturating_sub(hit)
                    .saturating_sub(written);
                let full = sum(&[
                    (text, input),
                    (usage.input_audio, input_audio),
                    (hit, cache_read.unwrap_or(0)),
                    (written - long_writes, short),
                    (long_writes, long),
                ]);
                (
                    2 * full + u128::from(usage.output) * output.doubled(),
                    label,
                )
            }
            BatchBand::Half {
                input,
                cache_read,
                cache_creation,
                output,
                label,
            } => {
                let written = usage.cache_creation;
                let text = prompt.saturating_sub(hit).saturating_sub(written);
                let halved = sum(&[(text, input), (hit, cache_read), (written, cache_creation)]);
                (halved + u128::from(usage.output) * output.doubled(), label)
            }
        };
        (doubled.div_ceil(2), label)
    }
}

/// Σ tokens × price, in pico-dollars.
#[inline]
fn sum(parts: &[(u64, u64)]) -> u128 {
    parts
        .iter()
        .map(|&(tokens, price)| u128::from(tokens) * u128::from(price))
        .sum()
}

/// LiteLLM's view of one entry: its keys, read with the service-tier fallback of
/// `get_cost_per_unit`.
#[derive(Clone, Copy)]
struct View<'e> {
    entry: &'e PriceEntry,
    /// xAI compares thresholds with `>=`.
    inclusive: bool,
    /// The cache-read price of an entry without one, when the provider sets one.
    cache_read_default: Option<u64>,
}

impl View<'_> {
    /// The price stored under exactly `key`.
    fn get(&self, key: &str) -> Option<u64> {
        let price = &self.entry.price;
        match key {
            keys::INPUT => Some(price.input),
            keys::OUTPUT => Some(price.output),
            keys::CACHE_READ => price.cache_read.or(self.cache_read_default),
            keys::CACHE_CREATION => price.cache_creation,
            keys::REASONING => price.reasoning,
            _ => self.entry.extra.keys.get(key).copied(),
        }
    }

    /// `key` + `sfx`, else the standard `key` when `sfx` is a service tier (not `_batches`).
    fn get_tiered(&self, key: &str, sfx: &str) -> Option<u64> {
        if sfx.is_empty() {
            return self.get(key);
        }
        self.get(&format!("{key}{sfx}"))
            .or_else(|| (sfx != "_batches").then(|| self.get(key)).flatten())
    }

    fn crossed(&self, prompt: u64, threshold: u64, inclusive: bool) -> bool {
        prompt > threshold || (inclusive && prompt == threshold)
    }

    /// The tiers `{base}_above_{N}_tokens{suffix}` with one of `suffixes`, crossed by `prompt`:
    /// (N, the text of N).
    fn crossed_tiers<'k>(
        &'k self,
        base: &'k str,
        suffixes: &'k [&'k str],
        prompt: u64,
        inclusive: bool,
    ) -> impl Iterator<Item = (u64, &'k str)> + 'k {
        self.entry
            .extra
            .keys
            .keys()
            .filter_map(move |key| tier_of(key, base))
            .filter(move |(_, suffix)| suffixes.contains(suffix))
            .filter_map(|(text, _)| Some((keys::parse_threshold(text)?, text)))
            .filter(move |&(n, _)| self.crossed(prompt, n, inclusive))
    }

    /// Every prompt size at which some rule may change its answer, and 0.
    fn representatives(&self) -> Vec<u64> {
        let mut points = BTreeSet::from([0]);
        if self.entry.extra.tiered.is_some() {
            // A `tiered_pricing` range applies from one prompt token on.
            points.insert(1);
        }
        let mut add = |n: u64| {
            points.insert(n);
            points.insert(n.saturating_add(1));
        };
        for key in self.entry.extra.keys.keys() {
            for base in keys::TIERED_BASES {
                if let Some((text, _)) = tier_of(key, base) {
                    add(keys::parse_threshold(text).unwrap_or(0));
                }
            }
        }
        for row in self.entry.extra.tiered.iter().flatten() {
            add(row.start);
            add(row.end);
        }
        points.into_iter().collect()
    }

    /// The `tiered_pricing` row for `prompt`, if it has an input price.
    fn tiered_row(&self, prompt: u64) -> Option<&TierRow> {
        let rows = self.entry.extra.tiered.as_deref()?;
        if prompt == 0 {
            return None;
        }
        let mut sorted: Vec<&TierRow> = rows.iter().collect();
        sorted.sort_by_key(|row| row.start);
        let row = sorted
            .iter()
            .find(|row| row.start < prompt && prompt <= row.end)
            .or(sorted.last())?;
        row.input.is_some().then_some(*row)
    }

    /// The prices of a call of `prompt` tokens in the service tier of suffix `sfx`.
    fn band(&self, prompt: u64, sfx: &str) -> Band {
        let mut band = match self.tiered_row(prompt) {
            Some(row) => self.tiered_band(row, sfx),
            None => self.threshold_band(prompt, sfx),
        };
        band.input_audio = self.input_audio(prompt, sfx, band.input);
        band.output_audio = self.get(keys::OUTPUT_AUDIO).unwrap_or(band.output);
        band
    }

    fn tiered_band(&self, row: &TierRow, sfx: &str) -> Band {
        let input = row.input.unwrap_or(0);
        let output = row
            .output
            .unwrap_or_else(|| self.get(keys::OUTPUT).unwrap_or(0));
        let cache_creation = row.cache_creation.unwrap_or(input);
        let reasoning = match row.reasoning.or(row.output) {
            Some(price) => price,
            None => self.reasoning(sfx, output),
        };
        Band {
            input,
            output,
            cache_read: row.cache_read.unwrap_or(input),
            cache_creation,
            cache_creation_1h: cache_creation,
            reasoning,
            label: Some(crate::intern::permanent_str(&format!(
                "tiered_{}_{}",
                row.start, row.end
            ))),
            ..Band::default()
        }
    }

    fn threshold_band(&self, prompt: u64, sfx: &str) -> Band {
        let mut input = self.get_tiered(keys::INPUT, sfx).unwrap_or(0);
        let mut output = self.get_tiered(keys::OUTPUT, sfx).unwrap_or(0);
        if output == 0 {
            output = self.get(keys::OUTPUT_IMAGE).unwrap_or(output);
        }
        let mut cache_read = self.get_tiered(keys::CACHE_READ, sfx);
        let mut cache_creation = self.get_tiered(keys::CACHE_CREATION, sfx);
        let mut long_key = format!("{}{sfx}", keys::CACHE_CREATION_1H);
        let mut label = None;

        // Every crossed threshold of the four threshold bases (and of the one-hour writes),
        // standard or of this tier, in ascending order; each price keeps the last one it has.
        let suffixes = ["", sfx];
        let mut crossed: Vec<(u64, &str)> = keys::THRESHOLD_BASES
            .iter()
            .chain([&keys::CACHE_CREATION_1H])
            .flat_map(|base| self.crossed_tiers(base, &suffixes, prompt, self.inclusive))
            .collect();
        crossed.sort_by_key(|&(n, _)| n);
        crossed.dedup();
        for (_, text) in crossed {
            let above = |base: &str| format!("{base}_above_{text}_tokens");
            input = self.get_tiered(&above(keys::INPUT), sfx).unwrap_or(input);
            output = self.get_tiered(&above(keys::OUTPUT), sfx).unwrap_or(output);
            cache_creation = self
                .get_tiered(&above(keys::CACHE_CREATION), sfx)
                .or(cache_creation);
            cache_read = self
                .get_tiered(&above(keys::CACHE_READ), sfx)
                .or(cache_read);
            let long = format!("{}{sfx}", above(keys::CACHE_CREATION_1H));
            if self.get(&long).is_some() {
                long_key = long;
            }
            label = Some(crate::intern::permanent_str(&format!("above_{text}")));
        }
        let cache_creation = cache_creation.unwrap_or(input);
        let long = match self.get(&long_key) {
            Some(price) => Some(price),
            None if !sfx.is_empty() => self.get(&long_key.replace(sfx, "")),
            None => None,
        };
        Band {
            input,
            output,
            cache_read: cache_read.unwrap_or(input),
            cache_creation,
            cache_creation_1h: long.unwrap_or(cache_creation),
            reasoning: self.reasoning(sfx, output),
            label,
            ..Band::default()
        }
    }

    /// The reasoning price: the tier's own, else the tier's output price when the tier has one,
    /// else the standard reasoning price, else the output price.
    fn reasoning(&self, sfx: &str, output: u64) -> u64 {
        if let Some(price) = self.get(&format!("{}{sfx}", keys::REASONING)) {
            return price;
        }
        if !sfx.is_empty() && self.get(&format!("{}{sfx}", keys::OUTPUT)).is_some() {
            return output;
        }
        self.get(keys::REASONING).unwrap_or(output)
    }

    /// The audio input price: the tier's highest crossed audio tier, else the flat audio
    /// price, else `input`.
    fn input_audio(&self, prompt: u64, sfx: &str, input: u64) -> u64 {
        let suffixes = ["", sfx];
        let key = match self
            .crossed_tiers(keys::INPUT_AUDIO, &suffixes, prompt, self.inclusive)
            .max_by_key(|&(n, _)| n)
        {
            Some((_, text)) => format!("{}_above_{text}_tokens{sfx}", keys::INPUT_AUDIO),
            None => format!("{}{sfx}", keys::INPUT_AUDIO),
        };
        let standard = key.strip_suffix(sfx).unwrap_or(&key);
        if self.get(&key).is_none() && self.get(standard).is_none() {
            return input;
        }
        self.get(&key)
            .or_else(|| (sfx != "_batches").then(|| self.get(standard)).flatten())
            .unwrap_or(0)
    }

    /// A batch price of `base`: its highest crossed `_above_{N}_tokens_batches`, else
    /// `{base}_batches`.
    fn batch_price(&self, base: &str, prompt: u64) -> Option<u64> {
        let flat = self.get(&format!("{base}_batches"));
        let highest = self
            .crossed_tiers(base, &["_batches"], prompt, self.inclusive)
            .max_by_key(|&(n, _)| n);
        match highest {
            Some((_, text)) => self
                .get(&format!("{base}_above_{text}_tokens_batches"))
                .or(flat),
            None => flat,
        }
    }

    /// The prices of a batch job of `prompt` tokens.
    fn batch_band(&self, prompt: u64) -> BatchBand {
        let label = self
            .crossed_tiers(keys::INPUT, &["_batches"], prompt, self.inclusive)
            .chain(self.crossed_tiers(keys::OUTPUT, &["_batches"], prompt, self.inclusive))
            .max_by_key(|&(n, _)| n)
            .map(|(_, text)| crate::intern::permanent_str(&format!("above_{text}")));
        let output = match self.batch_price(keys::OUTPUT, prompt) {
            Some(price) => Halvable::Full(price),
            None => Halvable::Half(self.get(keys::OUTPUT).unwrap_or(0)),
        };
        let Some(input) = self.batch_price(keys::INPUT, prompt) else {
            let flat_input = self.get(keys::INPUT).unwrap_or(0);
            return BatchBand::Half {
                input: flat_input,
                cache_read: self.get(keys::CACHE_READ).unwrap_or(0),
                cache_creation: self.get(keys::CACHE_CREATION).unwrap_or(flat_input),
                output,
                label,
            };
        };
        // Cache reads without a batch price: the standard price of the prompt's size.
        let cache_read = self.batch_price(keys::CACHE_READ, prompt).or_else(|| {
            let tier = self
                .crossed_tiers(keys::CACHE_READ, &[""], prompt, false)
                .max_by_key(|&(n, _)| n);
            match tier {
                Some((_, text)) => self.get(&format!("{}_above_{text}_tokens", keys::CACHE_READ)),
                None => self.get(keys::CACHE_READ),
            }
        });
        let short = self.batch_price(keys::CACHE_CREATION, prompt);
        let long = self.batch_price(keys::CACHE_CREATION_1H, prompt);
        let writes = (short.is_some() || long.is_some()).then(|| {
            let short = short.unwrap_or(input);
            (short, long.unwrap_or(short))
        });
        let audio_tier = self
            .crossed_tiers(keys::INPUT_AUDIO, &["", "_batches"], prompt, false)
            .max_by_key(|&(n, _)| n)
            .and_then(|(_, text)| {
                self.get(&format!(
                    "{}_above_{text}_tokens_batches",
                    keys::INPUT_AUDIO
                ))
            });
        let input_audio = audio_tier
            .or_else(|| self.get(&format!("{}_batches", keys::INPUT_AUDIO)))
            .unwrap_or(input);
        BatchBand::Own {
            input,
            cache_read,
            writes,
            input_audio,
            output,
            label,
        }
    }
}
