//! Burn-rate forecasts: a budget's spend rate over a recent interval, and when the budget runs
//! out at that rate.
//!
//! The rate is what this process settled under the budget, counted in [`SLOTS`] buckets that
//! cover the interval (lock-free: one atomic add per call and budget). The remaining amount is
//! the store's, so with a shared store it counts every replica's spend while the rate counts
//! this replica's only: the forecast is then later than the truth, by up to the number of
//! replicas spending alike.
//!
//! A per-value budget meters each of its busiest values ([`ValueMeters`]): at most
//! [`TRACKED_VALUES`] of them, however many values pass.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustc_hash::FxHashMap;

use super::budget::{Window, SECS_PER_DAY};
use super::forecast::BudgetForecast;
use crate::money::Cost;

/// Buckets per interval: the rate is read over the last `SLOTS` buckets, the current one
/// included, so it covers between `SLOTS - 1` and `SLOTS` buckets' worth of the interval.
const SLOTS: usize = 60;

/// The most values of a per-value budget whose burn rate is metered (about 1 KB each).
pub(crate) const TRACKED_VALUES: usize = 1_024;
/// Shards of a per-value budget's meters.
const SHARDS: usize = 16;
/// The most values a shard meters.
const SHARD_VALUES: usize = TRACKED_VALUES / SHARDS;
/// A cell's shard is its top bits: the shift leaving just enough of them to index [`SHARDS`].
const SHARD_SHIFT: u32 = u64::BITS - SHARDS.trailing_zeros();

/// One bucket: the index of the stretch of time it counts, and the pico-dollars settled in it.
#[derive(Default)]
struct Slot {
    stretch: AtomicU64,
    picos: AtomicU64,
}

/// The spend a budget settled in this process over its recent interval, and the window whose
/// forecast alert has fired.
pub(crate) struct Meter {
    interval: Duration,
    /// Nanoseconds per bucket.
    width: u64,
    slots: [Slot; SLOTS],
    /// 1 + the id of the window whose forecast alert fired (0: none yet).
    fired: AtomicU64,
}

/// Nanoseconds since the unix epoch (0 before it).
fn unix_nanos(time: SystemTime) -> u64 {
    let nanos = time
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    u64::try_from(nanos).unwrap_or(u64::MAX)
}

impl Meter {
    /// A meter over `interval`, or why it cannot be one.
    pub(crate) fn new(interval: Duration) -> Result<Self, String> {
        let width = u64::try_from(interval.as_nanos() / SLOTS as u128).unwrap_or(u64::MAX);
        if width == 0 {
            return Err(format!(
                "the burn-rate interval {interval:?} is shorter than {SLOTS} ns"
            ));
        }
        Ok(Meter::empty(interval, width))
    }

    /// A meter over `interval`, in buckets of `width` ns, with nothing counted.
    fn empty(interval: Duration, width: u64) -> Self {
        Meter {
            interval,
            width,
            slots: std::array::from_fn(|_| Slot::default()),
            fired: AtomicU64::new(0),
        }
    }

    /// Counts `cost`, settled `now`. A booking that races a bucket's turnover may be lost to
    /// the rate (never to the budget).
    pub(crate) fn record(&self, now: SystemTime, cost: Cost) {
        if cost == Cost::ZERO {
            return;
        }
        let stretch = unix_nanos(now) / self.width;
        let slot = &self.slots[(stretch % SLOTS as u64) as usize];
        let seen = slot.stretch.load(Ordering::Acquire);
        if seen != stretch
            && slot
                .stretch
                .compare_exchange(seen, stretch, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
        {
            slot.picos.store(0, Ordering::Release);
        }
        let picos = u64::try_from(cost.picos()).unwrap_or(u64::MAX);
        slot.picos.fetch_add(picos, Ordering::AcqRel);
    }

    /// Pico-dollars settled in the buckets of the interval ending `now`.
    fn spent(&self, now: SystemTime) -> u128 {
        let current = unix_nanos(now) / self.width;
        let first = current.saturating_sub(SLOTS as u64 - 1);
        self.slots
            .iter()
            .filter(|slot| (first..=current).contains(&slot.stretch.load(Ordering::Acquire)))
            .map(|slot| u128::from(slot.picos.load(Ordering::Acquire)))
            .sum()
    }

    /// The forecast for budget `name` (its `value`, for a per-value budget) with `remaining`
    /// left, `now`.
    pub(crate) fn forecast(
        &self,
        name: &str,
        value: Option<&str>,
        remaining: Cost,
        now: SystemTime,
    ) -> BudgetForecast {
        let spent = self.spent(now);
        let interval = self.interval.as_nanos();
        let exhausted_in = (spent > 0).then(|| {
            let nanos = remaining.picos().saturating_mul(interval) / spent;
            Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
        });
        let spent_usd = Cost::from_picos(spent).as_usd();
        BudgetForecast {
            budget: name.to_owned(),
            value: value.map(str::to_owned),
            interval: self.interval,
            spent_in_interval: spent_usd,
            usd_per_hour: spent_usd * 3_600.0 / self.interval.as_secs_f64(),
            exhausted_in,
        }
    }

    /// Whether the forecast alert of `window`'s current window may fire `now`: the budget runs
    /// out (`exhausted_in` on) before the window ends, and the alert has not fired in this
    /// window. Marks it fired.
    pub(crate) fn alert_due(
        &self,
        window: Window,
        exhausted_in: Duration,
        now: SystemTime,
    ) -> bool {
        let (id, end) = window_bounds(window, now);
        if self.fired.load(Ordering::Acquire) == id + 1 || now + exhausted_in >= end {
            return false;
        }
        self.fired.swap(id + 1, Ordering::AcqRel) != id + 1
    }
}

/// One metered value of a per-value budget.
struct Tracked {
    value: String,
    meter: Meter,
}

/// One shard of a per-value budget's meters: by the store's cell of each value.
type Shard = FxHashMap<u64, Arc<Tracked>>;

/// The meters of a per-value budget's busiest values, in [`SHARDS`] shards by value, so that
/// calls for different values rarely share a lock. At most [`TRACKED_VALUES`] in all: a new
/// value that finds its shard full first evicts the shard's less busy half, keeping the values
/// whose forecast alert fired in their current window, then those that spent most in the
/// interval. An alerted value is never evicted in its window (it would alert again when back): a
/// new value whose shard holds only such values is not metered until the window turns.
pub(crate) struct ValueMeters {
    interval: Duration,
    width: u64,
    window: Window,
    shards: [Mutex<Shard>; SHARDS],
}

impl ValueMeters {
    /// Meters like `meter` (over its interval) for the values of a budget over `window`.
    pub(crate) fn like(meter: &Meter, window: Window) -> Self {
        ValueMeters {
            interval: meter.interval,
            width: meter.width,
            window,
            shards: std::array::from_fn(|_| Mutex::default()),
        }
    }

    /// The shard of `cell`, locked.
    fn shard(&self, cell: u64) -> MutexGuard<'_, Shard> {
        // The high bits pick the shard; the map hashes the low ones.
        self.shards[(cell >> SHARD_SHIFT) as usize % SHARDS]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the meter of `value` (whose cell is `cell`), metering it from now on if it
    /// was not; `None` when it cannot be metered, its shard full of values whose forecast alert
    /// fired in this window (evicting one would let it alert again). `f` runs with no lock held.
    pub(crate) fn with<R>(
        &self,
        cell: u64,
        value: &str,
        now: SystemTime,
        f: impl FnOnce(&Meter) -> R,
    ) -> Option<R> {
        let tracked = {
            let mut shard = self.shard(cell);
            if shard.len() >= SHARD_VALUES && !shard.contains_key(&cell) {
                self.evict(&mut shard, now);
                if shard.len() >= SHARD_VALUES {
                    return None;
                }
            }
            let tracked = shard.entry(cell).or_insert_with(|| {
                Arc::new(Tracked {
                    value: value.to_owned(),
                    meter: Meter::empty(self.interval, self.width),
                })
            });
            Arc::clone(tracked)
        };
        Some(f(&tracked.meter))
    }

    /// Keeps the busier half of `shard`, and every value whose forecast alert fired in the
    /// current window or whose meter a call holds: forgetting one would let it alert again in
    /// the window.
    fn evict(&self, shard: &mut Shard, now: SystemTime) {
        let fired = window_bounds(self.window, now).0 + 1;
        let mut busiest: Vec<(bool, u128, u64)> = shard
            .iter()
            .map(|(cell, t)| {
                // A meter a call holds (outside the lock) may be about to alert: forgetting it
                // would let the value alert again on a fresh meter.
                let kept =
                    t.meter.fired.load(Ordering::Acquire) == fired || Arc::strong_count(t) > 1;
                (kept, t.meter.spent(now), *cell)
            })
            .collect();
        busiest.sort_unstable_by(|a, b| b.cmp(a));
        for (kept, _, cell) in &busiest[SHARD_VALUES / 2..] {
            if !kept {
                shard.remove(cell);
            }
        }
    }

    /// The values metered: (cell, value).
    pub(crate) fn values(&self) -> Vec<(u64, String)> {
        (0..SHARDS)
            .flat_map(|i| {
                let shard = self.shard((i as u64) << SHARD_SHIFT);
                shard
                    .iter()
                    .map(|(cell, t)| (*cell, t.value.clone()))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// Runs `f` on the meter of the value whose cell is `cell`, if it is metered.
    pub(crate) fn read<R>(&self, cell: u64, f: impl FnOnce(&Meter) -> R) -> Option<R> {
        let tracked = self.shard(cell).get(&cell).map(Arc::clone)?;
        Some(f(&tracked.meter))
    }
}

/// The id of the window holding `now` and when it ends. A rolling window is cut into periods
/// of its length for this: its forecast alert fires at most once a period, when the budget runs
/// out within the period.
fn window_bounds(window: Window, now: SystemTime) -> (u64, SystemTime) {
    let secs = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    let at = |secs: u64| UNIX_EPOCH + Duration::from_secs(secs);
    match window {
        Window::Rolling(period) => {
            let period = period.as_secs().max(1);
            (secs / period, now + Duration::from_secs(period))
        }
        fixed => {
            let id = fixed.fixed_id(now).unwrap_or(0);
            // The first day of the next window: a day or a month (at most 31 days) on.
            let mut day = secs / SECS_PER_DAY + 1;
            while fixed.fixed_id(at(day * SECS_PER_DAY)) == Some(id) {
                day += 1;
            }
            (id, at(day * SECS_PER_DAY))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(usd: f64) -> Cost {
        Cost::from_usd(usd).unwrap()
    }

    #[test]
    fn the_rate_counts_only_the_buckets_of_the_interval() {
        let meter = Meter::new(Duration::from_secs(60)).unwrap();
        let start = UNIX_EPOCH + Duration::from_secs(1_000 * 60);
        meter.record(start, usd(1.0));
        meter.record(start + Duration::from_secs(30), usd(2.0));
        let later = start + Duration::from_secs(59);
        assert_eq!(meter.spent(later), usd(3.0).picos());
        // A minute on, the first bucket has left the interval.
        assert_eq!(
            meter.spent(start + Duration::from_secs(60)),
            usd(2.0).picos()
        );
        // The second bucket's slot is reused a whole interval later, and starts afresh.
        meter.record(start + Duration::from_secs(90), usd(0.5));
        assert_eq!(
            meter.spent(start + Duration::from_secs(90)),
            usd(0.5).picos()
        );
    }

    #[test]
    fn the_forecast_is_the_remaining_amount_over_the_rate() {
        let meter = Meter::new(Duration::from_secs(3_600)).unwrap();
        let now = UNIX_EPOCH + Duration::from_secs(86_400);
        meter.record(now, usd(6.0));
        let forecast = meter.forecast("b", None, usd(88.0), now);
        assert_eq!(forecast.exhausted_in, Some(Duration::from_secs(52_800)));
        assert_eq!(forecast.usd_per_hour, 6.0);
        assert_eq!(
            meter
                .forecast("b", None, usd(1.0), now + Duration::from_secs(3_600))
                .exhausted_in,
            None
        );
    }

    #[test]
    fn a_per_value_budget_meters_at_most_its_busiest_values_however_many_pass() {
        use crate::test_support::heap::counting;
        let now = UNIX_EPOCH + Duration::from_secs(20_000 * SECS_PER_DAY);
        let meter = Meter::new(Duration::from_secs(3_600)).unwrap();
        let (meters, retained) = counting(|| {
            let meters = ValueMeters::like(&meter, Window::Daily);
            for n in 0..100_000u64 {
                let value = format!("customer-{n}");
                // Cells are hashes: spread over the shards.
                let cell = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
                meters.with(cell, &value, now, |m| m.record(now, usd(0.001)));
                // A busy customer, spending alongside them all.
                meters.with(u64::MAX, "whale", now, |m| m.record(now, usd(1.0)));
            }
            meters
        });
        let values = meters.values();
        assert!(values.len() <= TRACKED_VALUES, "{} values", values.len());
        assert!(values.contains(&(u64::MAX, "whale".to_owned())));
        assert_eq!(
            meters.read(u64::MAX, |m| m.spent(now)),
            Some(usd(100_000.0).picos())
        );
        // About 1 KB a metered value, and nothing for the values gone.
        eprintln!("100,000 values metered: {retained} bytes retained");
        assert!(
            retained < 1_200 * TRACKED_VALUES as isize,
            "{retained} bytes"
        );
    }

    #[test]
    fn eviction_never_lets_a_value_alert_twice_in_one_window() {
        // A day's window; each value runs out within the day at its own rate.
        let now = UNIX_EPOCH + Duration::from_secs(20_000 * SECS_PER_DAY + 3_600);
        let meter = Meter::new(Duration::from_secs(3_600)).unwrap();
        let meters = ValueMeters::like(&meter, Window::Daily);
        let spend = |cell: u64, now: SystemTime| {
            meters
                .with(cell, &format!("v{cell}"), now, |m| {
                    m.record(now, usd(1.0));
                    let forecast = m.forecast("b", None, usd(2.0), now);
                    m.alert_due(Window::Daily, forecast.exhausted_in.unwrap(), now)
                })
                .unwrap_or(false)
        };
        // One shard's worth of values (the same top bits), every one alerted.
        for cell in 0..SHARD_VALUES as u64 {
            assert!(spend(cell, now));
        }
        // A new value in that shard, then the first values again, in the same window.
        let later = now + Duration::from_secs(60);
        spend(SHARD_VALUES as u64, later);
        for cell in 0..SHARD_VALUES as u64 {
            assert!(
                !spend(cell, later),
                "value {cell} alerted twice in one window"
            );
        }
        assert!(meters.values().len() <= TRACKED_VALUES);
    }

    #[test]
    fn a_value_evicted_while_its_call_runs_does_not_alert_twice() {
        let now = UNIX_EPOCH + Duration::from_secs(20_000 * SECS_PER_DAY + 3_600);
        let meter = Meter::new(Duration::from_secs(3_600)).unwrap();
        let meters = ValueMeters::like(&meter, Window::Daily);
        let alert = |m: &Meter| {
            m.record(now, usd(1.0));
            let forecast = m.forecast("b", None, usd(2.0), now);
            m.alert_due(Window::Daily, forecast.exhausted_in.unwrap(), now)
        };
        // A full shard of busy values, none alerted; value 0 spends least.
        for cell in 1..SHARD_VALUES as u64 {
            meters.with(cell, "v", now, |m| m.record(now, usd(10.0)));
        }
        // Value 0's call holds its meter (no lock) while another call's new value evicts the
        // shard's less busy half; value 0's alert fires on the meter it holds.
        let first = meters.with(0, "v0", now, |m| {
            meters.with(SHARD_VALUES as u64, "new", now, |m| {
                m.record(now, usd(10.0))
            });
            alert(m)
        });
        assert_eq!(first, Some(true));
        // Its next call, in the same window, must not alert again.
        assert_eq!(meters.with(0, "v0", now, alert), Some(false));
    }

    #[test]
    fn a_month_ends_on_the_first_of_the_next() {
        // 2024-02-10 ends at 2024-03-01 (day 19_783).
        let (_, end) = window_bounds(
            Window::Monthly,
            UNIX_EPOCH + Duration::from_secs(19_763 * SECS_PER_DAY + 5),
        );
        assert_eq!(end, UNIX_EPOCH + Duration::from_secs(19_783 * SECS_PER_DAY));
        assert!(Meter::new(Duration::from_nanos(59)).is_err());
    }
}
