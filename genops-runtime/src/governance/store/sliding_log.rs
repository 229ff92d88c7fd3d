//! Rate limits in this process's memory: a sliding log per limit (and per value of a per-value
//! limit) of what was counted when, summed as it goes.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use rustc_hash::FxHashMap;

use super::backend::{LimitCell, LimitDenied, LimitHold};
use super::lock::lock;

/// One limit's log for one value: (when, id, amount), oldest first, and their sum.
#[derive(Default)]
struct Log {
    entries: VecDeque<(SystemTime, u64, u64)>,
    total: u64,
}

impl Log {
    /// Forgets what was counted a window or more before `now`.
    fn roll(&mut self, window: Duration, now: SystemTime) {
        while let Some(&(at, _, amount)) = self.entries.front() {
            if now.duration_since(at).unwrap_or_default() < window {
                break;
            }
            self.entries.pop_front();
            self.total -= amount;
        }
    }

    /// How long until `amount` more fits under `max`: when enough of the oldest entries have
    /// left the window.
    fn fits_in(&self, window: Duration, now: SystemTime, max: u64, amount: u64) -> Duration {
        let mut over = (self.total + amount).saturating_sub(max);
        for &(at, _, logged) in &self.entries {
            over = over.saturating_sub(logged);
            if over == 0 {
                return (at + window).duration_since(now).unwrap_or_default();
            }
        }
        window
    }
}

/// Every limit's logs, by (limit index, cell).
#[derive(Default)]
pub(crate) struct SlidingLogs {
    logs: Mutex<FxHashMap<(usize, u64), Log>>,
    next_id: AtomicU64,
}

impl SlidingLogs {
    /// Logs `amount` at `at` if the window has room for it below `max` (the limit's own, or a
    /// replica's share of it while a shared store is away).
    pub(crate) fn take(
        &self,
        at: LimitCell<'_>,
        amount: u64,
        max: u64,
    ) -> Result<LimitHold, LimitDenied> {
        let window = at.limit.limit.window;
        let mut logs = lock(&self.logs);
        let log = logs.entry((at.index, at.cell)).or_default();
        log.roll(window, at.now);
        if log.total + amount > max {
            return Err(LimitDenied::Full {
                retry_after: log.fits_in(window, at.now, max, amount),
            });
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        log.entries.push_back((at.now, id, amount));
        log.total += amount;
        Ok(LimitHold {
            limit: at.index,
            cell: at.cell,
            id,
        })
    }

    /// Takes each of `takes` from its limit's own room, all or none (see `Backend::take_all`).
    pub(crate) fn take_all(
        &self,
        takes: &[(LimitCell<'_>, u64)],
    ) -> Result<Vec<LimitHold>, (usize, LimitDenied)> {
        let mut holds = Vec::with_capacity(takes.len());
        for (i, (at, amount)) in takes.iter().enumerate() {
            match self.take(*at, *amount, at.limit.limit.max) {
                Ok(hold) => holds.push(hold),
                Err(denied) => {
                    for hold in &holds {
                        self.give_back(hold);
                    }
                    return Err((i, denied));
                }
            }
        }
        Ok(holds)
    }

    /// Settles `hold` to `amount`, or without one logs `amount` at `at` unchecked; the count
    /// in the window after.
    pub(crate) fn count(&self, at: LimitCell<'_>, hold: Option<&LimitHold>, amount: u64) -> u64 {
        let mut logs = lock(&self.logs);
        let log = logs.entry((at.index, at.cell)).or_default();
        log.roll(at.limit.limit.window, at.now);
        match hold {
            // Calls are short next to their window: the entry is near the back, or gone.
            Some(hold) => {
                if let Some(entry) = log.entries.iter_mut().rev().find(|e| e.1 == hold.id) {
                    log.total = log.total - entry.2 + amount;
                    entry.2 = amount;
                }
            }
            None if amount > 0 => {
                let id = self.next_id.fetch_add(1, Ordering::Relaxed);
                log.entries.push_back((at.now, id, amount));
                log.total += amount;
            }
            None => {}
        }
        let total = log.total;
        if log.entries.is_empty() {
            logs.remove(&(at.index, at.cell));
        }
        total
    }

    /// Removes `hold` from its log.
    pub(crate) fn give_back(&self, hold: &LimitHold) {
        let mut logs = lock(&self.logs);
        let key = (hold.limit, hold.cell);
        if let Some(log) = logs.get_mut(&key) {
            if let Some(i) = log.entries.iter().rposition(|e| e.1 == hold.id) {
                if let Some((_, _, amount)) = log.entries.remove(i) {
                    log.total -= amount;
                }
            }
            if log.entries.is_empty() {
                logs.remove(&key);
            }
        }
    }

    /// The count in limit `index`'s window at `now`: for a per-value limit, its busiest
    /// value's.
    #[cfg_attr(not(feature = "prometheus"), allow(dead_code))]
    pub(crate) fn used(&self, index: usize, window: Duration, now: SystemTime) -> u64 {
        let mut logs = lock(&self.logs);
        logs.iter_mut()
            .filter(|((limit, _), _)| *limit == index)
            .map(|(_, log)| {
                log.roll(window, now);
                log.total
            })
            .max()
            .unwrap_or(0)
    }
}
