//! The Redis budget store: budgets shared by every replica that names the same server.
//!
//! Each budget window (and, for a per-value budget, each value's) is one Redis hash with a
//! sorted set of hold deadlines and one of recently settled reservation ids, under one hash tag
//! so the scripts run on Redis Cluster too. Amounts are integer nano-dollars, passed to
//! `HINCRBY` as strings; Lua compares them as doubles, exact below 2^53 nano-dollars
//! ($9,007,199 a window), which [`RedisStore::open`] checks of every limit.
//!
//! Admission is synchronous for the tracked call, which may run on an async executor: the
//! reservation script runs on this store's own thread (a current-thread tokio runtime) and the
//! call waits for its answer at most the store's admission timeout, then applies the budget's
//! [`FailMode`]. Settling never waits: it is sent to that thread, retried with the same
//! reservation id until the store takes it, and flushed when the layer is dropped.

use std::collections::VecDeque;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use redis::Script;
use rustc_hash::FxHashMap;
use tokio::runtime::Handle;

mod connection;

use super::backend::{Backend, Booked, BudgetCell, Denied, Hold};
use super::config::BudgetStore;
use crate::governance::budget::{FailMode, Window, SECS_PER_DAY};
use crate::governance::compiled::{Budgets, CompiledBudget};
use crate::money::Cost;
use crate::redact;
use connection::{Conn, Target};

/// Lua compares amounts as doubles: nano-dollar amounts are exact below this.
const LUA_EXACT_BELOW: u64 = 1 << 53;
/// How long settled reservation ids are remembered, so that a retried settle applies once.
const SETTLED_MEMORY_MS: u64 = 3_600_000;
/// At most one store-error warning per this period; the others are counted.
const WARN_EVERY: Duration = Duration::from_secs(10);
/// Replicas that have not announced themselves for this long are no longer counted.
const REPLICA_TTL_MS: u64 = 15_000;
/// The most settlements kept for the store's return; older ones are dropped, counted.
const PENDING_CAP: usize = 1_000_000;
/// The most cells whose last-known state is kept for an outage.
const KNOWN_CAP: usize = 65_536;
/// A lease is settled, and a new one taken, once it is this old: its spend reaches the store
/// (and the other replicas, and the alerts) at most this late.
const LEASE_AGE: Duration = Duration::from_secs(1);

/// Charges expired holds, then reserves ARGV[2] nano-dollars under id ARGV[1] if the window has
/// room below the limit ARGV[3]; the hold lives ARGV[4] ms; keys expire at unix time ARGV[5].
/// Returns {admitted (0/1), spent, reserved}. A retried reservation (same id) is not applied
/// twice, nor one whose call was already settled.
const RESERVE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local dead = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
for _, hid in ipairs(dead) do
  local amount = redis.call('HGET', KEYS[1], 'h:' .. hid)
  if amount then
    redis.call('HINCRBY', KEYS[1], 'spent', amount)
    redis.call('HINCRBY', KEYS[1], 'reserved', '-' .. amount)
    redis.call('HDEL', KEYS[1], 'h:' .. hid)
    redis.call('HSET', KEYS[1], 'x:' .. hid, amount)
  end
  redis.call('ZREM', KEYS[2], hid)
end
local id = ARGV[1]
local spent = redis.call('HGET', KEYS[1], 'spent') or '0'
local reserved = redis.call('HGET', KEYS[1], 'reserved') or '0'
if redis.call('HEXISTS', KEYS[1], 'h:' .. id) == 1 or redis.call('ZSCORE', KEYS[3], id) then
  return {1, spent, reserved}
end
if tonumber(spent) + tonumber(reserved) + tonumber(ARGV[2]) > tonumber(ARGV[3]) then
  return {0, spent, reserved}
end
reserved = tostring(redis.call('HINCRBY', KEYS[1], 'reserved', ARGV[2]))
redis.call('HSET', KEYS[1], 'h:' .. id, ARGV[2])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[4]), id)
for i = 1, 3 do redis.call('EXPIREAT', KEYS[i], ARGV[5]) end
return {1, spent, reserved}
";

/// Settles reservation ARGV[1]: gives back its hold (or takes back the charge of its expiry)
/// and books ARGV[2] nano-dollars, once per id; keys expire at unix time ARGV[3]; settled ids
/// are remembered ARGV[4] ms; ARGV[5..] are the alert lines in nano-dollars, each reported once per window across replicas. Releasing
/// is settling with nothing to book. Returns {spent, reserved, applied (0/1), lines crossed...}.
const SETTLE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local id = ARGV[1]
if redis.call('ZSCORE', KEYS[3], id) then
  return {redis.call('HGET', KEYS[1], 'spent') or '0', redis.call('HGET', KEYS[1], 'reserved') or '0', 0}
end
local held = redis.call('HGET', KEYS[1], 'h:' .. id)
if held then
  redis.call('HINCRBY', KEYS[1], 'reserved', '-' .. held)
  redis.call('HDEL', KEYS[1], 'h:' .. id)
  redis.call('ZREM', KEYS[2], id)
else
  local charged = redis.call('HGET', KEYS[1], 'x:' .. id)
  if charged then
    redis.call('HINCRBY', KEYS[1], 'spent', '-' .. charged)
    redis.call('HDEL', KEYS[1], 'x:' .. id)
  end
end
local spent = tostring(redis.call('HINCRBY', KEYS[1], 'spent', ARGV[2]))
redis.call('ZADD', KEYS[3], now, id)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - tonumber(ARGV[4]))
for i = 1, 3 do redis.call('EXPIREAT', KEYS[i], ARGV[3]) end
local out = {spent, redis.call('HGET', KEYS[1], 'reserved') or '0', 1}
for i = 5, #ARGV do
  if tonumber(spent) >= tonumber(ARGV[i]) and redis.call('HSETNX', KEYS[1], 'a:' .. (i - 4), '1') == 1 then
    table.insert(out, i - 4)
  end
end
return out
";

/// Pushes the deadline of holds still in flight: ARGV pairs of (id, ms from now); only holds
/// that still exist.
const RENEW: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 1, #ARGV, 2 do
  if redis.call('HEXISTS', KEYS[1], 'h:' .. ARGV[i]) == 1 then
    redis.call('ZADD', KEYS[2], 'XX', now + tonumber(ARGV[i + 1]), ARGV[i])
  end
end
return 0
";

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One budget window in Redis: the names of its three keys and when they expire.
#[derive(Clone, Debug)]
struct Keys {
    hash: String,
    deadlines: String,
    settled: String,
    expire_at: u64,
}

/// A settlement waiting to reach the store.
#[derive(Clone, Debug)]
struct Pending {
    keys: Keys,
    id: u64,
    cost: u64,
    lines: Vec<u64>,
    slot: usize,
    cell: u64,
    value: Option<String>,
}

/// What this replica last knew of a cell, and what it admitted while the store was away.
#[derive(Clone, Debug, Default)]
struct Known {
    spent: u64,
    reserved: u64,
    /// Held by calls this replica admitted without the store, in the current outage.
    local_holds: u64,
    /// Booked by this replica and not yet taken by the store.
    local_spent: u64,
}

/// A hold in flight: its window's keys, renewed while the call runs.
#[derive(Clone, Debug)]
struct InFlight {
    keys: Keys,
    known: (usize, u64),
    /// Admitted by this replica's fail mode, not by the store.
    local: bool,
}

/// A slice of a budget reserved in the store as one hold, admitted from locally.
#[derive(Debug)]
struct Lease {
    slot: usize,
    keys: Keys,
    /// Nano-dollars held in the store.
    size: u64,
    /// Reserved by calls in flight plus booked by calls done.
    used: u64,
    /// Booked by calls done.
    spent: u64,
    /// Calls in flight.
    calls: u32,
    taken: Instant,
    /// No longer admitting; settled when its last call is.
    retired: bool,
}

/// This replica's leases: the current one of each budget, every live one, and which lease each
/// call in flight was admitted from.
#[derive(Debug, Default)]
struct Leases {
    current: Vec<Option<u64>>,
    live: FxHashMap<u64, Lease>,
    calls: FxHashMap<u64, u64>,
}

struct Shared {
    url: String,
    conn: Conn,
    reserve: Script,
    settle: Script,
    renew: Script,
    replica: u64,
    /// Redis `TIME` minus this host's clock, in ms.
    offset_ms: AtomicI64,
    replicas: AtomicU64,
    errors: AtomicU64,
    suppressed: AtomicU64,
    last_warn: Mutex<Option<Instant>>,
    /// The store's last error, which a reservation that timed out reports.
    last_error: Mutex<Option<String>>,
    known: Mutex<FxHashMap<(usize, u64), Known>>,
    in_flight: Mutex<FxHashMap<u64, InFlight>>,
    pending: Mutex<VecDeque<Pending>>,
    /// Settlements sent and not yet answered.
    sending: AtomicUsize,
    /// The budgets, to report their alerts.
    budgets: Arc<Budgets>,
    /// A hold's lifetime in the store; renewed every third of that while its call runs, so
    /// only the holds of a dead process expire (and are charged).
    hold_ttl: Duration,
    /// How long a gated call waits for the store before its budget's fail mode decides.
    admission_timeout: Duration,
    /// The slice a lease takes, when leases are on.
    lease: Option<u64>,
    leases: Mutex<Leases>,
}

/// Budget state in Redis, shared by every replica.
pub(crate) struct RedisStore {
    shared: Arc<Shared>,
    handle: Handle,
    next_id: AtomicU64,
    keys: std::hash::RandomState,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RedisStore {
    /// Connects (lazily: an unreachable server is an outage, not an error) to `url`.
    pub(crate) fn open(
        url: &str,
        store: &BudgetStore,
        budgets: &Arc<Budgets>,
    ) -> Result<Self, String> {
        let shown = redact::url(url);
        let target =
            Target::parse(url, store.tls_ca.as_deref()).map_err(|e| format!("{shown}: {e}"))?;
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
        let (handle_tx, handle_rx) = mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("genops-budget-store".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(e) => {
                        let _ = handle_tx.send(Err(e.to_string()));
                        return;
                    }
                };
                let _ = handle_tx.send(Ok(runtime.handle().clone()));
                // The runtime lives and is dropped on this thread, outside any other runtime.
                runtime.block_on(async {
                    let _ = stopped.await;
                });
            })
            .map_err(|e| format!("could not start the budget store thread: {e}"))?;
        let handle = handle_rx
            .recv()
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("could not start the budget store runtime: {e}"))?;
        let conn = target
            .connect(&handle, store.admission_timeout)
            .map_err(|e| format!("{shown}: {e}"))?;
        let keys = std::hash::RandomState::new();
        let shared = Arc::new(Shared {
            url: shown,
            conn,
            reserve: Script::new(RESERVE),
            settle: Script::new(SETTLE),
            renew: Script::new(RENEW),
            replica: keys.hash_one(std::process::id()) ^ now_ms(),
            offset_ms: AtomicI64::new(0),
            replicas: AtomicU64::new(1),
            errors: AtomicU64::new(0),
            suppressed: AtomicU64::new(0),
            last_warn: Mutex::new(None),
            last_error: Mutex::new(None),
            known: Mutex::new(FxHashMap::default()),
            in_flight: Mutex::new(FxHashMap::default()),
            pending: Mutex::new(VecDeque::new()),
            sending: AtomicUsize::new(0),
            budgets: Arc::clone(budgets),
            hold_ttl: store.hold_timeout,
            admission_timeout: store.admission_timeout,
            lease: store.lease.map(Cost::nanos_u64),
            leases: Mutex::new(Leases {
                current: vec![None; budgets.list.len()],
                ..Leases::default()
            }),
        });
        handle.spawn(background(Arc::clone(&shared)));
        Ok(RedisStore {
            shared,
            handle,
            next_id: AtomicU64::new(1),
            keys,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// A reservation id unique across replicas: this replica's id, then a sequence.
    fn id(&self) -> u64 {
        self.shared
            .replica
            .rotate_left(32)
            .wrapping_add(self.next_id.fetch_add(1, Ordering::Relaxed))
    }

    /// The keys of `value`'s window of budget `slot` at `now` (store time).
    fn keys(&self, slot: &CompiledBudget, value: Option<&str>, now: SystemTime) -> Keys {
        let offset = self.shared.offset_ms.load(Ordering::Relaxed);
        let store_now = shift(now, offset);
        let window = slot.budget.window.fixed_id(store_now).unwrap_or(0);
        let end = slot.budget.window.end(store_now);
        let tag = match value {
            Some(value) => format!("{}|{value}", slot.budget.name),
            None => slot.budget.name.clone(),
        };
        let base = format!("genops:{{{tag}}}:{window}");
        Keys {
            deadlines: format!("{base}:d"),
            settled: format!("{base}:s"),
            hash: base,
            // A day past the window's end: late settlements still find their window.
            expire_at: end + SECS_PER_DAY,
        }
    }

    /// Remembers a hold in the store, to renew it and to settle it.
    fn track(&self, id: u64, keys: Keys, known: (usize, u64), local: bool) {
        lock(&self.shared.in_flight).insert(id, InFlight { keys, known, local });
    }

    /// Runs the reservation script on the store thread, waiting at most the admission timeout:
    /// (admitted, spent, reserved) or what went wrong.
    fn ask(
        &self,
        keys: &Keys,
        id: u64,
        amount: u64,
        limit: u64,
    ) -> Result<(bool, u64, u64), String> {
        let (tx, rx) = mpsc::sync_channel(1);
        let shared = Arc::clone(&self.shared);
        let keys = keys.clone();
        self.handle.spawn(async move {
            let mut conn = shared.conn.clone();
            let reply: redis::RedisResult<(u8, String, String)> = shared
                .reserve
                .key(&keys.hash)
                .key(&keys.deadlines)
                .key(&keys.settled)
                .arg(id.to_string())
                .arg(amount.to_string())
                .arg(limit.to_string())
                .arg(shared.hold_ttl.as_millis().to_string())
                .arg(keys.expire_at)
                .invoke_async(&mut conn)
                .await;
            // Known even when the call waiting for it has given up.
            *lock(&shared.last_error) = reply.as_ref().err().map(ToString::to_string);
            let _ = tx.send(reply);
        });
        let wait = self.shared.admission_timeout;
        match rx.recv_timeout(wait) {
            Ok(Ok((admitted, spent, reserved))) => Ok((
                admitted == 1,
                spent.parse().unwrap_or(0),
                reserved.parse().unwrap_or(0),
            )),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err(match lock(&self.shared.last_error).as_deref() {
                Some(last) => format!(
                    "no answer within {} ms; last error: {last}",
                    wait.as_millis()
                ),
                None => format!("no answer within {} ms", wait.as_millis()),
            }),
        }
    }

    /// The store did not answer the reservation of `hold`: the budget's fail mode decides.
    fn unavailable(
        &self,
        slot: &CompiledBudget,
        keys: Keys,
        hold: Hold,
        problem: &str,
    ) -> Result<Hold, Denied> {
        self.shared.failed(problem);
        // The script may still run: the hold keeps its id, so settling or releasing it later
        // undoes it either way.
        self.track(hold.id, keys, (hold.budget, hold.cell), true);
        let amount = hold.amount.nanos_u64();
        match self.fallback(hold.budget, slot, hold.cell, amount, problem) {
            Ok(()) => {
                let mut known = lock(&self.shared.known);
                known
                    .entry((hold.budget, hold.cell))
                    .or_default()
                    .local_holds += amount;
                Ok(hold)
            }
            Err(denied) => {
                // Undone in the store if the script ran after all.
                self.release_unheld(&hold);
                Err(denied)
            }
        }
    }

    /// Admits from budget `i`'s current lease, or a new one; `None` leaves the call to a
    /// reservation of its own (no room for a slice bigger than the call's).
    fn reserve_from_lease(
        &self,
        i: usize,
        slot: &CompiledBudget,
        amount: Cost,
        now: SystemTime,
    ) -> Option<Result<Hold, Denied>> {
        let slice = self.shared.lease?;
        let keys = self.keys(slot, None, now);
        let wanted = amount.nanos_u64();
        let hold = Hold {
            budget: i,
            cell: 0,
            amount,
            id: self.id(),
        };
        {
            let mut leases = lock(&self.shared.leases);
            if let Some(lid) = leases.current[i] {
                let lease = leases.live.get_mut(&lid)?;
                if lease.keys.hash == keys.hash
                    && lease.taken.elapsed() < LEASE_AGE
                    && lease.used + wanted <= lease.size
                {
                    lease.used += wanted;
                    lease.calls += 1;
                    leases.calls.insert(hold.id, lid);
                    return Some(Ok(hold));
                }
                leases.current[i] = None;
                let done = retire(&mut leases, lid);
                drop(leases);
                if let Some(pending) = done.map(|lease| self.shared.lease_settlement(lid, lease)) {
                    self.send(pending);
                }
            }
        }
        // The slice, shrunk to half this replica's share of the room last seen.
        let limit = slot.limit.nanos_u64();
        let (spent, reserved) = lock(&self.shared.known).get(&(i, 0)).map_or((0, 0), |k| {
            (k.spent + k.local_spent, k.reserved + k.local_holds)
        });
        let replicas = self.shared.replicas.load(Ordering::Relaxed).max(1);
        let share = limit.saturating_sub(spent + reserved) / replicas / 2;
        let size = slice.min(share);
        if size <= wanted {
            return None;
        }
        let lid = self.id();
        match self.ask(&keys, lid, size, limit) {
            Ok((true, spent, reserved)) => {
                remember(&mut lock(&self.shared.known), (i, 0), spent, reserved);
                self.track(lid, keys.clone(), (i, 0), false);
                let mut leases = lock(&self.shared.leases);
                let retired = leases.current[i].is_some();
                if !retired {
                    leases.current[i] = Some(lid);
                }
                leases.live.insert(
                    lid,
                    Lease {
                        slot: i,
                        keys,
                        size,
                        used: wanted,
                        spent: 0,
                        calls: 1,
                        taken: Instant::now(),
                        retired,
                    },
                );
                leases.calls.insert(hold.id, lid);
                Some(Ok(hold))
            }
            Ok((false, spent, reserved)) => {
                remember(&mut lock(&self.shared.known), (i, 0), spent, reserved);
                None
            }
            Err(problem) => {
                // Undone in the store if the script ran after all.
                self.track(lid, keys.clone(), (i, 0), false);
                self.release_unheld(&Hold {
                    budget: i,
                    cell: 0,
                    amount: Cost::ZERO,
                    id: lid,
                });
                Some(self.unavailable(slot, keys, hold, &problem))
            }
        }
    }

    /// Books a call admitted from a lease (`None` for any other call): its lease is settled in
    /// the store once retired and done.
    fn settle_leased(&self, hold: &Hold, cost: u64) -> Option<Booked> {
        let mut leases = lock(&self.shared.leases);
        let lid = leases.calls.remove(&hold.id)?;
        let lease = leases.live.get_mut(&lid)?;
        lease.spent += cost;
        lease.used = (lease.used + cost).saturating_sub(hold.amount.nanos_u64());
        lease.calls -= 1;
        let done = if lease.retired && lease.calls == 0 {
            leases.live.remove(&lid)
        } else {
            None
        };
        drop(leases);
        let booked = {
            let mut known = lock(&self.shared.known);
            let entry = known.entry((hold.budget, 0)).or_default();
            entry.local_spent += cost;
            Booked {
                spent: Cost::from_nanos(entry.spent + entry.local_spent),
                reserved: Cost::from_nanos(entry.reserved + entry.local_holds),
                crossed: 0,
            }
        };
        if let Some(lease) = done {
            let pending = self.shared.lease_settlement(lid, lease);
            self.send(pending);
        }
        Some(booked)
    }

    /// The budget's fail mode, applied to a reservation the store did not answer.
    fn fallback(
        &self,
        i: usize,
        slot: &CompiledBudget,
        cell: u64,
        amount: u64,
        problem: &str,
    ) -> Result<(), Denied> {
        let known = lock(&self.shared.known);
        let state = known.get(&(i, cell)).cloned().unwrap_or_default();
        let seen = known.contains_key(&(i, cell));
        drop(known);
        let used = state.local_holds + state.local_spent;
        let room = match slot.budget.on_store_failure {
            FailMode::Closed => {
                return Err(Denied::Unavailable(format!(
                    "{}: {problem}",
                    self.shared.url
                )))
            }
            FailMode::Open { cap: None } => return Ok(()),
            FailMode::Open { cap: Some(cap) } => cap.to_cost().map_or(0, Cost::nanos_u64),
            FailMode::Local => {
                if !seen {
                    0
                } else {
                    let remaining = slot
                        .limit
                        .nanos_u64()
                        .saturating_sub(state.spent)
                        .saturating_sub(state.reserved);
                    remaining / self.shared.replicas.load(Ordering::Relaxed).max(1)
                }
            }
        };
        if used + amount > room {
            return Err(Denied::Full {
                spent: Cost::from_nanos(state.spent + state.local_spent),
                reserved: Cost::from_nanos(state.reserved + state.local_holds),
            });
        }
        Ok(())
    }

    /// Settles `hold` in the store with nothing to book, without touching local holds.
    fn release_unheld(&self, hold: &Hold) {
        let Some(flight) = lock(&self.shared.in_flight).remove(&hold.id) else {
            return;
        };
        self.send(Pending {
            keys: flight.keys,
            id: hold.id,
            cost: 0,
            lines: Vec::new(),
            slot: hold.budget,
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

    /// Sends a settlement to the store thread, which retries it until the store takes it.
    fn send(&self, pending: Pending) {
        let shared = Arc::clone(&self.shared);
        shared.sending.fetch_add(1, Ordering::SeqCst);
        self.handle.spawn(async move {
            if let Err(pending) = shared.apply(pending).await {
                shared.park(pending);
            }
            shared.sending.fetch_sub(1, Ordering::SeqCst);
        });
    }
}

impl Backend for RedisStore {
    /// The cell of `value`: a keyed hash, for this replica's own tables.
    fn cell(&self, value: Option<&str>) -> u64 {
        value.map_or(0, |v| self.keys.hash_one(v))
    }

    fn reserve(&self, at: BudgetCell<'_>, amount: Cost) -> Result<Hold, Denied> {
        let (i, slot, cell, value, now) = (at.index, at.budget, at.cell, at.value, at.now);
        if self.shared.lease.is_some() && slot.budget.per.is_none() {
            if let Some(result) = self.reserve_from_lease(i, slot, amount, now) {
                return result;
            }
        }
        let keys = self.keys(slot, value, now);
        let hold = Hold {
            budget: i,
            cell,
            amount,
            id: self.id(),
        };
        match self.ask(&keys, hold.id, amount.nanos_u64(), slot.limit.nanos_u64()) {
            Ok((admitted, spent, reserved)) => {
                remember(&mut lock(&self.shared.known), (i, cell), spent, reserved);
                if !admitted {
                    return Err(Denied::Full {
                        spent: Cost::from_nanos(spent),
                        reserved: Cost::from_nanos(reserved),
                    });
                }
                self.track(hold.id, keys, (i, cell), false);
                Ok(hold)
            }
            Err(problem) => self.unavailable(slot, keys, hold, &problem),
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
        let (i, slot, cell, value, now) = (at.index, at.budget, at.cell, at.value, at.now);
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
            None => (self.keys(slot, value, now), self.id()),
        };
        let cost_nanos = cost.nanos_u64();
        let lines = lines(slot);
        // The reply comes later; the span sees what this replica knows, this call included.
        let booked = {
            let mut known = lock(&self.shared.known);
            let entry = known.entry((i, cell)).or_default();
            entry.local_spent += cost_nanos;
            if let Some(hold) = read_hold {
                entry.reserved = entry.reserved.saturating_sub(hold.amount.nanos_u64());
            }
            Booked {
                spent: Cost::from_nanos(entry.spent + entry.local_spent),
                reserved: Cost::from_nanos(entry.reserved + entry.local_holds),
                crossed: 0,
            }
        };
        self.send(Pending {
            keys,
            id,
            cost: cost_nanos,
            lines,
            slot: i,
            cell,
            value: value.map(str::to_owned),
        });
        booked
    }

    /// Spent and reserved in budget `i`'s current window: read from the store (summed over
    /// the values this replica knows, for a per-value budget), or last known.
    fn status(&self, i: usize, slot: &CompiledBudget, now: SystemTime) -> (Cost, Cost) {
        if slot.budget.per.is_none() {
            let keys = self.keys(slot, None, now);
            let (tx, rx) = mpsc::sync_channel(1);
            let shared = Arc::clone(&self.shared);
            self.handle.spawn(async move {
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
                remember(&mut lock(&self.shared.known), (i, 0), spent, reserved);
                return (Cost::from_nanos(spent), Cost::from_nanos(reserved));
            }
        }
        let known = lock(&self.shared.known);
        let (spent, reserved) = known
            .iter()
            .filter(|((slot, _), _)| *slot == i)
            .fold((0, 0), |(s, r), (_, k)| {
                (s + k.spent + k.local_spent, r + k.reserved + k.local_holds)
            });
        (Cost::from_nanos(spent), Cost::from_nanos(reserved))
    }

    /// Store errors so far.
    fn errors(&self) -> u64 {
        self.shared.errors.load(Ordering::Relaxed)
    }
}

/// Records what the store said of a cell, keeping the table bounded.
fn remember(
    known: &mut FxHashMap<(usize, u64), Known>,
    cell: (usize, u64),
    spent: u64,
    reserved: u64,
) {
    if known.len() >= KNOWN_CAP && !known.contains_key(&cell) {
        known.retain(|_, k| k.local_holds + k.local_spent > 0);
    }
    let entry = known.entry(cell).or_default();
    entry.spent = spent;
    entry.reserved = reserved;
}

/// The alert lines of `slot`, in nano-dollars.
fn lines(slot: &CompiledBudget) -> Vec<u64> {
    slot.budget
        .thresholds
        .iter()
        .map(|t| (t * slot.limit.nanos_u64() as f64).ceil() as u64)
        .collect()
}

/// Stops lease `lid` admitting; returns it when no call of it is in flight, to be settled.
fn retire(leases: &mut Leases, lid: u64) -> Option<Lease> {
    let lease = leases.live.get_mut(&lid)?;
    lease.retired = true;
    if lease.calls == 0 {
        leases.live.remove(&lid)
    } else {
        None
    }
}

impl Shared {
    /// The settlement of a finished lease: its hold given back, what its calls cost booked.
    fn lease_settlement(&self, lid: u64, lease: Lease) -> Pending {
        lock(&self.in_flight).remove(&lid);
        Pending {
            lines: lines(&self.budgets.list[lease.slot]),
            keys: lease.keys,
            id: lid,
            cost: lease.spent,
            slot: lease.slot,
            cell: 0,
            value: None,
        }
    }

    /// Retires the current leases older than [`LEASE_AGE`] (or all, with `all`); the
    /// settlements of those with no call in flight.
    fn retire_leases(&self, all: bool) -> Vec<Pending> {
        let mut leases = lock(&self.leases);
        let mut done = Vec::new();
        for i in 0..leases.current.len() {
            let Some(lid) = leases.current[i] else {
                continue;
            };
            let old = leases
                .live
                .get(&lid)
                .is_none_or(|l| l.taken.elapsed() >= LEASE_AGE);
            if all || old {
                leases.current[i] = None;
                if let Some(lease) = retire(&mut leases, lid) {
                    done.push((lid, lease));
                }
            }
        }
        drop(leases);
        done.into_iter()
            .map(|(lid, lease)| self.lease_settlement(lid, lease))
            .collect()
    }

    /// Runs a settlement; the error hands it back for a later retry.
    async fn apply(&self, pending: Pending) -> Result<(), Pending> {
        let mut conn = self.conn.clone();
        let reply: redis::RedisResult<Vec<redis::Value>> = {
            let mut call = self.settle.prepare_invoke();
            call.key(&pending.keys.hash)
                .key(&pending.keys.deadlines)
                .key(&pending.keys.settled)
                .arg(pending.id.to_string())
                .arg(pending.cost.to_string())
                .arg(pending.keys.expire_at)
                .arg(SETTLED_MEMORY_MS);
            for line in &pending.lines {
                call.arg(line.to_string());
            }
            call.invoke_async(&mut conn).await
        };
        match reply {
            Ok(values) => {
                if let Some(known) = lock(&self.known).get_mut(&(pending.slot, pending.cell)) {
                    known.local_spent = known.local_spent.saturating_sub(pending.cost);
                }
                let number = |v: Option<&redis::Value>| -> u64 {
                    v.and_then(|v| redis::from_redis_value_ref::<String>(v).ok())
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(0)
                };
                let spent = number(values.first());
                let crossed = values
                    .iter()
                    .skip(3)
                    .filter_map(|v| redis::from_redis_value_ref::<u32>(v).ok())
                    .fold(0u32, |bits, t| bits | 1 << (t - 1));
                if crossed != 0 {
                    let budget = &self.budgets.list[pending.slot];
                    let alerts: Vec<_> = budget
                        .alerts(pending.value.as_deref(), Cost::from_nanos(spent), crossed)
                        .collect();
                    self.budgets.alerts.deliver(&alerts);
                }
                Ok(())
            }
            Err(e) => {
                self.store_error(&e);
                Err(pending)
            }
        }
    }

    /// Keeps a settlement the store did not take, for the background task to retry.
    fn park(&self, pending: Pending) {
        let mut queue = lock(&self.pending);
        if queue.len() >= PENDING_CAP {
            queue.pop_front();
            self.failed(
                "the queue of settlements waiting for the store is full; the oldest was dropped",
            );
        }
        queue.push_back(pending);
    }

    /// Remembers an error of the store, counts it and warns.
    fn store_error(&self, e: &redis::RedisError) {
        let problem = e.to_string();
        self.failed(&problem);
        *lock(&self.last_error) = Some(problem);
    }

    /// Counts a store error and warns, at most once per [`WARN_EVERY`].
    fn failed(&self, problem: &str) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        let mut last = lock(&self.last_warn);
        if last.is_some_and(|t| t.elapsed() < WARN_EVERY) {
            self.suppressed.fetch_add(1, Ordering::Relaxed);
            return;
        }
        *last = Some(Instant::now());
        drop(last);
        let suppressed = self.suppressed.swap(0, Ordering::Relaxed);
        tracing::warn!(
            target: "genops",
            store = self.url.as_str(),
            problem,
            suppressed,
            "the budget store is unavailable: hard budgets admit by their fail mode, and spend \
             is booked when the store is back (`genops_budget_store_errors_total` counts the \
             errors)"
        );
    }
}

/// The store thread's chores: replica heartbeat and clock offset (every 5 s), renewing holds
/// in flight (every third of the hold timeout), retrying parked settlements (every 100 ms).
async fn background(shared: Arc<Shared>) {
    const TICK: Duration = Duration::from_millis(100);
    let mut tick = tokio::time::interval(TICK);
    let renew_every = (shared.hold_ttl.as_millis() / 3 / TICK.as_millis()).max(1) as u64;
    let mut n: u64 = 0;
    loop {
        tick.tick().await;
        n += 1;
        for pending in shared.retire_leases(false) {
            shared.park(pending);
        }
        // Parked settlements, oldest first, until one fails. Each is counted as being sent
        // while out of the queue, so a dropping store waits for it.
        loop {
            shared.sending.fetch_add(1, Ordering::SeqCst);
            let Some(next) = lock(&shared.pending).pop_front() else {
                shared.sending.fetch_sub(1, Ordering::SeqCst);
                break;
            };
            let failed = shared.apply(next).await.err();
            let stop = failed.is_some();
            if let Some(pending) = failed {
                lock(&shared.pending).push_front(pending);
            }
            shared.sending.fetch_sub(1, Ordering::SeqCst);
            if stop {
                break;
            }
        }
        if n % 50 == 1 {
            heartbeat(&shared).await;
        }
        if n % renew_every == 0 {
            renew(&shared).await;
        }
    }
}

/// Announces this replica, counts the live ones, and measures the store's clock.
async fn heartbeat(shared: &Shared) {
    let mut conn = shared.conn.clone();
    let before = now_ms();
    let reply: redis::RedisResult<((u64, u64), u64)> = redis::pipe()
        .cmd("TIME")
        .cmd("ZADD")
        .arg("genops:{replicas}")
        .arg(before)
        .arg(shared.replica)
        .ignore()
        .cmd("ZREMRANGEBYSCORE")
        .arg("genops:{replicas}")
        .arg("-inf")
        .arg(before.saturating_sub(REPLICA_TTL_MS))
        .ignore()
        .cmd("ZCARD")
        .arg("genops:{replicas}")
        .query_async(&mut conn)
        .await;
    match reply {
        Ok(((secs, micros), replicas)) => {
            let after = now_ms();
            let store_ms = secs * 1_000 + micros / 1_000;
            let local = (before + after) / 2;
            shared
                .offset_ms
                .store(store_ms as i64 - local as i64, Ordering::Relaxed);
            shared.replicas.store(replicas.max(1), Ordering::Relaxed);
        }
        Err(e) => shared.store_error(&e),
    }
}

/// Pushes back the deadlines of this replica's holds in flight.
async fn renew(shared: &Shared) {
    let by_window: FxHashMap<String, (Keys, Vec<u64>)> = {
        let flights = lock(&shared.in_flight);
        let mut by_window: FxHashMap<String, (Keys, Vec<u64>)> = FxHashMap::default();
        for (id, flight) in flights.iter() {
            by_window
                .entry(flight.keys.hash.clone())
                .or_insert_with(|| (flight.keys.clone(), Vec::new()))
                .1
                .push(*id);
        }
        by_window
    };
    for (keys, ids) in by_window.into_values() {
        let mut conn = shared.conn.clone();
        let mut call = shared.renew.prepare_invoke();
        call.key(&keys.hash).key(&keys.deadlines);
        for id in ids {
            call.arg(id.to_string())
                .arg(shared.hold_ttl.as_millis().to_string());
        }
        if let Err(e) = call.invoke_async::<i64>(&mut conn).await {
            shared.store_error(&e);
        }
    }
}

fn now_ms() -> u64 {
    u64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis(),
    )
    .unwrap_or(u64::MAX)
}

fn shift(time: SystemTime, offset_ms: i64) -> SystemTime {
    let by = Duration::from_millis(offset_ms.unsigned_abs());
    if offset_ms >= 0 {
        time + by
    } else {
        time.checked_sub(by).unwrap_or(UNIX_EPOCH)
    }
}

impl Drop for RedisStore {
    /// Waits (at most 5 s) for settlements in flight and parked ones to reach the store, then
    /// stops the store thread.
    fn drop(&mut self) {
        for pending in self.shared.retire_leases(true) {
            self.send(pending);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline
            && (self.shared.sending.load(Ordering::SeqCst) > 0
                || !lock(&self.shared.pending).is_empty())
        {
            std::thread::sleep(Duration::from_millis(10));
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
