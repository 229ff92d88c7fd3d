//! genai's `ChatRequest`, alone or with its `ChatOptions` (feature `genai`).

use ::genai::chat::{CacheControl, ChatOptions, ChatRequest, ContentPart, ServiceTier as Tier};

use super::bound::{CacheWrite, Reading, RequestBound};
use super::count::Counter;
use super::error::HoldError;
use super::read::sealed::Read;
use crate::usage::ServiceTier;

/// A `ChatRequest` alone sets no output cap: the model's maximum output is held.
impl Read for ChatRequest {
    fn bound(&self, reading: Reading<'_>) -> Result<RequestBound, HoldError> {
        read(self, None, reading)
    }
}

/// A `ChatRequest` with the options it is executed with: their `max_tokens` caps the output.
impl Read for (&ChatRequest, &ChatOptions) {
    fn bound(&self, reading: Reading<'_>) -> Result<RequestBound, HoldError> {
        read(self.0, Some(self.1), reading)
    }
}

fn read(
    request: &ChatRequest,
    options: Option<&ChatOptions>,
    reading: Reading<'_>,
) -> Result<RequestBound, HoldError> {
    if request.messages.is_empty() {
        return Err(HoldError::NoMessages { field: "messages" });
    }
    let mut counter = Counter::new(reading);
    if let Some(system) = &request.system {
        counter.message();
        counter.text(system);
    }
    let mut cache_write = CacheWrite::None;
    for message in &request.messages {
        counter.message();
        for part in message.content.iter() {
            match part {
                ContentPart::Text(text)
                | ContentPart::ReasoningContent(text)
                | ContentPart::ThoughtSignature(text) => counter.text(text),
                ContentPart::Binary(binary) if binary.is_image() => counter.image(),
                ContentPart::Binary(binary) if binary.is_audio() => counter.unbounded("audio"),
                ContentPart::Binary(_) => counter.unbounded("file"),
                other => counter.json(other),
            }
        }
        let mark = message
            .options
            .as_ref()
            .and_then(|o| o.cache_control.as_ref());
        cache_write = match mark {
            None => cache_write,
            Some(CacheControl::Ephemeral | CacheControl::Memory | CacheControl::Ephemeral5m) => {
                cache_write.max(CacheWrite::FiveMinutes)
            }
            // One hour, or longer: held at the one-hour price.
            Some(_) => CacheWrite::OneHour,
        };
    }
    if let Some(tools) = &request.tools {
        counter.tools(tools.len(), tools);
    }
    if request.previous_response_id.is_some() {
        counter.unbounded("previous response");
    }
    counter.bound.cache_write = cache_write;
    counter.bound.output = options.and_then(|o| o.max_tokens).map(u64::from);
    counter.bound.service_tier = match options.and_then(|o| o.service_tier.as_ref()) {
        Some(Tier::Flex) => ServiceTier::Flex,
        _ => ServiceTier::Standard,
    };
    Ok(counter.bound)
}

#[cfg(test)]
mod tests {
    use ::genai::chat::{ChatMessage, ChatOptions, ChatRequest};

    use super::*;
    use crate::request::Family;

    #[test]
    fn a_chat_request_bounds_its_text_and_takes_its_options_cap() {
        let reading = Reading {
            family: Family::Anthropic,
            model: "claude-sonnet-4-5",
        };
        let request =
            ChatRequest::new(vec![ChatMessage::user("Describe it.")]).with_system("You are terse.");
        let options = ChatOptions::default().with_max_tokens(1_000);
        let bound = (&request, &options).bound(reading).unwrap();
        // 16 + (16 + 14) + (16 + 12).
        assert_eq!(bound.input, 16 + (16 + 14) + (16 + 12));
        assert_eq!(bound.output, Some(1_000));
        // Without options, no cap of its own: the model's maximum output is held.
        assert_eq!(request.bound(reading).unwrap().output, None);
        assert_eq!(
            ChatRequest::new(Vec::new()).bound(reading),
            Err(HoldError::NoMessages { field: "messages" })
        );
    }
}
