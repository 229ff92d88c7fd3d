//! Recording what a tracked call used: the functions user code calls inside a tracked call.
//!
//! Each applies to the nearest tracked span: the current span, or its nearest tracked ancestor
//! when called inside an ordinary child span. Outside any tracked span they do nothing, cheaply.

use tracing::Dispatch;

use super::engine::Engine;
use super::held_usage;
use super::layer_handle::LayerHandle;
use super::state::TrackedState;
use crate::intern::intern;
use crate::money::Cost;
use crate::recordable::{Recordable, Report};
use crate::usage::Usage;

/// Runs `f` on the nearest unfinished tracked span of the current span, if there is one.
pub(super) fn with_nearest_tracked<R>(
    f: impl FnOnce(&mut TrackedState, &Engine) -> R,
) -> Option<R> {
    let mut f = Some(f);
    tracing::dispatcher::get_default(|dispatch: &Dispatch| {
        let current = dispatch.current_span();
        let id = current.id()?;
        let handle = LayerHandle::of(dispatch)?;
        held_usage::hand_over(dispatch, handle);
        handle.nearest_call(dispatch, id, f.take()?)
    })
}

/// Adds `usage` to the nearest tracked call and prices it. Calling it twice adds the usage up.
///
/// ```
/// #[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini")]
/// fn answer() {
///     genops::record_usage(genops::Usage::new(1_200, 300).cache_read(1_000));
/// }
/// answer();
/// ```
pub fn record_usage(usage: Usage) {
    // In a sync call's own body, the usage waits for the call to finish: see `held_usage`.
    if let Err(usage) = held_usage::hold(usage) {
        with_nearest_tracked(|state, engine| state.add_usage(engine, usage));
    }
}

/// Records usage that counts everything so far, as Anthropic's stream events and other
/// cumulative reports do: it **replaces** the usage recorded before on the nearest tracked call,
/// where [`record_usage`] **adds** to it. Use it for each cumulative report (the last one wins)
/// and `record_usage` for a report of its own part, such as OpenAI's one final usage chunk.
///
/// ```
/// #[genops::track(team = "chat", provider = "anthropic", model = "claude-haiku-4-5")]
/// fn answer() {
///     // `message_start`, then `message_delta`: each carries the totals so far.
///     genops::record_cumulative_usage(genops::Usage::new(1_200, 1));
///     genops::record_cumulative_usage(genops::Usage::new(1_200, 300));
///     // The call is booked for 1,200 input and 300 output tokens.
/// }
/// answer();
/// ```
pub fn record_cumulative_usage(usage: Usage) {
    with_nearest_tracked(|state, engine| state.set_usage(engine, usage));
}

/// Records what a provider's response or stream event says on the nearest tracked call: its
/// usage, the model that answered (`gen_ai.response.model`, which then drives pricing), the
/// response id (`gen_ai.response.id`) and the finish reasons
/// (`gen_ai.response.finish_reasons`). Works for any [`Recordable`] value: raw provider JSON,
/// the types of the SDK integrations, or your own.
///
/// A tracked function that *returns* such a value, or a tracked `stream` that yields them, has
/// them recorded without this call. When user code records usage itself (with this function or
/// [`record_usage`]), automatic recording steps aside for that call: the usage it recorded is
/// discarded and it records no more, so a response is never counted twice.
///
/// ```
/// #[genops::track(team = "search", provider = "anthropic", model = "claude-sonnet-4-5")]
/// fn answer(body: &serde_json::Value) -> String {
///     genops::record(body);
///     body["content"][0]["text"].as_str().unwrap_or_default().to_owned()
/// }
/// let body = serde_json::json!({
///     "type": "message", "id": "msg_01", "model": "claude-sonnet-4-5-20250929",
///     "content": [{"type": "text", "text": "Hi"}], "stop_reason": "end_turn",
///     "usage": {"input_tokens": 12, "cache_read_input_tokens": 1000, "output_tokens": 5}
/// });
/// assert_eq!(answer(&body), "Hi");
/// ```
pub fn record<R: Recordable + ?Sized>(value: &R) {
    apply(value, false);
}

/// Applies `value`'s report to the nearest tracked call; `auto` for a value the call returned
/// or its stream yielded.
pub(crate) fn apply<R: Recordable + ?Sized>(value: &R, auto: bool) {
    with_nearest_tracked(|state, engine| {
        let mut report = Report::default();
        value.report(&mut report);
        state.apply(engine, &report, auto);
    });
}

/// Records one item of a stream (the `fn` a [`TrackedStream`](super::stream::TrackedStream)
/// keeps).
pub(crate) fn record_item<T: Recordable>(item: &T) {
    apply(item, true);
}

/// Records the model that answered. It wins over the requested model for pricing and is recorded
/// as `gen_ai.response.model`.
///
/// ```
/// #[genops::track(provider = "openai", model = "gpt-4o")]
/// fn answer() {
///     genops::record_response_model("gpt-4o-2024-08-06");
/// }
/// answer();
/// ```
pub fn record_response_model(model: &str) {
    with_nearest_tracked(|state, engine| state.set_response_model(engine, intern(model)));
}

/// Adds a manual cost in USD to the nearest tracked call, for pricing that is not per token.
///
/// A NaN, infinite or negative amount is rejected: nothing is booked, the span gets
/// `genops.cost.rejected = true` and a WARN event says why.
///
/// ```
/// #[genops::track(team = "vision", provider = "openai", operation = "generate_content")]
/// fn render() {
///     genops::record_cost(0.04); // one image
/// }
/// render();
/// ```
pub fn record_cost(usd: f64) {
    match Cost::from_usd(usd) {
        Some(cost) => {
            with_nearest_tracked(|state, _| state.add_manual_cost(cost));
        }
        None => {
            if with_nearest_tracked(|state, _| state.reject_cost()).is_some() {
                tracing::warn!(
                    target: "genops",
                    usd,
                    "rejected a manual cost that is not a finite, non-negative number of USD; \
                     nothing was booked"
                );
            }
        }
    }
}
