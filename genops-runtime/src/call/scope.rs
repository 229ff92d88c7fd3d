//! How a sync tracked function runs inside its span.

use tracing::Span;

use super::finish::{drop_finished, finish};
use super::held_usage;
use crate::outcome::Outcome;

/// Enters a tracked span and, when dropped, exits and finishes it (a panic in progress is
/// recorded as one), then drops the span, leaving a disabled one in its place. One check of the
/// span on entry and one on drop, as `Span::enter` has, so a disabled span costs what
/// `#[tracing::instrument]`'s does.
pub struct TrackedScope<'a>(&'a mut Span);

impl<'a> TrackedScope<'a> {
    /// Enters `span`.
    #[inline]
    pub fn enter(span: &'a mut Span) -> Self {
        span.with_subscriber(|(id, dispatch)| {
            dispatch.enter(id);
            held_usage::claim(id, dispatch);
        });
        TrackedScope(span)
    }
}

impl Drop for TrackedScope<'_> {
    #[inline]
    fn drop(&mut self) {
        if self
            .0
            .with_subscriber(|(id, dispatch)| dispatch.exit(id))
            .is_some()
        {
            self.finish();
        }
    }
}

impl TrackedScope<'_> {
    /// Finishes the call (a panic in progress is recorded as one) and drops its span. Not
    /// inlined: a disabled span's drop stays as small as `Span::enter`'s guard.
    #[inline(never)]
    fn finish(&mut self) {
        let outcome = if std::thread::panicking() {
            Outcome::Panic
        } else {
            Outcome::Ok
        };
        finish(self.0, outcome);
        drop_finished(std::mem::replace(self.0, Span::none()));
    }
}

/// Calls `f` once; the `FnOnce() -> R` bound gives the closure its kind and its return type.
pub fn call_once<R, F: FnOnce() -> R>(f: F) -> R {
    f()
}
