//! Locking the stores' mutexes.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Locks `m`, whether or not a holder panicked: a panic does not stop budgets being kept.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
