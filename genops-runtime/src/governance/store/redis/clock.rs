//! The store's clock: Redis `TIME` is the one clock every replica agrees on, so each replica
//! measures how far its own clock is from it and reads budget windows in store time.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Milliseconds in a second.
const MS_PER_SEC: u64 = 1_000;
/// Microseconds in a millisecond.
const MICROS_PER_MS: u64 = 1_000;

/// Redis `TIME` minus this host's clock, in ms, as last measured.
#[derive(Default)]
pub(super) struct StoreClock {
    offset_ms: AtomicI64,
}

impl StoreClock {
    /// `local` (this host's time) in store time.
    pub(super) fn to_store(&self, local: SystemTime) -> SystemTime {
        let offset_ms = self.offset_ms.load(Ordering::Relaxed);
        let by = Duration::from_millis(offset_ms.unsigned_abs());
        if offset_ms >= 0 {
            local + by
        } else {
            local.checked_sub(by).unwrap_or(UNIX_EPOCH)
        }
    }

    /// Records a `TIME` reply (`secs`, `micros`) to a request sent at `before` (ms, this host)
    /// and answered at `after`: the store read its clock half-way, as far as this host can tell.
    pub(super) fn measured(&self, before: u64, after: u64, (secs, micros): (u64, u64)) {
        let store_ms = secs * MS_PER_SEC + micros / MICROS_PER_MS;
        let local = (before + after) / 2;
        self.offset_ms
            .store(store_ms as i64 - local as i64, Ordering::Relaxed);
    }
}

/// This host's unix time in ms.
pub(super) fn now_ms() -> u64 {
    u64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis(),
    )
    .unwrap_or(u64::MAX)
}
