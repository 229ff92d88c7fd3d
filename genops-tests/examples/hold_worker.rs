//! One replica of a service sharing a $1 hard budget in Redis with others, each call holding
//! either its request's worst case (`enforce(reserve = body)`) or a fixed amount. Requests are
//! random: 1 to 200,000 input tokens and output caps of 16 to the model's 128,000, both
//! log-uniform, to gpt-5.4-mini ($0.75 and $4.50 a million tokens). Each goes over HTTP to a mock
//! provider of the process's own, whose usage is the true input count and a random output up to
//! the request's cap. A task keeps calling until 20 of its calls in a row are denied.
//!
//! ```text
//! GENOPS_BUDGET_STORE=redis://127.0.0.1:6379/0 WORKER_BUDGET=holds WORKER_RESERVE=request \
//!   cargo run -p genops-tests --features redis --example hold_worker
//! ```
//!
//! Variables: `WORKER_BUDGET` (the budget's name), `WORKER_RESERVE` (`request`, or a USD amount
//! such as `0.01`), `WORKER_TASKS` (default 8), `WORKER_SEED`. Prints `admitted <n> denied <n>`.

#[path = "support/mock_provider.rs"]
mod mock_provider;
#[path = "support/worker.rs"]
mod worker;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};

use genops::{Budget, BudgetStore, GenOpsLayer, GovernanceError, Scope, Usd};
use mock_provider::{MockProvider, Reply};
use serde_json::{json, Value};
use tracing_subscriber::prelude::*;
use worker::{next, var};

/// The model every call asks for.
const MODEL: &str = "gpt-5.4-mini";
/// The model's most output tokens.
const MAX_OUTPUT: u64 = 128_000;
/// The word a prompt is made of: one token, five bytes.
const WORD: &str = " data";
/// The provider's framing of a one-message request: the reply's priming and the message's.
const FRAMING: u64 = 6;

#[derive(Debug)]
struct Denied(#[allow(dead_code)] GovernanceError);

impl From<GovernanceError> for Denied {
    fn from(e: GovernanceError) -> Self {
        Denied(e)
    }
}

/// Holds the worst case of `body`.
#[genops::track(team = "holds", provider = "openai", model = "gpt-5.4-mini", enforce(reserve = body))]
fn held(base: &str, body: &Value) -> Result<(), Denied> {
    genops::record(&post(base, body));
    Ok(())
}

/// Holds `usd`.
#[genops::track(team = "holds", provider = "openai", model = "gpt-5.4-mini", enforce(reserve = usd))]
fn fixed(base: &str, body: &Value, usd: f64) -> Result<(), Denied> {
    genops::record(&post(base, body));
    Ok(())
}

/// The mock provider's answer: usage of the true input count (the prompt's words plus the
/// framing) and an output the request's `user` picks, up to its cap.
fn truthful(_path: &str, body: &Value) -> Reply {
    let prompt = body["messages"][0]["content"].as_str().unwrap_or("");
    let input = FRAMING + prompt.matches(WORD).count() as u64;
    let cap = body["max_completion_tokens"].as_u64().unwrap_or(0);
    let mut pick: u64 = body["user"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let output = next(&mut pick) % (cap + 1);
    let answer = json!({
        "id": "chatcmpl-hold",
        "object": "chat.completion",
        "model": MODEL,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "..."}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": input, "completion_tokens": output, "total_tokens": input + output},
    });
    Reply::ok("application/json", answer.to_string())
}

/// POSTs `body` to the mock's chat completions over HTTP/1.0 and returns its JSON answer.
fn post(base: &str, body: &Value) -> Value {
    let text = body.to_string();
    let mut stream = TcpStream::connect(base).expect("the mock provider");
    write!(
        stream,
        "POST /v1/chat/completions HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{text}",
        text.len()
    )
    .expect("a request");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("an answer");
    let (_, json) = answer.split_once("\r\n\r\n").expect("headers, then a body");
    serde_json::from_str(json).expect("a JSON answer")
}

/// A random request: log-uniform input (1 to 200,000 tokens) and output cap (16 to 128,000).
fn request(state: &mut u64) -> Value {
    let log_uniform = |state: &mut u64, low: f64, high: f64| {
        let unit = (next(state) % 1_000_000) as f64 / 1_000_000.0;
        (low * (high / low).powf(unit)).round() as u64
    };
    let words = log_uniform(state, 1.0, 200_000.0) as usize;
    let cap = log_uniform(state, 16.0, MAX_OUTPUT as f64);
    json!({
        "model": MODEL,
        "messages": [{"role": "user", "content": WORD.repeat(words)}],
        "max_completion_tokens": cap,
        "user": next(state).to_string(),
    })
}

fn main() {
    let store: BudgetStore = var("GENOPS_BUDGET_STORE")
        .expect("GENOPS_BUDGET_STORE names the shared store")
        .parse()
        .expect("a budget store");
    let name = var("WORKER_BUDGET").expect("WORKER_BUDGET names the budget");
    let reserve: Option<f64> = match var("WORKER_RESERVE").as_deref() {
        None | Some("request") => None,
        Some(usd) => Some(usd.parse().expect("`request` or a USD amount")),
    };
    let tasks: u64 = var("WORKER_TASKS").map_or(8, |t| t.parse().expect("a number"));
    let seed: u64 = var("WORKER_SEED").map_or(1, |s| s.parse().expect("a number"));
    let layer = GenOpsLayer::builder()
        .budget_store(store)
        .budget(Budget::daily(name, Scope::team("holds"), Usd(1.0)).hard())
        .build();
    let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
    let mock = MockProvider::answering(truthful);
    let base = mock.endpoint().trim_start_matches("http://").to_owned();
    let (admitted, denied) = (AtomicUsize::new(0), AtomicUsize::new(0));
    std::thread::scope(|scope| {
        for task in 0..tasks {
            let (dispatch, base) = (dispatch.clone(), base.as_str());
            let (admitted, denied) = (&admitted, &denied);
            scope.spawn(move || {
                let _default = tracing::dispatcher::set_default(&dispatch);
                let mut state = seed.wrapping_mul(7919).wrapping_add(task * 104_729 + 1);
                let mut in_a_row = 0;
                while in_a_row < 20 {
                    let body = request(&mut state);
                    let result = match reserve {
                        None => held(base, &body),
                        Some(usd) => fixed(base, &body, usd),
                    };
                    match result {
                        Ok(()) => {
                            admitted.fetch_add(1, Ordering::Relaxed);
                            in_a_row = 0;
                        }
                        Err(_) => {
                            denied.fetch_add(1, Ordering::Relaxed);
                            in_a_row += 1;
                        }
                    }
                }
            });
        }
    });
    drop(mock);
    // The last subscriber goes, and with it the layer: its settlements reach the store first.
    drop(dispatch);
    println!(
        "admitted {} denied {}",
        admitted.into_inner(),
        denied.into_inner()
    );
}
