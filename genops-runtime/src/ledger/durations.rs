//! The histogram of call durations, in the GenAI conventions' buckets.

use std::time::Duration;

/// Upper bounds, in seconds, of the call duration histogram: the GenAI conventions' buckets for
/// `gen_ai.client.operation.duration`.
pub(crate) const DURATION_BUCKETS: [f64; 14] = [
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];

/// A histogram of call durations (cumulative counts are derived when rendered).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Durations {
    /// Calls per bucket of [`DURATION_BUCKETS`]; the last slot counts the rest (`+Inf`).
    pub(crate) buckets: [u64; DURATION_BUCKETS.len() + 1],
    pub(crate) sum_nanos: u128,
}

impl Durations {
    pub(super) fn observe(&mut self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let slot = DURATION_BUCKETS
            .iter()
            .position(|&bound| seconds <= bound)
            .unwrap_or(DURATION_BUCKETS.len());
        self.buckets[slot] = self.buckets[slot].saturating_add(1);
        self.sum_nanos = self.sum_nanos.saturating_add(elapsed.as_nanos());
    }

    pub(crate) fn add(&mut self, other: &Durations) {
        for (mine, theirs) in self.buckets.iter_mut().zip(&other.buckets) {
            *mine = mine.saturating_add(*theirs);
        }
        self.sum_nanos = self.sum_nanos.saturating_add(other.sum_nanos);
    }
}
