//! The store thread's chores, on a tick: retiring old leases, retrying parked settlements,
//! the replica heartbeat (which also measures the store's clock), renewing the holds of calls
//! in flight, and re-reading the kills.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use rustc_hash::FxHashMap;

use super::clock::now_ms;
use super::limits::{kills_from, KILLS_EVERY, KILLS_KEY};
use super::scripts::{Keys, REPLICAS_KEY};
use super::shared::Shared;
use crate::governance::store::lock::lock;

/// How often the chores run: parked settlements are retried this often.
const TICK: Duration = Duration::from_millis(100);
/// Ticks between heartbeats (5 s), the first on the first tick.
const HEARTBEAT_TICKS: u64 = 50;
/// Replicas that have not announced themselves for this long are no longer counted.
const REPLICA_TTL_MS: u64 = 15_000;
/// Holds are renewed this many times per hold timeout.
const RENEWALS_PER_TIMEOUT: u128 = 3;

/// Runs the chores until the store thread stops.
pub(super) async fn background(shared: Arc<Shared>) {
    let mut tick = tokio::time::interval(TICK);
    let renew_every =
        (shared.hold_ttl.as_millis() / RENEWALS_PER_TIMEOUT / TICK.as_millis()).max(1) as u64;
    let kills_every = (KILLS_EVERY.as_millis() / TICK.as_millis()).max(1) as u64;
    let mut n: u64 = 0;
    loop {
        tick.tick().await;
        n += 1;
        for pending in shared.retire_leases(false) {
            shared.park(pending);
        }
        // Parked settlements, oldest first, until one fails. Each is counted as being sent
        // while out of the queue, so a dropping store waits for it.
        while let Some(next) = shared.queue.next() {
            let failed = shared.apply(next).await.err();
            let stop = failed.is_some();
            if let Some(pending) = failed {
                shared.queue.unpark(pending);
            }
            shared.queue.sent();
            if stop {
                break;
            }
        }
        if n % HEARTBEAT_TICKS == 1 {
            heartbeat(&shared).await;
        }
        if n % renew_every == 0 {
            renew(&shared).await;
        }
        if n % kills_every == 0 {
            read_kills(&shared).await;
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
        .arg(REPLICAS_KEY)
        .arg(before)
        .arg(shared.replica)
        .ignore()
        .cmd("ZREMRANGEBYSCORE")
        .arg(REPLICAS_KEY)
        .arg("-inf")
        .arg(before.saturating_sub(REPLICA_TTL_MS))
        .ignore()
        .cmd("ZCARD")
        .arg(REPLICAS_KEY)
        .query_async(&mut conn)
        .await;
    match reply {
        Ok((time, replicas)) => {
            shared.clock.measured(before, now_ms(), time);
            shared.replicas.store(replicas.max(1), Ordering::Relaxed);
        }
        Err(e) => shared.outage.store_error(&e),
    }
}

/// Re-reads the kills every replica obeys.
async fn read_kills(shared: &Shared) {
    let mut conn = shared.conn.clone();
    let reply: redis::RedisResult<Vec<(String, String)>> = redis::cmd("HGETALL")
        .arg(KILLS_KEY)
        .query_async(&mut conn)
        .await;
    match reply {
        Ok(entries) => shared.budgets.kills.set(kills_from(entries)),
        Err(e) => shared.outage.store_error(&e),
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
        let mut call = shared.scripts.renew.prepare_invoke();
        call.key(&keys.hash).key(&keys.deadlines);
        for id in ids {
            call.arg(id.to_string())
                .arg(shared.hold_ttl.as_millis().to_string());
        }
        if let Err(e) = call.invoke_async::<i64>(&mut conn).await {
            shared.outage.store_error(&e);
        }
    }
}
