//! When the store cannot be reached: what this replica last knew of each cell, the budget's
//! fail mode applied to it, and the counting and rate-limited warning of store errors.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rustc_hash::FxHashMap;

use crate::governance::budget::FailMode;
use crate::governance::compiled::CompiledBudget;
use crate::governance::store::backend::Denied;
use crate::governance::store::lock::lock;
use crate::money::Cost;

/// At most one store-error warning per this period; the others are counted.
const WARN_EVERY: Duration = Duration::from_secs(10);
/// The most cells whose last-known state is kept for an outage.
const KNOWN_CAP: usize = 65_536;

/// What this replica last knew of a cell, and what it admitted while the store was away.
#[derive(Clone, Debug, Default)]
pub(super) struct Known {
    pub(super) spent: u64,
    pub(super) reserved: u64,
    /// Held by calls this replica admitted without the store, in the current outage.
    pub(super) local_holds: u64,
    /// Booked by this replica and not yet taken by the store.
    pub(super) local_spent: u64,
}

/// What this replica knows of each cell: (budget index, cell) → [`Known`].
pub(super) type KnownCells = FxHashMap<(usize, u64), Known>;

impl Known {
    /// Spent (nano-dollars), this replica's bookings not yet taken included.
    pub(super) fn spent_total(&self) -> u64 {
        self.spent + self.local_spent
    }

    /// Reserved (nano-dollars), this replica's holds admitted without the store included.
    pub(super) fn reserved_total(&self) -> u64 {
        self.reserved + self.local_holds
    }
}

/// Records what the store said of a cell, keeping the table bounded.
pub(super) fn remember(known: &mut KnownCells, cell: (usize, u64), spent: u64, reserved: u64) {
    if known.len() >= KNOWN_CAP && !known.contains_key(&cell) {
        known.retain(|_, k| k.local_holds + k.local_spent > 0);
    }
    let entry = known.entry(cell).or_default();
    entry.spent = spent;
    entry.reserved = reserved;
}

/// `budget`'s fail mode, applied to a reservation of `amount` nano-dollars the store did not
/// answer, given what this replica knows of the cell (`None`: nothing) and the replicas seen.
/// `unavailable` is what a budget that fails closed reports.
pub(super) fn fallback(
    known: Option<&Known>,
    budget: &CompiledBudget,
    amount: u64,
    replicas: u64,
    unavailable: impl FnOnce() -> String,
) -> Result<(), Denied> {
    let state = known.cloned().unwrap_or_default();
    let used = state.local_holds + state.local_spent;
    let room = match budget.budget.on_store_failure {
        FailMode::Closed => return Err(Denied::Unavailable(unavailable())),
        FailMode::Open { cap: None } => return Ok(()),
        FailMode::Open { cap: Some(cap) } => cap.to_cost().map_or(0, Cost::nanos_u64),
        FailMode::Local => match known {
            None => 0,
            Some(_) => {
                let remaining = budget
                    .limit
                    .nanos_u64()
                    .saturating_sub(state.spent)
                    .saturating_sub(state.reserved);
                remaining / replicas.max(1)
            }
        },
    };
    if used + amount > room {
        return Err(Denied::Full {
            spent: Cost::from_nanos(state.spent_total()),
            reserved: Cost::from_nanos(state.reserved_total()),
        });
    }
    Ok(())
}

/// Store errors: counted, the last one kept, and warned of at most once per [`WARN_EVERY`].
pub(super) struct Outage {
    /// The store's URL, redacted.
    url: String,
    errors: AtomicU64,
    suppressed: AtomicU64,
    last_warn: Mutex<Option<Instant>>,
    /// The store's last error, which a reservation that timed out reports.
    pub(super) last_error: Mutex<Option<String>>,
}

impl Outage {
    /// No errors yet, from the store at `url` (redacted).
    pub(super) fn new(url: String) -> Self {
        Outage {
            url,
            errors: AtomicU64::new(0),
            suppressed: AtomicU64::new(0),
            last_warn: Mutex::new(None),
            last_error: Mutex::new(None),
        }
    }

    /// The store's URL, redacted.
    pub(super) fn url(&self) -> &str {
        &self.url
    }

    /// Store errors so far.
    pub(super) fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }

    /// Remembers an error of the store, counts it and warns.
    pub(super) fn store_error(&self, e: &redis::RedisError) {
        let problem = e.to_string();
        self.failed(&problem);
        *lock(&self.last_error) = Some(problem);
    }

    /// Counts a store error and warns, at most once per [`WARN_EVERY`].
    pub(super) fn failed(&self, problem: &str) {
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
