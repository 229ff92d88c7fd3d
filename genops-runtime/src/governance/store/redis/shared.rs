//! What the store's callers and its thread share: the connection and scripts, this replica's
//! view of the store, its holds in flight, its leases and its queue of settlements; and the
//! round trips that use them.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use rustc_hash::FxHashMap;
use tokio::runtime::Handle;

use super::clock::StoreClock;
use super::connection::Conn;
use super::leases::{Lease, Leases};
use super::limits::LimitScripts;
use super::outage::{KnownCells, Outage};
use super::scripts::{lines, Keys, Scripts};
use super::settlement::{Pending, Queue};
use crate::governance::compiled::Budgets;
use crate::governance::store::lock::lock;
use crate::money::Cost;

/// A hold in flight: its window's keys, renewed while the call runs.
#[derive(Clone, Debug)]
pub(super) struct InFlight {
    pub(super) keys: Keys,
    /// Its cell in [`Shared::known`]: (budget index, cell).
    pub(super) known: (usize, u64),
    /// Admitted by this replica's fail mode, not by the store.
    pub(super) local: bool,
}

/// What the store's callers and its thread share.
pub(super) struct Shared {
    /// The store thread's runtime, which runs every command.
    pub(super) handle: Handle,
    pub(super) conn: Conn,
    pub(super) scripts: Scripts,
    pub(super) limit_scripts: LimitScripts,
    /// A gated call's admission in one script ([`admission`](super::admission)).
    pub(super) admit: redis::Script,
    /// Whether the server refused that script for spanning hash slots (`CROSSSLOT`: a server
    /// in cluster mode, or a sharding proxy, behind one address): admissions then go as on a
    /// Redis Cluster, each script within one slot.
    pub(super) cross_slot: AtomicBool,
    /// This replica's id among those sharing the store.
    pub(super) replica: u64,
    pub(super) clock: StoreClock,
    /// Replicas seen at the last heartbeat (at least 1).
    pub(super) replicas: AtomicU64,
    pub(super) outage: Outage,
    pub(super) known: Mutex<KnownCells>,
    /// Holds in flight by reservation id.
    pub(super) in_flight: Mutex<FxHashMap<u64, InFlight>>,
    pub(super) queue: Queue,
    /// The budgets, to report their alerts.
    pub(super) budgets: Arc<Budgets>,
    /// A hold's lifetime in the store; renewed every third of that while its call runs, so
    /// only the holds of a dead process expire (and are charged).
    pub(super) hold_ttl: Duration,
    /// How long a gated call waits for the store before its budget's fail mode decides.
    pub(super) admission_timeout: Duration,
    /// The slice a lease takes (nano-dollars), when leases are on.
    pub(super) lease: Option<u64>,
    pub(super) leases: Mutex<Leases>,
}

impl Shared {
    /// Replicas seen at the last heartbeat (at least 1).
    pub(super) fn replicas(&self) -> u64 {
        self.replicas.load(Ordering::Relaxed).max(1)
    }

    /// Remembers a hold in the store, to renew it and to settle it.
    pub(super) fn track(&self, id: u64, keys: Keys, known: (usize, u64), local: bool) {
        lock(&self.in_flight).insert(id, InFlight { keys, known, local });
    }

    /// Runs the reservation script on the store thread, waiting at most the admission timeout:
    /// (admitted, spent, reserved) or what went wrong.
    pub(super) fn ask(
        self: &Arc<Self>,
        keys: &Keys,
        id: u64,
        amount: u64,
        limit: u64,
    ) -> Result<(bool, u64, u64), String> {
        let shared = Arc::clone(self);
        let keys = keys.clone();
        let (admitted, spent, reserved): (u8, String, String) = self.round_trip(async move {
            let mut conn = shared.conn.clone();
            shared
                .scripts
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
                .await
        })?;
        Ok((
            admitted == 1,
            spent.parse().unwrap_or(0),
            reserved.parse().unwrap_or(0),
        ))
    }

    /// Runs `command` on the store thread, waiting at most the admission timeout: its reply or
    /// what went wrong.
    pub(super) fn round_trip<T: Send + 'static>(
        self: &Arc<Self>,
        command: impl Future<Output = redis::RedisResult<T>> + Send + 'static,
    ) -> Result<T, String> {
        let deadline = Instant::now() + self.admission_timeout;
        self.answer(&self.dispatch(command), deadline)
    }

    /// Sends `command` to the store thread; its reply comes on the receiver.
    pub(super) fn dispatch<T: Send + 'static>(
        self: &Arc<Self>,
        command: impl Future<Output = redis::RedisResult<T>> + Send + 'static,
    ) -> mpsc::Receiver<redis::RedisResult<T>> {
        let (tx, rx) = mpsc::sync_channel(1);
        let shared = Arc::clone(self);
        self.handle.spawn(async move {
            let reply = command.await;
            // Known even when the call waiting for it has given up.
            *lock(&shared.outage.last_error) = reply.as_ref().err().map(ToString::to_string);
            let _ = tx.send(reply);
        });
        rx
    }

    /// The reply on `rx`, waited for until `deadline` (an admission timeout after it was sent),
    /// or what went wrong.
    pub(super) fn answer<T>(
        &self,
        rx: &mpsc::Receiver<redis::RedisResult<T>>,
        deadline: Instant,
    ) -> Result<T, String> {
        let wait = self.admission_timeout;
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(reply) => reply.map_err(|e| e.to_string()),
            Err(_) => Err(match lock(&self.outage.last_error).as_deref() {
                Some(last) => format!(
                    "no answer within {} ms; last error: {last}",
                    wait.as_millis()
                ),
                None => format!("no answer within {} ms", wait.as_millis()),
            }),
        }
    }

    /// Sends a settlement to the store thread, which retries it until the store takes it.
    pub(super) fn send(self: &Arc<Self>, pending: Pending) {
        let shared = Arc::clone(self);
        shared.queue.sending();
        self.handle.spawn(async move {
            if let Err(pending) = shared.apply(pending).await {
                shared.park(pending);
            }
            shared.queue.sent();
        });
    }

    /// Runs a settlement, and delivers the alerts it crossed; the error hands it back for a
    /// later retry.
    pub(super) async fn apply(&self, pending: Pending) -> Result<(), Pending> {
        match pending.run(&self.scripts, self.conn.clone()).await {
            Ok(settled) => {
                let cell = (pending.budget, pending.cell);
                if let Some(known) = lock(&self.known).get_mut(&cell) {
                    known.local_spent = known.local_spent.saturating_sub(pending.cost);
                }
                if settled.crossed != 0 {
                    let budget = &self.budgets.list[pending.budget];
                    let alerts: Vec<_> = budget
                        .alerts(
                            pending.value.as_deref(),
                            Cost::from_nanos(settled.spent),
                            settled.crossed,
                        )
                        .collect();
                    self.budgets.alerts.deliver(&alerts);
                }
                Ok(())
            }
            Err(e) => {
                self.outage.store_error(&e);
                Err(pending)
            }
        }
    }

    /// Keeps a settlement the store did not take, for the background task to retry.
    pub(super) fn park(&self, pending: Pending) {
        if !self.queue.park(pending) {
            self.outage.failed(
                "the queue of settlements waiting for the store is full; the oldest was dropped",
            );
        }
    }

    /// The settlement of a finished lease: its hold given back, what its calls cost booked.
    pub(super) fn lease_settlement(&self, lid: u64, lease: Lease) -> Pending {
        lock(&self.in_flight).remove(&lid);
        Pending {
            lines: lines(&self.budgets.list[lease.budget]),
            keys: lease.keys,
            id: lid,
            cost: lease.spent,
            budget: lease.budget,
            cell: 0,
            value: None,
        }
    }

    /// Retires the current leases that are old (or all, with `all`); the settlements of those
    /// with no call in flight.
    pub(super) fn retire_leases(&self, all: bool) -> Vec<Pending> {
        let done = lock(&self.leases).retire_current(all);
        done.into_iter()
            .map(|(lid, lease)| self.lease_settlement(lid, lease))
            .collect()
    }
}
