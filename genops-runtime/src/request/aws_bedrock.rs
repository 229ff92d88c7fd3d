//! AWS Bedrock's Converse input (feature `aws-bedrock`), as `converse` and `converse_stream`
//! take it. Claude models are read by Anthropic's rules; an image sent to another model is
//! bounded only by its context window.

use aws_sdk_bedrockruntime::operation::converse::builders::ConverseInputBuilder;
use aws_sdk_bedrockruntime::operation::converse::ConverseInput;
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ReasoningContentBlock, SystemContentBlock, Tool, ToolInputSchema,
    ToolResultContentBlock,
};
use aws_smithy_types::{Document, Number};
use serde_json::{json, Value};

use super::bound::{CacheWrite, Reading, RequestBound};
use super::count::Counter;
use super::error::HoldError;
use super::read::sealed::Read;

impl Read for ConverseInput {
    fn bound(&self, reading: Reading<'_>) -> Result<RequestBound, HoldError> {
        let messages = self.messages.as_deref().unwrap_or_default();
        if messages.is_empty() {
            return Err(HoldError::NoMessages { field: "messages" });
        }
        let mut counter = Counter::new(reading);
        let mut cached = false;
        for block in self.system.as_deref().unwrap_or_default() {
            counter.message();
            match block {
                SystemContentBlock::Text(text) => counter.text(text),
                SystemContentBlock::CachePoint(_) => cached = true,
                _ => counter.unbounded("guarded system content"),
            }
        }
        for message in messages {
            counter.message();
            for block in &message.content {
                cached |= content(block, &mut counter);
            }
        }
        if let Some(config) = &self.tool_config {
            let specs: Vec<Value> = config
                .tools
                .iter()
                .filter_map(|tool| match tool {
                    Tool::ToolSpec(spec) => Some(json!({
                        "name": spec.name,
                        "description": spec.description,
                        "input_schema": match &spec.input_schema {
                            Some(ToolInputSchema::Json(schema)) => to_json(schema),
                            _ => Value::Null,
                        },
                    })),
                    _ => {
                        cached = true;
                        None
                    }
                })
                .collect();
            counter.tools(specs.len(), &specs);
        }
        if cached {
            counter.bound.cache_write = CacheWrite::FiveMinutes;
        }
        let cap = self.inference_config.as_ref().and_then(|c| c.max_tokens);
        counter.bound.output = match cap {
            None => None,
            Some(cap) => Some(u64::try_from(cap).map_err(|_| HoldError::BadField {
                field: "inference_config.max_tokens".into(),
                problem: format!("must be a whole number of tokens, not {cap}"),
            })?),
        };
        Ok(counter.bound)
    }
}

/// The input a fluent `converse()` call is building (`builder.as_input()`), read as the input
/// it builds.
impl Read for ConverseInputBuilder {
    fn bound(&self, reading: Reading<'_>) -> Result<RequestBound, HoldError> {
        let input = self.clone().build().map_err(|e| HoldError::BadField {
            field: "input".into(),
            problem: format!("does not build ({e})"),
        })?;
        input.bound(reading)
    }
}

/// Counts one content block of a message; `true` for a cache point.
fn content(block: &ContentBlock, counter: &mut Counter<'_>) -> bool {
    match block {
        ContentBlock::Text(text) => counter.text(text),
        ContentBlock::Image(_) => counter.image(),
        ContentBlock::ToolUse(call) => {
            counter.text(&call.name);
            counter.json(&to_json(&call.input));
        }
        ContentBlock::ToolResult(result) => {
            for part in &result.content {
                match part {
                    ToolResultContentBlock::Text(text) => counter.text(text),
                    ToolResultContentBlock::Json(value) => counter.json(&to_json(value)),
                    ToolResultContentBlock::Image(_) => counter.image(),
                    _ => counter.unbounded("document"),
                }
            }
        }
        ContentBlock::ReasoningContent(ReasoningContentBlock::ReasoningText(reasoning)) => {
            counter.text(&reasoning.text)
        }
        ContentBlock::ReasoningContent(ReasoningContentBlock::RedactedContent(blob)) => {
            counter.tokens(blob.as_ref().len() as u64)
        }
        ContentBlock::CachePoint(_) => return true,
        ContentBlock::Video(_) => counter.unbounded("video"),
        _ => counter.unbounded("document"),
    }
    false
}

/// A smithy document as the JSON it is sent as.
fn to_json(document: &Document) -> Value {
    match document {
        Document::Object(fields) => fields
            .iter()
            .map(|(key, value)| (key.clone(), to_json(value)))
            .collect(),
        Document::Array(items) => items.iter().map(to_json).collect(),
        Document::Number(Number::PosInt(n)) => Value::from(*n),
        Document::Number(Number::NegInt(n)) => Value::from(*n),
        Document::Number(Number::Float(x)) => Value::from(*x),
        Document::String(text) => Value::from(text.as_str()),
        Document::Bool(b) => Value::from(*b),
        Document::Null => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_bedrockruntime::types::{ConversationRole, InferenceConfiguration, Message};

    use super::*;
    use crate::request::Family;

    fn input(messages: Vec<Message>) -> ConverseInput {
        ConverseInput::builder()
            .model_id("us.anthropic.claude-sonnet-4-5-20250929-v1:0")
            .set_messages(Some(messages))
            .system(SystemContentBlock::Text("You are terse.".into()))
            .inference_config(InferenceConfiguration::builder().max_tokens(1_000).build())
            .build()
            .unwrap()
    }

    #[test]
    fn a_converse_input_bounds_its_text_and_takes_its_cap() {
        let reading = Reading {
            family: Family::Anthropic,
            model: "claude-sonnet-4-5-20250929",
        };
        let message = Message::builder()
            .role(ConversationRole::User)
            .content(ContentBlock::Text("Describe it.".into()))
            .build()
            .unwrap();
        let bound = input(vec![message]).bound(reading).unwrap();
        // 16 + (16 + 14) + (16 + 12).
        assert_eq!(bound.input, 16 + (16 + 14) + (16 + 12));
        assert_eq!(bound.output, Some(1_000));
        assert_eq!(
            input(Vec::new()).bound(reading),
            Err(HoldError::NoMessages { field: "messages" })
        );
        let building = ConverseInput::builder().system(SystemContentBlock::Text("x".into()));
        assert_eq!(
            building.bound(reading),
            Err(HoldError::NoMessages { field: "messages" })
        );
    }
}
