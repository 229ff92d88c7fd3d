//! Exact running totals of every tracked call, by attribution, provider and model.
//!
//! Each thread books into its own shard (an uncontended mutex, cache-line aligned), so no global
//! lock is taken per call; [`Ledger::snapshot`] adds the shards up. Costs are integer
//! pico-dollars, so the books are exact under any concurrency.

use std::collections::BTreeMap;
use std::fmt;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use cardinality_estimator::CardinalityEstimator;
use hashbrown::HashTable;
use rustc_hash::{FxBuildHasher, FxHashSet};
use serde::Serialize;
use thread_local::ThreadLocal;

use crate::attribution::{Attribution, Dimension};
use crate::intern::{permanent, Sym};
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
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
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

    pub(crate) fn add(&mut self, other: &Durations) {
        for (mine, theirs) in self.buckets.iter_mut().zip(&other.buckets) {
            *mine = mine.saturating_add(*theirs);
        }
        self.sum_nanos = self.sum_nanos.saturating_add(other.sum_nanos);
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
    fn add(&mut self, other: &Books) {
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

/// One row of the books: everything booked under a key, and what of it came since the last
/// [`Ledger::drain`].
#[derive(Default)]
struct Row {
    books: Books,
    since_drain: Totals,
}

#[derive(Default)]
struct ShardBooks {
    /// Every key this thread has booked, with its hash and its books, in the order first booked.
    entries: Vec<(u64, LedgerKey, Row)>,
    /// Where each key is in `entries`, by its hash.
    index: HashTable<usize>,
    /// The entry booked last: a thread's consecutive calls from one call site usually share a
    /// key, and comparing it costs far less than hashing it.
    last: usize,
    /// Estimates of the distinct values this thread folded into each dimension's overflow.
    folded: [Distinct; Dimension::COUNT],
}

/// An estimate of how many distinct values were seen, in bounded memory (a HyperLogLog sketch,
/// exact while small).
type Distinct = CardinalityEstimator<str>;

/// The folded values of every dimension, merged across threads.
#[derive(Default)]
struct Folded([Distinct; Dimension::COUNT]);

impl Folded {
    fn merge(&mut self, shard: &[Distinct; Dimension::COUNT]) {
        for (all, one) in self.0.iter_mut().zip(shard) {
            all.merge(one);
        }
    }

    /// The estimated count of each dimension that folded any value.
    fn counts(&self) -> BTreeMap<Dimension, u64> {
        Dimension::ALL
            .into_iter()
            .zip(&self.0)
            .map(|(dim, distinct)| (dim, distinct.estimate() as u64))
            .filter(|(_, n)| *n > 0)
            .collect()
    }
}

impl ShardBooks {
    /// The row of `key`, or of its capped form when a dimension's detail is full.
    fn row(&mut self, key: &LedgerKey, caps: &Caps) -> &mut Row {
        let hit = self
            .entries
            .get(self.last)
            .is_some_and(|(_, last, _)| last == key);
        if !hit {
            let hash = FxBuildHasher.hash_one(key);
            self.last = match self.find(hash, key) {
                Some(i) => i,
                None => {
                    let admitted = caps.admit(key, &mut self.folded);
                    if admitted == *key {
                        self.push(hash, admitted)
                    } else {
                        self.insert(admitted)
                    }
                }
            };
        }
        &mut self.entries[self.last].2
    }

    fn find(&self, hash: u64, key: &LedgerKey) -> Option<usize> {
        let entries = &self.entries;
        self.index.find(hash, |&i| entries[i].1 == *key).copied()
    }

    /// The index of `key`'s row, created if new.
    fn insert(&mut self, key: LedgerKey) -> usize {
        let hash = FxBuildHasher.hash_one(&key);
        match self.find(hash, &key) {
            Some(i) => i,
            None => self.push(hash, key),
        }
    }

    /// A new row for `key`, which has none.
    fn push(&mut self, hash: u64, key: LedgerKey) -> usize {
        let i = self.entries.len();
        self.entries.push((hash, key, Row::default()));
        let entries = &self.entries;
        self.index.insert_unique(hash, i, |&j| entries[j].0);
        i
    }

    /// Hands back the rows' totals since the last drain and folds the per-tenant values of the
    /// rows into [`DRAINED`].
    fn drain(&mut self, out: &mut Snapshot) {
        let rows = std::mem::take(&mut self.entries);
        self.index.clear();
        self.last = 0;
        for dim in PER_TENANT {
            self.folded[dim as usize] = Distinct::new();
        }
        for (_, mut key, mut row) in rows {
            if row.since_drain.calls > 0 {
                out.add(&key, &row.since_drain);
            }
            row.since_drain = Totals::default();
            for dim in PER_TENANT {
                if key.attribution.get(dim).is_some() {
                    key.attribution.set(dim, drained());
                }
            }
            let i = self.insert(key);
            self.entries[i].2.books.add(&row.books);
        }
    }
}

/// The dimensions whose per-value detail [`Ledger::drain`] hands back and resets: the ones with
/// a value per tenant.
pub const PER_TENANT: [Dimension; 2] = [Dimension::Customer, Dimension::User];

/// The row label of a dimension's values past its cap: their calls are booked there, never
/// dropped, and [`Snapshot::folded`] estimates how many distinct values it holds.
pub const OVERFLOW: &str = "(overflow)";

/// The row label of per-tenant values already handed back by [`Ledger::drain`].
pub const DRAINED: &str = "(drained)";

fn overflow() -> Sym {
    permanent(OVERFLOW)
}

fn drained() -> Sym {
    permanent(DRAINED)
}

/// How many distinct values of each dimension keep their own rows: the first `cap` values seen
/// (since the last drain, for the per-tenant dimensions), in every thread alike.
struct Caps {
    caps: LedgerCaps,
    /// The values of each dimension that have their own rows, spread over a few locks by hash.
    kept: [[Mutex<FxHashSet<Sym>>; KEPT_LOCKS]; Dimension::COUNT],
    /// How many values each dimension keeps.
    counts: [AtomicUsize; Dimension::COUNT],
}

/// Locks per dimension of [`Caps::kept`]: threads admitting different new values rarely wait.
const KEPT_LOCKS: usize = 16;

impl Caps {
    fn new(caps: LedgerCaps) -> Self {
        Caps {
            caps,
            kept: std::array::from_fn(|_| std::array::from_fn(|_| Mutex::default())),
            counts: std::array::from_fn(|_| AtomicUsize::new(0)),
        }
    }

    /// `key` with every value past its dimension's cap replaced by [`OVERFLOW`], noting each
    /// folded value in `folded`. Only a key new to a thread comes here.
    fn admit(&self, key: &LedgerKey, folded: &mut [Distinct; Dimension::COUNT]) -> LedgerKey {
        let mut admitted = key.clone();
        for dim in Dimension::ALL {
            let Some(value) = key.attribution.get(dim) else {
                continue;
            };
            if value.is_permanent() || self.keeps(dim, value) {
                continue;
            }
            folded[dim as usize].insert(value.as_str());
            admitted.attribution.set(dim, overflow());
        }
        admitted
    }

    /// Whether `value` of `dim` keeps its own row, making it one if the cap allows.
    fn keeps(&self, dim: Dimension, value: &Sym) -> bool {
        let lock = FxBuildHasher.hash_one(value.as_str()) as usize % KEPT_LOCKS;
        let mut kept = self.kept[dim as usize][lock]
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if kept.contains(value) {
            return true;
        }
        let count = &self.counts[dim as usize];
        let cap = self.caps.get(dim);
        if count
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                (n < cap).then_some(n + 1)
            })
            .is_err()
        {
            return false;
        }
        kept.insert(value.clone());
        true
    }

    /// Forgets which per-tenant values keep rows.
    fn reset_per_tenant(&self) {
        for dim in PER_TENANT {
            for lock in &self.kept[dim as usize] {
                lock.lock().unwrap_or_else(PoisonError::into_inner).clear();
            }
            self.counts[dim as usize].store(0, Ordering::Relaxed);
        }
    }
}

/// How many distinct values of each attribution dimension keep their own rows in a [`Ledger`];
/// the calls of the rest are booked in that dimension's [`OVERFLOW`] row. Literal values of
/// `#[genops::track]` (`team = "search"`) always keep their rows and count against no cap.
///
/// The defaults keep [`LedgerCaps::DEFAULT_CAP`] values of every dimension: far more teams,
/// projects, features, environments and cost centers than any organisation has, and, for
/// customers and users, the first 10,000 since the last [`Ledger::drain`].
///
/// ```
/// use genops_runtime::{Dimension, LedgerCaps};
/// let caps = LedgerCaps::default().with(Dimension::User, 1_000);
/// assert_eq!(caps.get(Dimension::User), 1_000);
/// assert_eq!(caps.get(Dimension::Team), LedgerCaps::DEFAULT_CAP);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LedgerCaps([usize; Dimension::COUNT]);

impl Default for LedgerCaps {
    fn default() -> Self {
        LedgerCaps([Self::DEFAULT_CAP; Dimension::COUNT])
    }
}

impl LedgerCaps {
    /// The default cap of every dimension.
    pub const DEFAULT_CAP: usize = 10_000;

    /// These caps, with `dim` keeping at most `cap` values.
    pub fn with(mut self, dim: Dimension, cap: usize) -> Self {
        self.0[dim as usize] = cap;
        self
    }

    /// How many values of `dim` keep their own rows.
    pub fn get(&self, dim: Dimension) -> usize {
        self.0[dim as usize]
    }
}

/// A handle to a layer's books. Cloning it is cheap and every clone sees the same books.
///
/// Memory is bounded by [`LedgerCaps`], not by how many distinct values pass through: past a
/// dimension's cap, calls are booked in its [`OVERFLOW`] row. Totals stay exact whatever is
/// folded.
///
/// ```
/// let layer = genops_runtime::layer();
/// let ledger = layer.ledger();
/// assert_eq!(ledger.snapshot().total.calls, 0);
/// ```
#[derive(Clone)]
pub struct Ledger {
    shards: Arc<ThreadLocal<Shard>>,
    caps: Arc<Caps>,
}

impl Default for Ledger {
    fn default() -> Self {
        Ledger::with_caps(LedgerCaps::default())
    }
}

impl fmt::Debug for Ledger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ledger")
            .field("caps", &self.caps.caps)
            .finish_non_exhaustive()
    }
}

impl Ledger {
    /// An empty ledger with the default caps.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty ledger with these caps.
    pub fn with_caps(caps: LedgerCaps) -> Self {
        Ledger {
            shards: Arc::default(),
            caps: Arc::new(Caps::new(caps)),
        }
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
        let row = shard.row(entry.key, &self.caps);
        row.books.totals.add(&booked);
        row.since_drain.add(&booked);
        row.books.durations.observe(entry.duration);
        if let Some(first_chunk) = entry.first_chunk {
            row.books
                .first_chunk
                .get_or_insert_default()
                .observe(first_chunk);
        }
    }

    /// Visits every key's books, shard by shard (a key may be visited once per thread).
    #[cfg(feature = "prometheus")]
    pub(crate) fn for_each(&self, mut f: impl FnMut(&LedgerKey, &Books)) {
        for shard in self.shards.iter() {
            let shard = shard.0.lock().unwrap_or_else(PoisonError::into_inner);
            for (_, key, row) in &shard.entries {
                f(key, &row.books);
            }
        }
    }

    /// The totals so far: of everything, and by each attribution dimension, provider and model.
    /// Values already handed back by [`Ledger::drain`] show as one [`DRAINED`] row.
    pub fn snapshot(&self) -> Snapshot {
        let mut snapshot = Snapshot::default();
        let mut folded = Folded::default();
        for shard in self.shards.iter() {
            let shard = shard.0.lock().unwrap_or_else(PoisonError::into_inner);
            for (_, key, row) in &shard.entries {
                snapshot.add(key, &row.books.totals);
            }
            folded.merge(&shard.folded);
        }
        snapshot.folded = folded.counts();
        snapshot
    }

    /// Hands back everything booked since the last drain (or since the start), with its
    /// per-customer and per-user rows, and forgets those rows: a long-running service ships
    /// each drained snapshot somewhere durable, and the ledger stays small.
    ///
    /// [`Ledger::snapshot`] keeps the running totals of everything, exactly; its per-customer
    /// and per-user detail starts afresh after a drain, with the values handed back shown as
    /// one [`DRAINED`] row. Metrics labelled by customer or user (opt-in) restart likewise.
    ///
    /// ```
    /// let ledger = genops_runtime::Ledger::new();
    /// let period = ledger.drain();
    /// assert_eq!(period.total.calls, 0);
    /// ```
    pub fn drain(&self) -> Snapshot {
        let mut period = Snapshot::default();
        let mut folded = Folded::default();
        for shard in self.shards.iter() {
            let mut shard = shard.0.lock().unwrap_or_else(PoisonError::into_inner);
            folded.merge(&shard.folded);
            shard.drain(&mut period);
        }
        self.caps.reset_per_tenant();
        period.folded = folded.counts();
        period
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
    /// For each dimension that reached its cap: about how many distinct values its
    /// [`OVERFLOW`] row holds (a HyperLogLog estimate, exact up to a few hundred values and
    /// within about 2% beyond).
    pub folded: BTreeMap<Dimension, u64>,
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
        fn label(value: Option<&Sym>) -> String {
            value.map_or(UNATTRIBUTED, Sym::as_str).to_owned()
        }
        self.total.add(totals);
        for dim in Dimension::ALL {
            let name = label(key.attribution.get(dim));
            self.by_mut(dim).entry(name).or_default().add(totals);
        }
        let provider = label(key.provider.as_ref());
        self.by_provider.entry(provider).or_default().add(totals);
        let model = label(key.model.as_ref());
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
    use crate::intern::{intern, permanent};

    fn team(name: &str) -> LedgerKey {
        let mut attribution = Attribution::default();
        attribution.set(Dimension::Team, intern(name));
        LedgerKey {
            attribution,
            ..LedgerKey::default()
        }
    }

    fn book(ledger: &Ledger, key: &LedgerKey, picos: u128) {
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

    fn user(team_name: &str, user: &str) -> LedgerKey {
        let mut key = team(team_name);
        key.attribution.set(Dimension::User, intern(user));
        key
    }

    #[test]
    fn values_past_the_cap_fold_into_the_overflow_row_exactly() {
        let ledger = Ledger::with_caps(LedgerCaps::default().with(Dimension::User, 3));
        for i in 0..10u128 {
            book(&ledger, &user("a", &format!("u{i}")), i + 1);
        }
        // A kept value stays kept; a folded one stays folded.
        book(&ledger, &user("a", "u0"), 100);
        book(&ledger, &user("a", "u9"), 1_000);
        let snapshot = ledger.snapshot();
        let by_user = &snapshot.by_user;
        assert_eq!(by_user.len(), 4, "{by_user:?}");
        assert_eq!(by_user["u0"].cost, Cost::from_picos(101));
        assert_eq!(by_user["u2"].cost, Cost::from_picos(3));
        let overflow = &by_user[OVERFLOW];
        assert_eq!(overflow.calls, 8);
        assert_eq!(
            overflow.cost,
            Cost::from_picos(4 + 5 + 6 + 7 + 8 + 9 + 10 + 1_000)
        );
        assert_eq!(snapshot.folded.get(&Dimension::User), Some(&7));
        assert_eq!(snapshot.total.cost, Cost::from_picos(55 + 1_100));
        assert_eq!(snapshot.by_team["a"].calls, 12);
    }

    #[test]
    fn the_ledger_holds_no_folded_value() {
        let ledger = Ledger::with_caps(LedgerCaps::default().with(Dimension::User, 1));
        book(&ledger, &user("a", "kept"), 1);
        let folded = user("a", &format!("folded-{}", line!()));
        book(&ledger, &folded, 2);
        let value = folded.attribution.get(Dimension::User).unwrap().clone();
        drop(folded);
        crate::intern::forget_recent();
        assert_eq!(value.holders(), 1, "only this test holds the folded value");
        assert_eq!(ledger.snapshot().by_user[OVERFLOW].calls, 1);
    }

    #[test]
    fn literals_count_against_no_cap() {
        let ledger = Ledger::with_caps(LedgerCaps::default().with(Dimension::Team, 0));
        let mut literal = LedgerKey::default();
        literal
            .attribution
            .set(Dimension::Team, permanent("search"));
        book(&ledger, &literal, 1);
        book(&ledger, &team("dynamic"), 2);
        let snapshot = ledger.snapshot();
        assert_eq!(snapshot.by_team["search"].cost, Cost::from_picos(1));
        assert_eq!(snapshot.by_team[OVERFLOW].cost, Cost::from_picos(2));
    }

    #[test]
    fn a_drain_hands_back_the_period_and_keeps_the_running_totals() {
        let ledger = Ledger::new();
        book(&ledger, &user("a", "alice"), 10);
        book(&ledger, &user("b", "bob"), 20);
        let first = ledger.drain();
        assert_eq!(first.total.cost, Cost::from_picos(30));
        assert_eq!(first.by_user["alice"].cost, Cost::from_picos(10));
        assert_eq!(first.by_user["bob"].cost, Cost::from_picos(20));

        book(&ledger, &user("a", "carol"), 300);
        let second = ledger.drain();
        assert_eq!(second.total.cost, Cost::from_picos(300));
        assert_eq!(second.total.calls, 1);
        // Rows that booked nothing since the last drain are not handed back again.
        assert_eq!(second.by_user.keys().collect::<Vec<_>>(), ["carol"]);
        assert_eq!(second.by_team["a"].cost, Cost::from_picos(300));

        let running = ledger.snapshot();
        assert_eq!(running.total.cost, Cost::from_picos(330));
        assert_eq!(running.by_team["a"].cost, Cost::from_picos(310));
        assert_eq!(running.by_user.keys().collect::<Vec<_>>(), [DRAINED]);
        assert_eq!(running.by_user[DRAINED].cost, Cost::from_picos(330));
    }

    #[test]
    fn a_drain_frees_the_per_tenant_caps() {
        let ledger = Ledger::with_caps(LedgerCaps::default().with(Dimension::Customer, 1));
        let customer = |name: &str| {
            let mut key = LedgerKey::default();
            key.attribution.set(Dimension::Customer, intern(name));
            key
        };
        book(&ledger, &customer("acme"), 1);
        book(&ledger, &customer("globex"), 2);
        let first = ledger.drain();
        assert_eq!(first.by_customer[OVERFLOW].cost, Cost::from_picos(2));
        assert_eq!(first.folded.get(&Dimension::Customer), Some(&1));
        book(&ledger, &customer("globex"), 4);
        let second = ledger.drain();
        assert_eq!(second.by_customer["globex"].cost, Cost::from_picos(4));
        assert!(second.folded.is_empty());
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
