//! async-openai with genops: tracked functions return the client's responses and streams, and
//! genops records their usage, model, id and finish reasons by itself (feature
//! `async-openai`).
//!
//! With `OPENAI_API_KEY` set it calls the real API (a few hundred tokens of gpt-4o-mini).
//! Without it, it starts a mock OpenAI server on 127.0.0.1 and says so, so it always runs
//! offline.
//!
//! ```text
//! cargo run --example openai --features async-openai
//! ```

#[path = "../genops-tests/examples/support/mock_provider.rs"]
mod mock_provider;

use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionRequestUserMessageArgs, ChatCompletionResponseStream,
    CreateChatCompletionRequest, CreateChatCompletionRequestArgs, CreateChatCompletionResponse,
};
use async_openai::Client;
use futures::StreamExt;
use genops::IncludeUsage;
use tracing_subscriber::prelude::*;

/// A chat completion: genops records the returned response.
#[genops::track(team = "assistant", provider = "openai", model = "gpt-4o-mini", err)]
async fn answer(
    client: &Client<OpenAIConfig>,
    question: &str,
) -> Result<CreateChatCompletionResponse, OpenAIError> {
    client.chat().create(request(question, false)?).await
}

/// A streamed chat completion: genops records each chunk, and the usage of the last one.
#[genops::track(
    team = "assistant",
    provider = "openai",
    model = "gpt-4o-mini",
    stream,
    err
)]
async fn answer_streamed(
    client: &Client<OpenAIConfig>,
    question: &str,
) -> Result<ChatCompletionResponseStream, OpenAIError> {
    let mut request = request(question, true)?;
    // Without this, OpenAI sends no usage in a stream: the call would be booked without
    // tokens and flagged `genops.usage.missing`.
    request.include_usage();
    client.chat().create_stream(request).await
}

fn request(question: &str, stream: bool) -> Result<CreateChatCompletionRequest, OpenAIError> {
    CreateChatCompletionRequestArgs::default()
        .model("gpt-4o-mini")
        .max_completion_tokens(100_u32)
        .stream(stream)
        .messages([ChatCompletionRequestUserMessageArgs::default()
            .content(question)
            .build()?
            .into()])
        .build()
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), OpenAIError> {
    let genops = genops::layer();
    let ledger = genops.ledger();
    // Each tracked call is printed when it closes, with its fields; the HTTP client's debug
    // events are left out.
    tracing_subscriber::registry()
        .with(tracing_subscriber::EnvFilter::new("info"))
        .with(genops)
        .with(
            tracing_subscriber::fmt::layer()
                .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE),
        )
        .init();

    // The mock lives until the end of `main`.
    let (config, _mock) = match std::env::var("OPENAI_API_KEY") {
        Ok(_) => {
            println!("OPENAI_API_KEY is set: calling the OpenAI API.");
            (OpenAIConfig::new(), None)
        }
        Err(_) => {
            let mock = mock_provider::MockProvider::start();
            println!(
                "OPENAI_API_KEY is not set: using a mock OpenAI server at {} (offline).",
                mock.openai_base()
            );
            let config = OpenAIConfig::new()
                .with_api_base(mock.openai_base())
                .with_api_key("sk-mock");
            (config, Some(mock))
        }
    };
    let client = Client::with_config(config);

    let response = answer(&client, "In one sentence: why is the sky blue?").await?;
    if let Some(text) = response
        .choices
        .first()
        .and_then(|c| c.message.content.as_ref())
    {
        println!("answer: {text}");
    }

    let mut stream = answer_streamed(&client, "Count to five.").await?;
    print!("streamed: ");
    while let Some(chunk) = stream.next().await {
        for choice in chunk?.choices {
            print!("{}", choice.delta.content.unwrap_or_default());
        }
    }
    println!();
    // The call ended with its stream; dropping it closes its span.
    drop(stream);

    println!("\n== Ledger ==\n{}", ledger.snapshot());
    Ok(())
}
