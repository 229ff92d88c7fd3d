//! The life of one tracked call, from the span's creation to its close.
//!
//! - [`declared`]: recognising a tracked span and reading what it declared;
//! - [`site`]: call sites whose values are all literals, read once per call site;
//! - [`engine`]: what every call of a layer shares (prices, ledger, governance);
//! - [`reach`]: how code outside the layer's callbacks finds a call's state;
//! - [`state`]: the per-call state kept in the span's extensions;
//! - [`record`]: `record_usage` and friends, applied to the nearest tracked call, and [`auto`]:
//!   recording the values a tracked function returns or its stream yields;
//! - [`finish`] and [`result_fields`]: closing the books, settling governance and recording
//!   the result fields once;
//! - [`future`], [`scope`] and [`tracked_span`]: the three ways a call runs inside its span
//!   (async, sync, by hand), and [`stream`] for a call that lasts as long as its stream;
//! - [`attr_text`] and [`gate`]: helpers of the generated code.

pub(crate) mod attr_text;
pub(crate) mod auto;
pub(crate) mod declared;
pub(crate) mod engine;
pub(crate) mod finish;
pub(crate) mod future;
pub(crate) mod gate;
pub(crate) mod reach;
pub(crate) mod record;
pub(crate) mod result_fields;
pub(crate) mod scope;
pub(crate) mod site;
mod span_macro;
pub(crate) mod state;
pub(crate) mod stream;
pub(crate) mod tracked_span;
