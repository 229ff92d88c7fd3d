//! Token classes: what one call's usage and cost are split into, a class per kind of priced
//! unit, so that every token is counted in exactly one class and the classes' costs add up to
//! the call's cost exactly.

use crate::money::Cost;

/// A kind of priced unit of a call: its tokens by direction and cache action, and its fees.
///
/// Each token of a call is in exactly one class: `input` holds the uncached text input only,
/// `output` the output that is neither reasoning nor audio. A class that a model does not price
/// apart (reasoning on a model that bills it as output, ...) is still counted apart, at the
/// price it is billed at.
///
/// ```
/// use genops::TokenClass;
/// assert_eq!(TokenClass::CacheRead.name(), "cache_read");
/// assert!(TokenClass::Reasoning.is_output());
/// assert_eq!(TokenClass::ALL.len(), TokenClass::COUNT);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TokenClass {
    /// Uncached text input tokens.
    Input,
    /// Input tokens read from the prompt cache.
    CacheRead,
    /// Input tokens written to the prompt cache with a five-minute lifetime.
    CacheWrite5m,
    /// Input tokens written to the prompt cache with a one-hour lifetime.
    CacheWrite1h,
    /// Uncached audio input tokens.
    InputAudio,
    /// Text output tokens that are not reasoning.
    Output,
    /// Reasoning tokens (output).
    Reasoning,
    /// Audio output tokens.
    OutputAudio,
    /// Web searches, billed per query (or per prompt, as the provider bills them).
    WebSearch,
    /// Costs recorded by hand with `record_cost`, one unit per call that recorded any.
    Recorded,
    /// A local model's compute time, in seconds, at the configured hourly rate.
    Compute,
}

impl TokenClass {
    /// How many classes there are.
    pub const COUNT: usize = 11;

    /// The classes a price card prices (all but [`Recorded`](Self::Recorded) and
    /// [`Compute`](Self::Compute)).
    pub(crate) const PRICED: usize = 9;

    /// Every class, in order.
    pub const ALL: [TokenClass; Self::COUNT] = [
        TokenClass::Input,
        TokenClass::CacheRead,
        TokenClass::CacheWrite5m,
        TokenClass::CacheWrite1h,
        TokenClass::InputAudio,
        TokenClass::Output,
        TokenClass::Reasoning,
        TokenClass::OutputAudio,
        TokenClass::WebSearch,
        TokenClass::Recorded,
        TokenClass::Compute,
    ];

    /// The class's name, as written in SKU ids and files (`input`, `cache_read`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            TokenClass::Input => "input",
            TokenClass::CacheRead => "cache_read",
            TokenClass::CacheWrite5m => "cache_write_5m",
            TokenClass::CacheWrite1h => "cache_write_1h",
            TokenClass::InputAudio => "input_audio",
            TokenClass::Output => "output",
            TokenClass::Reasoning => "reasoning",
            TokenClass::OutputAudio => "output_audio",
            TokenClass::WebSearch => "web_search",
            TokenClass::Recorded => "recorded",
            TokenClass::Compute => "compute",
        }
    }

    /// Whether the class is output (reasoning counts as output).
    pub const fn is_output(self) -> bool {
        matches!(
            self,
            TokenClass::Output | TokenClass::Reasoning | TokenClass::OutputAudio
        )
    }

    /// Whether the class counts tokens (not searches, recorded costs or compute time).
    pub const fn is_tokens(self) -> bool {
        (self as usize) < TokenClass::WebSearch as usize
    }
}

/// One call's usage and cost by token class, as its prices split them.
///
/// `price` is in half-pico-dollars per unit, so that a batch job's half prices are exact; the
/// costs are whole pico-dollars and add up to the call's cost exactly.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ByClass {
    /// Units of each class (tokens, searches).
    pub(crate) quantity: [u64; TokenClass::PRICED],
    /// Unit price of each class, in half-pico-dollars.
    pub(crate) price: [u64; TokenClass::PRICED],
    /// Cost of each class.
    pub(crate) cost: [Cost; TokenClass::PRICED],
    /// The classes with units or a cost, as bits (`1 << class`): a call uses a few classes,
    /// and the others, all zero, need no visit.
    pub(crate) used: u16,
}

impl ByClass {
    /// Notes which classes have units or a cost, from the figures themselves.
    pub(crate) fn note_used(&mut self) {
        self.used = (0..TokenClass::PRICED)
            .filter(|&k| self.quantity[k] > 0 || self.cost[k] > Cost::ZERO)
            .fold(0, |used, k| used | 1 << k);
    }

    /// The classes with units or a cost, by index.
    pub(crate) fn used(&self) -> impl Iterator<Item = usize> {
        let mut rest = self.used;
        std::iter::from_fn(move || {
            let k = rest.trailing_zeros() as usize;
            rest &= rest.wrapping_sub(1);
            (k < TokenClass::PRICED).then_some(k)
        })
    }
}
