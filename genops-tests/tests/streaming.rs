//! Streamed calls: the span lives as long as the stream, records its time to first chunk, item
//! count and end, books the usage recorded from the stream once at the end, and never loses or
//! leaks money when the stream is abandoned, fails, panics or carries no usage.

mod support;

use std::pin::Pin;
use std::time::Duration;

use futures::{Stream, StreamExt};
use genops::semconv::*;
use genops::{TrackedStream, Usage};
use support::{capture, capture_with, nanos, V};

#[derive(Debug)]
struct ProviderError;

/// A simulated provider stream: `n` text chunks, then (if `usage`) a final chunk that carries
/// usage and no text, as OpenAI sends with `stream_options.include_usage`.
fn chunks(n: usize, usage: bool) -> impl Stream<Item = &'static str> {
    futures::stream::unfold(0, move |i| async move {
        if i < n {
            Some(("tok", i + 1))
        } else if i == n && usage {
            // The final usage chunk: 1,000 input and 200 output tokens.
            genops::record_usage(Usage::new(1_000, 200));
            Some(("", i + 1))
        } else {
            None
        }
    })
}

#[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini", stream)]
fn stream_answer(n: usize) -> impl Stream<Item = &'static str> {
    chunks(n, true)
}

#[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini", stream)]
fn stream_without_usage(n: usize) -> impl Stream<Item = &'static str> {
    chunks(n, false)
}

/// gpt-4o-mini: 1,000 × $0.15/M + 200 × $0.60/M = $0.00015 + $0.00012 = $0.00027.
const ANSWER_NANOS: i128 = 270_000;

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    futures::executor::block_on(f)
}

#[test]
fn the_span_lives_as_long_as_the_stream_and_books_the_final_usage_once() {
    for genops_first in [true, false] {
        let layer = genops::layer();
        let books = layer.ledger();
        let (text, cap, ledger) = capture_with(layer, genops_first, || {
            let stream = stream_answer(3);
            // The function has returned and the call is still open: nothing is booked yet.
            let booked_at_return = books.snapshot().total.calls;
            let text: Vec<_> = block_on(stream.collect());
            (text, booked_at_return)
        });
        let (text, booked_at_return) = text;
        assert_eq!(
            booked_at_return, 0,
            "the span outlives the function's return"
        );
        assert_eq!(text, ["tok", "tok", "tok", ""]);
        let span = cap.span("chat gpt-4o-mini");
        assert!(span.closed);
        assert!(span.field(GEN_AI_REQUEST_STREAM).bool());
        assert_eq!(span.field(GENOPS_STREAM_CHUNKS).i64(), 4);
        assert_eq!(span.field(GENOPS_STREAM_END).str(), "completed");
        assert!(span.field(GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK).f64() >= 0.0);
        assert_eq!(span.field(GEN_AI_USAGE_INPUT_TOKENS).i64(), 1_000);
        assert_eq!(span.field(GEN_AI_USAGE_OUTPUT_TOKENS).i64(), 200);
        assert_eq!(nanos(span.field(GEN_AI_USAGE_COST).f64()), ANSWER_NANOS);
        assert!(!span.has(GENOPS_CANCELLED) && !span.has(ERROR_TYPE));
        assert!(!span.has(GENOPS_USAGE_MISSING));
        let snapshot = ledger.snapshot();
        assert_eq!(snapshot.total.calls, 1);
        assert_eq!(snapshot.total.cost.nanos(), ANSWER_NANOS as u128);
    }
}

#[test]
fn time_to_first_chunk_is_measured_from_the_call() {
    let ((), cap, _) = capture(true, || {
        let stream = stream_answer(2);
        std::thread::sleep(Duration::from_millis(30));
        block_on(stream.for_each(|_| async {}));
    });
    let span = cap.span("chat gpt-4o-mini");
    let ttfc = span.field(GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK).f64();
    assert!((0.030..1.0).contains(&ttfc), "{ttfc}");
}

#[test]
fn a_stream_abandoned_halfway_is_cancelled_and_books_what_was_recorded() {
    let ((), cap, ledger) = capture(true, || {
        block_on(async {
            let mut stream = Box::pin(anthropic_like());
            // Read two events, then drop the stream.
            stream.next().await;
            stream.next().await;
        });
    });
    let span = cap.span("chat claude-haiku-4-5");
    assert!(span.closed);
    assert!(span.field(GENOPS_CANCELLED).bool());
    assert_eq!(span.field(GENOPS_STREAM_END).str(), "cancelled");
    assert_eq!(span.field(GENOPS_STREAM_CHUNKS).i64(), 2);
    // Cumulative usage: the last report so far (1,000 in, 20 out) replaced the first.
    assert_eq!(span.field(GEN_AI_USAGE_INPUT_TOKENS).i64(), 1_000);
    assert_eq!(span.field(GEN_AI_USAGE_OUTPUT_TOKENS).i64(), 20);
    // claude-haiku-4-5: 1,000 × $1/M + 20 × $5/M = $0.0011.
    assert_eq!(ledger.snapshot().total.cost.nanos(), 1_100_000);
    assert!(
        !span.has(GENOPS_USAGE_MISSING),
        "a cancelled stream is not flagged"
    );
}

/// Anthropic's shape: every event carries the usage so far, which replaces what came before.
#[genops::track(
    team = "chat",
    provider = "anthropic",
    model = "claude-haiku-4-5",
    stream
)]
fn anthropic_like() -> impl Stream<Item = u32> {
    futures::stream::iter([1_u32, 20, 40, 60]).map(|output| {
        genops::record_cumulative_usage(Usage::new(1_000, u64::from(output)));
        output
    })
}

#[test]
fn cumulative_usage_books_the_last_report() {
    let ((), _, ledger) = capture(true, || {
        block_on(anthropic_like().for_each(|_| async {}));
    });
    // 1,000 × $1/M + 60 × $5/M = $0.0013, not the sum of the four reports.
    assert_eq!(ledger.snapshot().total.cost.nanos(), 1_300_000);
    assert_eq!(ledger.snapshot().total.output_tokens, 60);
}

#[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini", stream)]
async fn failing_midway() -> Pin<Box<dyn Stream<Item = Result<&'static str, ProviderError>> + Send>>
{
    tokio::task::yield_now().await;
    Box::pin(
        futures::stream::iter([Ok("a"), Err(ProviderError), Ok("b")]).map(|item| {
            if item.is_ok() {
                genops::record_usage(Usage::new(500, 1));
            }
            item
        }),
    )
}

#[test]
fn an_err_item_marks_the_call_as_an_error_and_the_stream_goes_on_to_its_end() {
    let (items, cap, ledger) = capture(true, || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async { failing_midway().await.collect::<Vec<_>>().await })
    });
    assert_eq!(items.len(), 3, "the Err item did not end the stream");
    let span = cap.span("chat gpt-4o-mini");
    assert_eq!(span.field(ERROR_TYPE).str(), "ProviderError");
    assert_eq!(span.field(OTEL_STATUS_CODE).str(), "error");
    assert_eq!(span.field(GENOPS_STREAM_END).str(), "error");
    assert_eq!(span.field(GENOPS_STREAM_CHUNKS).i64(), 3);
    // Two Ok items: 1,000 × $0.15/M + 2 × $0.60/M = $0.0001512.
    assert_eq!(ledger.snapshot().total.cost.nanos(), 151_200);
    assert_eq!(ledger.snapshot().total.errors, 1);
}

#[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini", stream, err)]
fn refused(fail: bool) -> Result<impl Stream<Item = &'static str>, ProviderError> {
    if fail {
        return Err(ProviderError);
    }
    Ok(chunks(1, true))
}

#[test]
fn an_err_return_closes_the_span_at_once() {
    let ((), cap, ledger) = capture(true, || {
        assert!(refused(true).is_err());
        let stream = refused(false).unwrap();
        block_on(stream.for_each(|_| async {}));
    });
    let spans = cap.spans();
    assert_eq!(spans.len(), 2);
    assert_eq!(spans[0].field(ERROR_TYPE).str(), "ProviderError");
    assert!(
        !spans[0].has(GEN_AI_REQUEST_STREAM),
        "no stream was returned"
    );
    assert_eq!(spans[1].field(GENOPS_STREAM_END).str(), "completed");
    assert_eq!(ledger.snapshot().total.calls, 2);
    assert_eq!(ledger.snapshot().total.cost.nanos(), ANSWER_NANOS as u128);
}

#[test]
fn a_stream_without_usage_is_flagged_warned_once_per_call_site_and_counted() {
    let ((), cap, ledger) = capture(true, || {
        for _ in 0..2 {
            block_on(stream_without_usage(2).for_each(|_| async {}));
        }
    });
    for span in cap.spans() {
        assert!(span.field(GENOPS_USAGE_MISSING).bool());
        assert_eq!(span.field(GENOPS_STREAM_END).str(), "completed");
        assert!(
            !span.has(GEN_AI_USAGE_INPUT_TOKENS),
            "no estimate pretends to be measured"
        );
    }
    let warnings: Vec<_> = cap
        .events()
        .into_iter()
        .filter(|(m, _)| m.contains("without recorded usage"))
        .collect();
    assert_eq!(warnings.len(), 1, "one WARN per call site");
    assert!(warnings[0].0.contains("stream_options.include_usage"));
    assert_eq!(ledger.snapshot().total.missing_usage_calls, 2);
    assert_eq!(ledger.snapshot().total.cost.picos(), 0);
}

#[test]
fn a_stream_never_polled_still_ends_its_span_when_dropped() {
    let ((), cap, ledger) = capture(true, || drop(stream_answer(3)));
    let span = cap.span("chat gpt-4o-mini");
    assert!(span.closed);
    assert_eq!(span.field(GENOPS_STREAM_END).str(), "cancelled");
    assert_eq!(span.field(GENOPS_STREAM_CHUNKS).i64(), 0);
    assert!(!span.has(GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK));
    assert_eq!(ledger.snapshot().total.calls, 1);
}

#[test]
fn polling_after_the_end_changes_nothing() {
    let ((), cap, ledger) = capture(true, || {
        block_on(async {
            let mut stream = Box::pin(stream_answer(1));
            while stream.next().await.is_some() {}
            assert!(stream.next().await.is_none());
            assert!(stream.next().await.is_none());
        });
    });
    assert_eq!(
        cap.span("chat gpt-4o-mini")
            .field(GENOPS_STREAM_CHUNKS)
            .i64(),
        2
    );
    assert_eq!(ledger.snapshot().total.calls, 1);
}

#[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini", stream)]
fn nested() -> impl Stream<Item = u32> {
    futures::stream::iter([1_u32, 2]).map(|i| {
        // Produced inside the call: this span is its child.
        let _producer = tracing::info_span!("produce").entered();
        i
    })
}

#[test]
fn items_are_produced_inside_the_span_and_handled_outside_it() {
    let ((), cap, _) = capture(true, || {
        block_on(nested().for_each(|_| async {
            let _consumer = tracing::info_span!("consume").entered();
        }));
    });
    let call = cap.span("chat gpt-4o-mini");
    let spans = cap.spans();
    let parent_of = |name: &str| {
        spans
            .iter()
            .filter(|s| s.name == name)
            .map(|s| s.parent)
            .collect::<Vec<_>>()
    };
    assert_eq!(parent_of("produce"), [Some(call.id), Some(call.id)]);
    assert_eq!(parent_of("consume"), [None, None]);
}

#[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini", stream)]
fn panicking() -> impl Stream<Item = u32> {
    futures::stream::iter([1_u32, 2]).map(|i| {
        genops::record_usage(Usage::new(100, 10));
        assert!(i < 2, "the provider's parser panicked");
        i
    })
}

#[test]
fn a_panic_in_a_poll_ends_the_call_as_a_panic_and_books_what_was_recorded() {
    let ((), cap, ledger) = capture(true, || {
        let result = std::panic::catch_unwind(|| block_on(panicking().for_each(|_| async {})));
        assert!(result.is_err());
    });
    let span = cap.span("chat gpt-4o-mini");
    assert_eq!(span.field(ERROR_TYPE).str(), "panic");
    assert_eq!(span.field(GENOPS_STREAM_END).str(), "error");
    // Both polls recorded usage: 200 × $0.15/M + 20 × $0.60/M = $0.000042.
    assert_eq!(ledger.snapshot().total.cost.nanos(), 42_000);
}

#[test]
fn the_manual_form_tracks_a_stream_of_results() {
    let ((), cap, _) = capture(true, || {
        let call = genops::span!(team = "chat", provider = "openai", model = "gpt-4o-mini");
        let items = futures::stream::iter([Ok::<_, ProviderError>(1), Err(ProviderError)]);
        let tracked: TrackedStream<_> = call.try_stream(items);
        block_on(tracked.for_each(|_| async {}));
    });
    let span = cap.span("chat gpt-4o-mini");
    assert_eq!(span.field(ERROR_TYPE).str(), "ProviderError");
    assert_eq!(span.field(GENOPS_STREAM_CHUNKS), &V::I64(2));
}

#[test]
fn a_tracked_stream_is_send_and_sync_when_its_stream_is() {
    fn send_sync<T: Send + Sync>(_: &T) {}
    let call = genops::span!(team = "chat", provider = "openai", model = "gpt-4o-mini");
    let tracked = call.stream(futures::stream::iter([1, 2]));
    send_sync(&tracked);
    let boxed: Pin<Box<dyn Stream<Item = u32> + Send>> = Box::pin(stream_answer_send());
    drop(boxed);
}

#[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini", stream)]
fn stream_answer_send() -> impl Stream<Item = u32> + Send {
    futures::stream::iter([1_u32])
}

#[test]
fn a_stream_dropped_after_an_err_item_ends_the_call_as_an_error() {
    let ((), cap, ledger) = capture(true, || {
        let call = genops::span!(team = "chat", provider = "openai", model = "gpt-4o-mini");
        let items = futures::stream::iter([Ok::<_, ProviderError>(1), Err(ProviderError), Ok(2)]);
        // `let chunk = chunk?;` returns on the first `Err` and drops the stream.
        let result: Result<(), ProviderError> = block_on(async {
            let mut stream = Box::pin(call.try_stream(items));
            while let Some(item) = stream.next().await {
                item?;
            }
            Ok(())
        });
        assert!(result.is_err());
    });
    let span = cap.span("chat gpt-4o-mini");
    assert_eq!(span.field(ERROR_TYPE).str(), "ProviderError");
    assert_eq!(span.field(GENOPS_STREAM_END).str(), "error");
    assert!(!span.has(GENOPS_CANCELLED));
    assert_eq!(ledger.snapshot().total.errors, 1);
}

#[genops::track(team = "chat", operation = "invoke_workflow", name = "handler", err)]
fn handler() -> Result<impl Stream<Item = &'static str>, ProviderError> {
    // The stream outlives this call, which ends when it returns.
    Ok(stream_answer(1))
}

#[test]
fn a_stream_that_outlives_its_parent_rolls_its_cost_up_to_the_nearest_open_ancestor() {
    let ((), cap, _) = capture(true, || {
        let request = genops::span!(
            team = "chat",
            operation = "invoke_workflow",
            name = "request"
        );
        let stream = {
            let _request = request.enter();
            handler().unwrap()
        };
        block_on(stream.for_each(|_| async {}));
        drop(request);
    });
    // The handler had already recorded its total; the request was still open.
    assert_eq!(nanos(cap.span("handler").field(GENOPS_COST_TOTAL).f64()), 0);
    assert_eq!(
        nanos(cap.span("request").field(GENOPS_COST_TOTAL).f64()),
        ANSWER_NANOS
    );
}

#[test]
fn a_stream_polled_again_after_a_caught_panic_ends_the_call_as_a_panic() {
    let ((), cap, ledger) = capture(true, || {
        let mut stream = Box::pin(panicking());
        block_on(async {
            assert_eq!(stream.next().await, Some(1));
        });
        let caught =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| block_on(stream.next())));
        assert!(caught.is_err());
        // Polled again after the panic: the call has ended, the stream with it.
        assert_eq!(block_on(stream.next()), None);
    });
    let span = cap.span("chat gpt-4o-mini");
    assert_eq!(span.field(ERROR_TYPE).str(), "panic");
    assert_eq!(ledger.snapshot().total.calls, 1);
}
