//! What is booked: one finished call, the key it is booked under, and the books kept per key.

use std::time::Duration;

use serde::Serialize;

use super::durations::Durations;
use crate::attribution::{Attribution, Dimension};
use crate::intern::Sym;
use crate::money::Cost;
use crate::token_class::ByClass;
use crate::usage::{ServiceTier, Usage};

/// What one group of calls used and cost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Tracked calls.
    pub calls: u64,
    /// Calls that ended in an error or a panic. A gated call that a budget or policy denied is
    /// not an error: it is counted in [`denied`](Self::denied).
    pub errors: u64,
    /// Gated calls denied by a budget, a policy or an unreachable budget store before they ran.
    pub denied: u64,
    /// Calls whose model had no known price (booked at zero cost).
    pub unknown_model_calls: u64,
    /// Streamed calls that completed without any recorded usage (their tokens are not booked).
    pub missing_usage_calls: u64,
    /// Calls with a response whose usage could not be true, booked at its bound instead.
    pub implausible_usage_calls: u64,
    /// Input tokens, including cache tokens.
    pub input_tokens: u64,
    /// Output tokens, including reasoning tokens.
    pub output_tokens: u64,
    /// Input tokens read from cache.
    pub cache_read_tokens: u64,
    /// Input tokens written to cache.
    pub cache_creation_tokens: u64,
    /// Reasoning tokens.
    pub reasoning_tokens: u64,
    /// Own cost of the calls, in pico-dollars when serialised.
    pub cost: Cost,
}

impl Totals {
    /// Adds `other`'s counts and cost to these (saturating), as when merging two periods.
    ///
    /// ```
    /// let mut day = genops::Totals::default();
    /// day.add(&genops::Totals { calls: 2, ..Default::default() });
    /// assert_eq!(day.calls, 2);
    /// ```
    pub fn add(&mut self, other: &Totals) {
        self.calls = self.calls.saturating_add(other.calls);
        self.errors = self.errors.saturating_add(other.errors);
        self.denied = self.denied.saturating_add(other.denied);
        self.unknown_model_calls = self
            .unknown_model_calls
            .saturating_add(other.unknown_model_calls);
        self.missing_usage_calls = self
            .missing_usage_calls
            .saturating_add(other.missing_usage_calls);
        self.implausible_usage_calls = self
            .implausible_usage_calls
            .saturating_add(other.implausible_usage_calls);
        self.input_tokens = self.input_tokens.saturating_add(other.input_tokens);
        self.output_tokens = self.output_tokens.saturating_add(other.output_tokens);
        self.cache_read_tokens = self
            .cache_read_tokens
            .saturating_add(other.cache_read_tokens);
        self.cache_creation_tokens = self
            .cache_creation_tokens
            .saturating_add(other.cache_creation_tokens);
        self.reasoning_tokens = self.reasoning_tokens.saturating_add(other.reasoning_tokens);
        self.cost += other.cost;
    }
}

/// The ledger key of a call: its full attribution, provider, operation and priced model.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct LedgerKey {
    pub(crate) attribution: Attribution,
    pub(crate) provider: Option<Sym>,
    pub(crate) operation: Option<Sym>,
    pub(crate) model: Option<Sym>,
}

impl LedgerKey {
    /// Whether both keys hold the same copies of their texts: equal, found without comparing
    /// any text. (Keys that are equal may hold different copies: compare them with `==`.)
    pub(crate) fn same_copies(&self, other: &LedgerKey) -> bool {
        let same = |a: &Option<Sym>, b: &Option<Sym>| Sym::same_copy(a.as_ref(), b.as_ref());
        // Every field, without stopping early: the comparisons are cheaper than the branches.
        Dimension::ALL.iter().fold(true, |all, &dim| {
            all & Sym::same_copy(self.attribution.get(dim), other.attribution.get(dim))
        }) & same(&self.provider, &other.provider)
            & same(&self.operation, &other.operation)
            & same(&self.model, &other.model)
    }
}

/// Everything booked under one key.
#[derive(Clone, Debug, Default)]
pub(crate) struct Books {
    pub(crate) totals: Totals,
    pub(crate) durations: Durations,
    /// Times to first chunk of the streamed calls, once there is one.
    pub(crate) first_chunk: Option<Box<Durations>>,
}

impl Books {
    pub(super) fn add(&mut self, other: &Books) {
        self.totals.add(&other.totals);
        self.durations.add(&other.durations);
        if let Some(theirs) = &other.first_chunk {
            self.first_chunk.get_or_insert_default().add(theirs);
        }
    }
}

/// One finished call, as booked.
pub(crate) struct Entry<'a> {
    pub(crate) key: &'a LedgerKey,
    pub(crate) usage: Usage,
    pub(crate) cost: Cost,
    pub(crate) error: bool,
    /// A gated call that governance denied (never also an `error`).
    pub(crate) denied: bool,
    pub(crate) unknown_model: bool,
    pub(crate) duration: Duration,
    /// A streamed call's time to first chunk.
    pub(crate) first_chunk: Option<Duration>,
    /// A streamed call that completed without usage.
    pub(crate) usage_missing: bool,
    /// A response of the call claimed usage that cannot be true.
    pub(crate) implausible: bool,
    /// The call's usage and cost by token class.
    pub(crate) classes: &'a CallClasses,
}

/// A finished call's cost by class, with what picked its prices, as the ledger books it.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct CallClasses {
    /// The priced usage by class (quantities only, for a model with no price).
    pub(crate) by_class: ByClass,
    /// The long-context tier of the prices.
    pub(crate) pricing_tier: Option<&'static str>,
    /// The call's service tier.
    pub(crate) service_tier: ServiceTier,
    /// The cost recorded by hand.
    pub(crate) recorded: Cost,
    /// A local model's compute cost, and its time in nanoseconds.
    pub(crate) compute: (Cost, u64),
}
