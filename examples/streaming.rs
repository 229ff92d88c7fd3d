//! Streamed calls, offline, against a simulated streaming provider: a completed stream with
//! usage in its final chunk, one abandoned halfway, one that fails mid-stream, and one without
//! usage. Prints each call's time to first chunk and cost, then the ledger.
//!
//! ```text
//! cargo run --example streaming
//! ```

use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{Stream, StreamExt};
use genops::{semconv, Usage};
use tracing::field::{Field, Visit};
use tracing::span::{Id, Record};
use tracing_subscriber::layer::Context;
use tracing_subscriber::prelude::*;
use tracing_subscriber::registry::LookupSpan;

#[derive(Debug)]
struct ProviderError;

/// One chunk of a simulated OpenAI chat stream.
#[derive(Debug)]
struct Chunk {
    text: &'static str,
    /// Set only on the final chunk, which has no text (`stream_options.include_usage`).
    usage: Option<Usage>,
}

/// A provider stream: a 40 ms wait for the first token, then one chunk every 5 ms, then (if
/// `with_usage`) the usage chunk. `fail_at` makes that chunk an error instead.
fn provider_stream(
    words: &'static [&'static str],
    with_usage: bool,
    fail_at: Option<usize>,
) -> impl Stream<Item = Result<Chunk, ProviderError>> + Send {
    async_stream::stream! {
        tokio::time::sleep(Duration::from_millis(40)).await;
        for (i, text) in words.iter().enumerate() {
            if fail_at == Some(i) {
                yield Err(ProviderError);
                continue;
            }
            yield Ok(Chunk { text, usage: None });
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        if with_usage {
            yield Ok(Chunk { text: "", usage: Some(Usage::new(1_200, words.len() as u64)) });
        }
    }
}

/// The tracked call: the span lasts as long as the stream. Usage is recorded from the final
/// chunk, inside the stream, so it goes to this call.
#[genops::track(team = "assistant", provider = "openai", model = "gpt-4o-mini", stream)]
fn chat(
    words: &'static [&'static str],
    with_usage: bool,
    fail_at: Option<usize>,
) -> Pin<Box<dyn Stream<Item = Result<Chunk, ProviderError>> + Send>> {
    Box::pin(provider_stream(words, with_usage, fail_at).map(|chunk| {
        if let Ok(Chunk {
            usage: Some(usage), ..
        }) = &chunk
        {
            genops::record_usage(*usage);
        }
        chunk
    }))
}

const WORDS: &[&str] = &["Streams", " are", " tracked", " end", " to", " end."];

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let results = Results::default();
    let genops = genops::layer();
    let ledger = genops.ledger();
    tracing_subscriber::registry()
        .with(genops)
        .with(results.clone())
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(false)
                .with_filter(tracing_subscriber::filter::LevelFilter::WARN),
        )
        .init();

    println!("1. completed, usage in the final chunk");
    let text: String = chat(WORDS, true, None)
        .filter_map(|c| async move { c.ok().map(|c| c.text) })
        .collect()
        .await;
    println!("   {text:?}");

    println!("2. abandoned after two chunks");
    let mut stream = chat(WORDS, true, None);
    for _ in 0..2 {
        stream.next().await;
    }
    drop(stream);

    println!("3. fails mid-stream (chunk 3 is an error), read to its end");
    let errors = chat(WORDS, true, Some(3))
        .filter(|c| std::future::ready(c.is_err()))
        .count()
        .await;
    println!("   {errors} error chunk");

    println!("4. completes without usage (no `include_usage`)");
    chat(WORDS, false, None).for_each(|_| async {}).await;

    println!("\n== Calls ==");
    results.print();
    println!("\n== Ledger ==\n{}", ledger.snapshot());
}

/// Each finished call's result fields, as a subscriber sees them.
#[derive(Clone, Default)]
struct Results(Arc<Mutex<Vec<BTreeMap<&'static str, String>>>>);

impl Results {
    fn print(&self) {
        for (i, call) in self.0.lock().unwrap().iter().enumerate() {
            let get = |k: &str| call.get(k).map_or("-", String::as_str);
            let ttfc = call
                .get(semconv::GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK)
                .and_then(|s| s.parse::<f64>().ok())
                .map_or("-".to_owned(), |s| format!("{:.0} ms", s * 1e3));
            println!(
                "{}. end={} chunks={} first chunk after {} cost=${} error={} usage missing={}",
                i + 1,
                get(semconv::GENOPS_STREAM_END),
                get(semconv::GENOPS_STREAM_CHUNKS),
                ttfc,
                get(semconv::GEN_AI_USAGE_COST),
                get(semconv::ERROR_TYPE),
                get(semconv::GENOPS_USAGE_MISSING),
            );
        }
    }
}

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> tracing_subscriber::Layer<S> for Results {
    fn on_record(&self, _id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        struct Fields(BTreeMap<&'static str, String>);
        impl Visit for Fields {
            fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
                self.0.insert(field.name(), format!("{value:?}"));
            }
            fn record_str(&mut self, field: &Field, value: &str) {
                self.0.insert(field.name(), value.to_owned());
            }
        }
        let mut fields = Fields(BTreeMap::new());
        values.record(&mut fields);
        // The result fields of a finished streamed call come in one record.
        if fields.0.contains_key(semconv::GENOPS_STREAM_END) {
            self.0.lock().unwrap().push(fields.0);
        }
    }
}
