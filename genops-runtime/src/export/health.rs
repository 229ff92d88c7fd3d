//! Export failures made visible: a failing exporter logs a WARN with the cause, at most once per
//! exporter per interval, and an INFO when it succeeds again. Every failed span is still counted
//! by the queue; this is what a person reading the logs sees.

use std::fmt::Display;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The shortest time between two failure warnings of one exporter.
pub(crate) const WARN_INTERVAL: Duration = Duration::from_secs(60);

/// One exporter's health, as its logs report it.
#[derive(Debug)]
pub(crate) struct ExportHealth {
    /// `traces` or `metrics`.
    exporter: &'static str,
    interval: Duration,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    failing: bool,
    last_warning: Option<Instant>,
    /// Failures since the last warning that did not warn.
    unreported: u64,
}

impl ExportHealth {
    /// The health of `exporter`, warning at most once per [`WARN_INTERVAL`].
    pub(crate) fn new(exporter: &'static str) -> Self {
        Self::with_interval(exporter, WARN_INTERVAL)
    }

    pub(crate) fn with_interval(exporter: &'static str, interval: Duration) -> Self {
        ExportHealth {
            exporter,
            interval,
            state: Mutex::new(State::default()),
        }
    }

    /// An export failed with `cause`: warn, unless this exporter warned within the interval.
    pub(crate) fn failed(&self, cause: &dyn Display) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.failing = true;
        let due = state
            .last_warning
            .is_none_or(|last| last.elapsed() >= self.interval);
        if !due {
            state.unreported += 1;
            return;
        }
        let unreported = std::mem::take(&mut state.unreported);
        state.last_warning = Some(Instant::now());
        drop(state);
        tracing::warn!(
            target: "genops",
            exporter = self.exporter,
            cause = %crate::redact::urls_in(&cause.to_string()),
            failures_since_last_warning = unreported,
            "OTLP export failed: this batch is dropped. Further failures of this exporter are \
             counted, and logged again in a minute at the earliest"
        );
    }

    /// An export succeeded: say so once if the exporter was failing.
    pub(crate) fn succeeded(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if std::mem::take(&mut state.failing) {
            state.last_warning = None;
            state.unreported = 0;
            drop(state);
            tracing::info!(
                target: "genops",
                exporter = self.exporter,
                "OTLP export recovered"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

    /// Every event's level and fields, as text.
    #[derive(Clone, Default)]
    struct Events(Arc<Mutex<Vec<String>>>);

    impl<S: tracing::Subscriber> Layer<S> for Events {
        fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
            struct Text(String);
            impl tracing::field::Visit for Text {
                fn record_debug(&mut self, f: &tracing::field::Field, v: &dyn std::fmt::Debug) {
                    self.0.push_str(&format!(" {}={v:?}", f.name()));
                }
            }
            let mut text = Text(event.metadata().level().to_string());
            event.record(&mut text);
            self.0.lock().unwrap().push(text.0);
        }
    }

    #[test]
    fn warns_once_per_interval_and_says_when_it_recovers() {
        let events = Events::default();
        let subscriber = tracing_subscriber::registry().with(events.clone());
        tracing::subscriber::with_default(subscriber, || {
            let health = ExportHealth::with_interval("traces", Duration::from_millis(200));
            health.succeeded(); // healthy from the start: nothing to say
            for _ in 0..5 {
                health.failed(&"connection refused");
            }
            std::thread::sleep(Duration::from_millis(250));
            health.failed(&"connection refused");
            health.succeeded();
            health.succeeded();
            health.failed(&"timed out");
        });
        let events = events.0.lock().unwrap();
        assert_eq!(events.len(), 4, "{events:#?}");
        assert!(events[0].starts_with("WARN"), "{}", events[0]);
        assert!(events[0].contains("exporter=\"traces\""), "{}", events[0]);
        assert!(
            events[0].contains("cause=connection refused"),
            "{}",
            events[0]
        );
        assert!(events[0].contains("failures_since_last_warning=0"));
        // Four failures were held back within the interval; the next warning counts them.
        assert!(
            events[1].contains("failures_since_last_warning=4"),
            "{}",
            events[1]
        );
        assert!(events[2].starts_with("INFO") && events[2].contains("recovered"));
        // After a recovery a new failure warns at once.
        assert!(events[3].starts_with("WARN") && events[3].contains("cause=timed out"));
    }
}
