//! The ledger is exact under concurrency: 16 threads × 100,000 tracked calls with known usage.

use std::thread;

use tracing::Dispatch;
use tracing_subscriber::prelude::*;

use genops::Usage;

const THREADS: u64 = 16;
const CALLS: u64 = 100_000;

// Published prices, in pico-dollars per token ($/M × 10^6).
const GPT_4O_IN: u128 = 2_500_000; // $2.50/M
const GPT_4O_OUT: u128 = 10_000_000; // $10.00/M
const MINI_IN: u128 = 150_000; // $0.15/M
const MINI_OUT: u128 = 600_000; // $0.60/M

#[genops::track(team = team, provider = "openai", model = "gpt-4o")]
fn big(team: &str, input: u64, output: u64) {
    genops::record_usage(Usage::new(input, output));
}

#[genops::track(team = team, provider = "openai", model = "gpt-4o-mini")]
fn small(team: &str, input: u64, output: u64) {
    genops::record_usage(Usage::new(input, output));
}

fn usage(t: u64, i: u64) -> (u64, u64) {
    (100 + (t * 7 + i) % 13, 1 + i % 5)
}

#[test]
fn sixteen_threads_book_every_call_to_the_unit() {
    let layer = genops::layer();
    let ledger = layer.ledger();
    let dispatch = Dispatch::new(tracing_subscriber::registry().with(layer));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let dispatch = dispatch.clone();
            thread::spawn(move || {
                let team = format!("team-{}", t % 4);
                tracing::dispatcher::with_default(&dispatch, || {
                    for i in 0..CALLS {
                        let (input, output) = usage(t, i);
                        if i % 2 == 0 {
                            big(&team, input, output);
                        } else {
                            small(&team, input, output);
                        }
                    }
                })
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }

    // The expected books, from the usage and the published prices alone.
    let mut cost: u128 = 0;
    let (mut input_total, mut output_total) = (0u64, 0u64);
    let mut team0_cost: u128 = 0;
    for t in 0..THREADS {
        for i in 0..CALLS {
            let (input, output) = usage(t, i);
            input_total += input;
            output_total += output;
            let c = if i % 2 == 0 {
                input as u128 * GPT_4O_IN + output as u128 * GPT_4O_OUT
            } else {
                input as u128 * MINI_IN + output as u128 * MINI_OUT
            };
            cost += c;
            if t % 4 == 0 {
                team0_cost += c;
            }
        }
    }
    let snap = ledger.snapshot();
    assert_eq!(snap.total.calls, THREADS * CALLS);
    assert_eq!(snap.total.input_tokens, input_total);
    assert_eq!(snap.total.output_tokens, output_total);
    assert_eq!(snap.total.cost.picos(), cost);
    assert_eq!(snap.by_team["team-0"].cost.picos(), team0_cost);
    assert_eq!(snap.by_model["gpt-4o"].calls, THREADS * CALLS / 2);
    assert_eq!(snap.by_team.len(), 4);
}
