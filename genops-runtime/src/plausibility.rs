//! Usage that cannot be true: a response's token counts beyond what the model can take in or
//! write out in one response, or beyond the caps a call was admitted with.
//!
//! A count the check rejects is never priced: the response is booked as its bound instead (see
//! [`Limits::bound`]).

use std::fmt;

use crate::usage::Usage;

/// The most tokens one response of a model can have, from its price table entry
/// (`max_input_tokens`, `max_output_tokens`), resolved once with the entry's prices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Limits {
    /// The context window: the most input tokens of one response.
    pub(crate) input: u64,
    /// The most output tokens of one response.
    pub(crate) output: u64,
}

/// The limit of a model whose entry gives none, or that has no price: ten million tokens, about
/// five times the largest context window in the embedded table.
pub(crate) const FALLBACK_LIMIT: u64 = 10_000_000;

impl Limits {
    /// The limits of a model the price table gives none for.
    pub(crate) const FALLBACK: Limits = Limits {
        input: FALLBACK_LIMIT,
        output: FALLBACK_LIMIT,
    };

    /// The limits an entry gives; a limit it does not give (absent or 0) is [`FALLBACK_LIMIT`].
    pub(crate) fn of(max_input: Option<u64>, max_output: Option<u64>) -> Limits {
        let or_fallback = |n: Option<u64>| n.filter(|&n| n > 0).unwrap_or(FALLBACK_LIMIT);
        Limits {
            input: or_fallback(max_input),
            output: or_fallback(max_output),
        }
    }

    /// These limits, lowered to the caps `(input, output)` of a hold the call was admitted with.
    fn capped(self, caps: Option<(u64, u64)>) -> Limits {
        match caps {
            Some((input, output)) => Limits {
                input: self.input.min(input),
                output: self.output.min(output),
            },
            None => self,
        }
    }

    /// What a response that cannot be true is booked as: the limits (lowered to the hold's
    /// `caps`, if any) as plain input and output tokens, in the service tier the response claimed.
    /// Priced, that is the context window at the input price of the band it falls in (the top
    /// one for a window above every threshold) plus the maximum output at the output price.
    pub(crate) fn bound(self, caps: Option<(u64, u64)>, claimed: &Usage) -> Usage {
        let limits = self.capped(caps);
        Usage::new(limits.input, limits.output).service_tier(claimed.service_tier)
    }
}

/// One count of a response beyond its limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Beyond {
    /// The [`Usage`] field.
    field: &'static str,
    /// The count the response claimed.
    value: u64,
    /// The limit it crossed.
    limit: u64,
    /// What the limit is.
    what: &'static str,
}

impl fmt::Display for Beyond {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Beyond {
            field,
            value,
            limit,
            what,
        } = self;
        write!(f, "{field}={value} (above the {what}, {limit})")
    }
}

/// Checks one response's `usage` against the model's `limits` and the caps `(input, output)` of
/// the hold the call was admitted with, if any: every input count (input, cache reads and
/// writes, audio) at most the context window, every output count (output, reasoning, audio) and
/// the web searches (each one a call the model writes) at most the maximum output. `None` when
/// the usage can be true.
///
/// A plausible response costs two comparisons: the counts of each side are or-ed together, and
/// an or is at least as large as each count in it.
#[inline]
pub(crate) fn check(usage: &Usage, limits: Limits, caps: Option<(u64, u64)>) -> Option<Beyond> {
    let inputs = usage.input
        | usage.cache_read
        | usage.cache_creation
        | usage.cache_creation_1h
        | usage.input_audio;
    let outputs = usage.output | usage.reasoning | usage.output_audio | usage.web_search_requests;
    if inputs <= limits.input && outputs <= limits.output && caps.is_none() {
        return None;
    }
    find(usage, limits, caps)
}

/// The first count of `usage` beyond its limit, named.
#[cold]
fn find(usage: &Usage, limits: Limits, caps: Option<(u64, u64)>) -> Option<Beyond> {
    let inputs = [
        ("input", usage.input),
        ("cache_read", usage.cache_read),
        ("cache_creation", usage.cache_creation),
        ("cache_creation_1h", usage.cache_creation_1h),
        ("input_audio", usage.input_audio),
    ];
    let outputs = [
        ("output", usage.output),
        ("reasoning", usage.reasoning),
        ("output_audio", usage.output_audio),
        ("web_search_requests", usage.web_search_requests),
    ];
    let (cap_input, cap_output) = caps.unwrap_or((u64::MAX, u64::MAX));
    let sides = [
        (&inputs[..], limits.input, "context window", cap_input),
        (&outputs[..], limits.output, "maximum output", cap_output),
    ];
    let beyond = sides.into_iter().find_map(|(counts, limit, what, cap)| {
        let (limit, what) = if cap < limit {
            (cap, "hold's cap")
        } else {
            (limit, what)
        };
        counts
            .iter()
            .find(|&&(_, value)| value > limit)
            .map(|&(field, value)| Beyond {
                field,
                value,
                limit,
                what,
            })
    });
    beyond
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::usage::ServiceTier;

    const MINI: Limits = Limits {
        input: 128_000,
        output: 16_384,
    };

    #[test]
    fn counts_within_the_limits_can_be_true() {
        let usage = Usage::new(128_000, 16_384)
            .cache_read(128_000)
            .reasoning(16_384)
            .web_search(3);
        assert_eq!(check(&usage, MINI, None), None);
        assert_eq!(check(&Usage::default(), MINI, None), None);
    }

    #[test]
    fn each_count_beyond_its_limit_is_named() {
        let beyond = |usage: Usage| check(&usage, MINI, None).map(|b| b.to_string());
        assert_eq!(
            beyond(Usage::new(u64::MAX, 10)).as_deref(),
            Some("input=18446744073709551615 (above the context window, 128000)")
        );
        assert_eq!(
            beyond(Usage::new(10, 16_385)).as_deref(),
            Some("output=16385 (above the maximum output, 16384)")
        );
        assert_eq!(
            beyond(Usage::new(10, 10).cache_read(128_001)).as_deref(),
            Some("cache_read=128001 (above the context window, 128000)")
        );
        assert_eq!(
            beyond(Usage::new(10, 10).cache_creation(1 << 40)).as_deref(),
            Some("cache_creation=1099511627776 (above the context window, 128000)")
        );
        assert_eq!(
            beyond(Usage::new(10, 10).cache_creation_1h(128_001)).as_deref(),
            Some("cache_creation_1h=128001 (above the context window, 128000)")
        );
        assert_eq!(
            beyond(Usage::new(10, 10).input_audio(200_000)).as_deref(),
            Some("input_audio=200000 (above the context window, 128000)")
        );
        assert_eq!(
            beyond(Usage::new(10, 10).reasoning(20_000)).as_deref(),
            Some("reasoning=20000 (above the maximum output, 16384)")
        );
        assert_eq!(
            beyond(Usage::new(10, 10).output_audio(20_000)).as_deref(),
            Some("output_audio=20000 (above the maximum output, 16384)")
        );
        assert_eq!(
            beyond(Usage::new(10, 10).web_search(16_385)).as_deref(),
            Some("web_search_requests=16385 (above the maximum output, 16384)")
        );
    }

    #[test]
    fn a_holds_caps_lower_the_limits_and_are_named() {
        let caps = Some((1_000, 100));
        assert_eq!(check(&Usage::new(1_000, 100), MINI, caps), None);
        assert_eq!(
            check(&Usage::new(1_001, 100), MINI, caps).map(|b| b.to_string()),
            Some("input=1001 (above the hold's cap, 1000)".to_owned())
        );
        // A cap above the model's limit leaves the limit.
        assert_eq!(
            check(&Usage::new(10, 20_000), MINI, Some((1_000, 50_000))).map(|b| b.to_string()),
            Some("output=20000 (above the maximum output, 16384)".to_owned())
        );
    }

    #[test]
    fn the_bound_is_the_limits_in_the_claimed_service_tier() {
        let claimed = Usage::new(u64::MAX, 5).service_tier(ServiceTier::Flex);
        assert_eq!(
            MINI.bound(None, &claimed),
            Usage::new(128_000, 16_384).service_tier(ServiceTier::Flex)
        );
        assert_eq!(
            MINI.bound(Some((1_000, 50_000)), &claimed),
            Usage::new(1_000, 16_384).service_tier(ServiceTier::Flex)
        );
    }

    #[test]
    fn a_limit_the_entry_does_not_give_is_the_fallback() {
        assert_eq!(Limits::of(None, Some(0)), Limits::FALLBACK);
        assert_eq!(Limits::of(Some(128_000), Some(16_384)), MINI);
    }
}
