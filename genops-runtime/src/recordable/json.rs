//! Raw provider JSON: the bodies and stream events of OpenAI's chat completions, Responses and
//! embeddings APIs, Anthropic's Messages API and Gemini's `generateContent`, recognised by
//! their shape.

use serde_json::{Map, Value};

use super::{IncludeUsage, Recordable, Report, UsageReport};
use crate::usage::{ServiceTier, Usage};

/// What an OpenAI chat stream that ended without usage needs.
pub(crate) const OPENAI_INCLUDE_USAGE: &str =
    "OpenAI chat streams carry usage only when the request sets \
     `stream_options.include_usage` to true (`genops::IncludeUsage::include_usage`)";

/// The count in `object[key]`: 0 when absent or `null`; a value that is not a token count is
/// noted on `report` (its usage cannot be true) and read as 0.
fn count<'a>(report: &mut Report<'a>, object: &'a Value, key: &'static str) -> u64 {
    object
        .get(key)
        .map_or(0, |value| report.json_count(key, value))
}

fn text<'a>(object: &'a Value, key: &str) -> Option<&'a str> {
    object.get(key).and_then(Value::as_str)
}

/// The service tier a response reports in its `service_tier`.
fn service_tier(object: &Value) -> ServiceTier {
    text(object, "service_tier").map_or(ServiceTier::Standard, ServiceTier::from_name)
}

impl Recordable for Value {
    fn report<'a>(&'a self, report: &mut Report<'a>) {
        match (text(self, "object"), text(self, "type")) {
            (Some("chat.completion"), _) => openai_chat(self, report),
            (Some("chat.completion.chunk"), _) => {
                report.if_usage_missing = Some(OPENAI_INCLUDE_USAGE);
                openai_chat(self, report);
            }
            (Some("response"), _) => openai_response(self, report),
            (Some("list"), _) => openai_embeddings(self, report),
            (_, Some("message")) => anthropic_message(self, report, false),
            (_, Some("message_start")) => {
                if let Some(message) = self.get("message") {
                    anthropic_message(message, report, true);
                }
            }
            (_, Some("message_delta")) => {
                if let Some(usage) = self.get("usage") {
                    let usage = anthropic_usage(usage, report);
                    report.usage = Some(UsageReport::Cumulative(usage));
                }
                if let Some(reason) = self.get("delta").and_then(|d| text(d, "stop_reason")) {
                    report.finish_reason(reason);
                }
            }
            // A Responses API stream event (`response.created`, `response.completed`, ...).
            (_, Some(kind)) if kind.starts_with("response.") => {
                if let Some(response) = self.get("response") {
                    openai_response(response, report);
                }
            }
            _ if self.get("usageMetadata").is_some() || self.get("candidates").is_some() => {
                gemini(self, report);
            }
            _ => {}
        }
    }
}

/// A chat completion or chat completion chunk. `prompt_tokens` includes the cached and audio
/// tokens, `completion_tokens` the reasoning and audio tokens.
fn openai_chat<'a>(body: &'a Value, report: &mut Report<'a>) {
    report.response_model = text(body, "model");
    report.response_id = text(body, "id");
    if let Some(choices) = body.get("choices").and_then(Value::as_array) {
        for reason in choices.iter().filter_map(|c| text(c, "finish_reason")) {
            report.finish_reason(reason);
        }
    }
    let Some(usage) = body.get("usage").filter(|u| u.is_object()) else {
        return;
    };
    let input = usage.get("prompt_tokens_details").unwrap_or(&Value::Null);
    let output = usage
        .get("completion_tokens_details")
        .unwrap_or(&Value::Null);
    let r = &mut *report;
    let counted = Usage::new(
        count(r, usage, "prompt_tokens"),
        count(r, usage, "completion_tokens"),
    )
    .cache_read(count(r, input, "cached_tokens"))
    .cache_creation(count(r, input, "cache_write_tokens"))
    .input_audio(count(r, input, "audio_tokens"))
    .reasoning(count(r, output, "reasoning_tokens"))
    .output_audio(count(r, output, "audio_tokens"))
    .service_tier(service_tier(body));
    report.usage = Some(UsageReport::Part(counted));
}

/// A Responses API response. `input_tokens` includes the cached tokens, `output_tokens` the
/// reasoning tokens; each `web_search_call` output item is one web search.
fn openai_response<'a>(body: &'a Value, report: &mut Report<'a>) {
    report.response_model = text(body, "model");
    report.response_id = text(body, "id");
    let reason = body
        .get("incomplete_details")
        .and_then(|d| text(d, "reason"))
        .or_else(|| text(body, "status"));
    if let Some(reason) = reason.filter(|r| !matches!(*r, "in_progress" | "queued")) {
        report.finish_reason(reason);
    }
    let Some(usage) = body.get("usage").filter(|u| u.is_object()) else {
        return;
    };
    let input = usage.get("input_tokens_details").unwrap_or(&Value::Null);
    let output = usage.get("output_tokens_details").unwrap_or(&Value::Null);
    let searches = body
        .get("output")
        .and_then(Value::as_array)
        .map_or(0, |items| {
            items
                .iter()
                .filter(|item| text(item, "type") == Some("web_search_call"))
                .count() as u64
        });
    let r = &mut *report;
    let counted = Usage::new(
        count(r, usage, "input_tokens"),
        count(r, usage, "output_tokens"),
    )
    .cache_read(count(r, input, "cached_tokens"))
    .cache_creation(count(r, input, "cache_write_tokens"))
    .reasoning(count(r, output, "reasoning_tokens"))
    .web_search(searches)
    .service_tier(service_tier(body));
    report.usage = Some(UsageReport::Part(counted));
}

/// An embeddings response: `{"object": "list", "model": ..., "usage": {"prompt_tokens": ...}}`.
fn openai_embeddings<'a>(body: &'a Value, report: &mut Report<'a>) {
    let Some(usage) = body.get("usage").filter(|u| u.is_object()) else {
        return;
    };
    report.response_model = text(body, "model");
    let input = count(report, usage, "prompt_tokens");
    report.usage = Some(UsageReport::Part(Usage::new(input, 0)));
}

/// Anthropic's usage: `input_tokens` excludes the cache reads and writes, which the GenAI
/// conventions count as input.
fn anthropic_usage<'a>(usage: &'a Value, r: &mut Report<'a>) -> Usage {
    let cache_read = count(r, usage, "cache_read_input_tokens");
    let cache_creation = count(r, usage, "cache_creation_input_tokens");
    let one_hour = usage
        .get("cache_creation")
        .map_or(0, |c| count(r, c, "ephemeral_1h_input_tokens"));
    let searches = usage
        .get("server_tool_use")
        .map_or(0, |s| count(r, s, "web_search_requests"));
    let input = count(r, usage, "input_tokens")
        .saturating_add(cache_read)
        .saturating_add(cache_creation);
    Usage::new(input, count(r, usage, "output_tokens"))
        .cache_read(cache_read)
        .cache_creation(cache_creation)
        .cache_creation_1h(one_hour)
        .web_search(searches)
        .service_tier(service_tier(usage))
}

/// An Anthropic message: a whole response, or the one `message_start` carries (`cumulative`).
fn anthropic_message<'a>(message: &'a Value, report: &mut Report<'a>, cumulative: bool) {
    report.response_model = text(message, "model");
    report.response_id = text(message, "id");
    if let Some(reason) = text(message, "stop_reason") {
        report.finish_reason(reason);
    }
    if let Some(usage) = message.get("usage").filter(|u| u.is_object()) {
        let usage = anthropic_usage(usage, report);
        report.usage = Some(if cumulative {
            UsageReport::Cumulative(usage)
        } else {
            UsageReport::Part(usage)
        });
    }
}

/// The tokens of one modality in a Gemini `*TokensDetails` list (saturating: the counts are
/// the provider's, and may be anything).
fn gemini_modality<'a>(r: &mut Report<'a>, usage: &'a Value, key: &str, modality: &str) -> u64 {
    let details = usage.get(key).and_then(Value::as_array);
    details.into_iter().flatten().fold(0, |sum: u64, d| {
        if text(d, "modality") == Some(modality) {
            sum.saturating_add(count(r, d, "tokenCount"))
        } else {
            sum
        }
    })
}

/// A Gemini `generateContent` response or one chunk of `streamGenerateContent`, whose
/// `usageMetadata` counts the whole response so far. `promptTokenCount` includes the cached
/// tokens; `candidatesTokenCount` excludes the thinking tokens (`thoughtsTokenCount`), which
/// the GenAI conventions count as output; tool-use prompt tokens are input.
fn gemini<'a>(body: &'a Value, report: &mut Report<'a>) {
    report.response_model = text(body, "modelVersion");
    report.response_id = text(body, "responseId");
    if let Some(candidates) = body.get("candidates").and_then(Value::as_array) {
        for reason in candidates.iter().filter_map(|c| text(c, "finishReason")) {
            report.finish_reason(reason);
        }
    }
    let Some(usage) = body.get("usageMetadata").filter(|u| u.is_object()) else {
        return;
    };
    let r = &mut *report;
    let thoughts = count(r, usage, "thoughtsTokenCount");
    let input = count(r, usage, "promptTokenCount").saturating_add(count(
        r,
        usage,
        "toolUsePromptTokenCount",
    ));
    let output = count(r, usage, "candidatesTokenCount").saturating_add(thoughts);
    let counted = Usage::new(input, output)
        .cache_read(count(r, usage, "cachedContentTokenCount"))
        .reasoning(thoughts)
        .input_audio(gemini_modality(r, usage, "promptTokensDetails", "AUDIO"))
        .output_audio(gemini_modality(
            r,
            usage,
            "candidatesTokensDetails",
            "AUDIO",
        ));
    report.usage = Some(UsageReport::Cumulative(counted));
}

impl IncludeUsage for Value {
    /// Sets `stream_options.include_usage` on a JSON request body (an object); a body that is
    /// not an object is left as it is.
    fn include_usage(&mut self) -> &mut Self {
        if let Some(body) = self.as_object_mut() {
            let options = body
                .entry("stream_options")
                .or_insert_with(|| Value::Object(Map::new()));
            if !options.is_object() {
                *options = Value::Object(Map::new());
            }
            if let Some(options) = options.as_object_mut() {
                options.insert("include_usage".into(), Value::Bool(true));
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn report(body: &Value) -> Report<'_> {
        let mut report = Report::default();
        body.report(&mut report);
        report
    }

    #[test]
    fn anthropic_input_includes_the_cache_reads_and_writes() {
        let body = json!({
            "type": "message", "id": "msg_1", "model": "claude-sonnet-4-5",
            "stop_reason": "end_turn",
            "usage": {
                "input_tokens": 10, "cache_read_input_tokens": 200,
                "cache_creation_input_tokens": 300,
                "cache_creation": {"ephemeral_5m_input_tokens": 100, "ephemeral_1h_input_tokens": 200},
                "output_tokens": 50, "service_tier": "priority"
            }
        });
        let expected = Usage::new(510, 50)
            .cache_read(200)
            .cache_creation(300)
            .cache_creation_1h(200)
            .service_tier(ServiceTier::Priority);
        assert_eq!(report(&body).usage, Some(UsageReport::Part(expected)));
    }

    #[test]
    fn only_whole_numbers_from_0_to_u64_max_are_counts_and_the_first_other_is_noted() {
        let counts = [
            (json!(7), Some(7)),
            (json!(u64::MAX), Some(u64::MAX)),
            (json!(12.0), Some(12)),
            (json!(null), Some(0)),
            (json!(-1), None),
            (json!(0.5), None),
            (json!(1e20), None),
            (json!("7"), None),
            (json!(false), None),
            (json!([7]), None),
            (json!({"n": 7}), None),
        ];
        for (value, count) in &counts {
            let mut report = Report::default();
            let read = report.json_count("n", value);
            let noted = report.not_a_count.map(|bad| bad.to_string());
            match count {
                Some(n) => assert_eq!((read, noted), (*n, None), "{value}"),
                None => assert_eq!(
                    (read, noted),
                    (0, Some(format!("n={value} (not a token count)"))),
                    "{value}"
                ),
            }
        }
        // The first one is kept.
        let body = json!({
            "object": "chat.completion",
            "usage": {"prompt_tokens": -1, "completion_tokens": "2"}
        });
        let noted = report(&body).not_a_count.map(|bad| bad.to_string());
        assert_eq!(
            noted.as_deref(),
            Some("prompt_tokens=-1 (not a token count)")
        );
    }

    #[test]
    fn unknown_shapes_report_nothing() {
        for body in [
            json!(null),
            json!({"object": "model"}),
            json!({"type": "ping"}),
            json!([1]),
        ] {
            let report = report(&body);
            assert!(
                report.usage.is_none() && report.response_model.is_none(),
                "{body}"
            );
        }
    }

    #[test]
    fn include_usage_keeps_the_other_stream_options() {
        let mut body = json!({"stream_options": {"include_obfuscation": false}});
        body.include_usage();
        assert_eq!(
            body["stream_options"],
            json!({"include_obfuscation": false, "include_usage": true})
        );
    }
}
