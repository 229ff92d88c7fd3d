//! The hot path: the cost of one call at an entry's resolved prices.

use super::band::{Band, Banded, BatchBand};
use super::providers::{SearchRule, TokenRule, GEMINI_DEFAULT_SEARCH, XAI_DEFAULT_SEARCH};
use crate::money::Cost;
use crate::plausibility::Limits;
use crate::pricing::entry::SearchPrices;
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
        let tier = usage.service_tier;
        let (tokens, label, fallback) = match tier {
            ServiceTier::Batch => {
                let (cost, label) = self.batch.at(usage.input).cost(usage);
                (cost, label, false)
            }
            _ => {
                let (bands, fallback) = match tier {
                    ServiceTier::Flex => (&self.flex.bands, !self.flex.own),
                    ServiceTier::Priority => (&self.priority.bands, !self.priority.own),
                    _ => (&self.standard, false),
                };
                let band = bands.at(usage.input);
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

    /// The cost of the call's web searches, in pico-dollars.
    fn search_cost(&self, usage: &Usage) -> u128 {
        let n = usage.web_search_requests;
        if n == 0 {
            return 0;
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
        u128::from(price) * u128::from(queries)
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
}
