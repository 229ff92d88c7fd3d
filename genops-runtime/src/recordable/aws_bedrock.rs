//! AWS Bedrock's Converse API (feature `aws-bedrock`): the output of `converse`, the events of
//! `converse_stream` and the output of `converse_stream` itself (its request id).
//!
//! Bedrock's responses name no model: the call is priced by the model it requested (the
//! tracked function's `model`). They carry no response id either; the request id AWS returns
//! with each response (`x-amzn-requestid`) is recorded as `gen_ai.response.id`.

use aws_sdk_bedrockruntime::error::SdkError;
use aws_sdk_bedrockruntime::operation::converse::ConverseOutput;
use aws_sdk_bedrockruntime::operation::converse_stream::ConverseStreamOutput as ConverseStreamResponse;
use aws_sdk_bedrockruntime::operation::RequestId;
use aws_sdk_bedrockruntime::types::error::ConverseStreamOutputError;
use aws_sdk_bedrockruntime::types::{ConverseStreamOutput, TokenUsage};
use aws_smithy_types::event_stream::RawMessage;
use futures_core::Stream;

use super::{Recordable, Report, UsageReport};
use crate::usage::Usage;

/// What a ConverseStream that ended without usage lacked.
const BEDROCK_METADATA: &str = "Bedrock sends a ConverseStream's usage in its last event, \
     `metadata`, and this stream ended without it";

/// Bedrock's `inputTokens` excludes the cache reads and writes, which the GenAI conventions'
/// input includes: they are added. A negative count is not a count: it is noted on `report`.
fn usage(usage: &TokenUsage, report: &mut Report<'_>) -> UsageReport {
    let mut n = |field: &'static str, tokens: i32| report.signed_count(field, i64::from(tokens));
    let cache_read = n(
        "cacheReadInputTokens",
        usage.cache_read_input_tokens.unwrap_or(0),
    );
    let cache_write = n(
        "cacheWriteInputTokens",
        usage.cache_write_input_tokens.unwrap_or(0),
    );
    let input = n("inputTokens", usage.input_tokens)
        .saturating_add(cache_read)
        .saturating_add(cache_write);
    UsageReport::Part(
        Usage::new(input, n("outputTokens", usage.output_tokens))
            .cache_read(cache_read)
            .cache_creation(cache_write),
    )
}

/// The usage, the stop reason (`end_turn`, `tool_use`, `max_tokens`, `stop_sequence`,
/// `guardrail_intervened`, `content_filtered`, ...) and the request id.
impl Recordable for ConverseOutput {
    fn report<'a>(&'a self, report: &mut Report<'a>) {
        report.response_id = self.request_id();
        report.finish_reason(self.stop_reason.as_str());
        if let Some(tokens) = &self.usage {
            report.usage = Some(usage(tokens, report));
        }
    }
}

/// The request id of a ConverseStream; its events report the rest.
impl Recordable for ConverseStreamResponse {
    fn report<'a>(&'a self, report: &mut Report<'a>) {
        report.response_id = self.request_id();
    }
}

/// `messageStop` carries the stop reason and `metadata`, the stream's last event, its usage.
impl Recordable for ConverseStreamOutput {
    fn report<'a>(&'a self, report: &mut Report<'a>) {
        report.if_usage_missing = Some(BEDROCK_METADATA);
        match self {
            ConverseStreamOutput::MessageStop(stop) => {
                report.finish_reason(stop.stop_reason.as_str());
            }
            ConverseStreamOutput::Metadata(metadata) => {
                if let Some(tokens) = &metadata.usage {
                    report.usage = Some(usage(tokens, report));
                }
            }
            _ => {}
        }
    }
}

/// The error of one ConverseStream event: a transport failure, an event that could not be
/// read, or an error event Bedrock sent (throttling, validation, a model stream error, ...).
///
/// ```
/// use aws_sdk_bedrockruntime::error::ProvideErrorMetadata;
/// fn describe(error: &genops::bedrock::ConverseStreamError) -> String {
///     match error.as_service_error() {
///         Some(event) => format!("{}: {}", event.code().unwrap_or("?"), event.message().unwrap_or("")),
///         None => error.to_string(),
///     }
/// }
/// ```
pub type ConverseStreamError = SdkError<ConverseStreamOutputError, RawMessage>;

/// The events of a ConverseStream as a [`Stream`], in order: each `Ok` event until the stream's
/// end, or an `Err` that ends it (the SDK's `EventReceiver` is not a `Stream`).
pub(crate) fn converse_stream_events(
    output: ConverseStreamResponse,
) -> impl Stream<Item = Result<ConverseStreamOutput, ConverseStreamError>> + Send + 'static {
    futures_util::stream::unfold(Some(output.stream), |receiver| async move {
        let mut receiver = receiver?;
        match receiver.recv().await {
            Ok(Some(event)) => Some((Ok(event), Some(receiver))),
            Ok(None) => None,
            Err(error) => Some((Err(error), None)),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_bedrockruntime::types::{
        ConverseStreamMetadataEvent, MessageStopEvent, StopReason,
    };

    fn token_usage(input: i32, output: i32, read: Option<i32>, write: Option<i32>) -> TokenUsage {
        TokenUsage::builder()
            .input_tokens(input)
            .output_tokens(output)
            .total_tokens(input + output + read.unwrap_or(0) + write.unwrap_or(0))
            .set_cache_read_input_tokens(read)
            .set_cache_write_input_tokens(write)
            .build()
            .expect("every required field")
    }

    fn reported(value: &impl Recordable) -> (Option<UsageReport>, Vec<String>) {
        let mut report = Report::default();
        value.report(&mut report);
        let reasons = report.finish_reasons().map(str::to_owned).collect();
        (report.usage, reasons)
    }

    #[test]
    fn input_includes_the_cache_reads_and_writes_bedrock_leaves_out() {
        let output = ConverseOutput::builder()
            .stop_reason(StopReason::MaxTokens)
            .usage(token_usage(10, 5, Some(700), Some(300)))
            .build()
            .expect("a stop reason");
        let (usage, reasons) = reported(&output);
        let expected = Usage::new(1_010, 5).cache_read(700).cache_creation(300);
        assert_eq!(usage, Some(UsageReport::Part(expected)));
        assert_eq!(reasons, ["max_tokens"]);

        let plain = ConverseOutput::builder()
            .stop_reason(StopReason::EndTurn)
            .usage(token_usage(10, 5, None, None))
            .build()
            .expect("a stop reason");
        assert_eq!(
            reported(&plain).0,
            Some(UsageReport::Part(Usage::new(10, 5)))
        );
    }

    #[test]
    fn stream_events_report_the_stop_reason_then_the_usage() {
        let stop = ConverseStreamOutput::MessageStop(
            MessageStopEvent::builder()
                .stop_reason(StopReason::from("guardrail_intervened"))
                .build()
                .expect("a stop reason"),
        );
        assert_eq!(reported(&stop), (None, vec!["guardrail_intervened".into()]));
        let metadata = ConverseStreamOutput::Metadata(
            ConverseStreamMetadataEvent::builder()
                .usage(token_usage(20, 8, Some(100), None))
                .build(),
        );
        let expected = Usage::new(120, 8).cache_read(100);
        assert_eq!(
            reported(&metadata),
            (Some(UsageReport::Part(expected)), vec![])
        );
        let mut report = Report::default();
        metadata.report(&mut report);
        assert_eq!(report.if_usage_missing, Some(BEDROCK_METADATA));
        // A stop reason newer than the SDK keeps Bedrock's own name.
        let unknown = ConverseOutput::builder()
            .stop_reason(StopReason::from("model_context_window_exceeded"))
            .build()
            .expect("a stop reason");
        assert_eq!(reported(&unknown).1, ["model_context_window_exceeded"]);
    }
}
