//! An entry resolved into [`Rates`]: every band of every service tier, the provider's rules, and
//! what genops cannot apply.

use super::band::Banded;
use super::cost::{PlainPrices, Rates, TierCard};
use super::providers::{self, SearchRule, TokenRule};
use super::view::View;
use crate::plausibility::Limits;
use crate::pricing::entry::PriceEntry;
use crate::pricing::keys;

/// The modes in which LiteLLM prices per second an entry that has no token price.
const PER_SECOND_MODES: [&str; 5] = [
    "audio_transcription",
    "chat",
    "completion",
    "embedding",
    "responses",
];

/// [`Rates::unsupported`] of an entry priced by time of day.
const OFF_PEAK: &str = "off_peak_pricing";
/// [`Rates::unsupported`] of an entry priced by duration.
const PER_SECOND: &str = "per_second";

impl Rates {
    /// Resolves every band of `entry`, stored under `name`.
    pub(in crate::pricing) fn compile(name: &str, entry: &PriceEntry) -> Rates {
        let provider = entry.litellm_provider.as_deref().unwrap_or("");
        let view = View {
            entry,
            inclusive: providers::inclusive_thresholds(provider),
            cache_read_default: providers::cache_read_default(provider, entry),
        };
        let representatives = view.representatives();
        let standard = Banded::build(&representatives, |p| view.band(p, keys::STANDARD));
        // A tier without prices of its own resolves every price to the standard one.
        let card = |sfx: &'static str| {
            let own = providers::bills_service_tiers(provider)
                && entry.extra.keys.keys().any(|key| key.ends_with(sfx));
            let bands = match own {
                true => Banded::build(&representatives, |p| view.band(p, sfx)),
                false => standard.clone(),
            };
            TierCard { bands, own }
        };
        let (flex, priority) = (card(keys::FLEX), card(keys::PRIORITY));
        let batch_view = View {
            cache_read_default: None,
            ..view
        };
        let per_second = entry.extra.per_second
            && !entry.price.prices_tokens()
            && entry.extra.tiered.is_none()
            && entry
                .mode
                .as_deref()
                .is_none_or(|mode| PER_SECOND_MODES.contains(&mode));
        let unsupported = if entry.extra.off_peak {
            Some(OFF_PEAK)
        } else if per_second {
            Some(PER_SECOND)
        } else {
            None
        };
        let tokens = TokenRule::of(provider, entry);
        Rates {
            plain: PlainPrices::of(&standard, tokens),
            standard,
            flex,
            priority,
            batch: Banded::build(&representatives, |p| batch_view.batch_band(p)),
            tokens,
            search: SearchRule::of(provider, name, entry),
            search_prices: entry.extra.search.unwrap_or_default(),
            unsupported,
            limits: Limits::of(window(entry), entry.max_output_tokens),
        }
    }
}

/// The context window of one response: `max_input_tokens`, except for an embedding model,
/// whose `max_input_tokens` is the limit of each input of a request that embeds many (OpenAI
/// takes up to 2,048 inputs and 300,000 tokens in one request).
fn window(entry: &PriceEntry) -> Option<u64> {
    match entry.mode.as_deref() {
        Some("embedding") => None,
        _ => entry.max_input_tokens,
    }
}
