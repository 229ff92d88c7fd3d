//! FOCUS 1.2 cost-and-usage files from the ledger's drained periods: a row per key × token
//! class × pricing and service tier, exact decimal costs, attribution as tags.
//!
//! - [`settings`]: accounts, discounts, the period of a file;
//! - [`period`]: hours and days in UTC, and how times are written;
//! - [`columns`]: the rows and their columns;
//! - [`decimal`]: exact decimals from integers;
//! - [`csv`]: rows as CSV, and read back;
//! - `parquet` (the `focus-parquet` feature): rows as Parquet;
//! - [`writer`]: the directory of files, one per period;
//! - [`export`]: the thread that drains and writes each period.

mod columns;
mod csv;
mod decimal;
mod export;
#[cfg(feature = "focus-parquet")]
mod parquet;
mod period;
mod settings;
mod writer;

pub use csv::read_focus_csv;
pub(crate) use export::FocusExport;
pub use period::FocusPeriod;
pub use settings::FocusSettings;
pub use writer::{focus_csv, FocusWriter};
