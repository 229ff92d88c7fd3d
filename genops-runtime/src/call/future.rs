//! The future of a tracked async call.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;
use tracing::Span;

use super::finish::finish;
use crate::outcome::Outcome;
use crate::outcome::TrackedResult;

const NOT_STARTED: u8 = 0;
const RUNNING: u8 = 1;
const DONE: u8 = 2;

pin_project! {
    /// A future that runs inside a tracked span and finishes it: on completion, on a panic in
    /// `poll` (reported as a panic even if the future is dropped later), or as cancelled when it
    /// is dropped after it started and before it completed.
    #[derive(Debug)]
    #[must_use = "futures do nothing unless polled"]
    pub struct Tracked<F: Future> {
        #[pin]
        inner: F,
        span: Span,
        phase: u8,
        // `None`: the call goes on in what the future returns (a stream).
        outcome: fn(&F::Output) -> Option<Outcome>,
    }

    impl<F: Future> PinnedDrop for Tracked<F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if *this.phase == RUNNING {
                let outcome = if std::thread::panicking() { Outcome::Panic } else { Outcome::Cancelled };
                finish(this.span, outcome);
            }
        }
    }
}

impl<F: Future> Tracked<F> {
    /// Tracks `inner` in `span`; any output is a success.
    pub fn new(span: Span, inner: F) -> Self {
        Tracked {
            inner,
            span,
            phase: NOT_STARTED,
            outcome: |_| Some(Outcome::Ok),
        }
    }

    /// Tracks `inner` in `span` until it completes, and then leaves the span open: the call goes
    /// on in the stream it returns. Cancellation and panics still end the call.
    pub fn handing_over(span: Span, inner: F) -> Self {
        Tracked {
            inner,
            span,
            phase: NOT_STARTED,
            outcome: |_| None,
        }
    }

    /// Tracks `inner` in `span`; an `Err` output records `error.type` (the `err` flag).
    pub fn fallible(span: Span, inner: F) -> Self
    where
        F::Output: TrackedResult,
    {
        Tracked {
            inner,
            span,
            phase: NOT_STARTED,
            outcome: |output| Some(TrackedResult::outcome(output)),
        }
    }
}

/// Finishes the span as a panic if `poll` unwinds.
struct PanicGuard<'a> {
    span: &'a Span,
    phase: &'a mut u8,
}

impl Drop for PanicGuard<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() && *self.phase == RUNNING {
            *self.phase = DONE;
            finish(self.span, Outcome::Panic);
        }
    }
}

impl<F: Future> Future for Tracked<F> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        // The disabled path: no subscriber is interested, so there is nothing to enter or
        // finish, and the phase stays `NOT_STARTED` so that dropping finishes nothing either.
        if this.span.is_none() {
            return this.inner.poll(cx);
        }
        if *this.phase == NOT_STARTED {
            *this.phase = RUNNING;
        }
        let guard = PanicGuard {
            span: this.span,
            phase: this.phase,
        };
        let polled = {
            let _entered = guard.span.enter();
            this.inner.poll(cx)
        };
        let output = match polled {
            Poll::Ready(output) => output,
            Poll::Pending => return Poll::Pending,
        };
        if *guard.phase == RUNNING {
            *guard.phase = DONE;
            if let Some(outcome) = (this.outcome)(&output) {
                finish(guard.span, outcome);
            }
        }
        Poll::Ready(output)
    }
}
