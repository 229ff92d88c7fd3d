//! The handle of a tracked span: what `genops::span!` returns and what `#[genops::track]` keeps
//! while a sync function runs.

use std::future::Future;

use tracing::span::Entered;
use tracing::Span;

use super::finish::finish;
use futures_core::Stream;

use super::future::Tracked;
use super::stream::{ItemOutcome, TrackedStream};
use crate::outcome::Outcome;

/// A tracked span that finishes itself: when it is dropped, its usage and cost fields are
/// recorded, its cost rolls up to its tracked parent and the call is booked. A drop during a
/// panic records the panic.
///
/// ```
/// let call = genops::span!(team = "search", provider = "openai", model = "gpt-4o-mini");
/// {
///     let _entered = call.enter();
///     genops::record_usage(genops::Usage::new(120, 30));
/// }
/// drop(call); // finishes the span
/// ```
#[derive(Debug)]
#[must_use = "a tracked span finishes as soon as its handle is dropped"]
pub struct TrackedSpan {
    span: Span,
    finished: bool,
}

impl TrackedSpan {
    /// Wraps a span declared by `__tracked_span!`; used by the generated code.
    #[doc(hidden)]
    #[inline]
    pub fn __new(span: Span) -> Self {
        TrackedSpan {
            span,
            finished: false,
        }
    }

    /// Enters the span: recorded usage goes to it until the guard is dropped.
    #[inline]
    pub fn enter(&self) -> Entered<'_> {
        self.span.enter()
    }

    /// The underlying `tracing` span.
    pub fn span(&self) -> &Span {
        &self.span
    }

    /// Runs `future` inside the span; the span finishes when the future completes (or is
    /// cancelled after it started).
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let call = genops::span!(team = "search", provider = "anthropic", model = "claude-haiku-4-5");
    /// let answer = call.instrument(async {
    ///     genops::record_usage(genops::Usage::new(80, 20));
    ///     "42"
    /// }).await;
    /// assert_eq!(answer, "42");
    /// # });
    /// ```
    pub fn instrument<F: Future>(mut self, future: F) -> Tracked<F> {
        self.finished = true;
        Tracked::new(self.span.clone(), future)
    }

    /// Makes the span last as long as `stream`: the call ends when the stream ends (or is
    /// dropped, or a poll panics), each item is produced inside the span, and its time to first
    /// chunk and item count are recorded. For a stream of `Result`s use
    /// [`try_stream`](Self::try_stream), which also marks the call as an error on an `Err`.
    ///
    /// ```
    /// use futures::StreamExt;
    /// # futures::executor::block_on(async {
    /// let call = genops::span!(team = "chat", provider = "openai", model = "gpt-4o-mini");
    /// let chunks = futures::stream::iter(["Hel", "lo"]);
    /// let text: String = call.stream(chunks).collect().await;
    /// assert_eq!(text, "Hello");
    /// # });
    /// ```
    pub fn stream<S: Stream>(mut self, stream: S) -> TrackedStream<S> {
        self.finished = true;
        TrackedStream::new(self.span.clone(), stream)
    }

    /// Like [`stream`](Self::stream), for a stream of `Result`s: an `Err` item marks the call
    /// as an error (`error.type`) without ending it; the stream's end ends it.
    ///
    /// ```
    /// use futures::StreamExt;
    /// # futures::executor::block_on(async {
    /// let call = genops::span!(team = "chat", provider = "openai", model = "gpt-4o-mini");
    /// let chunks = futures::stream::iter([Ok::<_, std::io::Error>("Hi"), Ok("!")]);
    /// let text: Vec<_> = call.try_stream(chunks).map(Result::unwrap).collect().await;
    /// assert_eq!(text, ["Hi", "!"]);
    /// # });
    /// ```
    pub fn try_stream<S>(mut self, stream: S) -> TrackedStream<S>
    where
        S: Stream,
        S::Item: ItemOutcome,
    {
        self.finished = true;
        TrackedStream::fallible(self.span.clone(), stream)
    }

    /// Finishes the span now as a failed call with this `error.type`.
    pub fn fail(mut self, error_type: &str) {
        self.finish(Outcome::Error(error_type.to_owned().into()));
    }

    /// Leaves the span open for the stream the call returned, and gives it; used by the
    /// generated code of `stream` functions.
    #[doc(hidden)]
    pub fn __hand_over(mut self) -> Span {
        self.finished = true;
        self.span.clone()
    }

    /// Finishes the span now with `outcome`; used by the generated code.
    #[doc(hidden)]
    pub fn __finish(mut self, outcome: Outcome) {
        self.finish(outcome);
    }

    fn finish(&mut self, outcome: Outcome) {
        if !std::mem::replace(&mut self.finished, true) {
            finish(&self.span, outcome);
        }
    }
}

impl Drop for TrackedSpan {
    #[inline]
    fn drop(&mut self) {
        // The disabled path: no subscriber is interested, so there is nothing to finish.
        if self.span.is_none() {
            return;
        }
        let outcome = if std::thread::panicking() {
            Outcome::Panic
        } else {
            Outcome::Ok
        };
        self.finish(outcome);
    }
}
