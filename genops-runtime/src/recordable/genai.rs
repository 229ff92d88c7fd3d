//! genai's chat responses and stream events (feature `genai`).

use ::genai::adapter::AdapterKind;
use ::genai::chat::{ChatResponse, ChatStreamEvent, StopReason, Usage as GenaiUsage};

use super::{Recordable, Report, UsageReport};
use crate::usage::Usage;

/// What a genai stream that ended without usage needs.
const GENAI_CAPTURE_USAGE: &str = "genai reports a stream's usage only when the chat options \
     set `with_capture_usage(true)`";

/// The provider whose input count genai passes through without the cache tokens.
const BEDROCK: &str = "aws.bedrock";

/// The provider's own name of the reason.
fn stop_reason(reason: &StopReason) -> &str {
    match reason {
        StopReason::Completed(raw)
        | StopReason::MaxTokens(raw)
        | StopReason::ToolCall(raw)
        | StopReason::ContentFilter(raw)
        | StopReason::StopSequence(raw)
        | StopReason::Other(raw) => raw,
    }
}

/// genai's usage. `prompt_tokens` includes the cache reads and writes for every adapter but
/// Bedrock's, which passes Bedrock's `inputTokens` (without them) through: `bedrock` adds them.
/// A negative count is not a count: it is noted on `report`.
fn usage(usage: &GenaiUsage, bedrock: bool, report: &mut Report<'_>) -> Usage {
    let mut n = |field: &'static str, v: Option<i32>| {
        v.map_or(0, |v| report.signed_count(field, i64::from(v)))
    };
    let input = usage.prompt_tokens_details.as_ref();
    let output = usage.completion_tokens_details.as_ref();
    let cache_read = n("cached_tokens", input.and_then(|d| d.cached_tokens));
    let cache_creation = n(
        "cache_creation_tokens",
        input.and_then(|d| d.cache_creation_tokens),
    );
    let one_hour = n(
        "ephemeral_1h_tokens",
        input
            .and_then(|d| d.cache_creation_details.as_ref())
            .and_then(|d| d.ephemeral_1h_tokens),
    );
    let mut prompt = n("prompt_tokens", usage.prompt_tokens);
    if bedrock {
        prompt = prompt
            .saturating_add(cache_read)
            .saturating_add(cache_creation);
    }
    let completion = n("completion_tokens", usage.completion_tokens);
    let input_audio = n("audio_tokens", input.and_then(|d| d.audio_tokens));
    let reasoning = n("reasoning_tokens", output.and_then(|d| d.reasoning_tokens));
    let output_audio = n("audio_tokens", output.and_then(|d| d.audio_tokens));
    Usage::new(prompt, completion)
        .cache_read(cache_read)
        .cache_creation(cache_creation)
        .cache_creation_1h(one_hour)
        .input_audio(input_audio)
        .reasoning(reasoning)
        .output_audio(output_audio)
}

fn is_bedrock(kind: AdapterKind) -> bool {
    // `BedrockSigv4` exists only with genai's `bedrock-sigv4` feature: match by name.
    kind == AdapterKind::BedrockApi || kind.to_string().starts_with("Bedrock")
}

impl Recordable for ChatResponse {
    fn report<'a>(&'a self, report: &mut Report<'a>) {
        report.response_model = Some(self.provider_model_iden.model_name.as_str());
        report.response_id = self.response_id.as_deref();
        if let Some(reason) = &self.stop_reason {
            report.finish_reason(stop_reason(reason));
        }
        let bedrock = is_bedrock(self.model_iden.adapter_kind);
        let usage = usage(&self.usage, bedrock, report);
        report.usage = Some(UsageReport::Part(usage));
    }
}

/// The `End` event carries the stream's usage (with `with_capture_usage(true)`), its stop
/// reason and response id. It names no adapter: on a call whose provider is `aws.bedrock`, the
/// cache tokens Bedrock's input count leaves out are added to it.
impl Recordable for ChatStreamEvent {
    fn report<'a>(&'a self, report: &mut Report<'a>) {
        report.if_usage_missing = Some(GENAI_CAPTURE_USAGE);
        report.input_excludes_cache_on = Some(BEDROCK);
        let ChatStreamEvent::End(end) = self else {
            return;
        };
        report.response_id = end.captured_response_id.as_deref();
        if let Some(reason) = &end.captured_stop_reason {
            report.finish_reason(stop_reason(reason));
        }
        if let Some(captured) = &end.captured_usage {
            let usage = usage(captured, false, report);
            report.usage = Some(UsageReport::Part(usage));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::genai::chat::PromptTokensDetails;

    #[test]
    fn bedrock_input_gets_the_cache_tokens_it_leaves_out() {
        let genai_usage = GenaiUsage {
            prompt_tokens: Some(10),
            prompt_tokens_details: Some(PromptTokensDetails {
                cached_tokens: Some(7),
                cache_creation_tokens: Some(3),
                ..Default::default()
            }),
            completion_tokens: Some(5),
            ..Default::default()
        };
        let mut report = Report::default();
        assert_eq!(usage(&genai_usage, true, &mut report).input, 20);
        assert_eq!(usage(&genai_usage, false, &mut report).input, 10);
        assert!(report.not_a_count.is_none());
        assert!(is_bedrock(AdapterKind::BedrockApi) && !is_bedrock(AdapterKind::Anthropic));
    }

    #[test]
    fn a_negative_count_is_noted_as_not_a_count_and_read_as_zero() {
        let genai_usage = GenaiUsage {
            prompt_tokens: Some(10),
            completion_tokens: Some(-3),
            ..Default::default()
        };
        let mut report = Report::default();
        assert_eq!(usage(&genai_usage, false, &mut report).output, 0);
        assert_eq!(
            report.not_a_count.map(|bad| bad.to_string()).as_deref(),
            Some("completion_tokens=-3 (not a token count)")
        );
    }
}
