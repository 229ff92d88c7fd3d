//! How a sync tracked function runs inside its span.

use tracing::Span;

use super::finish::{drop_finished, finish};
use crate::outcome::Outcome;

/// Enters a tracked span and, when dropped, exits and finishes it (a panic in progress is
/// recorded as one), then drops the span. One check of the span on entry and one on drop, as
/// `Span::enter` has, so a disabled span costs what `#[tracing::instrument]`'s does.
pub struct TrackedScope(Span);

impl TrackedScope {
    /// Enters `span`, which the scope keeps until it is dropped.
    #[inline]
    pub fn enter(span: Span) -> Self {
        span.with_subscriber(|(id, dispatch)| dispatch.enter(id));
        TrackedScope(span)
    }
}

impl Drop for TrackedScope {
    #[inline]
    fn drop(&mut self) {
        if self
            .0
            .with_subscriber(|(id, dispatch)| dispatch.exit(id))
            .is_none()
        {
            return;
        }
        let outcome = if std::thread::panicking() {
            Outcome::Panic
        } else {
            Outcome::Ok
        };
        finish(&self.0, outcome);
        drop_finished(std::mem::replace(&mut self.0, Span::none()));
    }
}

/// Calls `f` once; the `FnOnce() -> R` bound gives the closure its kind and its return type.
pub fn call_once<R, F: FnOnce() -> R>(f: F) -> R {
    f()
}
