//! What a provider's response or stream event says about a call: its usage, the model that
//! answered, the response id and the finish reasons. [`Recordable`] turns a value into a
//! [`Report`]; `genops::record` and the tracked functions that return such values apply it.
//!
//! - [`json`]: raw provider JSON (`serde_json::Value`): OpenAI chat completions and Responses,
//!   Anthropic Messages, Gemini `generateContent`, and their stream events;
//! - `async_openai` (feature `async-openai`): async-openai's response and stream types;
//! - `genai` (feature `genai`): genai's `ChatResponse` and `ChatStreamEvent`;
//! - `aws_bedrock` (feature `aws-bedrock`): the AWS SDK's Bedrock Converse output, ConverseStream
//!   output (its request id) and ConverseStream events;
//! - `rig` (feature `rig`): rig's `CompletionResponse`, its stream items
//!   (`StreamedAssistantContent`) and terminal record (`StreamFinal`), and its agents' stream
//!   items (`MultiTurnStreamItem`);
//! - `request_model`: the other way, a request's model set to the one a step-down admitted.

#[cfg(feature = "async-openai")]
mod async_openai;
#[cfg(feature = "aws-bedrock")]
pub(crate) mod aws_bedrock;
#[cfg(feature = "genai")]
mod genai;
mod json;
mod request_model;
#[cfg(feature = "rig")]
mod rig;

use std::fmt;
use std::sync::Arc;

pub use request_model::RequestModel;
use serde_json::Value;

use crate::usage::Usage;

/// A value genops can record on a tracked call: a provider's response, or one event of its
/// streamed response. Implemented for raw provider JSON ([`serde_json::Value`]), for the
/// response types of the SDK integrations enabled by cargo features, and for `&T`, `Box<T>`,
/// `Arc<T>`, `Option<T>` and `Result<T, E>` (the `Ok` value) of any of them.
///
/// Implement it for your own client's types to have them recorded by
/// [`record`](crate::record), by a tracked function that returns them (or a `Result` of them)
/// and by a tracked stream whose items they are:
///
/// ```
/// use genops::{Recordable, Report, Usage, UsageReport};
///
/// struct MyResponse {
///     model: String,
///     prompt_tokens: u64,
///     cached_tokens: u64,
///     completion_tokens: u64,
///     stop: &'static str,
/// }
///
/// impl Recordable for MyResponse {
///     fn report<'a>(&'a self, report: &mut Report<'a>) {
///         // The GenAI conventions: input includes the cached tokens.
///         let usage = Usage::new(self.prompt_tokens, self.completion_tokens)
///             .cache_read(self.cached_tokens);
///         report.usage = Some(UsageReport::Part(usage));
///         report.response_model = Some(&self.model);
///         report.finish_reason(self.stop);
///     }
/// }
///
/// #[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini")]
/// fn answer() -> MyResponse {
///     // Returned, so recorded: no `genops::record` needed.
///     MyResponse {
///         model: "gpt-4o-mini-2024-07-18".into(),
///         prompt_tokens: 1_200,
///         cached_tokens: 1_000,
///         completion_tokens: 300,
///         stop: "stop",
///     }
/// }
/// answer();
/// ```
pub trait Recordable {
    /// Fills `report` with what this value says about the call.
    fn report<'a>(&'a self, report: &mut Report<'a>);
}

/// How a value's usage adds up with the usage recorded before on the same call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UsageReport {
    /// The usage of this value alone, added to the call's: a whole response, or a stream event
    /// that reports its own part (OpenAI's final usage chunk, the Responses API's
    /// `response.completed`).
    Part(Usage),
    /// The usage of one response so far, as Anthropic's and Gemini's stream events report it:
    /// each count replaces the lower one recorded for the same response. A report whose
    /// [`response_id`](Report::response_id) differs from the previous one starts a new response,
    /// whose usage adds to the call's.
    Cumulative(Usage),
}

/// The most finish reasons a [`Report`] keeps: one per generated choice, up to this many.
pub const MAX_FINISH_REASONS: usize = 8;

/// What a [`Recordable`] value says about a call, filled by [`Recordable::report`].
///
/// ```
/// use genops::{Recordable, Report};
/// let body = serde_json::json!({
///     "object": "chat.completion",
///     "id": "chatcmpl-1",
///     "model": "gpt-4o-mini-2024-07-18",
///     "choices": [{"index": 0, "finish_reason": "stop"}],
///     "usage": {"prompt_tokens": 10, "completion_tokens": 5}
/// });
/// let mut report = Report::default();
/// body.report(&mut report);
/// assert_eq!(report.response_id, Some("chatcmpl-1"));
/// assert_eq!(report.finish_reasons().collect::<Vec<_>>(), ["stop"]);
/// ```
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Report<'a> {
    /// The tokens the value reports, and how they add up.
    pub usage: Option<UsageReport>,
    /// The model that answered (`gen_ai.response.model`); it drives pricing.
    pub response_model: Option<&'a str>,
    /// The provider's id of the response (`gen_ai.response.id`).
    pub response_id: Option<&'a str>,
    finish_reasons: [Option<&'a str>; MAX_FINISH_REASONS],
    /// For a stream event: what to tell the user when a stream of such events ends without any
    /// usage (warned once per call site).
    pub if_usage_missing: Option<&'static str>,
    /// For a value whose input count depends on the provider behind it, as genai's stream
    /// events do: the provider (`gen_ai.provider.name`, e.g. `"aws.bedrock"`) whose input count
    /// leaves out the cache reads and writes. On a call to that provider they are added to
    /// [`Usage::input`], as the GenAI conventions count it.
    ///
    /// ```
    /// use genops::{Recordable, Report, Usage, UsageReport};
    ///
    /// /// A gateway's usage: its `prompt` is whatever the provider behind it said.
    /// struct GatewayUsage { prompt: u64, cached: u64, completion: u64 }
    ///
    /// impl Recordable for GatewayUsage {
    ///     fn report<'a>(&'a self, report: &mut Report<'a>) {
    ///         let usage = Usage::new(self.prompt, self.completion).cache_read(self.cached);
    ///         report.usage = Some(UsageReport::Part(usage));
    ///         report.input_excludes_cache_on = Some("aws.bedrock");
    ///     }
    /// }
    ///
    /// #[genops::track(team = "search", provider = "bedrock", model = "amazon.nova-lite-v1:0")]
    /// fn answer() -> GatewayUsage {
    ///     // Booked as 1,100 input tokens, 1,000 of them cache reads.
    ///     GatewayUsage { prompt: 100, cached: 1_000, completion: 20 }
    /// }
    /// answer();
    /// ```
    pub input_excludes_cache_on: Option<&'static str>,
    /// The first value the provider sent where a token count belongs that is not one: its
    /// usage cannot be true.
    pub(crate) not_a_count: Option<NotACount<'a>>,
    /// Like `input_excludes_cache_on`, for the output: the provider whose output count leaves
    /// out the reasoning tokens (rig's agent calls, which do not name their provider, on
    /// Gemini). On a call to that provider they are added to [`Usage::output`].
    pub(crate) output_excludes_reasoning_on: Option<&'static str>,
}

/// A value where a token count belongs that is not one: negative, a fraction, too large for
/// 64 bits, or not a number at all.
#[derive(Clone, Copy, Debug)]
pub(crate) struct NotACount<'a> {
    /// The provider's name of the count (`prompt_tokens`, `inputTokens`, ...).
    field: &'static str,
    value: Claimed<'a>,
}

/// The value a provider sent.
#[derive(Clone, Copy, Debug)]
enum Claimed<'a> {
    /// A negative number.
    Negative(i64),
    /// Any other JSON value.
    Json(&'a Value),
}

impl fmt::Display for NotACount<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}=", self.field)?;
        match self.value {
            Claimed::Negative(n) => write!(f, "{n}")?,
            Claimed::Json(value) => write!(f, "{value}")?,
        }
        f.write_str(" (not a token count)")
    }
}

impl<'a> Report<'a> {
    /// Adds a reason the model stopped (`gen_ai.response.finish_reasons`); beyond
    /// [`MAX_FINISH_REASONS`] they are dropped.
    ///
    /// ```
    /// let mut report = genops::Report::default();
    /// report.finish_reason("stop");
    /// report.finish_reason("length");
    /// assert_eq!(report.finish_reasons().collect::<Vec<_>>(), ["stop", "length"]);
    /// ```
    pub fn finish_reason(&mut self, reason: &'a str) {
        if let Some(slot) = self.finish_reasons.iter_mut().find(|r| r.is_none()) {
            *slot = Some(reason);
        }
    }

    /// The finish reasons added so far, in order.
    ///
    /// ```
    /// assert_eq!(genops::Report::default().finish_reasons().count(), 0);
    /// ```
    pub fn finish_reasons(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.finish_reasons.iter().map_while(|r| *r)
    }

    /// `value`, a signed count the provider sent as `field`, as a token count: a negative one
    /// is noted as not a count, and read as 0 (the whole usage is then booked at its bound).
    pub(crate) fn signed_count(&mut self, field: &'static str, value: i64) -> u64 {
        u64::try_from(value).unwrap_or_else(|_| {
            self.note_not_a_count(field, Claimed::Negative(value));
            0
        })
    }

    /// `value`, the JSON the provider sent as `field`, as a token count: `null` is none (0); a
    /// value that is not a whole number from 0 to `u64::MAX` is noted as not a count and read as
    /// 0. A whole number written as a float (`12.0`) is a count.
    pub(crate) fn json_count(&mut self, field: &'static str, value: &'a Value) -> u64 {
        if let Some(n) = value.as_u64() {
            return n;
        }
        if let Some(n) = value.as_i64() {
            return self.signed_count(field, n);
        }
        // 2^64 as a float: every float below it that has no fraction is a count.
        const TWO_TO_64: f64 = 18_446_744_073_709_551_616.0;
        match value.as_f64() {
            Some(x) if (0.0..TWO_TO_64).contains(&x) && x.fract() == 0.0 => x as u64,
            _ if value.is_null() => 0,
            _ => {
                self.note_not_a_count(field, Claimed::Json(value));
                0
            }
        }
    }

    /// Keeps the first value that was not a count.
    fn note_not_a_count(&mut self, field: &'static str, value: Claimed<'a>) {
        self.not_a_count.get_or_insert(NotACount { field, value });
    }
}

impl UsageReport {
    /// The same report with the reasoning tokens added to the output, for a provider that
    /// leaves them out of its count.
    pub(crate) fn with_reasoning_in_output(self) -> Self {
        let add = |mut usage: Usage| {
            usage.output = usage.output.saturating_add(usage.reasoning);
            usage
        };
        match self {
            Self::Part(usage) => Self::Part(add(usage)),
            Self::Cumulative(usage) => Self::Cumulative(add(usage)),
        }
    }

    /// The same report with the cache reads and writes added to the input, for a provider that
    /// leaves them out of its count.
    pub(crate) fn with_cache_in_input(self) -> Self {
        let add = |mut usage: Usage| {
            usage.input = usage
                .input
                .saturating_add(usage.cache_read)
                .saturating_add(usage.cache_creation);
            usage
        };
        match self {
            Self::Part(usage) => Self::Part(add(usage)),
            Self::Cumulative(usage) => Self::Cumulative(add(usage)),
        }
    }
}

impl<T: Recordable + ?Sized> Recordable for &T {
    fn report<'a>(&'a self, report: &mut Report<'a>) {
        (**self).report(report);
    }
}

impl<T: Recordable + ?Sized> Recordable for Box<T> {
    fn report<'a>(&'a self, report: &mut Report<'a>) {
        (**self).report(report);
    }
}

impl<T: Recordable + ?Sized> Recordable for Arc<T> {
    fn report<'a>(&'a self, report: &mut Report<'a>) {
        (**self).report(report);
    }
}

impl<T: Recordable> Recordable for Option<T> {
    fn report<'a>(&'a self, report: &mut Report<'a>) {
        if let Some(value) = self {
            value.report(report);
        }
    }
}

impl<T: Recordable, E> Recordable for Result<T, E> {
    fn report<'a>(&'a self, report: &mut Report<'a>) {
        if let Ok(value) = self {
            value.report(report);
        }
    }
}

/// A request that can ask an OpenAI chat stream to end with a usage chunk
/// (`stream_options.include_usage`). Without it the stream carries no usage and its call is
/// booked without tokens (`genops.usage.missing`). genops never changes a request by itself.
///
/// ```
/// use genops::IncludeUsage;
/// let mut body = serde_json::json!({"model": "gpt-4o-mini", "stream": true, "messages": []});
/// body.include_usage();
/// assert_eq!(body["stream_options"]["include_usage"], true);
/// ```
pub trait IncludeUsage {
    /// Sets `stream_options.include_usage` to `true`, keeping the other stream options.
    fn include_usage(&mut self) -> &mut Self;
}
