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

use super::memory::MemoryStore;
use super::{Booked, Denied, Hold};
use crate::governance::budget::Window;
use crate::governance::Slot;
use crate::money::Cost;

/// How often marked windows are written: the most spend a crash can lose is what was booked in
/// this long.
pub(crate) const FLUSH_EVERY: Duration = Duration::from_millis(100);

/// (budget name, value hash) → (window id, spent picos, reserved picos).
const CELLS: TableDefinition<(&str, u64), (u64, u64, u64)> = TableDefinition::new("cells");
/// "keys" → the keys of value hashes, kept so a reopened file finds its values again.
const META: TableDefinition<&str, (u64, u64)> = TableDefinition::new("meta");

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

fn err(path: &Path, e: impl std::fmt::Display) -> String {
    format!("budget store file {}: {e}", path.display())
}

impl FileStore {
    /// Opens (or creates) the file at `path`, and reads back the current windows of `slots`.
    pub(crate) fn open(path: &Path, slots: &[Slot], now: SystemTime) -> Result<Self, String> {
        if let Some(slot) = slots
            .iter()
            .find(|s| matches!(s.budget.window, Window::Rolling(_)))
        {
            return Err(format!(
                "budget `{}`: rolling windows are kept in memory only; use a daily or monthly \
                 budget with a budget store file",
                slot.budget.name
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
            tx.commit().map_err(|e| err(path, e))?;
            keys
        };
        let memory = MemoryStore::with_keys(slots, keys);
        let index: BTreeMap<&str, usize> = slots
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
                    .filter(|&&i| slots[i].budget.window.fixed_id(now) == Some(window));
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
            names: slots.iter().map(|s| s.budget.name.clone()).collect(),
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

    pub(crate) fn memory(&self) -> &MemoryStore {
        &self.shared.memory
    }

    /// Marks `cell` of budget `i` for the next write.
    pub(crate) fn touch(&self, i: usize, cell: u64) {
        self.shared
            .dirty
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert((i, cell));
    }

    pub(crate) fn reserve(
        &self,
        i: usize,
        slot: &Slot,
        cell: u64,
        amount: Cost,
        now: SystemTime,
    ) -> Result<Hold, Denied> {
        let hold = self.memory().reserve(i, slot, cell, amount, now)?;
        self.touch(i, cell);
        Ok(hold)
    }

    pub(crate) fn release(&self, hold: &Hold) {
        self.memory().release(hold);
        self.touch(hold.slot, hold.cell);
    }

    pub(crate) fn book(
        &self,
        i: usize,
        slot: &Slot,
        cell: u64,
        cost: Cost,
        now: SystemTime,
    ) -> Booked {
        let booked = self.memory().book(i, slot, cell, cost, now);
        self.touch(i, cell);
        booked
    }

    /// Errors writing the file so far.
    pub(crate) fn errors(&self) -> u64 {
        self.shared.errors.load(Ordering::Relaxed)
    }
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
        let picos = |c: Cost| u64::try_from(c.picos()).unwrap_or(u64::MAX);
        let result = (|| -> Result<(), Box<redb::Error>> {
            let tx = self.db.begin_write().map_err(|e| Box::new(e.into()))?;
            {
                let mut cells = tx.open_table(CELLS).map_err(|e| Box::new(e.into()))?;
                for &(i, cell) in &dirty {
                    let (window, spent, reserved) = self.memory.cell_state(i, cell);
                    cells
                        .insert(
                            (self.names[i].as_str(), cell),
                            (window, picos(spent), picos(reserved)),
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
            if warned.is_none_or(|t| t.elapsed() >= Duration::from_secs(10)) {
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
