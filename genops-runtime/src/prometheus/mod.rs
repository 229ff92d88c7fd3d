//! Prometheus metrics with the benchmarking guide's names, served at `/metrics`: read from
//! the ledger at scrape time ([`source`], [`scrape`]), written as the text exposition
//! ([`render`]) with capped labels ([`labels`]), by a small HTTP server ([`server`]), with the
//! process's own gauges ([`process`]).

mod labels;
mod process;
mod render;
mod scrape;
mod server;
mod source;

pub(crate) use labels::DEFAULT_LABEL_CAP;
pub use labels::OVERFLOW_LABEL_VALUE;
pub(crate) use server::MetricsServer;
pub(crate) use source::MetricsSource;
