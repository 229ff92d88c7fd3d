//! rig's completion responses, stream items and agent stream items (feature `rig`).
//!
//! rig normalises every provider's usage into one `Usage`, but not its meaning: Anthropic's
//! `input_tokens` leave out the cache reads and writes, and Gemini's `output_tokens` the
//! thinking tokens (and its input the tool-use prompt), as their APIs count them. The
//! response's `provider` says whose count it is. A usage of all zeros is rig's sign that the
//! provider sent none: it is not recorded.

use rig_agent::agent::{CompletionCall, MultiTurnStreamItem};
use rig_core::completion::{CompletionResponse, FinishReason, Usage as RigUsage};
use rig_core::streaming::{StreamFinal, StreamedAssistantContent};

use super::{Recordable, Report, UsageReport};
use crate::usage::Usage;

/// What a rig stream that ended without usage needs.
const RIG_FINAL: &str = "rig reports a stream's usage in its final item \
     (`StreamedAssistantContent::Final`), which a stream cut short does not yield, and as zeros \
     when the provider sent none";

/// What an agent stream that ended without usage needs.
const RIG_AGENT: &str = "rig's agent stream reports each model call's usage in a \
     `MultiTurnStreamItem::CompletionCall` item, as zeros when the provider sent none";

/// rig's name of the provider whose input count leaves out the cache reads and writes.
const ANTHROPIC: &str = "anthropic";

/// rig's name of the provider whose output count leaves out the thinking tokens (and whose
/// input count, the tool-use prompt).
const GEMINI: &str = "gcp.gemini";

/// Whether rig's `usage` from `provider` counts the cache reads and writes apart from the
/// input. Anthropic's does; so does rig's Anthropic Messages dialect of other providers
/// (MiniMax, Moonshot, Z.ai, Xiaomi MiMo), which carries their OpenAI dialect's name: its total,
/// which rig sums, says so, the cache counted beside the input.
fn cache_apart(usage: &RigUsage, provider: &str) -> bool {
    let cache = usage
        .cached_input_tokens
        .saturating_add(usage.cache_creation_input_tokens);
    let beside = usage
        .input_tokens
        .checked_add(cache)
        .and_then(|sum| sum.checked_add(usage.output_tokens));
    provider == ANTHROPIC || (provider != GEMINI && cache > 0 && Some(usage.total_tokens) == beside)
}

/// The usage of a response from `provider` (rig's name of it), or `None` when it has none.
fn usage(usage: &RigUsage, provider: &str) -> Option<UsageReport> {
    if *usage == RigUsage::new() {
        return None;
    }
    let mut input = usage.input_tokens;
    let mut output = usage.output_tokens;
    if cache_apart(usage, provider) {
        input = input
            .saturating_add(usage.cached_input_tokens)
            .saturating_add(usage.cache_creation_input_tokens);
    }
    if provider == GEMINI {
        input = input.saturating_add(usage.tool_use_prompt_tokens);
        output = output.saturating_add(usage.reasoning_tokens);
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

/// The name of a stream's finish reason: the GenAI conventions' for a normalised one, else the
/// provider's own.
fn streamed_reason(reason: &Option<FinishReason>) -> Option<&str> {
    match reason {
        Some(FinishReason::Other(raw)) => Some(raw.as_str()),
        Some(known) => normalized(known),
        None => None,
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
        if let Some(name) = streamed_reason(&self.finish_reason) {
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

/// One item of a rig agent's stream (`stream_prompt`, `AgentRunner::stream`): the run is booked
/// once, from its model calls.
///
/// rig's agent (rig-agent 0.42) yields one `CompletionCall` item per model call it makes, a
/// retried or recovered turn's included, with that call's usage, and sums exactly those
/// usages into the `FinalResponse`'s. A turn that streamed text also forwards the provider's
/// `Final` item, with the same usage as the call's item just before it; a turn of tool calls
/// only does not. So each `CompletionCall` adds its usage as it arrives; a forwarded `Final`
/// item records the model that answered and books nothing; the `FinalResponse` books nothing,
/// its usage being the sum already booked. A stream cut short books the calls that completed.
///
/// A `CompletionCall` does not name its provider: on a call tracked with provider `anthropic`
/// the cache reads and writes are added to the input, and on one tracked with `gcp.gemini`
/// the thinking tokens to the output, as for rig's other items. The tool-use prompt, which
/// only Gemini reports, is added to the input whatever the provider.
impl Recordable for MultiTurnStreamItem {
    fn report<'a>(&'a self, report: &mut Report<'a>) {
        report.if_usage_missing = Some(RIG_AGENT);
        match self {
            MultiTurnStreamItem::CompletionCall(call) => call.report(report),
            MultiTurnStreamItem::StreamAssistantItem(StreamedAssistantContent::Final(last)) => {
                report.response_model = last.model.as_deref();
            }
            _ => {}
        }
    }
}

/// One model call of an agent run: its usage (whose provider it does not name), its response
/// id and its finish reason.
impl Recordable for CompletionCall {
    fn report<'a>(&'a self, report: &mut Report<'a>) {
        report.response_id = self.response_id.as_deref();
        if let Some(name) = streamed_reason(&self.finish_reason) {
            report.finish_reason(name);
        }
        report.usage = usage(&self.usage, "").map(|mut report| {
            // Only Gemini reports a tool-use prompt, outside its input count.
            if let UsageReport::Part(counted) = &mut report {
                counted.input = counted
                    .input
                    .saturating_add(self.usage.tool_use_prompt_tokens);
            }
            report
        });
        // Unless its total shows the cache apart (then added above), the tracked provider
        // says whose count it is.
        if !cache_apart(&self.usage, "") {
            report.input_excludes_cache_on = Some(ANTHROPIC);
        }
        report.output_excludes_reasoning_on = Some(GEMINI);
    }
}
