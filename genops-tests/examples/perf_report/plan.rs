//! How long and how often each section measures, in full and `--quick` mode.

use std::time::Duration;

/// Simulated provider latencies are the guide's ranges divided by this (milliseconds become
/// microseconds), so the report runs in seconds; overhead is reported against both.
pub(crate) const LATENCY_SCALE: f64 = 1000.0;

#[derive(Clone, Copy, Debug)]
pub(crate) struct Plan {
    pub(crate) quick: bool,
    pub(crate) rounds: usize,
    pub(crate) slices: usize,
    pub(crate) slice: Duration,
    pub(crate) samples: usize,
    pub(crate) provider_calls: usize,
    pub(crate) alloc_calls: u64,
    pub(crate) million: u64,
    pub(crate) throughput_window: Duration,
    pub(crate) provider_ops: usize,
    pub(crate) provider_rounds: usize,
    pub(crate) phase: Duration,
    pub(crate) base_rate: f64,
}

impl Plan {
    pub(crate) fn new(quick: bool) -> Plan {
        if quick {
            Plan {
                quick,
                rounds: 15,
                slices: 8,
                slice: Duration::from_micros(400),
                samples: 10_000,
                provider_calls: 60,
                alloc_calls: 10_000,
                million: 1_000_000,
                throughput_window: Duration::from_millis(250),
                provider_ops: 60,
                provider_rounds: 6,
                phase: Duration::from_millis(1500),
                base_rate: 1000.0,
            }
        } else {
            Plan {
                quick,
                rounds: 40,
                slices: 8,
                slice: Duration::from_millis(1),
                samples: 100_000,
                provider_calls: 400,
                alloc_calls: 50_000,
                million: 1_000_000,
                throughput_window: Duration::from_secs(1),
                provider_ops: 200,
                provider_rounds: 8,
                phase: Duration::from_secs(5),
                base_rate: 1000.0,
            }
        }
    }
}

/// A progress line on stderr, so stdout stays the report.
pub(crate) fn progress(what: &str) {
    eprintln!("[perf_report] {what}");
}
