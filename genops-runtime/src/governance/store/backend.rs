//! The seam between the governance engine and a budget store: what the engine asks of any
//! store, and the values that cross it.

use std::time::{Duration, SystemTime};

use crate::governance::call_info::CallInfo;
use crate::governance::compiled::CompiledBudget;
use crate::governance::compiled_limit::CompiledLimit;
use crate::governance::kill::Kill;
use crate::money::Cost;

/// A store of budget state: spend per window, and the holds of calls in flight.
///
/// The engine talks to its store through this trait only, so a new store (or a test double)
/// implements it without touching the others. Every amount is exact; a store that cannot be
/// reached applies the budget's fail mode itself.
pub(crate) trait Backend: Send + Sync {
    /// The cell of `value` in a per-value budget (0 for a budget without a template): a hash
    /// keyed so that callers cannot choose values that collide.
    fn cell(&self, value: Option<&str>) -> u64;

    /// Reserves `amount` in `at` for an admitted call, if its budget has room.
    fn reserve(&self, at: BudgetCell<'_>, amount: Cost) -> Result<Hold, Denied>;

    /// Gives a hold back without booking anything.
    fn release(&self, hold: &Hold);

    /// Books a closed call's `cost` in `at`, giving back `hold` (its reservation there) in the
    /// same step.
    fn settle(&self, at: BudgetCell<'_>, hold: Option<&Hold>, cost: Cost) -> Booked;

    /// Spent and reserved in budget `index`'s current window: for a per-value budget, summed
    /// over its values.
    fn status(&self, index: usize, budget: &CompiledBudget, now: SystemTime) -> (Cost, Cost);

    /// Spent and reserved in each of `cells`' current windows (for a per-value budget, of the
    /// cell's own value), in their order: a shared store reads them all in one round trip, and
    /// answers what this replica last knew of a cell when the store does not answer.
    fn standing(&self, cells: &[BudgetCell<'_>]) -> Vec<(Cost, Cost)>;

    /// Errors talking to the store so far (none for a store in this process's memory).
    fn errors(&self) -> u64 {
        0
    }

    /// Holds, for an admitted call, each `(limit, amount)` of `takes` if every window has room;
    /// else gives back what it took and says which (its index in `takes`) refused, and why.
    fn take_all(
        &self,
        takes: &[(LimitCell<'_>, u64)],
    ) -> Result<Vec<LimitHold>, (usize, LimitDenied)>;

    /// Admits a gated `call`: reserves each `(budget, amount)` of `budgets` and holds each
    /// `(limit, amount)` of `limits`, all or none, after checking the kills the store keeps
    /// for every replica. By default, [`admit_in_turn`]: the limits together, then each
    /// budget.
    fn admit(
        &self,
        call: &CallInfo<'_>,
        budgets: &[(BudgetCell<'_>, Cost)],
        limits: &[(LimitCell<'_>, u64)],
    ) -> Result<Admitted, Refused> {
        let _ = call;
        admit_in_turn(self, budgets, limits)
    }

    /// Settles `hold` (a gated call's) to the call's actual `amount`; without a hold, counts
    /// `amount` at `at.now` without a check. The count in the window after, as far as known.
    fn count(&self, at: LimitCell<'_>, hold: Option<&LimitHold>, amount: u64) -> u64;

    /// Gives a limit hold back without counting anything.
    fn give_back(&self, hold: &LimitHold);

    /// The count in limit `index`'s window at `now`; for a per-value limit, its busiest
    /// value's (that this replica knows).
    #[cfg_attr(not(feature = "prometheus"), allow(dead_code))]
    fn used(&self, index: usize, limit: &CompiledLimit, now: SystemTime) -> u64;

    /// The kills the store keeps for every replica, when it is shared (`None` in memory: the
    /// engine's own list is the only one).
    fn kills(&self) -> Result<Option<Vec<Kill>>, String> {
        Ok(None)
    }

    /// Keeps `kill` for every replica (nothing to do in memory).
    fn kill(&self, _kill: &Kill) -> Result<(), String> {
        Ok(())
    }

    /// Removes the kill of the scope written `scope` (nothing to do in memory).
    fn revive(&self, _scope: &str) -> Result<(), String> {
        Ok(())
    }
}

/// Admits a call as [`Backend::admit`] says, one step at a time: takes `limits` together
/// ([`Backend::take_all`]), then reserves each of `budgets`, giving everything back when one
/// refuses. The kills are the engine's to check.
pub(crate) fn admit_in_turn<B: Backend + ?Sized>(
    store: &B,
    budgets: &[(BudgetCell<'_>, Cost)],
    limits: &[(LimitCell<'_>, u64)],
) -> Result<Admitted, Refused> {
    let mut admitted = Admitted {
        holds: Vec::new(),
        limits: match limits {
            [] => Vec::new(),
            _ => store
                .take_all(limits)
                .map_err(|(i, denied)| Refused::Limit(i, denied))?,
        },
    };
    admitted.reserve_each(store, budgets.iter().enumerate())?;
    Ok(admitted)
}

/// What an admitted call holds: a reservation per budget, a hold per limit.
#[derive(Debug, Default)]
pub(crate) struct Admitted {
    pub(crate) holds: Vec<Hold>,
    pub(crate) limits: Vec<LimitHold>,
}

impl Admitted {
    /// Reserves each `(index, (budget, amount))` of `budgets` in `store`, one at a time; when
    /// one refuses, gives back everything held and says which (its index) and why.
    pub(crate) fn reserve_each<'a, B: Backend + ?Sized>(
        &mut self,
        store: &B,
        budgets: impl Iterator<Item = (usize, &'a (BudgetCell<'a>, Cost))>,
    ) -> Result<(), Refused> {
        for (i, (at, amount)) in budgets {
            match store.reserve(*at, *amount) {
                Ok(hold) => self.holds.push(hold),
                Err(denied) => {
                    self.give_back(store);
                    return Err(Refused::Budget(i, denied));
                }
            }
        }
        Ok(())
    }

    /// Gives every hold back to `store` without booking anything.
    pub(crate) fn give_back<B: Backend + ?Sized>(&self, store: &B) {
        for hold in &self.holds {
            store.release(hold);
        }
        for hold in &self.limits {
            store.give_back(hold);
        }
    }
}

/// Why a gated call was not admitted: which budget or limit refused (its index in what was
/// asked) and why, or the kill the store keeps over it.
#[derive(Debug)]
pub(crate) enum Refused {
    Budget(usize, Denied),
    Limit(usize, LimitDenied),
    /// Killed, as the store says: the scope as written, the reason and since when.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    Killed {
        scope: String,
        reason: String,
        since: SystemTime,
    },
}

/// Where a store operation applies: one budget, one value of it, at one moment.
#[derive(Clone, Copy)]
pub(crate) struct BudgetCell<'a> {
    /// The budget's index among the engine's budgets.
    pub(crate) index: usize,
    pub(crate) budget: &'a CompiledBudget,
    /// The cell of `value` ([`Backend::cell`]).
    pub(crate) cell: u64,
    /// The call's value for the budget's template (`None` without one); a shared store keys
    /// its state by it.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) value: Option<&'a str>,
    pub(crate) now: SystemTime,
}

/// A reservation held by an admitted call in one budget: which budget (its index), which of
/// its values (`cell`), how much, and the store's id for it (0 in memory).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Hold {
    pub(crate) budget: usize,
    pub(crate) cell: u64,
    pub(crate) amount: Cost,
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) id: u64,
}

/// Why a reservation was refused.
#[derive(Debug)]
pub(crate) enum Denied {
    /// The budget has no room: its spend and holds.
    Full { spent: Cost, reserved: Cost },
    /// The store cannot be reached and the budget fails closed.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    Unavailable(String),
}

/// A budget's window after a booking: spent, reserved, and the thresholds crossed by it (bit
/// `t` for threshold `t`), each once per window.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Booked {
    pub(crate) spent: Cost,
    pub(crate) reserved: Cost,
    pub(crate) crossed: u32,
}

/// Where a rate-limit operation applies: one limit, one value of it, at one moment.
#[derive(Clone, Copy)]
pub(crate) struct LimitCell<'a> {
    /// The limit's index among the engine's limits.
    pub(crate) index: usize,
    pub(crate) limit: &'a CompiledLimit,
    /// The cell of `value` ([`Backend::cell`]).
    pub(crate) cell: u64,
    /// The call's value for the limit's template (`None` without one).
    pub(crate) value: Option<&'a str>,
    pub(crate) now: SystemTime,
}

/// What an admitted call holds of one rate limit: which limit, which value, and the store's id
/// for it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LimitHold {
    pub(crate) limit: usize,
    pub(crate) cell: u64,
    pub(crate) id: u64,
}

/// Why a rate limit refused a call.
#[derive(Debug)]
pub(crate) enum LimitDenied {
    /// The window is full: the call would fit after `retry_after`. (A limit whose shared store
    /// is away and fails local counts this replica's share of it here.)
    Full { retry_after: Duration },
    /// The store cannot be reached and the limit fails closed.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    Unavailable(String),
}
