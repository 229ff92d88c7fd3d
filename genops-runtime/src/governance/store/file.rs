//! The embedded budget store: the in-memory store, written behind to a redb file every
//! [`FLUSH_EVERY`] so that spend survives a restart or a `kill -9` of this node.
//!
//! A tracked call touches memory only (and marks its budget window for the writer). The writer
//! thread stores the absolute state of every window marked since its last write in one
//! transaction, so a crash loses at most the spend booked in the last [`FLUSH_EVERY`] (plus the
//! write in progress). On opening, a window's holds left by the previous process are charged:
//! their calls may have run.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use redb::{Database, ReadableTable, TableDefinition};
use rustc_hash::FxHashSet;

use super::backend::{
    Backend, Booked, BudgetCell, Denied, Hold, LimitCell, LimitDenied, LimitHold,
};
use super::memory::MemoryStore;
use crate::governance::budget::{Scope, Window};
use crate::governance::compiled::CompiledBudget;
use crate::governance::compiled_limit::CompiledLimit;
use crate::governance::kill::{from_unix_ms, unix_ms, Kill};
use crate::money::Cost;

/// At most one warning that the file cannot be written per this period.
const WARN_EVERY: Duration = Duration::from_secs(10);

/// How often marked windows are written: the most spend a crash can lose is what was booked in
/// this long.
pub(crate) const FLUSH_EVERY: Duration = Duration::from_millis(100);

/// (budget name, value hash) → (window id, spent picos, reserved picos).
const CELLS: TableDefinition<(&str, u64), (u64, u64, u64)> = TableDefinition::new("cells");
/// Killed scope (as `team=search`) → (since, ms after the Unix epoch; reason).
const KILLS: TableDefinition<&str, (u64, &str)> = TableDefinition::new("kills");
/// "keys" → the keys of value hashes, kept so a reopened file finds its values again.
const META: TableDefinition<&str, (u64, u64)> = TableDefinition::new("meta");

/// What the store and its writer thread share.
struct Shared {
    memory: MemoryStore,
    db: Database,
    names: Vec<String>,
    dirty: Mutex<FxHashSet<(usize, u64)>>,
    stop: AtomicBool,
    wake: Condvar,
    errors: AtomicU64,
    warned: Mutex<Option<std::time::Instant>>,
}

/// Budget state in memory, written behind to a file.
pub(crate) struct FileStore {
    shared: Arc<Shared>,
    writer: Option<std::thread::JoinHandle<()>>,
}

/// `e`, naming the file.
fn err(path: &Path, e: impl std::fmt::Display) -> String {
    format!("budget store file {}: {e}", path.display())
}

impl FileStore {
    /// Opens (or creates) the file at `path`, and reads back the current windows of `budgets`.
    pub(crate) fn open(
        path: &Path,
        budgets: &[CompiledBudget],
        now: SystemTime,
    ) -> Result<Self, String> {
        if let Some(budget) = budgets
            .iter()
            .find(|b| matches!(b.budget.window, Window::Rolling(_)))
        {
            return Err(format!(
                "budget `{}`: rolling windows are kept in memory only; use a daily or monthly \
                 budget with a budget store file",
                budget.budget.name
            ));
        }
        let db = Database::create(path).map_err(|e| err(path, e))?;
        let keys = {
            let tx = db.begin_write().map_err(|e| err(path, e))?;
            let keys = {
                let mut meta = tx.open_table(META).map_err(|e| err(path, e))?;
                let stored = meta
                    .get("keys")
                    .map_err(|e| err(path, e))?
                    .map(|k| k.value());
                match stored {
                    Some(keys) => keys,
                    None => {
                        let random = std::hash::RandomState::new();
                        use std::hash::BuildHasher;
                        let keys = (random.hash_one(0u8), random.hash_one(1u8));
                        meta.insert("keys", keys).map_err(|e| err(path, e))?;
                        keys
                    }
                }
            };
            tx.open_table(CELLS).map_err(|e| err(path, e))?;
            tx.open_table(KILLS).map_err(|e| err(path, e))?;
            tx.commit().map_err(|e| err(path, e))?;
            keys
        };
        let memory = MemoryStore::with_keys(budgets, keys);
        let index: BTreeMap<&str, usize> = budgets
            .iter()
            .enumerate()
            .map(|(i, s)| (s.budget.name.as_str(), i))
            .collect();
        let mut dirty = FxHashSet::default();
        let mut stale = Vec::new();
        {
            let tx = db.begin_read().map_err(|e| err(path, e))?;
            let cells = tx.open_table(CELLS).map_err(|e| err(path, e))?;
            for row in cells.iter().map_err(|e| err(path, e))? {
                let (key, value) = row.map_err(|e| err(path, e))?;
                let (name, cell) = key.value();
                let (window, spent, reserved) = value.value();
                let current = index
                    .get(name)
                    .filter(|&&i| budgets[i].budget.window.fixed_id(now) == Some(window));
                let Some(&i) = current else {
                    // A past window, or a budget no longer configured: its row goes.
                    stale.push((name.to_owned(), cell));
                    continue;
                };
                {
                    // The previous process's holds: charged, as their calls may have run.
                    let charged = u128::from(spent) + u128::from(reserved);
                    memory.restore(i, cell, window, Cost::from_picos(charged));
                    if reserved > 0 {
                        dirty.insert((i, cell));
                    }
                }
            }
        }
        if !stale.is_empty() {
            let tx = db.begin_write().map_err(|e| err(path, e))?;
            {
                let mut cells = tx.open_table(CELLS).map_err(|e| err(path, e))?;
                for (name, cell) in &stale {
                    cells
                        .remove((name.as_str(), *cell))
                        .map_err(|e| err(path, e))?;
                }
            }
            tx.commit().map_err(|e| err(path, e))?;
        }
        let shared = Arc::new(Shared {
            memory,
            db,
            names: budgets.iter().map(|b| b.budget.name.clone()).collect(),
            dirty: Mutex::new(dirty),
            stop: AtomicBool::new(false),
            wake: Condvar::new(),
            errors: AtomicU64::new(0),
            warned: Mutex::new(None),
        });
        let writer = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name("genops-budget-file".into())
                .spawn(move || shared.write_behind())
                .map_err(|e| err(path, e))?
        };
        Ok(FileStore {
            shared,
            writer: Some(writer),
        })
    }

    /// The memory store this store writes behind.
    fn memory(&self) -> &MemoryStore {
        &self.shared.memory
    }

    /// Marks `cell` of budget `index` for the next write.
    fn touch(&self, index: usize, cell: u64) {
        self.shared
            .dirty
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert((index, cell));
    }
}

/// Every operation is the memory store's, then marks the cell it changed for the writer.
impl Backend for FileStore {
    fn cell(&self, value: Option<&str>) -> u64 {
        self.memory().cell(value)
    }

    fn reserve(&self, at: BudgetCell<'_>, amount: Cost) -> Result<Hold, Denied> {
        let hold = self.memory().reserve(at, amount)?;
        self.touch(at.index, at.cell);
        Ok(hold)
    }

    fn release(&self, hold: &Hold) {
        self.memory().release(hold);
        self.touch(hold.budget, hold.cell);
    }

    fn settle(&self, at: BudgetCell<'_>, hold: Option<&Hold>, cost: Cost) -> Booked {
        let booked = self.memory().settle(at, hold, cost);
        self.touch(at.index, at.cell);
        booked
    }

    fn status(&self, index: usize, budget: &CompiledBudget, now: SystemTime) -> (Cost, Cost) {
        self.memory().status(index, budget, now)
    }

    fn standing(&self, cells: &[BudgetCell<'_>]) -> Vec<(Cost, Cost)> {
        self.memory().standing(cells)
    }

    /// Errors writing the file so far.
    fn errors(&self) -> u64 {
        self.shared.errors.load(Ordering::Relaxed)
    }

    /// Rate limits are counted in memory only: their windows are short, and a restart loses
    /// at most one window's count.
    fn take_all(
        &self,
        takes: &[(LimitCell<'_>, u64)],
    ) -> Result<Vec<LimitHold>, (usize, LimitDenied)> {
        self.memory().take_all(takes)
    }

    fn count(&self, at: LimitCell<'_>, hold: Option<&LimitHold>, amount: u64) -> u64 {
        self.memory().count(at, hold, amount)
    }

    fn give_back(&self, hold: &LimitHold) {
        self.memory().give_back(hold);
    }

    fn used(&self, index: usize, limit: &CompiledLimit, now: SystemTime) -> u64 {
        self.memory().used(index, limit, now)
    }

    /// The kills kept in the file: they outlive this process.
    fn kills(&self) -> Result<Option<Vec<Kill>>, String> {
        read_kills(&self.shared.db).map(Some)
    }

    fn kill(&self, kill: &Kill) -> Result<(), String> {
        write_kill(&self.shared.db, &kill.scope.text(), Some(kill))
    }

    fn revive(&self, scope: &str) -> Result<(), String> {
        write_kill(&self.shared.db, scope, None)
    }
}

/// The kills kept in `db`.
pub(crate) fn read_kills(db: &Database) -> Result<Vec<Kill>, String> {
    let fail = |e: &dyn std::fmt::Display| format!("budget store file: reading its kills: {e}");
    let tx = db.begin_read().map_err(|e| fail(&e))?;
    let table = match tx.open_table(KILLS) {
        Ok(table) => table,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
        Err(e) => return Err(fail(&e)),
    };
    let mut kills = Vec::new();
    for row in table.iter().map_err(|e| fail(&e))? {
        let (scope, value) = row.map_err(|e| fail(&e))?;
        let (since, reason) = value.value();
        kills.push(Kill {
            scope: Scope::parse(scope.value())?,
            reason: reason.to_owned(),
            since: from_unix_ms(since),
        });
    }
    Ok(kills)
}

/// Keeps `kill` as the kill of `scope` in `db`, or removes that kill (`None`).
pub(crate) fn write_kill(db: &Database, scope: &str, kill: Option<&Kill>) -> Result<(), String> {
    let fail = |e: &dyn std::fmt::Display| format!("budget store file: writing its kills: {e}");
    let tx = db.begin_write().map_err(|e| fail(&e))?;
    {
        let mut table = tx.open_table(KILLS).map_err(|e| fail(&e))?;
        match kill {
            Some(kill) => table
                .insert(scope, (unix_ms(kill.since), kill.reason.as_str()))
                .map(drop),
            None => table.remove(scope).map(drop),
        }
        .map_err(|e| fail(&e))?;
    }
    tx.commit().map_err(|e| fail(&e))
}

impl Shared {
    /// Writes marked windows every [`FLUSH_EVERY`] until stopped, then once more.
    fn write_behind(&self) {
        loop {
            let stopping = {
                let dirty = self.dirty.lock().unwrap_or_else(PoisonError::into_inner);
                let (dirty, _) = self
                    .wake
                    .wait_timeout(dirty, FLUSH_EVERY)
                    .unwrap_or_else(PoisonError::into_inner);
                drop(dirty);
                self.stop.load(Ordering::SeqCst)
            };
            self.write();
            if stopping {
                return;
            }
        }
    }

    /// Writes the windows marked since the last write, in one transaction.
    fn write(&self) {
        let dirty = std::mem::take(&mut *self.dirty.lock().unwrap_or_else(PoisonError::into_inner));
        if dirty.is_empty() {
            return;
        }
        let result = (|| -> Result<(), Box<redb::Error>> {
            let tx = self.db.begin_write().map_err(|e| Box::new(e.into()))?;
            {
                let mut cells = tx.open_table(CELLS).map_err(|e| Box::new(e.into()))?;
                for &(i, cell) in &dirty {
                    let (window, spent, reserved) = self.memory.cell_state(i, cell);
                    cells
                        .insert(
                            (self.names[i].as_str(), cell),
                            (window, spent.picos_u64(), reserved.picos_u64()),
                        )
                        .map_err(|e| Box::new(e.into()))?;
                }
            }
            tx.commit().map_err(|e| Box::new(e.into()))?;
            Ok(())
        })();
        if let Err(e) = result {
            self.errors.fetch_add(1, Ordering::Relaxed);
            // Marked again, for the next write.
            self.dirty
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend(dirty);
            let mut warned = self.warned.lock().unwrap_or_else(PoisonError::into_inner);
            if warned.is_none_or(|t| t.elapsed() >= WARN_EVERY) {
                *warned = Some(std::time::Instant::now());
                tracing::warn!(
                    target: "genops",
                    error = %e,
                    "could not write the budget store file: budgets keep working in memory, \
                     and the file is written again at the next attempt"
                );
            }
        }
    }
}

impl Drop for FileStore {
    /// Writes what is marked, then stops the writer.
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.wake.notify_all();
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}
