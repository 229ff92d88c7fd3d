//! [`RedisStore`]: budgets shared by every replica that names the same server, admitted and
//! settled through the scripts, from leases when they are on, and by the budget's fail mode
//! when the store cannot be reached.

use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use rustc_hash::FxHashMap;

use super::background::background;
use super::clock::{now_ms, StoreClock};
use super::connection::Target;
use super::leases::{Admit, Leases};
use super::outage::{fallback, remember, Known, KnownCells, Outage};
use super::scripts::{lines, Keys, Scripts, LUA_EXACT_BELOW};
use super::settlement::{Pending, Queue};
use super::shared::{InFlight, Shared};
use super::thread::StoreThread;
use crate::governance::budget::Window;
use crate::governance::compiled::{Budgets, CompiledBudget};
use crate::governance::store::backend::{Backend, Booked, BudgetCell, Denied, Hold};
use crate::governance::store::config::BudgetStore;
use crate::governance::store::lock::lock;
use crate::money::Cost;
use crate::redact;

/// The most a dropping store waits for its settlements to reach the store.
const DROP_WAIT: Duration = Duration::from_secs(5);
/// How often a dropping store looks whether they have.
const DROP_POLL: Duration = Duration::from_millis(10);

/// Budget state in Redis, shared by every replica.
pub(crate) struct RedisStore {
    shared: Arc<Shared>,
    next_id: AtomicU64,
    /// Keys the hash of values, for this replica's own tables.
    keys: std::hash::RandomState,
    /// Dropped after the store's own drop has flushed its settlements.
    _thread: StoreThread,
}

impl RedisStore {
    /// Connects (lazily: an unreachable server is an outage, not an error) to `url`.
    pub(crate) fn open(
        url: &str,
        store: &BudgetStore,
        budgets: &Arc<Budgets>,
    ) -> Result<Self, String> {
        let shown = redact::url(url);
        let target = Target::parse(url, store.tls_ca.as_deref())
            .map_err(|e| format!("{shown}: {}", redact::urls_in(&e)))?;
        for budget in &budgets.list {
            if budget.limit.nanos_u64() >= LUA_EXACT_BELOW {
                return Err(format!(
                    "budget `{}`: a limit in Redis must stay below $9,007,199 (2^53 \
                     nano-dollars)",
                    budget.budget.name
                ));
            }
            if matches!(budget.budget.window, Window::Rolling(_)) {
                return Err(format!(
                    "budget `{}`: rolling windows are kept in memory only; use a daily or \
                     monthly budget with a Redis store",
                    budget.budget.name
                ));
            }
        }
        if store.lease.is_some_and(|slice| slice.nanos_u64() == 0) {
            return Err("a lease slice must be a positive number of USD".into());
        }
        let thread = StoreThread::start()?;
        let conn = target
            .connect(&thread.handle, store.admission_timeout)
            .map_err(|e| format!("{shown}: {}", redact::urls_in(&e)))?;
        let keys = std::hash::RandomState::new();
        let shared = Arc::new(Shared {
            handle: thread.handle.clone(),
            conn,
            scripts: Scripts::new(),
            replica: keys.hash_one(std::process::id()) ^ now_ms(),
            clock: StoreClock::default(),
            replicas: AtomicU64::new(1),
            outage: Outage::new(shown),
            known: Mutex::new(KnownCells::default()),
            in_flight: Mutex::new(FxHashMap::default()),
            queue: Queue::default(),
            budgets: Arc::clone(budgets),
            hold_ttl: store.hold_timeout,
            admission_timeout: store.admission_timeout,
            lease: store.lease.map(Cost::nanos_u64),
            leases: Mutex::new(Leases::new(budgets.list.len())),
        });
        thread.handle.spawn(background(Arc::clone(&shared)));
        Ok(RedisStore {
            shared,
            next_id: AtomicU64::new(1),
            keys,
            _thread: thread,
        })
    }

    /// A reservation id unique across replicas: this replica's id, then a sequence.
    fn id(&self) -> u64 {
        self.shared
            .replica
            .rotate_left(32)
            .wrapping_add(self.next_id.fetch_add(1, Ordering::Relaxed))
    }

    /// The keys of `value`'s window of `budget` at `now` (this host's time).
    fn keys(&self, budget: &CompiledBudget, value: Option<&str>, now: SystemTime) -> Keys {
        Keys::new(budget, value, self.shared.clock.to_store(now))
    }

    /// The store did not answer the reservation of `hold`: the budget's fail mode decides.
    fn unavailable(
        &self,
        budget: &CompiledBudget,
        keys: Keys,
        hold: Hold,
        problem: &str,
    ) -> Result<Hold, Denied> {
        let shared = &self.shared;
        shared.outage.failed(problem);
        // The script may still run: the hold keeps its id, so settling or releasing it later
        // undoes it either way.
        let cell = (hold.budget, hold.cell);
        shared.track(hold.id, keys, cell, true);
        let amount = hold.amount.nanos_u64();
        let known = lock(&shared.known).get(&cell).cloned();
        let verdict = fallback(known.as_ref(), budget, amount, shared.replicas(), || {
            format!("{}: {problem}", shared.outage.url())
        });
        match verdict {
            Ok(()) => {
                lock(&shared.known).entry(cell).or_default().local_holds += amount;
                Ok(hold)
            }
            Err(denied) => {
                // Undone in the store if the script ran after all.
                self.release_unheld(&hold);
                Err(denied)
            }
        }
    }

    /// Admits from budget `index`'s current lease, or a new one; `None` leaves the call to a
    /// reservation of its own (no room for a slice bigger than the call's).
    fn reserve_from_lease(
        &self,
        index: usize,
        budget: &CompiledBudget,
        amount: Cost,
        now: SystemTime,
    ) -> Option<Result<Hold, Denied>> {
        let shared = &self.shared;
        let slice = shared.lease?;
        let keys = self.keys(budget, None, now);
        let wanted = amount.nanos_u64();
        let hold = Hold {
            budget: index,
            cell: 0,
            amount,
            id: self.id(),
        };
        let admitted = lock(&shared.leases).admit(index, &keys, wanted, hold.id);
        match admitted {
            Admit::Admitted => return Some(Ok(hold)),
            Admit::Gone => return None,
            Admit::Retired(done) => {
                if let Some((lid, lease)) = done {
                    shared.send(shared.lease_settlement(lid, lease));
                }
            }
        }
        // The slice, shrunk to half this replica's share of the room last seen.
        let limit = budget.limit.nanos_u64();
        let (spent, reserved) = lock(&shared.known)
            .get(&(index, 0))
            .map_or((0, 0), |k| (k.spent_total(), k.reserved_total()));
        let share = limit.saturating_sub(spent + reserved) / shared.replicas() / 2;
        let size = slice.min(share);
        if size <= wanted {
            return None;
        }
        let lid = self.id();
        match shared.ask(&keys, lid, size, limit) {
            Ok((true, spent, reserved)) => {
                remember(&mut lock(&shared.known), (index, 0), spent, reserved);
                shared.track(lid, keys.clone(), (index, 0), false);
                lock(&shared.leases).install(index, lid, keys, size, (hold.id, wanted));
                Some(Ok(hold))
            }
            Ok((false, spent, reserved)) => {
                remember(&mut lock(&shared.known), (index, 0), spent, reserved);
                None
            }
            Err(problem) => {
                // Undone in the store if the script ran after all.
                shared.track(lid, keys.clone(), (index, 0), false);
                self.release_unheld(&Hold {
                    budget: index,
                    cell: 0,
                    amount: Cost::ZERO,
                    id: lid,
                });
                Some(self.unavailable(budget, keys, hold, &problem))
            }
        }
    }

    /// Books a call admitted from a lease (`None` for any other call): its lease is settled in
    /// the store once retired and done.
    fn settle_leased(&self, hold: &Hold, cost: u64) -> Option<Booked> {
        let shared = &self.shared;
        let done = lock(&shared.leases).settle(hold.id, hold.amount.nanos_u64(), cost)?;
        let booked = {
            let mut known = lock(&shared.known);
            let entry = known.entry((hold.budget, 0)).or_default();
            entry.local_spent += cost;
            booked(entry)
        };
        if let Some((lid, lease)) = done {
            shared.send(shared.lease_settlement(lid, lease));
        }
        Some(booked)
    }

    /// Settles `hold` in the store with nothing to book, without touching local holds.
    fn release_unheld(&self, hold: &Hold) {
        let Some(flight) = lock(&self.shared.in_flight).remove(&hold.id) else {
            return;
        };
        self.shared.send(Pending {
            keys: flight.keys,
            id: hold.id,
            cost: 0,
            lines: Vec::new(),
            budget: hold.budget,
            cell: hold.cell,
            value: None,
        });
    }

    /// Forgets what this replica held locally for `hold` during an outage.
    fn unhold(&self, flight: &InFlight, hold: &Hold) {
        if !flight.local {
            return;
        }
        if let Some(known) = lock(&self.shared.known).get_mut(&flight.known) {
            known.local_holds = known.local_holds.saturating_sub(hold.amount.nanos_u64());
        }
    }
}

/// A booking as this replica knows it, before the store's reply: no alert yet.
fn booked(known: &Known) -> Booked {
    Booked {
        spent: Cost::from_nanos(known.spent_total()),
        reserved: Cost::from_nanos(known.reserved_total()),
        crossed: 0,
    }
}

impl Backend for RedisStore {
    /// The cell of `value`: a keyed hash, for this replica's own tables.
    fn cell(&self, value: Option<&str>) -> u64 {
        value.map_or(0, |v| self.keys.hash_one(v))
    }

    fn reserve(&self, at: BudgetCell<'_>, amount: Cost) -> Result<Hold, Denied> {
        if self.shared.lease.is_some() && at.budget.budget.per.is_none() {
            if let Some(result) = self.reserve_from_lease(at.index, at.budget, amount, at.now) {
                return result;
            }
        }
        let keys = self.keys(at.budget, at.value, at.now);
        let hold = Hold {
            budget: at.index,
            cell: at.cell,
            amount,
            id: self.id(),
        };
        let limit = at.budget.limit.nanos_u64();
        match self.shared.ask(&keys, hold.id, amount.nanos_u64(), limit) {
            Ok((admitted, spent, reserved)) => {
                let cell = (at.index, at.cell);
                remember(&mut lock(&self.shared.known), cell, spent, reserved);
                if !admitted {
                    return Err(Denied::Full {
                        spent: Cost::from_nanos(spent),
                        reserved: Cost::from_nanos(reserved),
                    });
                }
                self.shared.track(hold.id, keys, cell, false);
                Ok(hold)
            }
            Err(problem) => self.unavailable(at.budget, keys, hold, &problem),
        }
    }

    /// Gives `hold` back: settles it with nothing to book.
    fn release(&self, hold: &Hold) {
        if self.settle_leased(hold, 0).is_some() {
            return;
        }
        let flight = lock(&self.shared.in_flight).get(&hold.id).cloned();
        if let Some(flight) = flight {
            self.unhold(&flight, hold);
        }
        self.release_unheld(hold);
    }

    fn settle(&self, at: BudgetCell<'_>, hold: Option<&Hold>, cost: Cost) -> Booked {
        if let Some(booked) = hold.and_then(|h| self.settle_leased(h, cost.nanos_u64())) {
            return booked;
        }
        let flight = hold.and_then(|h| lock(&self.shared.in_flight).remove(&h.id));
        // A hold the fail mode admitted was never in the reserved amount read from the store.
        let read_hold = hold.filter(|_| flight.as_ref().is_some_and(|f| !f.local));
        let (keys, id) = match flight {
            Some(flight) => {
                if let Some(hold) = hold {
                    self.unhold(&flight, hold);
                }
                (flight.keys, hold.map_or(0, |h| h.id))
            }
            None => (self.keys(at.budget, at.value, at.now), self.id()),
        };
        let cost_nanos = cost.nanos_u64();
        // The reply comes later; the span sees what this replica knows, this call included.
        let booked = {
            let mut known = lock(&self.shared.known);
            let entry = known.entry((at.index, at.cell)).or_default();
            entry.local_spent += cost_nanos;
            if let Some(hold) = read_hold {
                entry.reserved = entry.reserved.saturating_sub(hold.amount.nanos_u64());
            }
            booked(entry)
        };
        self.shared.send(Pending {
            keys,
            id,
            cost: cost_nanos,
            lines: lines(at.budget),
            budget: at.index,
            cell: at.cell,
            value: at.value.map(str::to_owned),
        });
        booked
    }

    /// Spent and reserved in budget `index`'s current window: read from the store (summed
    /// over the values this replica knows, for a per-value budget), or last known.
    fn status(&self, index: usize, budget: &CompiledBudget, now: SystemTime) -> (Cost, Cost) {
        if budget.budget.per.is_none() {
            let keys = self.keys(budget, None, now);
            let (tx, rx) = mpsc::sync_channel(1);
            let shared = Arc::clone(&self.shared);
            self.shared.handle.spawn(async move {
                let mut conn = shared.conn.clone();
                let reply: redis::RedisResult<(Option<u64>, Option<u64>)> = redis::cmd("HMGET")
                    .arg(&keys.hash)
                    .arg("spent")
                    .arg("reserved")
                    .query_async(&mut conn)
                    .await;
                let _ = tx.send(reply);
            });
            if let Ok(Ok((spent, reserved))) = rx.recv_timeout(self.shared.admission_timeout) {
                let (spent, reserved) = (spent.unwrap_or(0), reserved.unwrap_or(0));
                remember(&mut lock(&self.shared.known), (index, 0), spent, reserved);
                return (Cost::from_nanos(spent), Cost::from_nanos(reserved));
            }
        }
        let known = lock(&self.shared.known);
        let (spent, reserved) = known
            .iter()
            .filter(|((budget, _), _)| *budget == index)
            .fold((0, 0), |(s, r), (_, k)| {
                (s + k.spent_total(), r + k.reserved_total())
            });
        (Cost::from_nanos(spent), Cost::from_nanos(reserved))
    }

    fn errors(&self) -> u64 {
        self.shared.outage.errors()
    }
}

impl Drop for RedisStore {
    /// Waits (at most [`DROP_WAIT`]) for settlements in flight and parked ones to reach the
    /// store; the store thread stops when its field is dropped, after this.
    fn drop(&mut self) {
        for pending in self.shared.retire_leases(true) {
            self.shared.send(pending);
        }
        let deadline = Instant::now() + DROP_WAIT;
        while Instant::now() < deadline && !self.shared.queue.is_idle() {
            std::thread::sleep(DROP_POLL);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::governance::alerts::Alerts;
    use crate::governance::budget::{Budget, Scope, Usd};
    use crate::governance::clock::SystemClock;

    /// Opening `url` fails; the error, which names the store.
    fn open_error(url: &str, store: BudgetStore) -> String {
        let budgets = Arc::new(Budgets {
            list: vec![CompiledBudget::new(Budget::daily("d", Scope::all(), Usd(1.0))).unwrap()],
            alerts: Alerts::new(Vec::new()),
            clock: Arc::new(SystemClock),
        });
        match RedisStore::open(url, &store, &budgets) {
            Ok(_) => panic!("{url} opened"),
            Err(e) => e,
        }
    }

    #[test]
    fn errors_opening_the_store_show_neither_its_password_nor_credential_like_query_values() {
        let secrets = ["pw-s3cret", "hunter2", "t0k3n"];
        let missing_ca = std::env::temp_dir().join("genops-no-such-ca.pem");
        let cases = [
            (
                "rediss://user:pw-s3cret@127.0.0.1:1/0?password=hunter2&token=t0k3n",
                BudgetStore::redis("").tls_ca_file(&missing_ca),
            ),
            (
                "redis://user:pw-s3cret@127.0.0.1:1/not-a-db?password=hunter2&token=t0k3n",
                BudgetStore::redis(""),
            ),
            (
                "redis+cluster://user:pw-s3cret@127.0.0.1:1,nohost/0?password=hunter2&token=t0k3n",
                BudgetStore::redis(""),
            ),
        ];
        for (url, store) in cases {
            let error = open_error(url, store);
            assert!(error.contains("127.0.0.1:1"), "{error}");
            for secret in secrets {
                assert!(!error.contains(secret), "{url}: {error}");
            }
        }
    }
}
