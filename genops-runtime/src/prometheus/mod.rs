//! Prometheus metrics with the benchmarking guide's names, served at `/metrics`: rendered from
//! the ledger at scrape time ([`render`]), by a small HTTP server ([`server`]), with the
//! process's own gauges ([`process`]).

mod process;
mod render;
mod server;

pub(crate) use render::MetricsSource;
pub(crate) use server::MetricsServer;

/// The label value that stands for every value past a label's cardinality cap
/// (`Config::metrics_label_cap`): the calls are counted there, never dropped.
///
/// ```
/// assert_eq!(genops::OVERFLOW_LABEL_VALUE, "other");
/// ```
pub const OVERFLOW_LABEL_VALUE: &str = "other";
