//! 1b. The guide's per-provider table, with simulated provider latencies.

use std::hint::black_box;
use std::time::{Duration, Instant};

use crate::common::*;
use crate::modes::Ctx;
use crate::plan::{progress, Plan, LATENCY_SCALE};
use crate::stats::{dist, put_dist, Metrics, Rng};

/// Timestamps taken inside a simulated provider call, to separate the instrumentation's own time
/// from the simulated latency.
#[derive(Default)]
pub(crate) struct Marks {
    entered: Option<Instant>,
    left: Option<Instant>,
}

impl Marks {
    pub(crate) fn enter(&mut self) {
        self.entered = Some(Instant::now());
    }

    pub(crate) fn leave(&mut self) {
        self.left = Some(Instant::now());
    }

    /// Time spent outside the body between `start` and `end`.
    pub(crate) fn overhead(&self, start: Instant, end: Instant) -> Duration {
        match (self.entered, self.left) {
            (Some(entered), Some(left)) => (entered - start) + (end - left),
            _ => Duration::ZERO,
        }
    }
}

fn provider_body(latency: Duration, marks: &mut Marks) -> u64 {
    marks.enter();
    std::thread::sleep(latency);
    let hash = work(PROMPT);
    marks.leave();
    hash
}

#[inline(never)]
pub(crate) fn provider_bare(latency: Duration) -> u64 {
    std::thread::sleep(latency);
    work(PROMPT)
}

#[genops::track(team = "benchmark-team", provider = "openai", model = "gpt-4o-mini")]
fn openai_call(latency: Duration, marks: &mut Marks) -> u64 {
    let hash = provider_body(latency, marks);
    genops::record_usage(USAGE);
    hash
}

#[genops::track(
    team = "benchmark-team",
    provider = "anthropic",
    model = "claude-haiku-4-5"
)]
fn anthropic_call(latency: Duration, marks: &mut Marks) -> u64 {
    let hash = provider_body(latency, marks);
    genops::record_usage(USAGE);
    hash
}

/// PromptLayer is a prompt manager in front of OpenAI: the tracked call is an OpenAI call.
#[genops::track(
    team = "benchmark-team",
    feature = "promptlayer",
    provider = "openai",
    model = "gpt-4o"
)]
fn promptlayer_call(latency: Duration, marks: &mut Marks) -> u64 {
    let hash = provider_body(latency, marks);
    genops::record_usage(USAGE);
    hash
}

/// A LangChain-style chain: a tracked workflow around a tracked model call (two spans).
#[genops::track(
    team = "benchmark-team",
    operation = "invoke_workflow",
    name = "rag_chain"
)]
fn langchain_call(latency: Duration, marks: &mut Marks) -> u64 {
    openai_call(latency, marks)
}

#[genops::track(team = "benchmark-team", provider = "ollama", model = "llama3.2")]
fn local_call(latency: Duration, marks: &mut Marks) -> u64 {
    let hash = provider_body(latency, marks);
    genops::record_usage(USAGE);
    hash
}

type ProviderCall = fn(Duration, &mut Marks) -> u64;

/// The guide's providers: key, label, baseline latency range (ms), tracked call.
pub(crate) const PROVIDERS: [(&str, &str, f64, f64, ProviderCall); 5] = [
    ("openai", "OpenAI", 500.0, 2000.0, openai_call),
    ("anthropic", "Anthropic", 800.0, 3000.0, anthropic_call),
    (
        "promptlayer",
        "PromptLayer",
        600.0,
        2500.0,
        promptlayer_call,
    ),
    ("langchain", "LangChain", 100.0, 500.0, langchain_call),
    ("local", "Local Models", 50.0, 200.0, local_call),
];

/// The guide's per-provider table: overhead per simulated call, against scaled and real latency.
pub(crate) fn measure_providers(ctx: &Ctx, plan: &Plan, m: &mut Metrics) {
    progress("1b. latency: simulated providers (guide's ranges / 1000)");
    let dispatch = &ctx.stacks().genops;
    tracing::dispatcher::with_default(dispatch, || {
        for (i, (key, _, lo, hi, call)) in PROVIDERS.into_iter().enumerate() {
            let mut rng = Rng::new(17 + i as u64);
            let (mut base, mut tracked, mut overhead, mut nominal) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            for _ in 0..plan.provider_calls {
                let nominal_ms = rng.uniform(lo, hi);
                nominal.push(nominal_ms);
                let latency = Duration::from_secs_f64(nominal_ms / 1000.0 / LATENCY_SCALE);
                let start = Instant::now();
                black_box(provider_bare(latency));
                base.push(start.elapsed().as_secs_f64() * 1e3);
                let mut marks = Marks::default();
                let start = Instant::now();
                black_box(call(latency, &mut marks));
                let end = Instant::now();
                tracked.push((end - start).as_secs_f64() * 1e3);
                overhead.push(marks.overhead(start, end).as_secs_f64() * 1e6);
            }
            let base = dist(&mut base);
            let with = dist(&mut tracked);
            let over = dist(&mut overhead);
            let nominal_ms = dist(&mut nominal).mean;
            let k = format!("provider.{key}");
            m.insert(format!("{k}.nominal_ms"), nominal_ms);
            m.insert(format!("{k}.base_mean_ms"), base.mean);
            m.insert(format!("{k}.tracked_mean_ms"), with.mean);
            put_dist(m, &format!("{k}.overhead"), "us", &over);
            m.insert(
                format!("{k}.overhead_p95_pct_scaled"),
                over.p95 / 1e3 / base.mean * 100.0,
            );
            m.insert(
                format!("{k}.overhead_p95_pct_real"),
                over.p95 / 1e3 / nominal_ms * 100.0,
            );
        }
    });
}
