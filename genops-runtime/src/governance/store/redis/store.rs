//! [`RedisStore`]: budgets shared by every replica that names the same server, admitted and
//! settled through the scripts, from leases when they are on, and by the budget's fail mode
//! when the store cannot be reached.

use std::hash::BuildHasher;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use rustc_hash::{FxHashMap, FxHashSet};

use super::admission::{self, BudgetPart, LimitPart, Said};
use super::background::background;
use super::clock::{now_ms, StoreClock};
use super::connection::Target;
use super::leases::{Admit, Leases};
use super::limits::{kill_value, kills_from, reason_since, LimitKeys, LimitScripts, KILLS_KEY};
use super::outage::{fallback, remember, Known, KnownCells, Outage};
use super::scripts::{lines, Keys, Scripts, LUA_EXACT_BELOW};
use super::settlement::{Pending, Queue};
use super::shared::{InFlight, Shared};
use super::thread::StoreThread;
use crate::governance::budget::{FailMode, Window};
use crate::governance::call_info::CallInfo;
use crate::governance::compiled::{Budgets, CompiledBudget};
use crate::governance::compiled_limit::CompiledLimit;
use crate::governance::kill::{self, Kill};
use crate::governance::store::backend::{
    admit_in_turn, Admitted, Backend, Booked, BudgetCell, Denied, Hold, LimitCell, LimitDenied,
    LimitHold, Refused,
};
use crate::governance::store::config::BudgetStore;
use crate::governance::store::lock::lock;
use crate::governance::store::sliding_log::SlidingLogs;
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
    /// Rate limits counted here while the store is away: each limit's share for this replica.
    fallback: SlidingLogs,
    /// The ids of the limit holds taken from `fallback`.
    local_limit_holds: Mutex<FxHashSet<u64>>,
    /// The count in each limit's window as last read from the store, for a limit without a
    /// template: while the store is away, the room it left is shared.
    limit_counts: Vec<AtomicU64>,
    /// The keys of the limit holds taken in the store, by id, for their settlement.
    limit_flights: Mutex<FxHashMap<u64, LimitKeys>>,
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
            limit_scripts: LimitScripts::new(),
            admit: admission::script(),
            cross_slot: AtomicBool::new(false),
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
            fallback: SlidingLogs::default(),
            local_limit_holds: Mutex::new(FxHashSet::default()),
            limit_flights: Mutex::new(FxHashMap::default()),
            limit_counts: budgets.limits.iter().map(|_| AtomicU64::new(0)).collect(),
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

    /// Sends the take script for `amount` of `at`: the hold's id, its keys, and where the
    /// reply comes.
    #[allow(clippy::type_complexity)]
    fn send_take(
        &self,
        at: &LimitCell<'_>,
        amount: u64,
    ) -> (
        u64,
        LimitKeys,
        mpsc::Receiver<redis::RedisResult<(u8, u64, u64)>>,
    ) {
        let keys = LimitKeys::new(at.limit, at.value);
        let id = self.id();
        let shared = Arc::clone(&self.shared);
        let (max, ask) = (at.limit.limit.max, keys.clone());
        let rx = self.shared.dispatch(async move {
            let mut conn = shared.conn.clone();
            shared
                .limit_scripts
                .take
                .key(&ask.log)
                .key(&ask.amounts)
                .arg(ask.window_ms.to_string())
                .arg(id.to_string())
                .arg(amount.to_string())
                .arg(max.to_string())
                .arg(ask.keep_ms.to_string())
                .invoke_async::<(u8, u64, u64)>(&mut conn)
                .await
        });
        (id, keys, rx)
    }

    /// The hold (id `id`, in `keys`) that the take script's `reply` gives for `amount` of
    /// `at`, or why not; the limit's fail mode decides when the store did not answer.
    fn took(
        &self,
        at: LimitCell<'_>,
        amount: u64,
        id: u64,
        keys: LimitKeys,
        reply: Result<(u8, u64, u64), String>,
    ) -> Result<LimitHold, LimitDenied> {
        let max = at.limit.limit.max;
        if let (Ok((_, _, count)), None) = (&reply, at.value) {
            self.limit_counts[at.index].store(*count, Ordering::Relaxed);
        }
        match reply {
            Ok((1, ..)) => {
                lock(&self.limit_flights).insert(id, keys);
                Ok(LimitHold {
                    limit: at.index,
                    cell: at.cell,
                    id,
                })
            }
            Ok((_, wait_ms, _)) => Err(LimitDenied::Full {
                retry_after: Duration::from_millis(wait_ms),
            }),
            Err(problem) => {
                self.shared.outage.failed(&problem);
                // Undone in the store if the script ran after all.
                self.count_in_store(keys, id, 0, true, false);
                let share = match at.limit.limit.on_store_failure {
                    FailMode::Closed => {
                        return Err(LimitDenied::Unavailable(format!(
                            "{}: {problem}",
                            self.shared.outage.url()
                        )))
                    }
                    FailMode::Open { .. } => u64::MAX,
                    // The room last read (the whole limit, for a per-value one), shared.
                    FailMode::Local => {
                        let used = match at.value {
                            None => self.limit_counts[at.index].load(Ordering::Relaxed),
                            Some(_) => 0,
                        };
                        max.saturating_sub(used) / self.shared.replicas()
                    }
                };
                let hold = self.fallback.take(at, amount, share)?;
                lock(&self.local_limit_holds).insert(hold.id);
                Ok(hold)
            }
        }
    }

    /// Runs the count script for `id` in `keys` on the store thread: settles a hold to
    /// `amount` (`held`), or logs `amount` unchecked. The total, when waited for.
    fn count_in_store(&self, keys: LimitKeys, id: u64, amount: u64, held: bool, wait: bool) -> u64 {
        let shared = Arc::clone(&self.shared);
        let command = async move {
            let mut conn = shared.conn.clone();
            let reply: redis::RedisResult<String> = shared
                .limit_scripts
                .count
                .key(&keys.log)
                .key(&keys.amounts)
                .arg(keys.window_ms.to_string())
                .arg(id.to_string())
                .arg(amount.to_string())
                .arg(if held { "1" } else { "0" })
                .arg(keys.keep_ms.to_string())
                .invoke_async(&mut conn)
                .await;
            if let Err(e) = &reply {
                shared.outage.store_error(e);
            }
            reply
        };
        if wait {
            return self
                .shared
                .round_trip(command)
                .ok()
                .and_then(|total| total.parse().ok())
                .unwrap_or(0);
        }
        self.shared.handle.spawn(command);
        0
    }

    /// Runs `command`, a change to the kills, waiting for the store's answer.
    fn change_kills(&self, command: redis::Cmd) -> Result<(), String> {
        let shared = Arc::clone(&self.shared);
        self.shared
            .round_trip(async move {
                let mut conn = shared.conn.clone();
                command.query_async::<i64>(&mut conn).await
            })
            .map(drop)
            .map_err(|e| format!("{}: {e}", self.shared.outage.url()))
    }

    /// Runs the admission script for a call meeting `conditions`, waiting at most the
    /// admission timeout: what it said, or what went wrong.
    fn ask_all(
        &self,
        conditions: &[String],
        budgets: &[BudgetPart],
        limits: &[LimitPart],
    ) -> Result<Said, String> {
        let (keys, args) = admission::invocation(
            conditions,
            budgets,
            limits,
            self.shared.hold_ttl.as_millis(),
        );
        let shared = Arc::clone(&self.shared);
        let reply: Vec<String> = self.shared.round_trip(async move {
            let mut conn = shared.conn.clone();
            let mut call = shared.admit.prepare_invoke();
            for key in &keys {
                call.key(key);
            }
            for arg in &args {
                call.arg(arg);
            }
            call.invoke_async(&mut conn).await
        })?;
        admission::said(reply, budgets.len())
    }

    /// The store did not answer an admission script: each limit, then each budget, does as
    /// its fail mode says, as when each had its own script; whatever the script took, if it ran
    /// after all, is undone.
    fn admit_unanswered(
        &self,
        budgets: &[(usize, &BudgetCell<'_>, Hold, Keys)],
        limits: &[(LimitCell<'_>, u64)],
        parts: Vec<LimitPart>,
        problem: &str,
    ) -> Result<Admitted, Refused> {
        let mut admitted = Admitted::default();
        let mut refused = None;
        for (i, ((at, amount), part)) in limits.iter().zip(parts).enumerate() {
            match self.took(*at, *amount, part.id, part.keys, Err(problem.to_owned())) {
                Ok(hold) => admitted.limits.push(hold),
                Err(denied) => {
                    refused.get_or_insert(Refused::Limit(i, denied));
                }
            }
        }
        let mut parts = budgets.iter();
        if refused.is_none() {
            for (i, at, hold, keys) in parts.by_ref() {
                match self.unavailable(at.budget, keys.clone(), *hold, problem) {
                    Ok(hold) => admitted.holds.push(hold),
                    Err(denied) => {
                        refused = Some(Refused::Budget(*i, denied));
                        break;
                    }
                }
            }
        }
        let Some(refused) = refused else {
            return Ok(admitted);
        };
        admitted.give_back(self);
        for (_, _, hold, keys) in parts {
            self.shared
                .track(hold.id, keys.clone(), (hold.budget, hold.cell), false);
            self.release_unheld(hold);
        }
        Err(refused)
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
            let at = BudgetCell {
                index,
                budget,
                cell: 0,
                value: None,
                now,
            };
            return self.standing(&[at])[0];
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

    /// Every cell's window is asked for before any reply is awaited, so they take one round
    /// trip together.
    fn standing(&self, cells: &[BudgetCell<'_>]) -> Vec<(Cost, Cost)> {
        let deadline = Instant::now() + self.shared.admission_timeout;
        let sent: Vec<_> = cells
            .iter()
            .map(|at| {
                let hash = self.keys(at.budget, at.value, at.now).hash;
                let shared = Arc::clone(&self.shared);
                self.shared.dispatch(async move {
                    let mut conn = shared.conn.clone();
                    redis::cmd("HMGET")
                        .arg(&hash)
                        .arg("spent")
                        .arg("reserved")
                        .query_async::<(Option<u64>, Option<u64>)>(&mut conn)
                        .await
                })
            })
            .collect();
        cells
            .iter()
            .zip(sent)
            .map(|(at, rx)| {
                let cell = (at.index, at.cell);
                let reply = self.shared.answer(&rx, deadline);
                let mut known = lock(&self.shared.known);
                let (spent, reserved) = match reply {
                    Ok((spent, reserved)) => {
                        let (spent, reserved) = (spent.unwrap_or(0), reserved.unwrap_or(0));
                        remember(&mut known, cell, spent, reserved);
                        (spent, reserved)
                    }
                    Err(_) => known
                        .get(&cell)
                        .map_or((0, 0), |k| (k.spent_total(), k.reserved_total())),
                };
                (Cost::from_nanos(spent), Cost::from_nanos(reserved))
            })
            .collect()
    }

    fn errors(&self) -> u64 {
        self.shared.outage.errors()
    }

    /// On a single server, one script: the kill check against the store's kills (exact, not
    /// the list re-read every few hundred ms), every budget's reservation and every limit's
    /// take, all or none. A budget served from a lease is admitted from it afterwards, with no
    /// trip of its own (a call with nothing else to ask sends no script: its kill check is the
    /// list re-read every few hundred ms). On a Redis Cluster, whose scripts cannot span hash
    /// slots, the limits together and then each budget ([`admit_in_turn`]).
    fn admit(
        &self,
        call: &CallInfo<'_>,
        budgets: &[(BudgetCell<'_>, Cost)],
        limits: &[(LimitCell<'_>, u64)],
    ) -> Result<Admitted, Refused> {
        let leased =
            |at: &BudgetCell<'_>| self.shared.lease.is_some() && at.budget.budget.per.is_none();
        // A call whose budgets are all served from leases, under no limit, makes no trip.
        if self.shared.conn.is_cluster()
            || self.shared.cross_slot.load(Ordering::Relaxed)
            || (limits.is_empty() && budgets.iter().all(|(at, _)| leased(at)))
        {
            return admit_in_turn(self, budgets, limits);
        }
        let scripted: Vec<(usize, &BudgetCell<'_>, Hold, Keys)> = budgets
            .iter()
            .enumerate()
            .filter(|(_, (at, _))| !leased(at))
            .map(|(i, (at, amount))| {
                let hold = Hold {
                    budget: at.index,
                    cell: at.cell,
                    amount: *amount,
                    id: self.id(),
                };
                (i, at, hold, self.keys(at.budget, at.value, at.now))
            })
            .collect();
        let budget_parts: Vec<BudgetPart> = scripted
            .iter()
            .map(|(_, at, hold, keys)| BudgetPart {
                keys: keys.clone(),
                id: hold.id,
                amount: hold.amount.nanos_u64(),
                limit: at.budget.limit.nanos_u64(),
            })
            .collect();
        let limit_parts: Vec<LimitPart> = limits
            .iter()
            .map(|(at, amount)| LimitPart {
                keys: LimitKeys::new(at.limit, at.value),
                id: self.id(),
                amount: *amount,
                max: at.limit.limit.max,
            })
            .collect();
        let said = self.ask_all(&kill::conditions(call), &budget_parts, &limit_parts);
        // The client names a CROSSSLOT reply `CrossSlot`.
        let cross_slot = |p: &str| p.contains("CrossSlot") || p.contains("CROSSSLOT");
        if matches!(&said, Err(problem) if cross_slot(problem)) {
            // Refused before it ran, took nothing: from now on, one slot per script.
            self.shared.cross_slot.store(true, Ordering::Relaxed);
            return admit_in_turn(self, budgets, limits);
        }
        let mut admitted = match said {
            Err(problem) => self.admit_unanswered(&scripted, limits, limit_parts, &problem)?,
            Ok(Said::Killed(scope, value)) => {
                let (reason, since) =
                    reason_since(&value).unwrap_or((value, std::time::UNIX_EPOCH));
                return Err(Refused::Killed {
                    scope,
                    reason,
                    since,
                });
            }
            Ok(Said::Limit(i, wait_ms, total)) => {
                let (at, amount) = limits[i];
                let part = &limit_parts[i];
                let reply = Ok((0, wait_ms, total));
                return match self.took(at, amount, part.id, part.keys.clone(), reply) {
                    Err(denied) => Err(Refused::Limit(i, denied)),
                    Ok(_) => unreachable!("a refusal holds nothing"),
                };
            }
            Ok(Said::Budget(j, spent, reserved)) => {
                let (i, at, ..) = &scripted[j];
                let cell = (at.index, at.cell);
                remember(&mut lock(&self.shared.known), cell, spent, reserved);
                return Err(Refused::Budget(
                    *i,
                    Denied::Full {
                        spent: Cost::from_nanos(spent),
                        reserved: Cost::from_nanos(reserved),
                    },
                ));
            }
            Ok(Said::Admitted(windows, totals)) => {
                let mut admitted = Admitted::default();
                for ((_, at, hold, keys), (spent, reserved)) in scripted.iter().zip(windows) {
                    let cell = (at.index, at.cell);
                    remember(&mut lock(&self.shared.known), cell, spent, reserved);
                    self.shared.track(hold.id, keys.clone(), cell, false);
                    admitted.holds.push(*hold);
                }
                for (((at, amount), part), total) in limits.iter().zip(limit_parts).zip(totals) {
                    let reply = Ok((1, 0, total));
                    if let Ok(hold) = self.took(*at, *amount, part.id, part.keys, reply) {
                        admitted.limits.push(hold);
                    }
                }
                admitted
            }
        };
        let leased_budgets = budgets.iter().enumerate().filter(|(_, (at, _))| leased(at));
        admitted.reserve_each(self, leased_budgets)?;
        Ok(admitted)
    }

    /// Every script is sent before any reply is awaited, so a call's limits take one round
    /// trip together. When the store is away, each limit does as its fail mode says: failing
    /// local, it admits from this replica's share of the room last read from the store (for a
    /// per-value limit, of the limit), divided by the replicas seen, counted here.
    fn take_all(
        &self,
        takes: &[(LimitCell<'_>, u64)],
    ) -> Result<Vec<LimitHold>, (usize, LimitDenied)> {
        let deadline = Instant::now() + self.shared.admission_timeout;
        let sent: Vec<_> = takes
            .iter()
            .map(|(at, amount)| self.send_take(at, *amount))
            .collect();
        let mut holds = Vec::with_capacity(takes.len());
        let mut refused = None;
        for (i, ((at, amount), (id, keys, rx))) in takes.iter().zip(sent).enumerate() {
            let reply = self.shared.answer(&rx, deadline);
            match self.took(*at, *amount, id, keys, reply) {
                Ok(hold) => holds.push(hold),
                Err(denied) => {
                    refused.get_or_insert((i, denied));
                }
            }
        }
        match refused {
            Some(refused) => {
                for hold in &holds {
                    self.give_back(hold);
                }
                Err(refused)
            }
            None => Ok(holds),
        }
    }

    fn count(&self, at: LimitCell<'_>, hold: Option<&LimitHold>, amount: u64) -> u64 {
        if let Some(hold) = hold {
            if lock(&self.local_limit_holds).remove(&hold.id) {
                return self.fallback.count(at, Some(hold), amount);
            }
        }
        let flight = hold.and_then(|h| lock(&self.limit_flights).remove(&h.id));
        let keys = flight.unwrap_or_else(|| LimitKeys::new(at.limit, at.value));
        let id = hold.map_or_else(|| self.id(), |h| h.id);
        self.count_in_store(keys, id, amount, hold.is_some(), false)
    }

    fn give_back(&self, hold: &LimitHold) {
        if lock(&self.local_limit_holds).remove(&hold.id) {
            self.fallback.give_back(hold);
            return;
        }
        if let Some(keys) = lock(&self.limit_flights).remove(&hold.id) {
            self.count_in_store(keys, hold.id, 0, true, false);
        }
    }

    /// Read from the store for a limit without a template; a per-value limit's values are not
    /// listed, so it shows what this replica counted while the store was away.
    fn used(&self, index: usize, limit: &CompiledLimit, now: SystemTime) -> u64 {
        if limit.limit.per.is_some() {
            return self.fallback.used(index, limit.limit.window, now);
        }
        self.count_in_store(LimitKeys::new(limit, None), 0, 0, false, true)
    }

    fn kills(&self) -> Result<Option<Vec<Kill>>, String> {
        let shared = Arc::clone(&self.shared);
        let entries = self.shared.round_trip(async move {
            let mut conn = shared.conn.clone();
            redis::cmd("HGETALL")
                .arg(KILLS_KEY)
                .query_async::<Vec<(String, String)>>(&mut conn)
                .await
        });
        match entries {
            Ok(entries) => Ok(Some(kills_from(entries))),
            // The store is away: its kills are read again every few hundred ms.
            Err(problem) => {
                self.shared.outage.failed(&problem);
                Ok(None)
            }
        }
    }

    fn kill(&self, kill: &Kill) -> Result<(), String> {
        let mut command = redis::cmd("HSET");
        command
            .arg(KILLS_KEY)
            .arg(kill.scope.text())
            .arg(kill_value(kill));
        self.change_kills(command)
    }

    fn revive(&self, scope: &str) -> Result<(), String> {
        let mut command = redis::cmd("HDEL");
        command.arg(KILLS_KEY).arg(scope);
        self.change_kills(command)
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
            limits: Vec::new(),
            kills: crate::governance::kill::Kills::default(),
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
