//! Settlements: what a closed call (or a released hold, or a finished lease) sends to the
//! store, never waiting for it. One that the store does not take is parked, and retried in
//! order with the same reservation id, so the store applies it once.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use super::connection::Conn;
use super::scripts::{Keys, Scripts, SETTLED_MEMORY_MS};
use crate::governance::store::lock::lock;

/// The most settlements kept for the store's return; older ones are dropped, counted.
const PENDING_CAP: usize = 1_000_000;

/// A settlement waiting to reach the store.
#[derive(Clone, Debug)]
pub(super) struct Pending {
    pub(super) keys: Keys,
    /// The reservation id: the store applies each id once.
    pub(super) id: u64,
    /// Nano-dollars to book.
    pub(super) cost: u64,
    /// The budget's alert lines, in nano-dollars (none for a release).
    pub(super) lines: Vec<u64>,
    /// The budget's index.
    pub(super) budget: usize,
    pub(super) cell: u64,
    /// The value of a per-value budget, for its alerts.
    pub(super) value: Option<String>,
}

/// What the store said to a settlement: the window's spend, and the alert lines it crossed
/// (bit `t` for line `t`), each reported once per window across replicas.
pub(super) struct Settled {
    pub(super) spent: u64,
    pub(super) crossed: u32,
}

impl Pending {
    /// Runs the settle script.
    pub(super) async fn run(
        &self,
        scripts: &Scripts,
        mut conn: Conn,
    ) -> redis::RedisResult<Settled> {
        let mut call = scripts.settle.prepare_invoke();
        call.key(&self.keys.hash)
            .key(&self.keys.deadlines)
            .key(&self.keys.settled)
            .arg(self.id.to_string())
            .arg(self.cost.to_string())
            .arg(self.keys.expire_at)
            .arg(SETTLED_MEMORY_MS);
        for line in &self.lines {
            call.arg(line.to_string());
        }
        let values: Vec<redis::Value> = call.invoke_async(&mut conn).await?;
        let spent = values
            .first()
            .and_then(|v| redis::from_redis_value_ref::<String>(v).ok())
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let crossed = values
            .iter()
            .skip(3)
            .filter_map(|v| redis::from_redis_value_ref::<u32>(v).ok())
            .fold(0u32, |bits, t| bits | 1 << (t - 1));
        Ok(Settled { spent, crossed })
    }
}

/// Settlements parked for a retry, and the count of those being sent, which a dropping store
/// waits for.
#[derive(Default)]
pub(super) struct Queue {
    parked: Mutex<VecDeque<Pending>>,
    sending: AtomicUsize,
}

impl Queue {
    /// Parks `pending` at the back; `false` when the queue was full and its oldest was dropped.
    pub(super) fn park(&self, pending: Pending) -> bool {
        let mut queue = lock(&self.parked);
        let room = queue.len() < PENDING_CAP;
        if !room {
            queue.pop_front();
        }
        queue.push_back(pending);
        room
    }

    /// The oldest parked settlement, counted as being sent.
    pub(super) fn next(&self) -> Option<Pending> {
        self.sending.fetch_add(1, Ordering::SeqCst);
        let next = lock(&self.parked).pop_front();
        if next.is_none() {
            self.sending.fetch_sub(1, Ordering::SeqCst);
        }
        next
    }

    /// Puts back a settlement taken by [`next`](Self::next) that failed, first in line.
    pub(super) fn unpark(&self, pending: Pending) {
        lock(&self.parked).push_front(pending);
    }

    /// Counts a settlement as being sent.
    pub(super) fn sending(&self) {
        self.sending.fetch_add(1, Ordering::SeqCst);
    }

    /// Counts a settlement sent (taken, parked or put back).
    pub(super) fn sent(&self) {
        self.sending.fetch_sub(1, Ordering::SeqCst);
    }

    /// Whether nothing is being sent or parked.
    pub(super) fn is_idle(&self) -> bool {
        self.sending.load(Ordering::SeqCst) == 0 && lock(&self.parked).is_empty()
    }
}
