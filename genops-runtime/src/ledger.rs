//! Exact running totals of every tracked call, by attribution, provider and model.
//!
//! Each thread books into its own shard (an uncontended mutex, cache-line aligned), so no global
//! lock is taken per call; [`Ledger::snapshot`] adds the shards up. Costs are integer
//! pico-dollars, so the books are exact under any concurrency.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rustc_hash::FxHashMap;
use serde::Serialize;
use thread_local::ThreadLocal;

use crate::attribution::{Attribution, Dimension};
use crate::intern::Sym;
use crate::money::Cost;
use crate::usage::Usage;

/// What one group of calls used and cost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Tracked calls.
    pub calls: u64,
    /// Calls that ended in an error or a panic.
    pub errors: u64,
    /// Calls whose model had no known price (booked at zero cost).
    pub unknown_model_calls: u64,
    /// Streamed calls that completed without any recorded usage (their tokens are not booked).
    pub missing_usage_calls: u64,
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
    pub(crate) fn add(&mut self, other: &Totals) {
        self.calls = self.calls.saturating_add(other.calls);
        self.errors = self.errors.saturating_add(other.errors);
        self.unknown_model_calls = self
            .unknown_model_calls
            .saturating_add(other.unknown_model_calls);
        self.missing_usage_calls = self
            .missing_usage_calls
            .saturating_add(other.missing_usage_calls);
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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct LedgerKey {
    pub(crate) attribution: Attribution,
    pub(crate) provider: Option<Sym>,
    pub(crate) operation: Option<Sym>,
    pub(crate) model: Option<Sym>,
}

/// Upper bounds, in seconds, of the call duration histogram: the GenAI conventions' buckets for
/// `gen_ai.client.operation.duration`.
pub(crate) const DURATION_BUCKETS: [f64; 14] = [
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];

/// A histogram of call durations (cumulative counts are derived when rendered).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Durations {
    /// Calls per bucket of [`DURATION_BUCKETS`]; the last slot counts the rest (`+Inf`).
    pub(crate) buckets: [u64; DURATION_BUCKETS.len() + 1],
    pub(crate) sum_nanos: u128,
}

impl Durations {
    fn observe(&mut self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let slot = DURATION_BUCKETS
            .iter()
            .position(|&bound| seconds <= bound)
            .unwrap_or(DURATION_BUCKETS.len());
        self.buckets[slot] = self.buckets[slot].saturating_add(1);
        self.sum_nanos = self.sum_nanos.saturating_add(elapsed.as_nanos());
    }

    /// How many observations it holds.
    #[cfg(feature = "prometheus")]
    pub(crate) fn count(&self) -> u64 {
        self.buckets.iter().fold(0, |n, b| n.saturating_add(*b))
    }

    #[cfg(feature = "prometheus")]
    pub(crate) fn add(&mut self, other: &Durations) {
        for (mine, theirs) in self.buckets.iter_mut().zip(&other.buckets) {
            *mine = mine.saturating_add(*theirs);
        }
        self.sum_nanos = self.sum_nanos.saturating_add(other.sum_nanos);
    }
}

/// Everything booked under one key.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Books {
    pub(crate) totals: Totals,
    pub(crate) durations: Durations,
    /// Times to first chunk of the streamed calls.
    pub(crate) first_chunk: Durations,
}

/// One finished call, as booked.
pub(crate) struct Entry<'a> {
    pub(crate) key: &'a LedgerKey,
    pub(crate) usage: Usage,
    pub(crate) cost: Cost,
    pub(crate) error: bool,
    pub(crate) unknown_model: bool,
    pub(crate) duration: Duration,
    /// A streamed call's time to first chunk.
    pub(crate) first_chunk: Option<Duration>,
    /// A streamed call that completed without usage.
    pub(crate) usage_missing: bool,
}

/// One thread's books.
#[repr(align(128))]
#[derive(Default)]
struct Shard(Mutex<ShardBooks>);

#[derive(Default)]
struct ShardBooks {
    /// Every key this thread has booked, with its books, in the order first booked.
    entries: Vec<(LedgerKey, Books)>,
    /// Where each key is in `entries`.
    index: FxHashMap<LedgerKey, usize>,
    /// The entry booked last: a thread's consecutive calls from one call site usually share a
    /// key, and comparing it costs far less than hashing it.
    last: usize,
}

impl ShardBooks {
    fn books(&mut self, key: &LedgerKey) -> &mut Books {
        if self
            .entries
            .get(self.last)
            .is_none_or(|(last, _)| last != key)
        {
            self.last = match self.index.get(key) {
                Some(&i) => i,
                None => {
                    self.entries.push((*key, Books::default()));
                    self.index.insert(*key, self.entries.len() - 1);
                    self.entries.len() - 1
                }
            };
        }
        &mut self.entries[self.last].1
    }
}

/// A handle to a layer's books. Cloning it is cheap and every clone sees the same books.
///
/// ```
/// let layer = genops_runtime::layer();
/// let ledger = layer.ledger();
/// assert_eq!(ledger.snapshot().total.calls, 0);
/// ```
#[derive(Clone, Default)]
pub struct Ledger {
    shards: Arc<ThreadLocal<Shard>>,
}

impl fmt::Debug for Ledger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ledger").finish_non_exhaustive()
    }
}

impl Ledger {
    /// An empty ledger.
    pub fn new() -> Self {
        Self::default()
    }

    pub(crate) fn book(&self, entry: Entry<'_>) {
        let booked = Totals {
            calls: 1,
            errors: u64::from(entry.error),
            unknown_model_calls: u64::from(entry.unknown_model),
            missing_usage_calls: u64::from(entry.usage_missing),
            input_tokens: entry.usage.input,
            output_tokens: entry.usage.output,
            cache_read_tokens: entry.usage.cache_read,
            cache_creation_tokens: entry.usage.cache_creation,
            reasoning_tokens: entry.usage.reasoning,
            cost: entry.cost,
        };
        let shard = self.shards.get_or_default();
        let mut shard = shard.0.lock().unwrap_or_else(PoisonError::into_inner);
        let books = shard.books(entry.key);
        books.totals.add(&booked);
        books.durations.observe(entry.duration);
        if let Some(first_chunk) = entry.first_chunk {
            books.first_chunk.observe(first_chunk);
        }
    }

    /// Visits every key's books, shard by shard (a key may be visited once per thread).
    pub(crate) fn for_each(&self, mut f: impl FnMut(&LedgerKey, &Books)) {
        for shard in self.shards.iter() {
            let shard = shard.0.lock().unwrap_or_else(PoisonError::into_inner);
            for (key, books) in &shard.entries {
                f(key, books);
            }
        }
    }

    /// The totals so far: of everything, and by each attribution dimension, provider and model.
    pub fn snapshot(&self) -> Snapshot {
        let mut snapshot = Snapshot::default();
        self.for_each(|key, books| snapshot.add(key, &books.totals));
        snapshot
    }
}

/// The label of calls that carry no value for a dimension.
pub const UNATTRIBUTED: &str = "(unattributed)";

/// Ledger totals at one moment. Serialises to JSON (costs as integer pico-dollars) and renders as
/// a text table with `Display`.
///
/// ```
/// let snapshot = genops_runtime::Ledger::new().snapshot();
/// let json = serde_json::to_string(&snapshot).unwrap();
/// assert!(json.contains("\"total\""));
/// assert!(snapshot.to_string().contains("TOTAL"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Snapshot {
    /// Everything.
    pub total: Totals,
    /// By `genops.team`.
    pub by_team: BTreeMap<String, Totals>,
    /// By `genops.project`.
    pub by_project: BTreeMap<String, Totals>,
    /// By `genops.feature`.
    pub by_feature: BTreeMap<String, Totals>,
    /// By `genops.customer_id`.
    pub by_customer: BTreeMap<String, Totals>,
    /// By `genops.environment`.
    pub by_environment: BTreeMap<String, Totals>,
    /// By `genops.cost_center`.
    pub by_cost_center: BTreeMap<String, Totals>,
    /// By `genops.user_id`.
    pub by_user: BTreeMap<String, Totals>,
    /// By `gen_ai.provider.name`.
    pub by_provider: BTreeMap<String, Totals>,
    /// By the priced model (the response model when one was recorded, else the requested one).
    pub by_model: BTreeMap<String, Totals>,
}

impl Snapshot {
    /// The totals of one dimension's breakdown.
    pub fn by(&self, dim: Dimension) -> &BTreeMap<String, Totals> {
        match dim {
            Dimension::Team => &self.by_team,
            Dimension::Project => &self.by_project,
            Dimension::Feature => &self.by_feature,
            Dimension::Customer => &self.by_customer,
            Dimension::Environment => &self.by_environment,
            Dimension::CostCenter => &self.by_cost_center,
            Dimension::User => &self.by_user,
        }
    }

    fn by_mut(&mut self, dim: Dimension) -> &mut BTreeMap<String, Totals> {
        match dim {
            Dimension::Team => &mut self.by_team,
            Dimension::Project => &mut self.by_project,
            Dimension::Feature => &mut self.by_feature,
            Dimension::Customer => &mut self.by_customer,
            Dimension::Environment => &mut self.by_environment,
            Dimension::CostCenter => &mut self.by_cost_center,
            Dimension::User => &mut self.by_user,
        }
    }

    fn add(&mut self, key: &LedgerKey, totals: &Totals) {
        fn label(value: Option<Sym>) -> String {
            value.map_or(UNATTRIBUTED, Sym::as_str).to_owned()
        }
        self.total.add(totals);
        for dim in Dimension::ALL {
            let name = label(key.attribution.get(dim));
            self.by_mut(dim).entry(name).or_default().add(totals);
        }
        let provider = label(key.provider);
        self.by_provider.entry(provider).or_default().add(totals);
        let model = label(key.model);
        self.by_model.entry(model).or_default().add(totals);
    }
}

impl fmt::Display for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sections: [(&str, &BTreeMap<String, Totals>); 3] = [
            ("team", &self.by_team),
            ("provider", &self.by_provider),
            ("model", &self.by_model),
        ];
        for (title, rows) in sections {
            writeln!(
                f,
                "{:<34} {:>7} {:>6} {:>10} {:>10} {:>14}",
                title, "calls", "errors", "input", "output", "cost (USD)"
            )?;
            for (name, totals) in rows {
                write_row(f, name, totals)?;
            }
            write_row(f, "TOTAL", &self.total)?;
            writeln!(f)?;
        }
        if self.total.unknown_model_calls > 0 {
            writeln!(
                f,
                "{} call(s) used a model with no known price and were booked at $0",
                self.total.unknown_model_calls
            )?;
        }
        Ok(())
    }
}

fn write_row(f: &mut fmt::Formatter<'_>, name: &str, t: &Totals) -> fmt::Result {
    writeln!(
        f,
        "{:<34} {:>7} {:>6} {:>10} {:>10} {:>14.9}",
        name,
        t.calls,
        t.errors,
        t.input_tokens,
        t.output_tokens,
        t.cost.as_usd()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intern::intern;

    fn team(name: &str) -> LedgerKey {
        let mut attribution = Attribution::default();
        attribution.set(Dimension::Team, intern(name));
        LedgerKey {
            attribution,
            ..LedgerKey::default()
        }
    }

    #[test]
    fn a_shard_books_each_key_apart_in_any_order() {
        let (a, b) = (team("a"), team("b"));
        let ledger = Ledger::new();
        // Repeats, switches and returns: the shard's last-entry shortcut must never misbook.
        for (key, picos) in [(&a, 1), (&a, 20), (&b, 300), (&a, 4_000), (&b, 50_000)] {
            ledger.book(Entry {
                key,
                usage: Usage::new(1, 0),
                cost: Cost::from_picos(picos),
                error: false,
                unknown_model: false,
                duration: Duration::ZERO,
                first_chunk: None,
                usage_missing: false,
            });
        }
        let snapshot = ledger.snapshot();
        let (by_a, by_b) = (&snapshot.by_team["a"], &snapshot.by_team["b"]);
        assert_eq!((by_a.calls, by_a.cost), (3, Cost::from_picos(4_021)));
        assert_eq!((by_b.calls, by_b.cost), (2, Cost::from_picos(50_300)));
        assert_eq!(snapshot.total.input_tokens, 5);
    }
}
