//! async-openai's response types (feature `async-openai`): chat completions and their stream
//! chunks, Responses API responses and stream events, and embeddings.

use async_openai::types::chat::{
    CompletionUsage, CreateChatCompletionRequest, CreateChatCompletionResponse,
    CreateChatCompletionStreamResponse, FinishReason, ServiceTier as ChatServiceTier,
};
use async_openai::types::embeddings::CreateEmbeddingResponse;
use async_openai::types::responses::{
    OutputItem, Response, ResponseStreamEvent, ServiceTierResponses, Status,
};

use super::json::OPENAI_INCLUDE_USAGE;
use super::{IncludeUsage, Recordable, Report, UsageReport};
use crate::usage::{ServiceTier, Usage};

fn finish_reason(reason: &FinishReason) -> &'static str {
    match reason {
        FinishReason::Stop => "stop",
        FinishReason::Length => "length",
        FinishReason::ToolCalls => "tool_calls",
        FinishReason::ContentFilter => "content_filter",
        FinishReason::FunctionCall => "function_call",
    }
}

fn chat_tier(tier: Option<&ChatServiceTier>) -> ServiceTier {
    match tier {
        Some(ChatServiceTier::Flex) => ServiceTier::Flex,
        Some(ChatServiceTier::Priority | ChatServiceTier::Fast) => ServiceTier::Priority,
        _ => ServiceTier::Standard,
    }
}

/// `prompt_tokens` includes the cached, cache-write and audio tokens; `completion_tokens` the
/// reasoning and audio tokens.
/// A negative cache-write count is not a count: it is noted on `report`.
fn chat_usage(
    usage: &CompletionUsage,
    tier: Option<&ChatServiceTier>,
    report: &mut Report<'_>,
) -> UsageReport {
    let input = usage.prompt_tokens_details.as_ref();
    let output = usage.completion_tokens_details.as_ref();
    let n = |v: Option<u32>| u64::from(v.unwrap_or(0));
    let cache_write = input
        .and_then(|d| d.cache_write_tokens)
        .map_or(0, |t| report.signed_count("cache_write_tokens", t));
    UsageReport::Part(
        Usage::new(
            u64::from(usage.prompt_tokens),
            u64::from(usage.completion_tokens),
        )
        .cache_read(n(input.and_then(|d| d.cached_tokens)))
        .cache_creation(cache_write)
        .input_audio(n(input.and_then(|d| d.audio_tokens)))
        .reasoning(n(output.and_then(|d| d.reasoning_tokens)))
        .output_audio(n(output.and_then(|d| d.audio_tokens)))
        .service_tier(chat_tier(tier)),
    )
}

/// A chat completion and a chunk of its stream carry the same fields. A stream has usage only
/// with `stream_options.include_usage`, in its last chunk.
macro_rules! chat_recordable {
    ($ty:ty, if_usage_missing: $if_missing:expr) => {
        impl Recordable for $ty {
            fn report<'a>(&'a self, report: &mut Report<'a>) {
                let if_missing: Option<&'static str> = $if_missing;
                if if_missing.is_some() {
                    report.if_usage_missing = if_missing;
                }
                report.response_model = Some(&self.model);
                report.response_id = Some(&self.id);
                for reason in self.choices.iter().filter_map(|c| c.finish_reason.as_ref()) {
                    report.finish_reason(finish_reason(reason));
                }
                if let Some(usage) = &self.usage {
                    let usage = chat_usage(usage, self.service_tier.as_ref(), report);
                    report.usage = Some(usage);
                }
            }
        }
    };
}

chat_recordable!(CreateChatCompletionResponse, if_usage_missing: None);
chat_recordable!(CreateChatCompletionStreamResponse, if_usage_missing: Some(OPENAI_INCLUDE_USAGE));

/// A Responses API response: `input_tokens` includes the cached tokens, `output_tokens` the
/// reasoning tokens; each web search call is one web search.
impl Recordable for Response {
    fn report<'a>(&'a self, report: &mut Report<'a>) {
        report.response_model = Some(&self.model);
        report.response_id = Some(&self.id);
        let status = match self.status {
            Status::Completed => Some("completed"),
            Status::Failed => Some("failed"),
            Status::Cancelled => Some("cancelled"),
            Status::Incomplete => Some("incomplete"),
            Status::InProgress | Status::Queued => None,
        };
        let incomplete = self.incomplete_details.as_ref().map(|d| d.reason.as_str());
        if let Some(reason) = incomplete.or(status) {
            report.finish_reason(reason);
        }
        let Some(usage) = &self.usage else {
            return;
        };
        let tier = match self.service_tier {
            Some(ServiceTierResponses::Flex) => ServiceTier::Flex,
            Some(ServiceTierResponses::Priority | ServiceTierResponses::Fast) => {
                ServiceTier::Priority
            }
            _ => ServiceTier::Standard,
        };
        let searches = self
            .output
            .iter()
            .filter(|item| matches!(item, OutputItem::WebSearchCall(_)))
            .count() as u64;
        let cache_write = usage
            .input_tokens_details
            .cache_write_tokens
            .map_or(0, |t| report.signed_count("cache_write_tokens", t));
        report.usage = Some(UsageReport::Part(
            Usage::new(
                u64::from(usage.input_tokens),
                u64::from(usage.output_tokens),
            )
            .cache_read(u64::from(usage.input_tokens_details.cached_tokens))
            .cache_creation(cache_write)
            .reasoning(u64::from(usage.output_tokens_details.reasoning_tokens))
            .web_search(searches)
            .service_tier(tier),
        ));
    }
}

/// The events that carry the response: its usage comes with `response.completed` (or
/// `response.incomplete`, `response.failed`).
impl Recordable for ResponseStreamEvent {
    fn report<'a>(&'a self, report: &mut Report<'a>) {
        let response = match self {
            ResponseStreamEvent::ResponseCreated(e) => &e.response,
            ResponseStreamEvent::ResponseInProgress(e) => &e.response,
            ResponseStreamEvent::ResponseQueued(e) => &e.response,
            ResponseStreamEvent::ResponseCompleted(e) => &e.response,
            ResponseStreamEvent::ResponseIncomplete(e) => &e.response,
            ResponseStreamEvent::ResponseFailed(e) => &e.response,
            _ => return,
        };
        response.report(report);
    }
}

impl Recordable for CreateEmbeddingResponse {
    fn report<'a>(&'a self, report: &mut Report<'a>) {
        report.response_model = Some(&self.model);
        report.usage = Some(UsageReport::Part(Usage::new(
            u64::from(self.usage.prompt_tokens),
            0,
        )));
    }
}

impl IncludeUsage for CreateChatCompletionRequest {
    /// Sets `stream_options.include_usage`, keeping the other stream options.
    ///
    /// ```
    /// use async_openai::types::chat::CreateChatCompletionRequest;
    /// use genops::IncludeUsage;
    /// let mut request = CreateChatCompletionRequest {
    ///     model: "gpt-4o-mini".into(),
    ///     stream: Some(true),
    ///     ..Default::default()
    /// };
    /// request.include_usage();
    /// assert_eq!(request.stream_options.unwrap().include_usage, Some(true));
    /// ```
    fn include_usage(&mut self) -> &mut Self {
        self.stream_options
            .get_or_insert_with(Default::default)
            .include_usage = Some(true);
        self
    }
}
