//! genops quickstart: runs offline, with no keys, against a simulated provider client.
//!
//! ```text
//! cargo run --release --example quickstart
//! ```
//!
//! Three teams call models of several providers: a RAG chain with nested steps (its total cost
//! rolls up), a cached-prompt call, a reasoning-model call, a model with no known price (flagged)
//! and a failing call. At the end it prints the ledger by team and model, and the span tree with
//! each span's own and total cost.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use genops::semconv;
use genops::Usage;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::Subscriber;
use tracing_subscriber::layer::Context;
use tracing_subscriber::prelude::*;
use tracing_subscriber::registry::LookupSpan;

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

// ---------------------------------------------------------------------------------------------
// A small layer that keeps the span tree with each span's own and total cost, for printing.

#[derive(Default, Clone)]
struct SpanTree(Arc<Mutex<Vec<Node>>>);

struct Node {
    id: u64,
    parent: Option<u64>,
    name: String,
    fields: BTreeMap<&'static str, String>,
}

struct Fields<'a>(&'a mut BTreeMap<&'static str, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name(), value.to_owned());
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name(), format!("{value:.6}"));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name(), value.to_string());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name(), format!("{value:?}"));
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> tracing_subscriber::Layer<S> for SpanTree {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        let parent = ctx
            .span(id)
            .and_then(|s| s.parent())
            .map(|p| p.id().into_u64());
        self.0.lock().unwrap().push(Node {
            id: id.into_u64(),
            parent,
            name: attrs.metadata().name().to_owned(),
            fields,
        });
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        let mut nodes = self.0.lock().unwrap();
        if let Some(node) = nodes.iter_mut().rev().find(|n| n.id == id.into_u64()) {
            values.record(&mut Fields(&mut node.fields));
        }
    }
}

impl SpanTree {
    fn print(&self) {
        let nodes = self.0.lock().unwrap();
        println!("{:<52} {:>12} {:>12}  notes", "span", "own $", "total $");
        for root in nodes.iter().filter(|n| n.parent.is_none()) {
            print_node(&nodes, root, 0);
        }
    }
}

fn print_node(nodes: &[Node], node: &Node, depth: usize) {
    let get = |k| node.fields.get(k).map(String::as_str).unwrap_or("-");
    let mut notes = Vec::new();
    if let Some(team) = node.fields.get(semconv::GENOPS_TEAM) {
        notes.push(format!("team={team}"));
    }
    if let Some(error) = node.fields.get(semconv::ERROR_TYPE) {
        notes.push(format!("error={error}"));
    }
    if node.fields.contains_key(semconv::GENOPS_COST_UNKNOWN_MODEL) {
        notes.push("UNKNOWN MODEL (booked at $0)".to_owned());
    }
    let label = format!("{}{}", "  ".repeat(depth), node.name);
    println!(
        "{:<52} {:>12} {:>12}  {}",
        label,
        get(semconv::GENOPS_COST_SELF),
        get(semconv::GENOPS_COST_TOTAL),
        notes.join(" ")
    );
    for child in nodes.iter().filter(|n| n.parent == Some(node.id)) {
        print_node(nodes, child, depth + 1);
    }
}

// ---------------------------------------------------------------------------------------------

fn main() {
    // Compose genops into a subscriber of your own (or call `genops::init().install()`).
    let genops = genops::layer();
    let ledger = genops.ledger();
    let tree = SpanTree::default();
    tracing_subscriber::registry()
        .with(genops)
        .with(tree.clone())
        .with(
            tracing_subscriber::fmt::layer()
                .with_target(false)
                .with_filter(tracing_subscriber::filter::LevelFilter::WARN),
        )
        .init();

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

    let snapshot = ledger.snapshot();
    println!("== Ledger ==\n{snapshot}");
    println!("== Span tree (own and rolled-up cost) ==");
    tree.print();
}
