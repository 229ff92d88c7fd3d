//! The hot path: the cost of one call at an entry's resolved prices.

use super::band::{sum, Band, Banded, BatchBand, Parts};
use super::providers::{SearchRule, TokenRule, GEMINI_DEFAULT_SEARCH, XAI_DEFAULT_SEARCH};
use crate::money::Cost;
use crate::plausibility::Limits;
use crate::pricing::entry::SearchPrices;
use crate::token_class::{ByClass, TokenClass};
use crate::usage::{ServiceTier, Usage};

/// An entry's prices, resolved for every service tier and prompt size.
///
/// Get one with [`PriceTable::rates`](crate::PriceTable::rates); price a call with
/// [`cost`](Self::cost).
///
/// ```
/// use genops::{PriceTable, ServiceTier, Usage};
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
    /// The prices of a plain call, when the standard prices are flat.
    pub(super) plain: Option<PlainPrices>,
    /// The standard prices.
    pub(super) standard: Banded<Band>,
    /// The flex prices.
    pub(super) flex: TierCard,
    /// The priority prices.
    pub(super) priority: TierCard,
    /// The prices of a batch job.
    pub(super) batch: Banded<BatchBand>,
    /// How usage becomes billed tokens.
    pub(super) tokens: TokenRule,
    /// How web searches are billed.
    pub(super) search: SearchRule,
    /// The prices of a web search by context size.
    pub(super) search_prices: SearchPrices,
    /// Why the prices may be wrong, if they may.
    pub(super) unsupported: Option<&'static str>,
    /// The most tokens one response can have.
    pub(super) limits: Limits,
}

/// The standard input and output prices of an entry whose standard prices do not depend on
/// prompt size, as its token rule bills them: a plain call (input and output tokens only, standard
/// tier, no web search) costs `input × input tokens + output × output tokens` and notes nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct PlainPrices {
    input: u64,
    output: u64,
}

impl PlainPrices {
    /// The plain prices of `standard` under `tokens`, `None` when they depend on prompt size or
    /// name a long-context tier.
    pub(super) fn of(standard: &Banded<Band>, tokens: TokenRule) -> Option<PlainPrices> {
        let band = standard.only().filter(|band| band.label.is_none())?;
        Some(match tokens {
            TokenRule::Free => PlainPrices {
                input: 0,
                output: 0,
            },
            TokenRule::Generic | TokenRule::OutputUndivided => PlainPrices {
                input: band.input,
                output: band.output,
            },
        })
    }

    /// The cost of a plain call, in pico-dollars.
    #[inline]
    fn cost(self, usage: &Usage) -> u128 {
        u128::from(usage.input) * u128::from(self.input)
            + u128::from(usage.output) * u128::from(self.output)
    }
}

/// Whether `usage` has input and output tokens only, at the standard tier and without web
/// searches: nothing a band prices apart, no tier to note.
#[inline]
fn is_plain(usage: &Usage) -> bool {
    usage.service_tier == ServiceTier::Standard
        && (usage.cache_read
            | usage.cache_creation
            | usage.input_audio
            | usage.reasoning
            | usage.output_audio
            | usage.web_search_requests)
            == 0
}

/// The prices of a service tier that an entry may not price itself (flex, priority).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct TierCard {
    /// The tier's prices by prompt size: the standard ones when the tier has none of its own.
    pub(super) bands: Banded<Band>,
    /// Whether the entry has prices of its own for the tier.
    pub(super) own: bool,
}

/// A call's units and prices by class, and how its band and tier priced it.
struct Split {
    parts: Parts,
    /// The band's long-context tier.
    label: Option<&'static str>,
    /// The service tier had no prices of its own.
    fallback: bool,
    /// The prices are in half-pico-dollars (a batch job).
    halves: bool,
}

/// The cost of one call and how it was priced.
///
/// ```
/// use genops::{PriceTable, ServiceTier, Usage};
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
    /// The most tokens one response of the model can have: its context window and maximum
    /// output, each [the fallback](crate::plausibility::FALLBACK_LIMIT) when the entry gives none.
    #[inline]
    pub(crate) fn limits(&self) -> Limits {
        self.limits
    }

    /// The cost of `usage`: its prompt size selects the band, its service tier the prices.
    ///
    /// ```
    /// use genops::{PriceTable, Usage};
    /// let table = PriceTable::embedded();
    /// let rates = table.rates(table.find("openai", "gpt-4o").unwrap());
    /// assert_eq!(rates.cost(&Usage::new(1_000, 100)).cost.nanos(), 3_500_000);
    /// ```
    pub fn cost(&self, usage: &Usage) -> Priced {
        if let Some(plain) = self.plain.filter(|_| is_plain(usage)) {
            return Priced {
                cost: Cost::from_picos(plain.cost(usage)),
                unsupported: self.unsupported,
                ..Priced::default()
            };
        }
        let split = self.split(usage);
        let total = sum(&split.parts);
        let cost = if split.halves {
            total.div_ceil(2)
        } else {
            total
        };
        self.priced(Cost::from_picos(cost), &split, usage)
    }

    /// The cost of `usage`, as [`cost`](Self::cost) prices it, and by token class: the
    /// classes' costs add up to it exactly. (Calls price in place, with
    /// [`by_class_into`](Self::by_class_into).)
    #[cfg(test)]
    pub(crate) fn by_class(&self, usage: &Usage) -> (Priced, ByClass) {
        let mut by_class = ByClass::default();
        let priced = self.by_class_into(usage, &mut by_class);
        (priced, by_class)
    }

    /// [`by_class`](Self::by_class) into `by_class`, which is all zeros: a finishing call
    /// prices its usage in place, without copying the classes.
    pub(crate) fn by_class_into(&self, usage: &Usage, by_class: &mut ByClass) -> Priced {
        if let Some(plain) = self.plain.filter(|_| is_plain(usage)) {
            // The common call: its text input and output, nothing to split.
            for (class, units, price) in [
                (TokenClass::Input, usage.input, plain.input),
                (TokenClass::Output, usage.output, plain.output),
            ] {
                let i = class as usize;
                by_class.quantity[i] = units;
                by_class.price[i] = price.saturating_mul(2);
                by_class.cost[i] = Cost::from_picos(u128::from(units) * u128::from(price));
                if units > 0 {
                    by_class.used |= 1 << i;
                }
            }
            let priced = Priced {
                cost: by_class.cost[TokenClass::Input as usize]
                    + by_class.cost[TokenClass::Output as usize],
                unsupported: self.unsupported,
                ..Priced::default()
            };
            return priced;
        }
        let split = self.split(usage);
        let mut total = 0u128;
        for (i, &(units, price)) in split.parts.iter().enumerate() {
            let cost = u128::from(units) * u128::from(price);
            total += cost;
            by_class.quantity[i] = units;
            // A unit price only where there are units, as the plain call's shortcut has it.
            by_class.price[i] = match (units, split.halves) {
                (0, _) => 0,
                (_, true) => price,
                (_, false) => price.saturating_mul(2),
            };
            by_class.cost[i] = Cost::from_picos(if split.halves { cost / 2 } else { cost });
        }
        if split.halves {
            // The job is rounded up as a whole: the half-pico-dollars the classes' floors left
            // go to the costliest class.
            let floors: u128 = by_class.cost.iter().map(|c| c.picos()).sum();
            let rest = total.div_ceil(2) - floors;
            if let Some(costliest) = by_class.cost.iter_mut().max() {
                *costliest += Cost::from_picos(rest);
            }
            total = total.div_ceil(2);
        }
        by_class.note_used();
        self.priced(Cost::from_picos(total), &split, usage)
    }

    /// How `split` priced `usage`, at `cost`.
    fn priced(&self, cost: Cost, split: &Split, usage: &Usage) -> Priced {
        Priced {
            cost,
            tier: split.label,
            service_tier: usage.service_tier,
            service_tier_fallback: split.fallback,
            unsupported: self.unsupported,
        }
    }

    /// The units of `usage` by class, for a model with no price: every cost zero.
    pub(crate) fn unpriced(usage: &Usage, by_class: &mut ByClass) {
        let parts = Band::default().parts(usage, true);
        for (quantity, (units, _)) in by_class.quantity.iter_mut().zip(parts) {
            *quantity = units;
        }
        by_class.quantity[TokenClass::WebSearch as usize] = usage.web_search_requests;
        by_class.note_used();
    }

    /// The units and prices of `usage` by class: the band its prompt size selects, at its
    /// service tier's prices.
    #[inline]
    fn split(&self, usage: &Usage) -> Split {
        let tier = usage.service_tier;
        let (mut parts, label, fallback, halves) = match tier {
            ServiceTier::Batch => {
                let (parts, label) = self.batch.at(usage.input).parts(usage);
                (parts, label, false, true)
            }
            _ => {
                let (bands, fallback) = match tier {
                    ServiceTier::Flex => (&self.flex.bands, !self.flex.own),
                    ServiceTier::Priority => (&self.priority.bands, !self.priority.own),
                    _ => (&self.standard, false),
                };
                let band = bands.at(usage.input);
                let parts = match self.tokens {
                    TokenRule::Free => band.parts(usage, false).map(|(units, _)| (units, 0)),
                    TokenRule::Generic => band.parts(usage, true),
                    TokenRule::OutputUndivided => band.parts(usage, false),
                };
                (parts, band.label, fallback, false)
            }
        };
        let (queries, price) = self.search(usage);
        // Searches are never halved.
        parts[TokenClass::WebSearch as usize] = if halves {
            (queries, price.saturating_mul(2))
        } else {
            (queries, price)
        };
        Split {
            parts,
            label,
            fallback,
            halves,
        }
    }

    /// Whether the entry has prices of its own for `tier`. Standard and batch always have
    /// (a batch without batch prices costs half the standard price); flex and priority have when
    /// the entry names a `*_flex` or `*_priority` price and its provider bills service tiers.
    ///
    /// ```
    /// use genops::{PriceTable, ServiceTier};
    /// let table = PriceTable::embedded();
    /// let gpt5 = table.rates(table.find("openai", "gpt-5").unwrap());
    /// assert!(gpt5.has_own_prices(ServiceTier::Flex));
    /// let claude = table.rates(table.find("anthropic", "claude-sonnet-4-5").unwrap());
    /// assert!(!claude.has_own_prices(ServiceTier::Flex));
    /// ```
    pub fn has_own_prices(&self, tier: ServiceTier) -> bool {
        match tier {
            ServiceTier::Flex => self.flex.own,
            ServiceTier::Priority => self.priority.own,
            ServiceTier::Standard | ServiceTier::Batch => true,
        }
    }

    /// Why genops cannot price this entry exactly, if it cannot: `off_peak_pricing` (prices by
    /// time of day) or `per_second` (prices by duration).
    ///
    /// ```
    /// use genops::PriceTable;
    /// let table = PriceTable::embedded();
    /// assert_eq!(table.rates(table.find("openai", "gpt-4o").unwrap()).unsupported(), None);
    /// ```
    pub fn unsupported(&self) -> Option<&'static str> {
        self.unsupported
    }

    /// The call's billed web searches (queries, or prompts that searched) and their price, in
    /// pico-dollars.
    fn search(&self, usage: &Usage) -> (u64, u64) {
        let n = usage.web_search_requests;
        if n == 0 {
            return (0, 0);
        }
        let prices = self.search_prices;
        let SearchPrices { low, medium, high } = prices;
        let (price, queries) = match self.search {
            SearchRule::BySize => (prices.get(usage.search_context_size).unwrap_or(0), n),
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
        (queries, price)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pricing::PriceTable;

    /// The embedded table, read again for its model names.
    const EMBEDDED_JSON: &str = include_str!("../../../data/model_prices.json");

    #[test]
    fn a_plain_call_costs_exactly_what_its_band_says() {
        let table = PriceTable::embedded();
        let names: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(EMBEDDED_JSON).unwrap();
        let usages = [
            Usage::new(0, 0),
            Usage::new(1_000, 100),
            Usage::new(250_000, 3),
            Usage::new(u64::MAX, u64::MAX),
        ];
        let mut shortcuts = 0;
        for name in names.keys() {
            let entry = table.get(name).unwrap();
            let rates = Rates::compile(name, entry);
            let banded = Rates {
                plain: None,
                ..rates.clone()
            };
            shortcuts += usize::from(rates.plain.is_some());
            for usage in &usages {
                assert_eq!(rates.cost(usage), banded.cost(usage), "{name}, {usage:?}");
            }
        }
        // Most entries have flat prices: the shortcut is taken, and checked above.
        assert!(
            shortcuts > names.len() / 2,
            "{shortcuts} of {}",
            names.len()
        );
    }

    #[test]
    fn the_classes_cost_what_the_call_costs_and_count_each_token_once() {
        let table = PriceTable::embedded();
        let names: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(EMBEDDED_JSON).unwrap();
        let usage = Usage::new(250_123, 9_001)
            .cache_read(100_003)
            .cache_creation(20_001)
            .cache_creation_1h(7_001)
            .input_audio(3_001)
            .reasoning(4_001)
            .output_audio(501)
            .web_search(3);
        let tiers = ServiceTier::ALL.map(|tier| usage.service_tier(tier));
        for name in names.keys() {
            let rates = Rates::compile(name, table.get(name).unwrap());
            for usage in tiers.iter().chain([&Usage::new(1_001, 99)]) {
                let (priced, by_class) = rates.by_class(usage);
                assert_eq!(priced, rates.cost(usage), "{name}, {usage:?}");
                let sum: u128 = by_class.cost.iter().map(|c| c.picos()).sum();
                assert_eq!(sum, priced.cost.picos(), "{name}, {usage:?}");
                let output: u64 = by_class.quantity[TokenClass::Output as usize..][..3]
                    .iter()
                    .sum();
                assert_eq!(output, usage.output, "{name}, {usage:?}");
            }
            // The plain call's shortcut splits as the bands do.
            let banded = Rates {
                plain: None,
                ..rates.clone()
            };
            let plain = Usage::new(1_001, 99);
            assert_eq!(rates.by_class(&plain), banded.by_class(&plain), "{name}");
        }
        let mut unpriced = ByClass::default();
        Rates::unpriced(&usage, &mut unpriced);
        let input: u64 = unpriced.quantity[..TokenClass::Output as usize]
            .iter()
            .sum();
        assert_eq!(input, usage.input);
        assert_eq!(unpriced.quantity[TokenClass::Reasoning as usize], 4_001);
        assert_eq!(unpriced.quantity[TokenClass::WebSearch as usize], 3);
    }

    #[test]
    fn a_batch_job_rounds_up_once_and_its_classes_still_add_up() {
        let mut table = PriceTable::new();
        // Odd prices in pico-dollars: 1 and 3 per token, halved for a batch.
        let json = r#"{"odd": {"input_cost_per_token": 1e-12, "output_cost_per_token": 3e-12}}"#;
        table.apply_json("test", json).unwrap();
        let rates = table.rates(table.find("", "odd").unwrap());
        // 3 × 0.5 + 1 × 1.5 = 3 pico-dollars exactly; 1 × 0.5 + 1 × 1.5 = 2; 1 × 0.5 = 1 rounded up.
        for (usage, total) in [((3, 1), 3), ((1, 1), 2), ((1, 0), 1)] {
            let usage = Usage::new(usage.0, usage.1).service_tier(ServiceTier::Batch);
            let (priced, by_class) = rates.by_class(&usage);
            assert_eq!(priced, rates.cost(&usage));
            assert_eq!(priced.cost.picos(), total);
            let sum: u128 = by_class.cost.iter().map(|c| c.picos()).sum();
            assert_eq!(sum, total, "{usage:?}");
            assert_eq!(by_class.price[TokenClass::Input as usize], 1);
            let output = TokenClass::Output as usize;
            let price = if by_class.quantity[output] > 0 { 3 } else { 0 };
            assert_eq!(by_class.price[output], price);
        }
    }
}
