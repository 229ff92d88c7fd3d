//! A tracked call whose response is a stream: the span lives as long as the stream.
//!
//! [`TrackedStream`] wraps the stream a tracked function returns (or that
//! [`TrackedSpan::stream`](crate::TrackedSpan::stream) wraps). Each item is produced inside the
//! call's span, so `record_usage` from a stream's last chunk, and the spans and events the
//! producer creates, belong to the call; the consumer handles the item outside it. The call ends
//! when the stream ends (`completed`, or `error` if an item was an `Err`), or when it is dropped
//! before its end (`cancelled`, booking what was recorded so far), or when a poll panics. Its
//! time to first chunk and its item count are kept here, in the wrapper, so an item costs no
//! span lookup and no allocation.

use std::borrow::Cow;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use futures_core::Stream;
use pin_project_lite::pin_project;
use tracing::Span;

use super::finish::finish_stream;
use super::finished::{StreamEnd, StreamReport};
use super::record::record_item;
use crate::outcome::{short_type_name, Outcome};

/// The `error.type` of an item that is an error.
type Classify<T> = fn(&T) -> Option<Cow<'static, str>>;

const RUNNING: u8 = 0;
const DONE: u8 = 1;
/// Inside the inner stream's poll: a drop that finds this state follows a panic in that poll,
/// even if the stream outlived the unwinding.
const POLLING: u8 = 2;

pin_project! {
    /// A stream that runs inside a tracked call's span and ends the call when it ends, fails,
    /// panics or is dropped. `Send` and `Sync` when the inner stream is.
    ///
    /// ```
    /// use futures::StreamExt;
    /// # futures::executor::block_on(async {
    /// let call = genops::span!(team = "chat", provider = "openai", model = "gpt-4o-mini");
    /// let chunks = futures::stream::iter(["Hel", "lo"]);
    /// let mut tracked = call.stream(chunks);
    /// while let Some(chunk) = tracked.next().await {
    ///     print!("{chunk}");
    /// }
    /// # });
    /// ```
    #[must_use = "streams do nothing unless polled"]
    pub struct TrackedStream<S: Stream> {
        #[pin]
        inner: S,
        span: Span,
        phase: u8,
        first_item: Option<Instant>,
        items: u64,
        error: Option<Cow<'static, str>>,
        // `None` for streams whose items are never errors: no call per item.
        classify: Option<Classify<S::Item>>,
        // `Some` for streams whose items are recorded (`record_items`).
        record: Option<fn(&S::Item)>,
    }

    impl<S: Stream> PinnedDrop for TrackedStream<S> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if *this.phase != DONE && !this.span.is_none() {
                let (outcome, end) = if *this.phase == POLLING || std::thread::panicking() {
                    (Outcome::Panic, StreamEnd::Error)
                } else if let Some(error) = this.error.take() {
                    // Dropped after an `Err` item, as `let chunk = chunk?;` does: an error.
                    (Outcome::Error(error), StreamEnd::Error)
                } else {
                    (Outcome::Cancelled, StreamEnd::Cancelled)
                };
                *this.phase = DONE;
                let report = StreamReport {
                    first_item: *this.first_item,
                    items: *this.items,
                    end,
                };
                finish_stream(this.span, outcome, report);
            }
        }
    }
}

impl<S: Stream> std::fmt::Debug for TrackedStream<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrackedStream")
            .field("span", &self.span)
            .field("items", &self.items)
            .finish_non_exhaustive()
    }
}

mod sealed {
    /// Only `Result` takes [`super::ItemOutcome`].
    pub trait Sealed {}
    impl<T, E> Sealed for Result<T, E> {}
}

/// Whether an item is an error, and its `error.type`: the `Err` items of a stream of `Result`s.
/// Sealed: implemented for every `Result`.
pub trait ItemOutcome: sealed::Sealed {
    /// `Some(error type)` for an `Err`.
    fn item_error(&self) -> Option<Cow<'static, str>>;
}

impl<T, E> ItemOutcome for Result<T, E> {
    fn item_error(&self) -> Option<Cow<'static, str>> {
        self.as_ref()
            .err()
            .map(|_| short_type_name(std::any::type_name::<E>()))
    }
}

impl<S: Stream> TrackedStream<S> {
    /// Tracks `inner` in `span`; no item is an error.
    pub fn new(span: Span, inner: S) -> Self {
        Self::with_classifier(span, inner, None)
    }

    /// Tracks `inner` in `span`; an `Err` item marks the call as an error without ending it.
    pub fn fallible(span: Span, inner: S) -> Self
    where
        S::Item: ItemOutcome,
    {
        Self::with_classifier(span, inner, Some(ItemOutcome::item_error))
    }

    fn with_classifier(span: Span, inner: S, classify: Option<Classify<S::Item>>) -> Self {
        TrackedStream {
            inner,
            span,
            phase: RUNNING,
            first_item: None,
            items: 0,
            error: None,
            classify,
            record: None,
        }
    }

    /// Records each item on the call as it is yielded, inside the call's span: its usage, the
    /// model that answered, the response id and the finish reasons (see
    /// [`record`](crate::record)). A tracked `stream` function does this by itself for items
    /// that are [`Recordable`](crate::Recordable) (or `Result`s of them).
    ///
    /// ```
    /// use futures::StreamExt;
    /// # futures::executor::block_on(async {
    /// let call = genops::span!(team = "chat", provider = "openai", model = "gpt-4o-mini");
    /// let events = futures::stream::iter([
    ///     serde_json::json!({"object": "chat.completion.chunk", "model": "gpt-4o-mini",
    ///         "choices": [{"index": 0, "delta": {"content": "Hi"}, "finish_reason": "stop"}]}),
    ///     serde_json::json!({"object": "chat.completion.chunk", "model": "gpt-4o-mini",
    ///         "choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 1}}),
    /// ]);
    /// let chunks: Vec<_> = call.stream(events).record_items().collect().await;
    /// assert_eq!(chunks.len(), 2);
    /// # });
    /// ```
    pub fn record_items(mut self) -> Self
    where
        S::Item: crate::recordable::Recordable,
    {
        self.record = Some(record_item::<S::Item>);
        self
    }

    /// Records each item with `record`, if any (the generated code's choice).
    pub(crate) fn recording(mut self, record: Option<fn(&S::Item)>) -> Self {
        self.record = record;
        self
    }
}

impl<S: Stream> Stream for TrackedStream<S> {
    type Item = S::Item;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let this = self.project();
        // The disabled path: nothing to enter or finish.
        if this.span.is_none() {
            return this.inner.poll_next(cx);
        }
        // A stream polled after its end changes nothing.
        if *this.phase == DONE {
            return Poll::Ready(None);
        }
        // The previous poll panicked and the panic was caught: the call ended there.
        if *this.phase == POLLING {
            *this.phase = DONE;
            let report = StreamReport {
                first_item: *this.first_item,
                items: *this.items,
                end: StreamEnd::Error,
            };
            finish_stream(this.span, Outcome::Panic, report);
            return Poll::Ready(None);
        }
        *this.phase = POLLING;
        let polled = {
            let _entered = this.span.enter();
            let polled = this.inner.poll_next(cx);
            if let (Some(record), Poll::Ready(Some(item))) = (*this.record, &polled) {
                record(item);
            }
            polled
        };
        *this.phase = RUNNING;
        match polled {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(item)) => {
                if this.first_item.is_none() {
                    *this.first_item = Some(Instant::now());
                }
                *this.items += 1;
                if let (Some(classify), None) = (this.classify, &*this.error) {
                    *this.error = classify(&item);
                }
                Poll::Ready(Some(item))
            }
            Poll::Ready(None) => {
                *this.phase = DONE;
                let (outcome, end) = match this.error.take() {
                    Some(error) => (Outcome::Error(error), StreamEnd::Error),
                    None => (Outcome::Ok, StreamEnd::Completed),
                };
                let report = StreamReport {
                    first_item: *this.first_item,
                    items: *this.items,
                    end,
                };
                finish_stream(this.span, outcome, report);
                Poll::Ready(None)
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}
