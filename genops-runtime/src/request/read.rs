//! [`Request`]: a provider request genops can read to hold its worst case.

use super::bound::{Reading, RequestBound};
use super::count::Counter;
use super::error::HoldError;

pub(crate) mod sealed {
    use super::{HoldError, Reading, RequestBound};

    /// How a request is read; only genops implements it.
    pub trait Read {
        /// The request's bound, read by `reading`'s rules.
        fn bound(&self, reading: Reading<'_>) -> Result<RequestBound, HoldError>;
    }
}

/// A provider request genops can read: its input tokens are bounded, and its output cap,
/// service tier and cache writes read, so that a call can hold its worst case before it runs
/// (`enforce(reserve = request)`, [`worst_case`](crate::worst_case)).
///
/// Sealed. Implemented for `serde_json::Value` (raw bodies of OpenAI chat completions,
/// Responses and embeddings, Anthropic Messages and Gemini `generateContent`) and, under their
/// features, the request types of async-openai, genai, the AWS Bedrock SDK and rig.
#[diagnostic::on_unimplemented(
    message = "genops cannot read `{Self}` as a provider request",
    note = "pass a raw JSON body (`serde_json::Value`) or an SDK request type under its genops feature, or reserve a USD amount"
)]
pub trait Request: sealed::Read {}

impl<T: sealed::Read + ?Sized> Request for T {}

impl sealed::Read for serde_json::Value {
    fn bound(&self, reading: Reading<'_>) -> Result<RequestBound, HoldError> {
        super::json::read(self, Counter::new(reading))
    }
}

impl<T: sealed::Read + ?Sized> sealed::Read for &T {
    fn bound(&self, reading: Reading<'_>) -> Result<RequestBound, HoldError> {
        (**self).bound(reading)
    }
}
