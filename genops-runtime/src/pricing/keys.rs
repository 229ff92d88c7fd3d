//! The per-token price keys of LiteLLM's schema that genops reads, beyond the flat five.
//!
//! A key is `{base}[_above_{N}_tokens][{suffix}]`:
//! - `base` is one of [`TIERED_BASES`] or the audio output, reasoning and image output prices;
//! - `_above_{N}_tokens` is a long-context tier (`N` is digits with an optional `k`, ×1,000),
//!   allowed on the bases in [`TIERED_BASES`];
//! - `suffix` is a service tier: `_flex`, `_priority` or `_batches`.
//!
//! Keys with other suffixes (`_balanced`, `_ultrafast`, `_decisions`, ...) and the 12-hour cache
//! writes are not read: no [`ServiceTier`](crate::ServiceTier) or usage count selects them.

/// `input_cost_per_token`.
pub(super) const INPUT: &str = "input_cost_per_token";
/// `output_cost_per_token`.
pub(super) const OUTPUT: &str = "output_cost_per_token";
/// `cache_read_input_token_cost`.
pub(super) const CACHE_READ: &str = "cache_read_input_token_cost";
/// `cache_creation_input_token_cost`.
pub(super) const CACHE_CREATION: &str = "cache_creation_input_token_cost";
/// `cache_creation_input_token_cost_above_1hr`: one-hour cache writes.
pub(super) const CACHE_CREATION_1H: &str = "cache_creation_input_token_cost_above_1hr";
/// `input_cost_per_audio_token`.
pub(super) const INPUT_AUDIO: &str = "input_cost_per_audio_token";
/// `output_cost_per_audio_token`.
pub(super) const OUTPUT_AUDIO: &str = "output_cost_per_audio_token";
/// `output_cost_per_reasoning_token`.
pub(super) const REASONING: &str = "output_cost_per_reasoning_token";
/// `output_cost_per_image_token`: LiteLLM's output price when `output_cost_per_token` is 0.
pub(super) const OUTPUT_IMAGE: &str = "output_cost_per_image_token";

/// The bases that have long-context tiers (`{base}_above_{N}_tokens`).
pub(super) const TIERED_BASES: [&str; 6] = [
    INPUT,
    OUTPUT,
    CACHE_READ,
    CACHE_CREATION,
    CACHE_CREATION_1H,
    INPUT_AUDIO,
];

/// The bases read without tiers.
const UNTIERED_BASES: [&str; 3] = [OUTPUT_AUDIO, REASONING, OUTPUT_IMAGE];

/// Every base key read.
fn bases() -> impl Iterator<Item = &'static str> {
    TIERED_BASES.into_iter().chain(UNTIERED_BASES)
}

/// The bases whose tiers decide the long-context tier of the whole request (LiteLLM's threshold
/// keys: the one-hour writes count too, with their own `_above_1hr_above_{N}_tokens`).
pub(super) const THRESHOLD_BASES: [&str; 4] = [INPUT, OUTPUT, CACHE_READ, CACHE_CREATION];

/// The suffix of the standard prices: none.
pub(super) const STANDARD: &str = "";
/// The suffix of flex prices.
pub(super) const FLEX: &str = "_flex";
/// The suffix of priority prices.
pub(super) const PRIORITY: &str = "_priority";
/// The suffix of batch prices.
pub(super) const BATCHES: &str = "_batches";

/// The service-tier suffixes read.
pub(super) const SUFFIXES: [&str; 3] = [FLEX, PRIORITY, BATCHES];

/// What a key of an entry is to genops.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum KeyKind {
    /// A per-token price genops reads.
    Price,
    /// A tier key whose threshold does not parse: an error.
    BadThreshold(String),
    /// Anything else: ignored.
    Other,
}

/// Classifies `key`.
pub(super) fn classify(key: &str) -> KeyKind {
    let Some(base) = bases()
        .filter(|base| key.starts_with(base))
        .max_by_key(|base| base.len())
    else {
        return KeyKind::Other;
    };
    let rest = &key[base.len()..];
    let suffix = match rest.strip_prefix("_above_") {
        // `cache_creation_input_token_cost_above_1hr...` starts with two bases; the longer won.
        Some(tier) if TIERED_BASES.contains(&base) => match tier.split_once("_tokens") {
            // `_above_12hr_above_272k_tokens`: a tier of a lifetime genops does not read.
            Some((threshold, _)) if threshold.contains("_above_") => return KeyKind::Other,
            Some((threshold, suffix)) => {
                if parse_threshold(threshold).is_none() {
                    return KeyKind::BadThreshold(threshold.to_owned());
                }
                suffix
            }
            // `_above_12hr` and other tiers that are not token counts.
            None => return KeyKind::Other,
        },
        Some(_) => return KeyKind::Other,
        None => rest,
    };
    if suffix.is_empty() || SUFFIXES.contains(&suffix) {
        KeyKind::Price
    } else {
        KeyKind::Other
    }
}

/// `N` of `_above_{N}_tokens`: digits with an optional `k` (thousands).
pub(super) fn parse_threshold(text: &str) -> Option<u64> {
    let (digits, scale) = match text.strip_suffix('k') {
        Some(digits) => (digits, 1_000),
        None => (text, 1),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u64>().ok()?.checked_mul(scale)
}

/// The threshold text and the suffix of a tier key of `base`, e.g.
/// `input_cost_per_token_above_200k_tokens_flex` → (`200k`, `_flex`).
pub(super) fn tier_of<'k>(key: &'k str, base: &str) -> Option<(&'k str, &'k str)> {
    let rest = key.strip_prefix(base)?.strip_prefix("_above_")?;
    let (threshold, suffix) = rest.split_once("_tokens")?;
    parse_threshold(threshold)?;
    Some((threshold, suffix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_keys() {
        for key in [
            "input_cost_per_token",
            "input_cost_per_token_flex",
            "input_cost_per_token_above_200k_tokens",
            "input_cost_per_token_above_272k_tokens_priority",
            "cache_creation_input_token_cost_above_1hr",
            "cache_creation_input_token_cost_above_1hr_above_200k_tokens",
            "input_cost_per_audio_token_above_200k_tokens_batches",
            "output_cost_per_token_above_128_tokens",
        ] {
            assert_eq!(classify(key), KeyKind::Price, "{key}");
        }
        for key in [
            "cache_creation_input_token_cost_above_12hr",
            "cache_creation_input_token_cost_above_12hr_above_272k_tokens",
            "input_cost_per_token_balanced",
            "input_cost_per_token_above_272k_tokens_decisions",
            "input_cost_per_token_cache_hit",
            "input_cost_per_audio_per_second_above_128k_tokens",
            "max_tokens",
        ] {
            assert_eq!(classify(key), KeyKind::Other, "{key}");
        }
        assert_eq!(
            classify("input_cost_per_token_above_2m_tokens"),
            KeyKind::BadThreshold("2m".into())
        );
        assert_eq!(
            classify("output_cost_per_token_above__tokens"),
            KeyKind::BadThreshold(String::new())
        );
    }

    #[test]
    fn parses_thresholds() {
        assert_eq!(parse_threshold("200k"), Some(200_000));
        assert_eq!(parse_threshold("128"), Some(128));
        assert_eq!(parse_threshold("k"), None);
        assert_eq!(parse_threshold("1.5k"), None);
        assert_eq!(
            tier_of("input_cost_per_token_above_32k_tokens_flex", INPUT),
            Some(("32k", "_flex"))
        );
    }
}
