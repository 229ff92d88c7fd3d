//! Exact running totals of every tracked call, by attribution, provider and model.
//!
//! Each thread books into its own shard (an uncontended mutex, cache-line aligned), so no global
//! lock is taken per call; [`Ledger::snapshot`] adds the shards up. Costs are integer
//! pico-dollars, so the books are exact under any concurrency.

mod books;
mod caps;
mod durations;
mod rows;
mod shards;
mod snapshot;

pub use books::Totals;
pub(crate) use books::{CallClasses, Entry, LedgerKey};
pub use caps::{LedgerCaps, DRAINED, OVERFLOW, PER_TENANT};
#[cfg(feature = "prometheus")]
pub(crate) use durations::Durations;
#[cfg(any(feature = "otlp", feature = "prometheus"))]
pub(crate) use durations::DURATION_BUCKETS;
pub use rows::{ClassRow, LedgerRow};
pub use shards::Ledger;
pub use snapshot::{Snapshot, UNATTRIBUTED};
