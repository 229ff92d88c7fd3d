//! rig's completion responses and stream items (feature `rig`).
//!
//! rig normalises every provider's usage into one `Usage`, but not its meaning: Anthropic's
//! `input_tokens` leave out the cache reads and writes, and Gemini's `output_tokens` the
//! thinking tokens (and its input the tool-use prompt), as their APIs count them. The
//! response's `provider` says whose count it is. A usage of all zeros is rig's sign that the
//! provider sent none: it is not recorded.

use rig_core::completion::{CompletionResponse, FinishReason, Usage as RigUsage};
use rig_core::streaming::{StreamFinal, StreamedAssistantContent};

use super::{Recordable, Report, UsageReport};
use crate::usage::Usage;

/// What a rig stream that ended without usage needs.
const RIG_FINAL: &str = "rig reports a stream's usage in its final item \
     (`StreamedAssistantContent::Final`), which a stream cut short does not yield, and as zeros \
     when the provider sent none";

/// The usage of a response from `provider` (rig's name of it), or `None` when it has none.
fn usage(usage: &RigUsage, provider: &str) -> Option<UsageReport> {
    if *usage == RigUsage::new() {
        return None;
    }
    let mut input = usage.input_tokens;
    let mut output = usage.output_tokens;
    match provider {
        "anthropic" => {
            input = input
                .saturating_add(usage.cached_input_tokens)
                .saturating_add(usage.cache_creation_input_tokens)
        }
        "gcp.gemini" => {
            input = input.saturating_add(usage.tool_use_prompt_tokens);
            output = output.saturating_add(usage.reasoning_tokens);
        }
        _ => {}
    }
    let counted = Usage::new(input, output)
        .cache_read(usage.cached_input_tokens)
        .cache_creation(usage.cache_creation_input_tokens)
        .reasoning(usage.reasoning_tokens);
    Some(UsageReport::Part(counted))
}

/// The GenAI conventions' name of a normalised reason; `None` for a provider's own.
fn normalized(reason: &FinishReason) -> Option<&'static str> {
    match reason {
        FinishReason::Stop => Some("stop"),
        FinishReason::Length => Some("length"),
        FinishReason::ToolCalls => Some("tool_calls"),
        FinishReason::ContentFilter => Some("content_filter"),
        FinishReason::Other(_) => None,
    }
}

/// A whole response: its usage, the model that answered and the response's id. Its finish
/// reason is recorded unless it is a provider's own, of which rig lends no reference.
impl Recordable for CompletionResponse {
    fn report<'a>(&'a self, report: &mut Report<'a>) {
        report.response_model = self.model.as_deref();
        report.response_id = self.response_id.as_deref();
        if let Some(name) = self.finish_reason().as_ref().and_then(normalized) {
            report.finish_reason(name);
        }
        report.usage = usage(&self.usage, &self.provider);
    }
}

/// A stream's terminal record: the usage of the whole streamed response.
impl Recordable for StreamFinal {
    fn report<'a>(&'a self, report: &mut Report<'a>) {
        report.if_usage_missing = Some(RIG_FINAL);
        report.response_model = self.model.as_deref();
        report.response_id = self.response_id.as_deref();
        let name = match &self.finish_reason {
            Some(FinishReason::Other(raw)) => Some(raw.as_str()),
            Some(known) => normalized(known),
            None => None,
        };
        if let Some(name) = name {
            report.finish_reason(name);
        }
        report.usage = usage(&self.usage, &self.provider);
    }
}

/// One item of a `StreamingCompletionResponse`: only the `Final` one carries usage.
impl Recordable for StreamedAssistantContent {
    fn report<'a>(&'a self, report: &mut Report<'a>) {
        match self {
            StreamedAssistantContent::Final(last) => last.report(report),
            _ => report.if_usage_missing = Some(RIG_FINAL),
        }
    }
}
