//! async-openai's request types (feature `async-openai`): chat completions, Responses and
//! embeddings requests, read as the JSON body async-openai sends.

use async_openai::types::chat::CreateChatCompletionRequest;
use async_openai::types::embeddings::CreateEmbeddingRequest;
use async_openai::types::responses::CreateResponse;

use super::bound::{Reading, RequestBound};
use super::count::Counter;
use super::error::HoldError;
use super::read::sealed::Read;

/// Reads a request as the JSON body async-openai sends for it.
fn as_sent(
    request: &impl serde::Serialize,
    reading: Reading<'_>,
) -> Result<RequestBound, HoldError> {
    let body = serde_json::to_value(request).map_err(|e| HoldError::BadField {
        field: "request".into(),
        problem: format!("cannot be written as the JSON async-openai sends ({e})"),
    })?;
    super::json::read(&body, Counter::new(reading))
}

macro_rules! read_as_sent {
    ($($ty:ty),*) => {$(
        impl Read for $ty {
            fn bound(&self, reading: Reading<'_>) -> Result<RequestBound, HoldError> {
                as_sent(self, reading)
            }
        }
    )*};
}

read_as_sent!(
    CreateChatCompletionRequest,
    CreateResponse,
    CreateEmbeddingRequest
);

#[cfg(test)]
mod tests {
    use async_openai::types::chat::{
        ChatCompletionRequestUserMessageArgs, CreateChatCompletionRequestArgs,
    };
    use async_openai::types::embeddings::CreateEmbeddingRequestArgs;

    use super::*;
    use crate::request::Family;

    #[test]
    fn sdk_requests_bound_what_their_json_bounds() {
        let reading = Reading {
            family: Family::OpenAi,
            model: "gpt-4o",
        };
        let chat = CreateChatCompletionRequestArgs::default()
            .model("gpt-4o")
            .messages([ChatCompletionRequestUserMessageArgs::default()
                .content("Hello!")
                .build()
                .unwrap()
                .into()])
            .max_completion_tokens(100u32)
            .build()
            .unwrap();
        let json = serde_json::to_value(&chat).unwrap();
        let bound = chat.bound(reading).unwrap();
        assert_eq!(bound, json.bound(reading).unwrap());
        assert_eq!(bound.output, Some(100));

        let embed = CreateEmbeddingRequestArgs::default()
            .model("text-embedding-3-small")
            .input(vec![vec![1u32, 2, 3]])
            .build()
            .unwrap();
        // 3 + 3 token ids; no output cap of its own.
        assert_eq!(embed.bound(reading).unwrap().input, 6);
        assert_eq!(embed.bound(reading).unwrap().output, None);
    }
}
