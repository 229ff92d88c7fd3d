//! Holds against the ground truth: four processes of `examples/hold_worker` share one $1 daily
//! hard budget in Redis, making random requests (1 to 200,000 input tokens, output caps up to
//! the model's maximum) to a mock provider whose usage is the true count and any output up to
//! the cap. Holding each request's worst case, spend never passes $1 and most of it is used;
//! holding a fixed $0.01, the same traffic overshoots.
//!
//! Runs against `GENOPS_REDIS_URL` (`.ci/run` starts a server), else a `redis-server` of each
//! test's own.

mod support;

use std::process::Child;

use support::backend::{example, unique};
use support::redis::{hash, redis, window_key};

const DOLLAR: u64 = 1_000_000_000;

/// Four processes of eight tasks, holding `reserve` (`request` or a USD amount); returns the
/// store's spend in nano-dollars once they are done.
fn spend(url: &str, name: &str, reserve: &str) -> u64 {
    let budget = unique(name);
    let children: Vec<Child> = (0..4)
        .map(|i| {
            support::child::command(example("hold_worker"))
                .env("GENOPS_BUDGET_STORE", url)
                .env("WORKER_BUDGET", &budget)
                .env("WORKER_RESERVE", reserve)
                .env("WORKER_SEED", (i + 1).to_string())
                .env("GENOPS_LOG_LEVEL", "off")
                .spawn()
                .expect("the hold_worker example (built with --features redis)")
        })
        .collect();
    for mut child in children {
        let status = child.wait().unwrap();
        assert!(status.success(), "{status}");
    }
    let fields = hash(url, &window_key(url, &budget));
    let number = |f: &str| fields.get(f).map_or(0, |v| v.parse::<u64>().unwrap());
    assert_eq!(number("reserved"), 0, "every hold settled");
    let spent = number("spent");
    eprintln!(
        "4 processes x 8 tasks holding {reserve}: ${:.9} spent of $1",
        spent as f64 / 1e9
    );
    spent
}

#[test]
fn holding_the_worst_case_never_overshoots_and_uses_most_of_the_budget() {
    let server = redis();
    let spent = spend(&server.url(), "worst-case", "request");
    assert!(spent <= DOLLAR, "spent {spent} nano-dollars");
    assert!(spent >= DOLLAR / 10 * 8, "only {spent} nano-dollars used");
}

#[test]
fn holding_a_fixed_cent_overshoots_on_the_same_traffic() {
    let server = redis();
    let spent = spend(&server.url(), "fixed", "0.01");
    assert!(spent > DOLLAR, "spent {spent} nano-dollars");
}
