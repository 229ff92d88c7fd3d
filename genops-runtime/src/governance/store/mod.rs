//! Where budget state lives: [`BudgetStore`] chooses, and the engine talks to the chosen store
//! through the [`Backend`] trait. The in-memory store is the default; the file store is the
//! memory store written behind to a file; the Redis store keeps its own connection and fallback
//! state.

mod backend;
mod config;
#[cfg(feature = "embedded")]
mod file;
mod lock;
mod memory;
#[cfg(feature = "redis")]
mod redis;
mod sliding_log;

use std::sync::Arc;

pub(crate) use backend::{
    Admitted, Backend, BudgetCell, Denied, LimitCell, LimitDenied, LimitHold, Refused,
};
#[cfg(test)]
pub(crate) use backend::{Booked, Hold};
pub use config::BudgetStore;
use config::Kind;
pub(crate) use lock::lock;

use crate::governance::compiled::Budgets;

/// Opens `store` for `budgets`, or says why it cannot be used.
pub(crate) fn open(
    store: &BudgetStore,
    budgets: &Arc<Budgets>,
) -> Result<Box<dyn Backend>, String> {
    match &store.kind {
        Kind::Memory => Ok(Box::new(memory::MemoryStore::new(&budgets.list))),
        #[cfg(feature = "redis")]
        Kind::Redis(url) => Ok(Box::new(redis::RedisStore::open(url, store, budgets)?)),
        #[cfg(not(feature = "redis"))]
        Kind::Redis(_) => Err(
            "a Redis budget store needs the `redis` cargo feature of genops, which this build \
             lacks"
                .into(),
        ),
        #[cfg(feature = "embedded")]
        Kind::File(path) => Ok(Box::new(file::FileStore::open(
            path,
            &budgets.list,
            budgets.clock.now(),
        )?)),
        #[cfg(not(feature = "embedded"))]
        Kind::File(_) => Err(
            "a budget store file needs the `embedded` cargo feature of genops, which this build \
             lacks"
                .into(),
        ),
    }
}
