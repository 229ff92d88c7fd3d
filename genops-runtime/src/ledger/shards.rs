//! The books, sharded by thread: each thread books into its own shard, and a [`Ledger`] adds
//! the shards up when asked.

use std::fmt;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex, PoisonError};

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;
use thread_local::ThreadLocal;

use super::books::{Books, Entry, LedgerKey, Totals};
use super::caps::{drained, Caps, Distinct, Folded, LedgerCaps, PER_TENANT};
use super::rows::ClassBooks;
use super::snapshot::Snapshot;
use crate::attribution::Dimension;

/// A handle to a layer's books. Cloning it is cheap and every clone sees the same books.
///
/// Memory is bounded by [`LedgerCaps`], not by how many distinct values pass through: past a
/// dimension's cap, calls are booked in its [`OVERFLOW`](crate::OVERFLOW) row. Totals stay exact
/// whatever is folded.
///
/// ```
/// let layer = genops::layer();
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
            denied: u64::from(entry.denied),
            unknown_model_calls: u64::from(entry.unknown_model),
            missing_usage_calls: u64::from(entry.usage_missing),
            implausible_usage_calls: u64::from(entry.implausible),
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
        row.since_drain.add(&booked);
        row.classes.book(entry.classes);
        row.books.durations.observe(entry.duration);
        if let Some(first_chunk) = entry.first_chunk {
            row.books
                .first_chunk
                .get_or_insert_default()
                .observe(first_chunk);
        }
    }

    /// Visits every key's totals and books, shard by shard (a key may be visited once per
    /// thread).
    #[cfg(feature = "prometheus")]
    pub(crate) fn for_each(&self, mut f: impl FnMut(&LedgerKey, &Totals, &Books)) {
        for shard in self.shards.iter() {
            let shard = shard.0.lock().unwrap_or_else(PoisonError::into_inner);
            for Keyed { key, row, .. } in &shard.entries {
                f(key, &row.totals(), &row.books);
            }
        }
    }

    /// The totals so far: of everything, and by each attribution dimension, provider and model.
    /// Values already handed back by [`Ledger::drain`] show as one [`DRAINED`](crate::DRAINED) row.
    pub fn snapshot(&self) -> Snapshot {
        let mut snapshot = Snapshot::default();
        let mut folded = Folded::default();
        for shard in self.shards.iter() {
            let shard = shard.0.lock().unwrap_or_else(PoisonError::into_inner);
            for Keyed { key, row, .. } in &shard.entries {
                snapshot.add(key, &row.totals());
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
    /// one [`DRAINED`](crate::DRAINED) row. Metrics labelled by customer or user (opt-in) restart likewise.
    ///
    /// ```
    /// let ledger = genops::Ledger::new();
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

/// One thread's books, aligned to 128 bytes (two cache lines, which adjacent-line prefetching
/// fetches together) so that threads booking at once never share a line.
#[repr(align(128))]
#[derive(Default)]
struct Shard(Mutex<ShardBooks>);

/// One row of the books: everything booked under a key, and what of it came since the last
/// [`Ledger::drain`].
#[derive(Default)]
struct Row {
    /// Everything booked under the key, but for the totals of the calls since the last drain:
    /// those are in `since_drain` only, so that booking a call adds to one set of totals.
    books: Books,
    since_drain: Totals,
    /// What came since the last drain, by token class.
    classes: ClassBooks,
}

impl Row {
    /// The totals of everything booked under the key: before the last drain, and since.
    fn totals(&self) -> Totals {
        let mut totals = self.books.totals;
        totals.add(&self.since_drain);
        totals
    }
}

/// A key's row, with the key and its hash.
struct Keyed {
    hash: u64,
    key: LedgerKey,
    row: Row,
}

/// What one thread booked: a row per key, found by the key's hash.
#[derive(Default)]
struct ShardBooks {
    /// Every key this thread has booked, with its hash and its books, in the order first booked.
    entries: Vec<Keyed>,
    /// Where each key is in `entries`, by its hash.
    index: HashTable<usize>,
    /// The entry booked last: a thread's consecutive calls from one call site usually share a
    /// key, and comparing it costs far less than hashing it.
    last: usize,
    /// Estimates of the distinct values this thread folded into each dimension's overflow.
    folded: [Distinct; Dimension::COUNT],
}

impl ShardBooks {
    /// The row of `key`, or of its capped form when a dimension's detail is full.
    fn row(&mut self, key: &LedgerKey, caps: &Caps) -> &mut Row {
        let hit = self
            .entries
            .get(self.last)
            .is_some_and(|last| last.key.same_copies(key) || last.key == *key);
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
        &mut self.entries[self.last].row
    }

    fn find(&self, hash: u64, key: &LedgerKey) -> Option<usize> {
        let entries = &self.entries;
        self.index.find(hash, |&i| entries[i].key == *key).copied()
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
        self.entries.push(Keyed {
            hash,
            key,
            row: Row::default(),
        });
        let entries = &self.entries;
        self.index.insert_unique(hash, i, |&j| entries[j].hash);
        i
    }

    /// Hands back the rows' totals since the last drain and folds the per-tenant values of the
    /// rows into [`DRAINED`](crate::DRAINED).
    fn drain(&mut self, out: &mut Snapshot) {
        let rows = std::mem::take(&mut self.entries);
        self.index.clear();
        self.last = 0;
        for dim in PER_TENANT {
            self.folded[dim as usize] = Distinct::new();
        }
        for Keyed {
            mut key, mut row, ..
        } in rows
        {
            if row.since_drain.calls > 0 {
                out.add(&key, &row.since_drain);
                out.rows.push(row.classes.row(&key, &row.since_drain));
            }
            row.books.totals.add(&std::mem::take(&mut row.since_drain));
            row.classes = ClassBooks::default();
            for dim in PER_TENANT {
                if key.attribution.get(dim).is_some() {
                    key.attribution.set(dim, drained());
                }
            }
            let i = self.insert(key);
            self.entries[i].row.books.add(&row.books);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::attribution::Attribution;
    use crate::intern::{intern, permanent};
    use crate::ledger::CallClasses;
    use crate::ledger::{DRAINED, OVERFLOW};
    use crate::money::Cost;
    use crate::usage::Usage;

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
            denied: false,
            unknown_model: false,
            duration: Duration::ZERO,
            first_chunk: None,
            usage_missing: false,
            implausible: false,
            classes: &CallClasses::default(),
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
            book(&ledger, key, picos);
        }
        let snapshot = ledger.snapshot();
        let (by_a, by_b) = (&snapshot.by_team["a"], &snapshot.by_team["b"]);
        assert_eq!((by_a.calls, by_a.cost), (3, Cost::from_picos(4_021)));
        assert_eq!((by_b.calls, by_b.cost), (2, Cost::from_picos(50_300)));
        assert_eq!(snapshot.total.input_tokens, 5);
    }
}
