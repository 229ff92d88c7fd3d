//! The in-process budget store, the default: one lock per budget, and for a per-value budget a
//! sharded map from a keyed 64-bit hash of the value to its spend, cleared when the window moves.

use std::collections::VecDeque;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::{Mutex, MutexGuard};
use std::time::SystemTime;

use rustc_hash::FxHashMap;

use super::backend::{
    Backend, Booked, BudgetCell, Denied, Hold, LimitCell, LimitDenied, LimitHold,
};
use super::lock::lock;
use super::sliding_log::SlidingLogs;
use crate::governance::budget::Window;
use crate::governance::compiled::CompiledBudget;
use crate::governance::compiled_limit::CompiledLimit;
use crate::money::Cost;

/// Shards of a per-value budget's map: calls for different values rarely share a lock.
const SHARDS: usize = 16;
/// A cell's shard is its top bits: the shift leaving just enough of them to index [`SHARDS`].
const SHARD_SHIFT: u32 = u64::BITS - SHARDS.trailing_zeros();

/// The state of one budget without a per-value template.
#[derive(Default)]
struct BudgetState {
    window: Option<u64>,
    spent: Cost,
    reserved: Cost,
    fired: Vec<bool>,
    rolling: VecDeque<(SystemTime, Cost)>,
}

/// One shard of a per-value budget: spend per value in the current window (picos, saturating
/// at `u64::MAX`), and holds of calls in flight, which outlive a window change.
#[derive(Default)]
struct Shard {
    window: Option<u64>,
    spent: FxHashMap<u64, u64>,
    reserved: FxHashMap<u64, u64>,
}

/// One budget's state: whole, or sharded by value for a per-value budget.
enum Cells {
    One(Mutex<BudgetState>),
    PerValue(Box<[Mutex<Shard>; SHARDS]>),
}

/// Budget and rate-limit state in this process's memory.
pub(crate) struct MemoryStore {
    cells: Vec<Cells>,
    limits: SlidingLogs,
    /// Keys the hash of values: a caller cannot choose values that collide.
    keys: (u64, u64),
}

/// Thresholds (shares of `limit`) crossed going from `before` to `after`, as a bit set.
fn crossed(budget: &CompiledBudget, before: Cost, after: Cost) -> u32 {
    let mut bits = 0;
    for (i, threshold) in budget.budget.thresholds.iter().enumerate() {
        let line = threshold * budget.limit.picos() as f64;
        if (before.picos() as f64) < line && after.picos() as f64 >= line {
            bits |= 1 << i;
        }
    }
    bits
}

impl BudgetState {
    /// Moves the window to `now`.
    fn roll(&mut self, budget: &CompiledBudget, now: SystemTime) {
        match budget.budget.window {
            Window::Rolling(period) => {
                while let Some(&(t, amount)) = self.rolling.front() {
                    if now.duration_since(t).unwrap_or_default() < period {
                        break;
                    }
                    self.rolling.pop_front();
                    self.spent = self.spent.saturating_sub(amount);
                }
            }
            window => {
                let id = window.fixed_id(now);
                if self.window != id {
                    self.window = id;
                    self.spent = Cost::ZERO;
                    self.fired = vec![false; budget.budget.thresholds.len()];
                }
            }
        }
        if self.fired.len() != budget.budget.thresholds.len() {
            self.fired = vec![false; budget.budget.thresholds.len()];
        }
    }
}

impl Shard {
    /// Moves the window to `now`.
    fn roll(&mut self, budget: &CompiledBudget, now: SystemTime) {
        let id = budget.budget.window.fixed_id(now);
        if self.window != id {
            self.window = id;
            // The window's state is evicted with it, and its memory returned.
            self.spent = FxHashMap::default();
        }
    }
}

impl MemoryStore {
    /// Empty state for `budgets`, with value hashes keyed at random.
    pub(crate) fn new(budgets: &[CompiledBudget]) -> Self {
        let random = std::hash::RandomState::new();
        Self::with_keys(budgets, (random.hash_one(0u8), random.hash_one(1u8)))
    }

    /// A store whose value hashes are keyed by `keys` (a durable store keeps them).
    pub(crate) fn with_keys(budgets: &[CompiledBudget], keys: (u64, u64)) -> Self {
        let cells = budgets
            .iter()
            .map(|budget| match budget.budget.per {
                None => Cells::One(Mutex::new(BudgetState::default())),
                Some(_) => Cells::PerValue(Box::new(std::array::from_fn(|_| {
                    Mutex::new(Shard::default())
                }))),
            })
            .collect();
        MemoryStore {
            cells,
            limits: SlidingLogs::default(),
            keys,
        }
    }

    /// `cell`'s window of budget `i`: its id, spent and reserved (0 for none).
    #[cfg(feature = "embedded")]
    pub(crate) fn cell_state(&self, i: usize, cell: u64) -> (u64, Cost, Cost) {
        match &self.cells[i] {
            Cells::One(state) => {
                let state = lock(state);
                (state.window.unwrap_or(0), state.spent, state.reserved)
            }
            Cells::PerValue(shards) => {
                let shard = Self::shard(shards, cell);
                let get = |m: &FxHashMap<u64, u64>| {
                    Cost::from_picos(m.get(&cell).copied().unwrap_or(0).into())
                };
                (
                    shard.window.unwrap_or(0),
                    get(&shard.spent),
                    get(&shard.reserved),
                )
            }
        }
    }

    /// Sets `cell`'s spend in window `window` of budget `i`, as a durable store read it back.
    #[cfg(feature = "embedded")]
    pub(crate) fn restore(&self, i: usize, cell: u64, window: u64, spent: Cost) {
        match &self.cells[i] {
            Cells::One(state) => {
                let mut state = lock(state);
                state.window = Some(window);
                state.spent = spent;
            }
            Cells::PerValue(shards) => {
                let mut shard = Self::shard(shards, cell);
                if shard.window != Some(window) {
                    shard.window = Some(window);
                    shard.spent = FxHashMap::default();
                }
                shard.spent.insert(cell, spent.picos_u64());
            }
        }
    }

    /// The shard of `cell`, locked.
    fn shard(shards: &[Mutex<Shard>; SHARDS], cell: u64) -> MutexGuard<'_, Shard> {
        // The high bits pick the shard; the map hashes the low ones.
        lock(&shards[(cell >> SHARD_SHIFT) as usize % SHARDS])
    }

    /// Books `cost` in `at`.
    fn book(&self, at: BudgetCell<'_>, cost: Cost) -> Booked {
        let (index, budget, cell, now) = (at.index, at.budget, at.cell, at.now);
        match &self.cells[index] {
            Cells::One(state) => {
                let mut state = lock(state);
                state.roll(budget, now);
                state.spent += cost;
                if matches!(budget.budget.window, Window::Rolling(_)) && cost > Cost::ZERO {
                    state.rolling.push_back((now, cost));
                }
                let mut crossed = 0;
                for (t, threshold) in budget.budget.thresholds.iter().enumerate() {
                    let reached =
                        state.spent.picos() as f64 >= threshold * budget.limit.picos() as f64;
                    if reached && !state.fired[t] {
                        state.fired[t] = true;
                        crossed |= 1 << t;
                    }
                }
                Booked {
                    spent: state.spent,
                    reserved: state.reserved,
                    crossed,
                }
            }
            Cells::PerValue(shards) => {
                let mut shard = Self::shard(shards, cell);
                shard.roll(budget, now);
                let reserved =
                    Cost::from_picos(shard.reserved.get(&cell).copied().unwrap_or(0).into());
                if cost == Cost::ZERO {
                    let spent = shard.spent.get(&cell).copied().unwrap_or(0);
                    return Booked {
                        spent: Cost::from_picos(spent.into()),
                        reserved,
                        crossed: 0,
                    };
                }
                let spent = shard.spent.entry(cell).or_default();
                let before = Cost::from_picos((*spent).into());
                *spent = spent.saturating_add(cost.picos_u64());
                let after = Cost::from_picos((*spent).into());
                Booked {
                    spent: after,
                    reserved,
                    crossed: crossed(budget, before, after),
                }
            }
        }
    }

    /// Spent and reserved in `at`'s current window.
    fn standing_of(&self, at: BudgetCell<'_>) -> (Cost, Cost) {
        match &self.cells[at.index] {
            Cells::One(state) => {
                let mut state = lock(state);
                state.roll(at.budget, at.now);
                (state.spent, state.reserved)
            }
            Cells::PerValue(shards) => {
                let mut shard = Self::shard(shards, at.cell);
                shard.roll(at.budget, at.now);
                let get = |m: &FxHashMap<u64, u64>| {
                    Cost::from_picos(m.get(&at.cell).copied().unwrap_or(0).into())
                };
                (get(&shard.spent), get(&shard.reserved))
            }
        }
    }

    /// Values with state in budget `i` (0 for a budget without a template).
    #[cfg(test)]
    pub(crate) fn values(&self, i: usize) -> usize {
        match &self.cells[i] {
            Cells::One(_) => 0,
            Cells::PerValue(shards) => shards.iter().map(|s| lock(s).spent.len()).sum(),
        }
    }
}

impl Backend for MemoryStore {
    fn cell(&self, value: Option<&str>) -> u64 {
        value.map_or(0, |v| {
            // SipHash-2-4 with secret keys: the only keyed hash std lets one seed.
            #[allow(deprecated)]
            let mut hasher = std::hash::SipHasher::new_with_keys(self.keys.0, self.keys.1);
            v.hash(&mut hasher);
            hasher.finish()
        })
    }

    fn reserve(&self, at: BudgetCell<'_>, amount: Cost) -> Result<Hold, Denied> {
        let (index, budget, cell, now) = (at.index, at.budget, at.cell, at.now);
        let hold = Hold {
            budget: index,
            cell,
            amount,
            id: 0,
        };
        match &self.cells[index] {
            Cells::One(state) => {
                let mut state = lock(state);
                state.roll(budget, now);
                if state.spent + state.reserved + amount > budget.limit {
                    return Err(Denied::Full {
                        spent: state.spent,
                        reserved: state.reserved,
                    });
                }
                state.reserved += amount;
            }
            Cells::PerValue(shards) => {
                let mut shard = Self::shard(shards, cell);
                shard.roll(budget, now);
                let spent = Cost::from_picos(shard.spent.get(&cell).copied().unwrap_or(0).into());
                let reserved =
                    Cost::from_picos(shard.reserved.get(&cell).copied().unwrap_or(0).into());
                if spent + reserved + amount > budget.limit {
                    return Err(Denied::Full { spent, reserved });
                }
                let held = shard.reserved.entry(cell).or_default();
                *held = held.saturating_add(amount.picos_u64());
            }
        }
        Ok(hold)
    }

    fn release(&self, hold: &Hold) {
        match &self.cells[hold.budget] {
            Cells::One(state) => {
                let mut state = lock(state);
                state.reserved = state.reserved.saturating_sub(hold.amount);
            }
            Cells::PerValue(shards) => {
                let mut shard = Self::shard(shards, hold.cell);
                if let Some(held) = shard.reserved.get_mut(&hold.cell) {
                    *held = held.saturating_sub(hold.amount.picos_u64());
                    if *held == 0 {
                        shard.reserved.remove(&hold.cell);
                    }
                }
            }
        }
    }

    fn settle(&self, at: BudgetCell<'_>, hold: Option<&Hold>, cost: Cost) -> Booked {
        if let Some(hold) = hold {
            self.release(hold);
        }
        self.book(at, cost)
    }

    fn status(&self, index: usize, budget: &CompiledBudget, now: SystemTime) -> (Cost, Cost) {
        match &self.cells[index] {
            Cells::One(_) => self.standing_of(BudgetCell {
                index,
                budget,
                cell: 0,
                value: None,
                now,
            }),
            Cells::PerValue(shards) => {
                shards
                    .iter()
                    .fold((Cost::ZERO, Cost::ZERO), |(spent, reserved), shard| {
                        let mut shard = lock(shard);
                        shard.roll(budget, now);
                        let sum = |m: &FxHashMap<u64, u64>| {
                            Cost::from_picos(m.values().map(|&p| u128::from(p)).sum())
                        };
                        (spent + sum(&shard.spent), reserved + sum(&shard.reserved))
                    })
            }
        }
    }

    fn standing(&self, cells: &[BudgetCell<'_>]) -> Vec<(Cost, Cost)> {
        cells.iter().map(|at| self.standing_of(*at)).collect()
    }

    fn take_all(
        &self,
        takes: &[(LimitCell<'_>, u64)],
    ) -> Result<Vec<LimitHold>, (usize, LimitDenied)> {
        self.limits.take_all(takes)
    }

    fn count(&self, at: LimitCell<'_>, hold: Option<&LimitHold>, amount: u64) -> u64 {
        self.limits.count(at, hold, amount)
    }

    fn give_back(&self, hold: &LimitHold) {
        self.limits.give_back(hold);
    }

    fn used(&self, index: usize, limit: &CompiledLimit, now: SystemTime) -> u64 {
        self.limits.used(index, limit.limit.window, now)
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write;
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;
    use crate::attribution::Dimension;
    use crate::governance::budget::SECS_PER_DAY;
    use crate::governance::{Budget, Usd};
    use crate::test_support::heap::counting;

    #[test]
    fn a_million_customers_under_a_per_value_budget_stay_within_64_mb_until_their_window_ends() {
        let budgets =
            [
                CompiledBudget::new(Budget::daily_per(Dimension::Customer, Usd(5.0)).hard())
                    .unwrap(),
            ];
        let at = |cell, now| BudgetCell {
            index: 0,
            budget: &budgets[0],
            cell,
            value: None,
            now,
        };
        let now = UNIX_EPOCH + Duration::from_secs(1_795_910_340);
        let cost = Cost::from_usd(0.003).unwrap();
        let (store, retained) = counting(|| {
            let store = MemoryStore::new(&budgets);
            let mut value = String::new();
            for n in 0..1_000_000 {
                value.clear();
                let _ = write!(value, "customer-{n}");
                let cell = store.cell(Some(&value));
                let hold = store
                    .reserve(at(cell, now), budgets[0].reservation)
                    .unwrap();
                store.settle(at(cell, now), Some(&hold), cost);
            }
            store
        });
        assert_eq!(store.values(0), 1_000_000);
        assert_eq!(
            store.status(0, &budgets[0], now),
            (Cost::from_picos(3_000_000_000 * 1_000_000), Cost::ZERO)
        );
        eprintln!("1,000,000 customers under a per-value budget: {retained} bytes retained");
        assert!(retained < 64 << 20, "{retained} bytes");
        // The next day, each shard drops the old window when it is next used (a status reads
        // them all).
        let tomorrow = now + Duration::from_secs(SECS_PER_DAY);
        let ((), after) = counting(|| {
            assert_eq!(
                store.status(0, &budgets[0], tomorrow),
                (Cost::ZERO, Cost::ZERO)
            );
            for n in 0..64 {
                let cell = store.cell(Some(&format!("customer-{n}")));
                store.settle(at(cell, tomorrow), None, cost);
            }
        });
        assert_eq!(store.values(0), 64);
        assert!(
            after < -(retained * 9 / 10),
            "{after} bytes after the window moved"
        );
    }
}
