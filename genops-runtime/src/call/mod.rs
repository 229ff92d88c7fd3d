//! The life of one tracked call, from the span's creation to its close.
//!
//! - `declared`: recognising a tracked span and reading what it declared;
//! - `literal_site`: call sites whose values are all literals, read once per call site;
//! - `engine`: what every call of a layer shares (prices, ledger, governance);
//! - `layer_handle`: how code outside the layer's callbacks finds a call's state;
//! - `state`: the per-call state kept in the span's extensions, with `responses` (what its
//!   provider responses reported) and `extras` (what only some calls have) boxed in it;
//! - `record`: `record_usage` and friends, applied to the nearest tracked call, and `auto`:
//!   recording the values a tracked function returns, and tracking the stream it returns;
//! - `finished`: what a finished call is; `finish` and `result_fields`: closing the books,
//!   settling governance and recording the result fields once;
//! - `future`, `scope` and `tracked_span`: the three ways a call runs inside its span
//!   (async, sync, by hand), and `stream` for a call that lasts as long as its stream;
//! - `attr_text`, `gate` and `envelope` (a run's budget): helpers of the generated code;
//!   `sleep`: the gate's wait for a rate limit that waits; and `step_down`: the model a gated
//!   call is admitted on.
//!
//! This module is a front door: it re-exports what the layer, set-up, the crate's API and the
//! generated code use, and nothing else.

mod attr_text;
mod auto;
mod declared;
mod engine;
mod envelope;
mod extras;
mod finish;
mod finished;
mod future;
mod gate;
mod held_usage;
mod layer_handle;
mod literal_site;
mod record;
mod responses;
mod result_fields;
mod scope;
mod sleep;
mod span_macro;
mod state;
mod step_down;
mod stream;
mod tracked_span;

pub use attr_text::{record_model, AttrText, AttrViaDisplay, AttrViaStr};
pub use auto::{
    returns_stream, BoxedStream, Ignore, IgnoreItems, IgnoreReturned, ItemRecorder, ItemsOf,
    Record, RecordItems, RecordReturned, Returned, ReturnsStream, TrackAnyItems, TrackResultItems,
};
pub use envelope::open_envelope;
pub use future::Tracked;
pub use gate::{admit, admit_async, denied, Gated, Reserve};
pub use literal_site::LiteralSite;
pub use record::{
    record, record_cost, record_cumulative_usage, record_response_model, record_usage,
};
pub use scope::{call_once, TrackedScope};
pub use step_down::{admitted_model, use_admitted_model};
pub use stream::{ItemOutcome, TrackedStream};
pub use tracked_span::TrackedSpan;

pub(crate) use declared::{is_tracked, tracked_filter, DeclaredVisitor, ReadsDeclared};
pub(crate) use engine::Engine;
pub(crate) use finish::closing_finished;
pub(crate) use held_usage::{entered as entered_span, moved as moved_span};
pub(crate) use layer_handle::LayerHandle;
pub(crate) use literal_site::{learn as learn_site, take as take_site, Pending};
#[cfg(feature = "aws-bedrock")]
pub(crate) use record::apply;
pub(crate) use result_fields::recording_results;
pub(crate) use state::TrackedState;
