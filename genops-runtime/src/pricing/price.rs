//! The flat price of a model: the five per-token prices every entry has.

use crate::money::Cost;
use crate::usage::Usage;

/// The price of one model, in pico-dollars per token.
///
/// ```
/// use genops::{Price, Usage};
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
    /// Whether the entry has a positive input or output price: a provider without a calculator
    /// of its own bills tokens only then.
    pub(super) fn prices_tokens(&self) -> bool {
        self.input > 0 || self.output > 0
    }

    /// The cost of `usage` at this flat price, following the GenAI conventions: cache tokens are
    /// part of `input` and reasoning tokens part of `output`, each billed at its own rate. This
    /// ignores long-context tiers, service tiers, one-hour writes, audio and web search: a call
    /// is priced in full by [`Rates::cost`](super::Rates::cost) (see
    /// [`PriceTable::cost`](super::PriceTable::cost)).
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
