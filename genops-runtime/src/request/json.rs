//! Reading raw JSON request bodies: OpenAI chat completions, Responses and embeddings,
//! Anthropic Messages and Gemini `generateContent`. The shape is told by its keys (`contents`:
//! Gemini; `messages`: chat or Messages; `input`: Responses or embeddings).

use serde_json::{Map, Value};

use super::bound::{CacheWrite, RequestBound};
use super::count::Counter;
use super::error::HoldError;
use crate::usage::ServiceTier;

/// Reads a JSON request body into `counter`. The SDKs whose request types are written in the
/// API's JSON are read through it too.
pub(super) fn read(body: &Value, mut counter: Counter<'_>) -> Result<RequestBound, HoldError> {
    let Value::Object(body) = body else {
        return Err(HoldError::NotARequest {
            found: format!("no keys (it is {})", kind(body)),
        });
    };
    if body.contains_key("contents") {
        gemini(body, &mut counter)?;
    } else if body.contains_key("messages") {
        chat(body, &mut counter)?;
    } else if body.contains_key("input") {
        input(body, &mut counter)?;
    } else {
        let keys: Vec<_> = body.keys().map(|k| format!("`{k}`")).collect();
        return Err(HoldError::NotARequest {
            found: if keys.is_empty() {
                "no keys".into()
            } else {
                format!("the keys {}", keys.join(", "))
            },
        });
    }
    counter.bound.cache_write = body
        .values()
        .map(cache_write)
        .fold(CacheWrite::None, CacheWrite::max);
    Ok(counter.bound)
}

/// OpenAI chat completions and Anthropic Messages: `messages`, `system`, `tools`.
fn chat(body: &Map<String, Value>, counter: &mut Counter<'_>) -> Result<(), HoldError> {
    let messages = non_empty(body.get("messages"), "messages")?;
    for message in messages {
        counter.message();
        let Value::Object(message) = message else {
            counter.text_or_json(message);
            continue;
        };
        if let Some(name) = message.get("name") {
            counter.name(name);
        }
        if let Some(content) = message.get("content") {
            parts(content, counter);
        }
        for key in ["tool_calls", "function_call", "audio", "refusal"] {
            if let Some(value) = message.get(key) {
                counter.text_or_json(value);
            }
        }
    }
    if let Some(system) = body.get("system") {
        counter.message();
        parts(system, counter);
    }
    for key in ["tools", "functions"] {
        if let Some(tools) = body.get(key) {
            tools_of(tools, counter);
        }
    }
    for key in ["tool_choice", "response_format", "output_config"] {
        if let Some(value) = body.get(key) {
            counter.json(value);
        }
    }
    let cap = match count(body, "max_completion_tokens")? {
        Some(cap) => Some(cap),
        None => count(body, "max_tokens")?,
    };
    counter.bound.output = cap;
    counter.bound.choices = count(body, "n")?.unwrap_or(1);
    counter.bound.service_tier = service_tier(body)?;
    Ok(())
}

/// OpenAI Responses (`input`, `instructions`, `max_output_tokens`) and embeddings (`input`: a
/// text, texts, or token arrays, counted exactly).
fn input(body: &Map<String, Value>, counter: &mut Counter<'_>) -> Result<(), HoldError> {
    let input = body.get("input").unwrap_or(&Value::Null);
    match input {
        Value::String(text) => {
            counter.message();
            counter.text(text);
        }
        Value::Array(items) if items.is_empty() => {
            return Err(HoldError::NoMessages { field: "input" })
        }
        Value::Array(items) => {
            for item in items {
                match item {
                    // Embeddings: one text, or the token ids of one text.
                    Value::String(text) => counter.text(text),
                    Value::Number(_) => counter.tokens(1),
                    Value::Array(ids) => counter.tokens(ids.len() as u64),
                    Value::Object(item) => response_item(item, counter),
                    other => counter.json(other),
                }
            }
        }
        Value::Null => return Err(HoldError::NoMessages { field: "input" }),
        other => counter.json(other),
    }
    if let Some(instructions) = body.get("instructions") {
        counter.message();
        counter.text_or_json(instructions);
    }
    if let Some(tools) = body.get("tools") {
        tools_of(tools, counter);
    }
    for key in ["tool_choice", "text", "prompt"] {
        if let Some(value) = body.get(key) {
            counter.json(value);
        }
    }
    if body
        .get("previous_response_id")
        .is_some_and(|v| !v.is_null())
    {
        counter.unbounded("previous response");
    }
    if body.get("conversation").is_some_and(|v| !v.is_null()) {
        counter.unbounded("conversation");
    }
    counter.bound.output = count(body, "max_output_tokens")?;
    counter.bound.service_tier = service_tier(body)?;
    Ok(())
}

/// One item of a Responses `input`: a message, a tool call or its output, a reasoning item.
fn response_item(item: &Map<String, Value>, counter: &mut Counter<'_>) {
    counter.message();
    match item.get("content") {
        Some(content) => parts(content, counter),
        None => counter.json(&Value::Object(item.clone())),
    }
}

/// A message's content: a text, or parts of text, images, audio, files and tool traffic.
fn parts(content: &Value, counter: &mut Counter<'_>) {
    let Value::Array(list) = content else {
        return counter.text_or_json(content);
    };
    for part in list {
        let Value::Object(fields) = part else {
            counter.text_or_json(part);
            continue;
        };
        let kind = fields.get("type").and_then(Value::as_str).unwrap_or("");
        match kind {
            "text" | "input_text" | "output_text" => {
                counter.text_or_json(fields.get("text").unwrap_or(&Value::Null))
            }
            "image_url" | "image" | "input_image" => counter.image(),
            "input_audio" | "audio" => counter.unbounded("audio"),
            "file" | "input_file" => counter.unbounded("file"),
            "document" => match fields.get("source") {
                Some(Value::Object(source)) if source.get("type") == Some(&"text".into()) => {
                    counter.text_or_json(source.get("data").unwrap_or(&Value::Null))
                }
                _ => counter.unbounded("document"),
            },
            "thinking" => counter.text_or_json(fields.get("thinking").unwrap_or(&Value::Null)),
            // Its content may hold images: read as a message's content, not as JSON text.
            "tool_result" => {
                counter.text_or_json(fields.get("tool_use_id").unwrap_or(&Value::Null));
                parts(fields.get("content").unwrap_or(&Value::Null), counter);
            }
            _ => counter.json(part),
        }
    }
}

/// Gemini `generateContent`: `contents`, `systemInstruction`, `tools`, `generationConfig`.
fn gemini(body: &Map<String, Value>, counter: &mut Counter<'_>) -> Result<(), HoldError> {
    let contents = non_empty(body.get("contents"), "contents")?;
    let system = either(body, "systemInstruction", "system_instruction");
    for content in contents.iter().chain(system) {
        counter.message();
        let parts = match content {
            Value::Object(content) => content.get("parts"),
            other => Some(other),
        };
        let Some(Value::Array(parts)) = parts else {
            if let Some(other) = parts {
                counter.text_or_json(other);
            }
            continue;
        };
        for part in parts {
            gemini_part(part, counter);
        }
    }
    if let Some(tools) = body.get("tools") {
        tools_of(tools, counter);
    }
    if let Some(config) = either(body, "toolConfig", "tool_config") {
        counter.json(config);
    }
    if either(body, "cachedContent", "cached_content").is_some() {
        counter.unbounded("cached content");
    }
    let config = either(body, "generationConfig", "generation_config");
    counter.bound.output = match config {
        Some(Value::Object(config)) => match count(config, "maxOutputTokens")? {
            Some(cap) => Some(cap),
            None => count(config, "max_output_tokens")?,
        },
        _ => None,
    };
    counter.bound.choices = match config {
        Some(Value::Object(config)) => count(config, "candidateCount")?
            .or(count(config, "candidate_count")?)
            .unwrap_or(1),
        _ => 1,
    };
    Ok(())
}

/// One part of a Gemini content: text, inline or file data, a function call or response.
fn gemini_part(part: &Value, counter: &mut Counter<'_>) {
    let Value::Object(fields) = part else {
        return counter.text_or_json(part);
    };
    if let Some(text) = fields.get("text") {
        return counter.text_or_json(text);
    }
    let data = ["inlineData", "inline_data", "fileData", "file_data"]
        .iter()
        .find_map(|key| fields.get(*key));
    match data {
        Some(data) => {
            let mime = ["mimeType", "mime_type"]
                .iter()
                .find_map(|key| data.get(*key))
                .and_then(Value::as_str)
                .unwrap_or("");
            if mime.starts_with("image/") {
                counter.image();
            } else if mime.starts_with("audio/") {
                counter.unbounded("audio");
            } else {
                counter.unbounded("file");
            }
        }
        None => counter.json(part),
    }
}

/// Tool definitions: an array of them, or one.
fn tools_of(tools: &Value, counter: &mut Counter<'_>) {
    let defined = match tools {
        Value::Array(list) => list.len(),
        Value::Null => 0,
        _ => 1,
    };
    counter.tools(defined, tools);
}

/// The array under `field`, which must hold at least one item.
fn non_empty<'v>(value: Option<&'v Value>, field: &'static str) -> Result<&'v [Value], HoldError> {
    match value {
        Some(Value::Array(items)) if !items.is_empty() => Ok(items),
        Some(Value::Array(_)) | Some(Value::Null) | None => Err(HoldError::NoMessages { field }),
        Some(other) => Err(HoldError::BadField {
            field: field.to_owned(),
            problem: format!("must be an array of messages, not {}", kind(other)),
        }),
    }
}

/// The value of `camel` or of `snake`, whichever is present and not null.
fn either<'v>(body: &'v Map<String, Value>, camel: &str, snake: &str) -> Option<&'v Value> {
    body.get(camel)
        .or_else(|| body.get(snake))
        .filter(|v| !v.is_null())
}

/// A whole, non-negative count (an output cap, a number of choices) under `field`, when given (`null` counts as absent).
pub(super) fn count(body: &Map<String, Value>, field: &str) -> Result<Option<u64>, HoldError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_u64().map(Some).ok_or_else(|| HoldError::BadField {
            field: field.to_owned(),
            problem: format!("must be a whole number of tokens, not {n}"),
        }),
        Some(other) => Err(HoldError::BadField {
            field: field.to_owned(),
            problem: format!("must be a whole number of tokens, not {}", kind(other)),
        }),
    }
}

/// OpenAI's `service_tier` (`auto` and `default` are the standard tier); Anthropic's values
/// (`auto`, `standard_only`) are standard too.
pub(super) fn service_tier(body: &Map<String, Value>) -> Result<ServiceTier, HoldError> {
    match body.get("service_tier") {
        None | Some(Value::Null) => Ok(ServiceTier::Standard),
        Some(Value::String(tier)) => Ok(match tier.as_str() {
            "flex" => ServiceTier::Flex,
            "priority" => ServiceTier::Priority,
            _ => ServiceTier::Standard,
        }),
        Some(other) => Err(HoldError::BadField {
            field: "service_tier".into(),
            problem: format!("must be a string, not {}", kind(other)),
        }),
    }
}

/// The longest-lived prompt-cache write any `cache_control` mark in `value` asks for.
fn cache_write(value: &Value) -> CacheWrite {
    match value {
        Value::Object(fields) => {
            let own = match fields.get("cache_control") {
                Some(Value::Object(mark)) if mark.get("ttl") == Some(&"1h".into()) => {
                    CacheWrite::OneHour
                }
                Some(Value::Object(_)) => CacheWrite::FiveMinutes,
                _ => CacheWrite::None,
            };
            fields.values().map(cache_write).fold(own, CacheWrite::max)
        }
        Value::Array(items) => items
            .iter()
            .map(cache_write)
            .fold(CacheWrite::None, CacheWrite::max),
        _ => CacheWrite::None,
    }
}

/// What a JSON value is, for errors.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
