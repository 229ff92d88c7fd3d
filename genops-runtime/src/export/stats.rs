//! The export counters the Prometheus endpoint and the guard report.

use std::sync::atomic::AtomicU64;

/// Counts of spans that did not reach the backend; shared with the metrics endpoint.
#[derive(Debug, Default)]
pub(crate) struct ExportStats {
    pub(crate) dropped: AtomicU64,
    pub(crate) exported: AtomicU64,
}

impl ExportStats {
    /// Spans that did not reach the backend.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Spans the backend accepted.
    pub(crate) fn exported(&self) -> u64 {
        self.exported.load(std::sync::atomic::Ordering::Relaxed)
    }
}
