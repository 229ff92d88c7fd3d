//! genops quickstart: runs offline, with no keys, against a simulated provider client.
//!
//! ```text
//! cargo run --release --example quickstart
//! ```
//!
//! Three teams call models of several providers: a RAG chain with nested steps (booked to the
//! chain's team and customer, its total cost rolled up on its span), a cached-prompt call, a
//! reasoning-model call, a model with no known price (warned on stderr, booked at $0) and a
//! failing call. It sets genops up with `genops::init()`, as a service would, and at the end
//! prints the ledger by team, provider and model.

use std::time::Duration;

use genops::Usage;

// ---------------------------------------------------------------------------------------------
// A simulated provider client: deterministic usage, a few milliseconds of latency.

struct Response {
    text: String,
    usage: Usage,
    model: &'static str,
}

#[derive(Debug)]
enum AppError {
    RateLimited,
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "rate limited by the provider")
    }
}

struct SimulatedClient;

impl SimulatedClient {
    async fn chat(
        &self,
        model: &'static str,
        prompt: &str,
        usage: Usage,
    ) -> Result<Response, AppError> {
        tokio::time::sleep(Duration::from_millis(3)).await;
        if prompt.contains("fail") {
            return Err(AppError::RateLimited);
        }
        Ok(Response {
            text: format!("[{model}] answer to {prompt:?}"),
            usage,
            model,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Tracked functions: attribution, provider and model on the attribute; usage recorded inside.

#[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini", err)]
async fn answer(client: &SimulatedClient, question: &str) -> Result<String, AppError> {
    let resp = client
        .chat("gpt-4o-mini", question, Usage::new(1_200, 300))
        .await?;
    genops::record_usage(resp.usage);
    Ok(resp.text)
}

#[genops::track(team = "support", customer = customer, operation = "invoke_workflow", name = "rag.answer")]
async fn rag_answer(
    client: &SimulatedClient,
    customer: &str,
    question: &str,
) -> Result<String, AppError> {
    let context = retrieve(client, question).await?;
    let draft = generate(client, &context).await?;
    Ok(draft)
}

#[genops::track(
    provider = "openai",
    model = "text-embedding-3-small",
    operation = "embeddings"
)]
async fn retrieve(client: &SimulatedClient, question: &str) -> Result<String, AppError> {
    let resp = client
        .chat("text-embedding-3-small", question, Usage::new(8_000, 0))
        .await?;
    genops::record_usage(resp.usage);
    Ok(format!("context for {question}"))
}

/// A prompt-cached call: 3,000 of the 3,500 input tokens are read from Anthropic's cache.
#[genops::track(provider = "anthropic", model = "claude-sonnet-4-6")]
async fn generate(client: &SimulatedClient, context: &str) -> Result<String, AppError> {
    let resp = client
        .chat(
            "claude-sonnet-4-6",
            context,
            Usage::new(3_500, 400).cache_read(3_000),
        )
        .await?;
    genops::record_usage(resp.usage);
    Ok(resp.text)
}

/// A reasoning model: 1,500 of the 1,800 output tokens are reasoning.
#[genops::track(
    team = "research",
    provider = "gemini",
    model = "gemini-3.5-flash",
    err
)]
async fn deep_think(client: &SimulatedClient, problem: &str) -> Result<String, AppError> {
    let resp = client
        .chat(
            "gemini-3.5-flash",
            problem,
            Usage::new(2_000, 1_800).reasoning(1_500),
        )
        .await?;
    genops::record_response_model(resp.model);
    genops::record_usage(resp.usage);
    Ok(resp.text)
}

/// A model genops has no price for: booked at $0, flagged on the span and warned once.
#[genops::track(team = "research", provider = "x_ai", model = "grok-experimental-9")]
async fn experimental(client: &SimulatedClient) -> Result<String, AppError> {
    let resp = client
        .chat("grok-experimental-9", "hello", Usage::new(500, 100))
        .await?;
    genops::record_usage(resp.usage);
    Ok(resp.text)
}

#[genops::track(
    team = "search",
    provider = "mistral",
    model = "mistral-large-latest",
    err
)]
async fn flaky(client: &SimulatedClient) -> Result<String, AppError> {
    let resp = client
        .chat("mistral-large-latest", "please fail", Usage::new(0, 0))
        .await?;
    Ok(resp.text)
}

fn main() -> Result<(), genops::InitError> {
    // The set-up to copy: a subscriber with the GenOps layer, log lines on stderr (`RUST_LOG`,
    // then `info`), and trace export when `OTEL_EXPORTER_OTLP_ENDPOINT` names a collector.
    let guard = genops::init().install()?;

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let client = SimulatedClient;
        let _ = answer(&client, "what is genops?").await;
        let _ = answer(&client, "how do budgets work?").await;
        let _ = rag_answer(&client, "acme", "why was my bill high?").await;
        let _ = deep_think(&client, "prove the books balance").await;
        let _ = experimental(&client).await;
        let _ = experimental(&client).await;
        if let Err(e) = flaky(&client).await {
            println!("flaky() failed as simulated: {e}\n");
        }
    });

    println!("== Ledger ==\n{}", guard.ledger().snapshot());
    Ok(())
}
