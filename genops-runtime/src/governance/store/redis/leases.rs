//! Leases: a slice of a budget reserved in the store as one hold, from which this replica
//! admits calls with no round trip. This is their bookkeeping; the store takes and settles
//! them.

use std::time::{Duration, Instant};

use rustc_hash::FxHashMap;

use super::scripts::Keys;

/// A lease is settled, and a new one taken, once it is this old: its spend reaches the store
/// (and the other replicas, and the alerts) at most this late.
const LEASE_AGE: Duration = Duration::from_secs(1);

/// A slice of a budget reserved in the store as one hold, admitted from locally.
#[derive(Debug)]
pub(super) struct Lease {
    /// The budget's index.
    pub(super) budget: usize,
    pub(super) keys: Keys,
    /// Nano-dollars held in the store.
    size: u64,
    /// Reserved by calls in flight plus booked by calls done.
    used: u64,
    /// Booked by calls done.
    pub(super) spent: u64,
    /// Calls in flight.
    calls: u32,
    taken: Instant,
    /// No longer admitting; settled when its last call is.
    retired: bool,
}

/// What [`Leases::admit`] did with a call.
pub(super) enum Admit {
    /// Admitted from the current lease.
    Admitted,
    /// No current lease can take it; the lease this retired, if it has no call in flight, is
    /// to be settled. A new lease may take the call.
    Retired(Option<(u64, Lease)>),
    /// The current lease is gone: the call reserves on its own.
    Gone,
}

/// This replica's leases: the current one of each budget, every live one, and which lease each
/// call in flight was admitted from.
#[derive(Debug)]
pub(super) struct Leases {
    current: Vec<Option<u64>>,
    live: FxHashMap<u64, Lease>,
    calls: FxHashMap<u64, u64>,
}

impl Leases {
    /// No leases yet, for `budgets` budgets.
    pub(super) fn new(budgets: usize) -> Self {
        Leases {
            current: vec![None; budgets],
            live: FxHashMap::default(),
            calls: FxHashMap::default(),
        }
    }

    /// Admits call `hold` of `wanted` nano-dollars from budget `index`'s current lease, if it
    /// is of the window `keys` names, young, and has room.
    pub(super) fn admit(&mut self, index: usize, keys: &Keys, wanted: u64, hold: u64) -> Admit {
        let Some(lid) = self.current[index] else {
            return Admit::Retired(None);
        };
        let Some(lease) = self.live.get_mut(&lid) else {
            return Admit::Gone;
        };
        if lease.keys.hash == keys.hash
            && lease.taken.elapsed() < LEASE_AGE
            && lease.used + wanted <= lease.size
        {
            lease.used += wanted;
            lease.calls += 1;
            self.calls.insert(hold, lid);
            return Admit::Admitted;
        }
        self.current[index] = None;
        Admit::Retired(self.retire(lid).map(|lease| (lid, lease)))
    }

    /// Records lease `lid` of `size` nano-dollars, which the store granted for call `hold` of
    /// `wanted`, as budget `index`'s current lease (retired at once if another call took a
    /// lease meanwhile).
    pub(super) fn install(
        &mut self,
        index: usize,
        lid: u64,
        keys: Keys,
        size: u64,
        (hold, wanted): (u64, u64),
    ) {
        let retired = self.current[index].is_some();
        if !retired {
            self.current[index] = Some(lid);
        }
        self.live.insert(
            lid,
            Lease {
                budget: index,
                keys,
                size,
                used: wanted,
                spent: 0,
                calls: 1,
                taken: Instant::now(),
                retired,
            },
        );
        self.calls.insert(hold, lid);
    }

    /// Books `cost` for call `hold`, which held `held`: `None` when it was not admitted from a
    /// lease, else the lease to settle now that its last call is done, if it is retired.
    pub(super) fn settle(
        &mut self,
        hold: u64,
        held: u64,
        cost: u64,
    ) -> Option<Option<(u64, Lease)>> {
        let lid = self.calls.remove(&hold)?;
        let lease = self.live.get_mut(&lid)?;
        lease.spent += cost;
        lease.used = (lease.used + cost).saturating_sub(held);
        lease.calls -= 1;
        let done = lease.retired && lease.calls == 0;
        Some(if done {
            self.live.remove(&lid).map(|lease| (lid, lease))
        } else {
            None
        })
    }

    /// Retires the current leases older than [`LEASE_AGE`] (or all, with `all`); returns
    /// those with no call in flight, to be settled.
    pub(super) fn retire_current(&mut self, all: bool) -> Vec<(u64, Lease)> {
        let mut done = Vec::new();
        for i in 0..self.current.len() {
            let Some(lid) = self.current[i] else {
                continue;
            };
            let old = self
                .live
                .get(&lid)
                .is_none_or(|l| l.taken.elapsed() >= LEASE_AGE);
            if all || old {
                self.current[i] = None;
                if let Some(lease) = self.retire(lid) {
                    done.push((lid, lease));
                }
            }
        }
        done
    }

    /// Stops lease `lid` admitting; returns it when no call of it is in flight, to be settled.
    fn retire(&mut self, lid: u64) -> Option<Lease> {
        let lease = self.live.get_mut(&lid)?;
        lease.retired = true;
        if lease.calls == 0 {
            self.live.remove(&lid)
        } else {
            None
        }
    }
}
