//! rig's `CompletionRequest` (feature `rig`). It names neither the provider nor (unless it
//! overrides it) the model: the completion model it is sent to does. The call's `provider` and
//! `model` price it, as for every request.

use rig_core::completion::message::{
    AssistantContent, DocumentSourceKind, ReasoningContent, ToolResultContent, UserContent,
};
use rig_core::completion::{CompletionRequest, Message};
use serde_json::Value;

use super::bound::{CacheWrite, Family, Reading, RequestBound};
use super::count::Counter;
use super::error::HoldError;
use super::json;
use super::read::sealed::Read;

/// The output caps a provider takes from `additional_params`, which rig merges into the body
/// it sends: any of them may raise the request's own `max_tokens`.
const CAPS: [&str; 4] = [
    "max_tokens",
    "max_completion_tokens",
    "max_output_tokens",
    "maxOutputTokens",
];

impl Read for CompletionRequest {
    fn bound(&self, reading: Reading<'_>) -> Result<RequestBound, HoldError> {
        if self.chat_history.is_empty() {
            return Err(HoldError::NoMessages {
                field: "chat_history",
            });
        }
        let mut counter = Counter::new(reading);
        if let Some(preamble) = &self.preamble {
            counter.message();
            counter.text(preamble);
        }
        // rig sends the documents as one user message of their rendered text.
        if !self.documents.is_empty() {
            counter.message();
            for document in &self.documents {
                counter.text(&document.to_string());
            }
        }
        for message in &self.chat_history {
            counter.message();
            match message {
                Message::System { content } => counter.text(content),
                Message::User { content } => content.iter().for_each(|c| user(c, &mut counter)),
                Message::Assistant { content, .. } => {
                    content.iter().for_each(|c| assistant(c, &mut counter))
                }
            }
        }
        counter.tools(self.tools.len(), &self.tools);
        if let Some(choice) = &self.tool_choice {
            counter.json(choice);
        }
        if let Some(schema) = &self.output_schema {
            counter.json(schema);
        }
        let params = match &self.additional_params {
            Some(Value::Object(params)) => Some(params),
            _ => None,
        };
        let mut cap = self.max_tokens;
        if let Some(params) = params {
            // rig merges them into the body it sends: a provider's own tools (web search, code
            // execution) and settings are input too. Counted whole, caps included.
            counter.json(params);
            for key in CAPS {
                cap = cap.max(json::count(params, key)?);
            }
            counter.bound.choices = json::count(params, "n")?.unwrap_or(1);
            counter.bound.service_tier = json::service_tier(params)?;
        }
        counter.bound.output = cap;
        // rig's Claude models write the prompt cache by their own settings (prompt caching,
        // automatic caching, a one-hour TTL), which the request does not show.
        if reading.family == Family::Anthropic {
            counter.bound.cache_write = CacheWrite::OneHour;
        }
        Ok(counter.bound)
    }
}

/// Counts one part of a user message.
fn user(content: &UserContent, counter: &mut Counter<'_>) {
    match content {
        UserContent::Text(text) => counter.text(&text.text),
        UserContent::ToolResult(result) => {
            counter.text(&result.name);
            for part in &result.content {
                match part {
                    ToolResultContent::Text(text) => counter.text(&text.text),
                    ToolResultContent::Image(_) => counter.image(),
                    ToolResultContent::Json { value } => counter.json(value),
                }
            }
        }
        UserContent::Image(_) => counter.image(),
        UserContent::Audio(_) => counter.unbounded("audio"),
        UserContent::Video(_) => counter.unbounded("video"),
        UserContent::Document(document) => match &document.data {
            DocumentSourceKind::String(text) => counter.text(text),
            _ => counter.unbounded("file"),
        },
    }
}

/// Counts one part of an assistant message sent back as history.
fn assistant(content: &AssistantContent, counter: &mut Counter<'_>) {
    match content {
        AssistantContent::Text(text) => counter.text(&text.text),
        AssistantContent::ToolCall(call) => {
            counter.text(&call.function.name);
            counter.json(&call.function.arguments);
        }
        AssistantContent::Reasoning(reasoning) => {
            for part in &reasoning.content {
                match part {
                    ReasoningContent::Text { text, .. } | ReasoningContent::Summary(text) => {
                        counter.text(text)
                    }
                    // An opaque payload is sent as it is: at most one token per byte.
                    ReasoningContent::Encrypted(data) | ReasoningContent::Redacted { data } => {
                        counter.tokens(data.len() as u64)
                    }
                }
            }
        }
        AssistantContent::Image(_) => counter.image(),
    }
}

#[cfg(test)]
mod tests {
    use rig_core::completion::message::{Document as Attachment, Image, Text};
    use rig_core::completion::{Document, ToolDefinition};
    use serde_json::json;

    use super::*;

    /// A request of `history`, with nothing else set.
    fn request(history: Vec<Message>) -> CompletionRequest {
        CompletionRequest {
            model: None,
            preamble: None,
            chat_history: history,
            documents: Vec::new(),
            tools: Vec::new(),
            temperature: None,
            max_tokens: None,
            tool_choice: None,
            additional_params: None,
            output_schema: None,
            record_telemetry_content: false,
        }
    }

    fn openai() -> Reading<'static> {
        Reading {
            family: Family::OpenAi,
            model: "gpt-4o",
        }
    }

    /// The tokens a text counts on gpt-4o: `exact` with the `tokenizer` feature, its `bytes`
    /// without.
    fn gpt_4o(bytes: u64, exact: u64) -> u64 {
        if cfg!(feature = "tokenizer") {
            exact
        } else {
            bytes
        }
    }

    #[test]
    fn every_part_of_the_request_is_counted() {
        let mut full = request(vec![
            Message::user("Hello!"),
            Message::Assistant {
                id: None,
                content: vec![AssistantContent::text("Hi.")],
            },
            Message::User {
                content: vec![
                    UserContent::Image(Image::default()),
                    UserContent::Document(Attachment {
                        data: DocumentSourceKind::String("abcd".into()),
                        media_type: None,
                        additional_params: None,
                    }),
                ],
            },
        ]);
        full.preamble = Some("Be brief.".into());
        full.documents = vec![Document {
            id: "d".into(),
            text: "x".into(),
            additional_props: Default::default(),
        }];
        full.tools = vec![ToolDefinition {
            name: "f".into(),
            description: String::new(),
            parameters: json!({}),
        }];
        full.max_tokens = Some(100);
        let bound = full.bound(openai()).unwrap();
        // 3 (the reply) + (3 + "Be brief.") + (3 + "<file id: d>\nx\n</file>\n", 23 bytes)
        // + (3 + "Hello!") + (3 + "Hi.") + (3 + 3,779 for the image + "abcd") + the tools'
        // JSON, [{"name":"f","description":"","parameters":{}}], 47 bytes, + 16.
        let text = gpt_4o(9, 3) + gpt_4o(23, 11) + gpt_4o(6, 2) + gpt_4o(3, 2) + gpt_4o(4, 1);
        assert_eq!(bound.input, 3 + 3 * 5 + 3_779 + text + 47 + 16);
        assert_eq!(bound.unbounded, None);
        assert_eq!(bound.output, Some(100));
        assert_eq!(bound.cache_write, CacheWrite::None);
    }

    #[test]
    fn additional_params_raise_the_cap_and_set_the_tier() {
        let mut asked = request(vec![Message::user("Hi")]);
        asked.max_tokens = Some(100);
        asked.additional_params = Some(json!({"max_completion_tokens": 300, "n": 2,
                                              "service_tier": "flex"}));
        let bound = asked.bound(openai()).unwrap();
        assert_eq!((bound.output, bound.choices), (Some(300), 2));
        assert_eq!(bound.service_tier, crate::usage::ServiceTier::Flex);
        asked.additional_params = Some(json!({"max_tokens": -1}));
        assert!(matches!(
            asked.bound(openai()),
            Err(HoldError::BadField { field, .. }) if field == "max_tokens"
        ));
    }

    #[test]
    fn additional_params_are_input() {
        let mut plain = request(vec![Message::user("Hi")]);
        let without = plain.bound(openai()).unwrap().input;
        // A provider's own tool, merged into the body.
        let tools =
            json!({"tools": [{"type": "web_search_preview", "search_context_size": "high"}]});
        let written = serde_json::to_string(&tools).unwrap().len() as u64;
        plain.additional_params = Some(tools);
        assert_eq!(plain.bound(openai()).unwrap().input, without + written);
    }

    #[test]
    fn an_empty_history_audio_and_files_are_named() {
        assert_eq!(
            request(Vec::new()).bound(openai()),
            Err(HoldError::NoMessages {
                field: "chat_history"
            })
        );
        let file = request(vec![Message::User {
            content: vec![UserContent::Document(Attachment::default())],
        }]);
        assert_eq!(file.bound(openai()).unwrap().unbounded, Some("file"));
        // Text alone is bounded.
        let text = request(vec![Message::User {
            content: vec![UserContent::Text(Text::new("x"))],
        }]);
        assert_eq!(text.bound(openai()).unwrap().unbounded, None);
    }
}
