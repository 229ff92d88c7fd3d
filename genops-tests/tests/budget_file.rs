//! The embedded budget store: spend and holds in a redb file survive the process, after a
//! clean exit exactly, and after `kill -9` within the stated bound (what was booked in the last
//! 100 ms, plus the write in progress).

mod support;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use genops::{Budget, BudgetStore, Dimension, GenOpsLayer, GovernanceError, Scope, Usd};
use support::backend::unique;
use support::child::{child_command, run_if_child};
use support::{capture_with, nanos};

#[derive(Debug)]
struct Denied(#[allow(dead_code)] GovernanceError);

impl From<GovernanceError> for Denied {
    fn from(e: GovernanceError) -> Self {
        Denied(e)
    }
}

#[genops::track(team = "search", customer = customer, provider = "openai", operation = "chat", enforce)]
fn call(customer: &str, usd: f64) -> Result<(), Denied> {
    genops::record_cost(usd);
    Ok(())
}

fn layer(path: &PathBuf) -> GenOpsLayer {
    GenOpsLayer::builder()
        .budget_store(BudgetStore::file(path))
        .budget(Budget::daily("team", Scope::team("search"), Usd(1_000.0)).hard())
        .budget(Budget::daily_per(Dimension::Customer, Usd(0.5)).hard())
        .build()
}

fn file(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("{}.redb", unique(name)))
}

#[test]
fn a_restart_finds_the_days_spend_and_each_customers() {
    let path = file("restart");
    let first = layer(&path);
    let (results, _, _) = capture_with(first, true, || {
        (0..6).map(|_| call("acme", 0.1)).collect::<Vec<_>>()
    });
    // acme's $0.50 a day: five calls fit, the sixth's $0.01 hold does not.
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 5);
    // Dropped: the file is written before the layer is gone.
    let second = layer(&path);
    let budgets = second.budgets();
    assert_eq!(nanos(budgets[0].spent), 500_000_000);
    assert_eq!(nanos(budgets[1].spent), 500_000_000);
    let (results, _, _) = capture_with(second, true, || [call("acme", 0.1), call("globex", 0.1)]);
    assert!(matches!(
        results[0],
        Err(Denied(GovernanceError::BudgetExceeded { .. }))
    ));
    assert!(results[1].is_ok());
    // A file in use by a live layer is refused to a second one, naming the file.
    let held = layer(&path);
    let err = GenOpsLayer::builder()
        .budget_store(BudgetStore::file(&path))
        .budget(Budget::daily("team", Scope::all(), Usd(1.0)))
        .try_build()
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("budget_store: budget store file "), "{err}");
    drop(held);
    let _ = std::fs::remove_file(&path);
}

/// Spends $0.001 a call as fast as it can, printing after each call the spend so far (in
/// nano-dollars) and the time (Unix ms), until killed (the child of
/// `a_kill_9_loses_at_most_the_last_flush_of_spend`).
fn child_spends_until_killed() {
    let path = PathBuf::from(std::env::var("BUDGET_FILE").unwrap());
    let (_, _, _) = capture_with(layer(&path), true, || {
        let mut spent = 0u64;
        for n in 0.. {
            call(&format!("customer-{}", n % 1000), 0.001).unwrap();
            spent += 1_000_000;
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_millis();
            println!("booked {spent} {now}");
            std::thread::sleep(Duration::from_micros(200));
        }
    });
}

#[test]
fn a_kill_9_loses_at_most_the_last_flush_of_spend() {
    run_if_child(&[("child_spends_until_killed", child_spends_until_killed)]);
    let path = file("killed");
    let mut child = child_command("child_spends_until_killed", &[])
        .env("BUDGET_FILE", &path)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut booked: Vec<(u64, u128)> = Vec::new();
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(800) {
        let line = lines.next().unwrap().unwrap();
        let mut words = line.split(' ');
        if words.next() == Some("booked") {
            let spent = words.next().unwrap().parse().unwrap();
            booked.push((spent, words.next().unwrap().parse().unwrap()));
        }
    }
    child.kill().unwrap();
    let killed_at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis();
    child.wait().unwrap();
    for line in lines.map_while(Result::ok) {
        if let Some(rest) = line.strip_prefix("booked ") {
            let (spent, at) = rest.split_once(' ').unwrap();
            booked.push((spent.parse().unwrap(), at.parse().unwrap()));
        }
    }
    let last = booked.last().unwrap().0;
    // The bound: spend booked more than 100 ms (one flush) before the kill is in the file;
    // 250 ms more is allowed for the write in progress on a busy machine.
    let safe = booked
        .iter()
        .filter(|(_, at)| *at + 350 <= killed_at)
        .map(|(spent, _)| *spent)
        .max()
        .unwrap();
    let reopened = layer(&path);
    let spent = nanos(reopened.budgets()[0].spent) as u64;
    let lost_ms = booked
        .iter()
        .find(|(s, _)| *s > spent)
        .map_or(0, |(_, at)| killed_at.saturating_sub(*at));
    eprintln!(
        "kill -9 after ${:.3} booked: the file has ${:.3} (the spend of the last {lost_ms} ms \
         before the kill is lost)",
        last as f64 / 1e9,
        spent as f64 / 1e9
    );
    // At most the call in flight, charged its $0.01 hold, beyond what was booked.
    assert!(spent <= last + 10_000_000, "{spent} > {last}");
    assert!(
        spent >= safe,
        "{spent} < {safe}: more than the last flush lost"
    );
    drop(reopened);
    let _ = std::fs::remove_file(&path);
}
