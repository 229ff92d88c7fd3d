//! What the metrics are read from at scrape time, and how their labels are bounded.

use std::sync::Arc;

use crate::attribution::Dimension;
#[cfg(feature = "otlp")]
use crate::export::ExportStats;
use crate::governance::Governance;
use crate::ledger::Ledger;

/// What the metrics are read from, and how labels are bounded.
#[derive(Clone)]
pub(crate) struct MetricsSource {
    pub(crate) ledger: Ledger,
    /// The trace pipeline's counters, when traces are exported.
    #[cfg(feature = "otlp")]
    pub(crate) export: Option<Arc<ExportStats>>,
    /// At most this many distinct values per label; the rest become `other`.
    pub(crate) label_cap: usize,
    /// Attribution dimensions besides `team` that label cost and tokens (opt-in: `customer`
    /// and `user` are unbounded in most services).
    pub(crate) extra_labels: Vec<Dimension>,
    /// Budgets, for their gauges and alert counts.
    pub(crate) governance: Option<Arc<Governance>>,
}
