//! 5. Realistic load: the guide's operation mix under its bursty profile, time-compressed.

use std::time::{Duration, Instant};

use genops::{Cost, Ledger, Usage};

use crate::books::{price, Books};
use crate::plan::{progress, Plan, LATENCY_SCALE};
use crate::providers::Marks;
use crate::stats::{dist, put_dist, Metrics, Rng};

/// The body of each operation of the mix: the provider's latency (outside the instrumentation's
/// share), then its usage.
async fn simulated_provider_call(usage: Usage, latency: Duration, marks: &mut Marks) {
    marks.enter();
    tokio::time::sleep(latency).await;
    marks.leave();
    genops::record_usage(usage);
}

#[genops::track(
    team = "support",
    feature = "assistant",
    provider = "openai",
    model = "gpt-4o-mini"
)]
async fn load_chat(usage: Usage, latency: Duration, marks: &mut Marks) {
    simulated_provider_call(usage, latency, marks).await;
}

#[genops::track(
    team = "content",
    feature = "drafts",
    provider = "openai",
    model = "gpt-3.5-turbo",
    operation = "text_completion"
)]
async fn load_completion(usage: Usage, latency: Duration, marks: &mut Marks) {
    simulated_provider_call(usage, latency, marks).await;
}

#[genops::track(
    team = "search",
    feature = "index",
    provider = "openai",
    model = "text-embedding-3-small",
    operation = "embeddings"
)]
async fn load_embedding(usage: Usage, latency: Duration, marks: &mut Marks) {
    simulated_provider_call(usage, latency, marks).await;
}

/// One operation type of the guide's mix.
struct OpKind {
    name: &'static str,
    weight: f64,
    avg_tokens: f64,
    /// The share of the tokens that are input.
    input_share: f64,
    /// Latency range in ms, before scaling.
    latency_ms: (f64, f64),
    model: &'static str,
}

/// The guide's operation mix (chat and completion at the OpenAI range, embeddings at the local
/// models' range: the guide gives no embedding latency).
const MIX: [OpKind; 3] = [
    OpKind {
        name: "chat",
        weight: 0.6,
        avg_tokens: 100.0,
        input_share: 0.7,
        latency_ms: (500.0, 2000.0),
        model: "gpt-4o-mini",
    },
    OpKind {
        name: "completion",
        weight: 0.3,
        avg_tokens: 200.0,
        input_share: 0.5,
        latency_ms: (500.0, 2000.0),
        model: "gpt-3.5-turbo",
    },
    OpKind {
        name: "embedding",
        weight: 0.1,
        avg_tokens: 50.0,
        input_share: 1.0,
        latency_ms: (50.0, 200.0),
        model: "text-embedding-3-small",
    },
];

/// The guide's bursty profile: period, load multiplier.
pub(crate) const PHASES: [(&str, f64); 3] =
    [("9am-12pm", 2.0), ("12pm-2pm", 0.5), ("2pm-6pm", 1.5)];

/// Runs each phase of the bursty profile and checks its cost in the ledger to the pico-dollar.
pub(crate) fn measure_load(plan: &Plan, ledger: &Ledger, m: &mut Metrics, books: &mut Books) {
    progress("5. realistic load: the guide's mix under its bursty profile");
    let prices: Vec<genops::Price> = MIX.iter().map(|op| price("openai", op.model)).collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a multi-thread runtime");
    let mut rng = Rng::new(42);
    for (phase, multiplier) in PHASES {
        let rate = plan.base_rate * multiplier;
        let mut arrivals = Vec::new();
        let mut t = 0.0;
        loop {
            t += rng.exp(1.0 / rate);
            if t >= plan.phase.as_secs_f64() {
                break;
            }
            let pick = rng.unit();
            let mut acc = 0.0;
            let kind = MIX
                .iter()
                .position(|op| {
                    acc += op.weight;
                    pick < acc
                })
                .unwrap_or(MIX.len() - 1);
            let op = &MIX[kind];
            let (lo, hi) = op.latency_ms;
            let tokens = (op.avg_tokens * rng.uniform(0.5, 1.5)).round() as u64;
            let input = (tokens as f64 * op.input_share).round() as u64;
            let usage = Usage::new(input, tokens - input);
            let latency = Duration::from_secs_f64(rng.uniform(lo, hi) / 1000.0 / LATENCY_SCALE);
            arrivals.push((Duration::from_secs_f64(t), kind, usage, latency));
        }
        let expected: u128 = arrivals
            .iter()
            .map(|(_, kind, usage, _)| prices[*kind].cost(usage).picos())
            .sum();
        let before = ledger.snapshot().total;
        let started = Instant::now();
        let results = rt.block_on(async {
            let start = tokio::time::Instant::now();
            let mut handles = Vec::with_capacity(arrivals.len());
            for (at, kind, usage, latency) in arrivals.iter().copied() {
                tokio::time::sleep_until(start + at).await;
                let task = async move {
                    let mut marks = Marks::default();
                    let t0 = Instant::now();
                    match kind {
                        0 => load_chat(usage, latency, &mut marks).await,
                        1 => load_completion(usage, latency, &mut marks).await,
                        _ => load_embedding(usage, latency, &mut marks).await,
                    }
                    let t3 = Instant::now();
                    (kind, t3 - t0, marks.overhead(t0, t3))
                };
                handles.push(tokio::spawn(task));
            }
            let mut results = Vec::with_capacity(handles.len());
            for handle in handles {
                results.push(handle.await.expect("task"));
            }
            results
        });
        let elapsed = started.elapsed().as_secs_f64();
        let after = ledger.snapshot().total;
        let calls = results.len() as u64;
        books.check(&before, &after, calls, Cost::from_picos(expected));
        let mut latency: Vec<f64> = results.iter().map(|r| r.1.as_secs_f64() * 1e3).collect();
        let mut overhead: Vec<f64> = results.iter().map(|r| r.2.as_secs_f64() * 1e6).collect();
        let k = format!("load.{phase}");
        m.insert(format!("{k}.multiplier"), multiplier);
        m.insert(format!("{k}.target_ops_s"), rate);
        m.insert(format!("{k}.ops"), calls as f64);
        m.insert(format!("{k}.achieved_ops_s"), calls as f64 / elapsed);
        for (i, op) in MIX.iter().enumerate() {
            let n = results.iter().filter(|r| r.0 == i).count();
            m.insert(format!("{k}.ops_{}", op.name), n as f64);
        }
        put_dist(m, &format!("{k}.latency"), "ms", &dist(&mut latency));
        put_dist(m, &format!("{k}.overhead"), "us", &dist(&mut overhead));
        m.insert(
            format!("{k}.cost_usd"),
            Cost::from_picos(after.cost.picos() - before.cost.picos()).as_usd(),
        );
        m.insert(
            format!("{k}.expected_cost_usd"),
            Cost::from_picos(expected).as_usd(),
        );
        m.insert(
            format!("{k}.ledger_exact"),
            f64::from(u8::from(
                after.cost.picos() - before.cost.picos() == expected,
            )),
        );
    }
}
