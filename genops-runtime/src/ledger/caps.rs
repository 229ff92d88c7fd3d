//! Caps and overflow: how many distinct values of each dimension keep their own rows, and the
//! rows the rest are folded into.

use std::collections::BTreeMap;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use cardinality_estimator::CardinalityEstimator;
use rustc_hash::{FxBuildHasher, FxHashSet};

use super::books::LedgerKey;
use crate::attribution::Dimension;
use crate::intern::{permanent, Sym};

/// The dimensions whose per-value detail [`Ledger::drain`](crate::Ledger::drain) hands back and resets: the ones with
/// a value per tenant.
pub const PER_TENANT: [Dimension; 2] = [Dimension::Customer, Dimension::User];

/// The row label of a dimension's values past its cap: their calls are booked there, never
/// dropped, and [`Snapshot::folded`](crate::Snapshot::folded) estimates how many distinct values it holds.
pub const OVERFLOW: &str = "(overflow)";

/// The row label of per-tenant values already handed back by [`Ledger::drain`](crate::Ledger::drain).
pub const DRAINED: &str = "(drained)";

fn overflow() -> Sym {
    permanent(OVERFLOW)
}

pub(super) fn drained() -> Sym {
    permanent(DRAINED)
}

/// How many distinct values of each attribution dimension keep their own rows in a [`Ledger`](crate::Ledger);
/// the calls of the rest are booked in that dimension's [`OVERFLOW`] row. Literal values of
/// `#[genops::track]` (`team = "search"`) always keep their rows and count against no cap.
///
/// The defaults keep [`LedgerCaps::DEFAULT_CAP`] values of every dimension: far more teams,
/// projects, features, environments and cost centers than any organisation has, and, for
/// customers and users, the first 10,000 since the last [`Ledger::drain`](crate::Ledger::drain).
///
/// ```
/// use genops::{Dimension, LedgerCaps};
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

/// How many distinct values of each dimension keep their own rows: the first `cap` values seen
/// (since the last drain, for the per-tenant dimensions), in every thread alike.
pub(super) struct Caps {
    /// The cap of each dimension.
    pub(super) caps: LedgerCaps,
    /// The values of each dimension that have their own rows, spread over a few locks by hash.
    kept: [[Mutex<FxHashSet<Sym>>; KEPT_LOCKS]; Dimension::COUNT],
    /// How many values each dimension keeps.
    counts: [AtomicUsize; Dimension::COUNT],
}

/// Locks per dimension of [`Caps::kept`]: threads admitting different new values rarely wait.
const KEPT_LOCKS: usize = 16;

impl Caps {
    pub(super) fn new(caps: LedgerCaps) -> Self {
        Caps {
            caps,
            kept: std::array::from_fn(|_| std::array::from_fn(|_| Mutex::default())),
            counts: std::array::from_fn(|_| AtomicUsize::new(0)),
        }
    }

    /// `key` with every value past its dimension's cap replaced by [`OVERFLOW`], noting each
    /// folded value in `folded`. Only a key new to a thread comes here.
    pub(super) fn admit(
        &self,
        key: &LedgerKey,
        folded: &mut [Distinct; Dimension::COUNT],
    ) -> LedgerKey {
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
    pub(super) fn reset_per_tenant(&self) {
        for dim in PER_TENANT {
            for lock in &self.kept[dim as usize] {
                lock.lock().unwrap_or_else(PoisonError::into_inner).clear();
            }
            self.counts[dim as usize].store(0, Ordering::Relaxed);
        }
    }
}

/// An estimate of how many distinct values were seen, in bounded memory (a HyperLogLog sketch,
/// exact while small).
pub(super) type Distinct = CardinalityEstimator<str>;

/// The folded values of every dimension, merged across threads.
#[derive(Default)]
pub(super) struct Folded([Distinct; Dimension::COUNT]);

impl Folded {
    pub(super) fn merge(&mut self, shard: &[Distinct; Dimension::COUNT]) {
        for (all, one) in self.0.iter_mut().zip(shard) {
            all.merge(one);
        }
    }

    /// The estimated count of each dimension that folded any value.
    pub(super) fn counts(&self) -> BTreeMap<Dimension, u64> {
        Dimension::ALL
            .into_iter()
            .zip(&self.0)
            .map(|(dim, distinct)| (dim, distinct.estimate() as u64))
            .filter(|(_, n)| *n > 0)
            .collect()
    }
}
