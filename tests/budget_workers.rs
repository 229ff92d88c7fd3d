//! The ground truth for budgets shared in Redis: four processes of `examples/budget_worker`,
//! 25 concurrent tasks each, share one $1 daily hard budget with $0.01 reserved a call. Each
//! process writes down its own calls; those records are what the store is checked against.
//!
//! Runs against `GENOPS_REDIS_URL` (`.ci/run` starts a server); skipped with a notice without.

mod support;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use support::backend::{example, unique};
use support::redis::{hash, redis_url, window_key};

/// What one process wrote down: the cost of each admitted call, and the denials.
#[derive(Debug, Default)]
struct Records {
    admitted: Vec<u64>,
    denied: usize,
}

fn read_records(path: &Path) -> Records {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut records = Records::default();
    // A killed process may leave a last line half written: only whole lines count.
    for line in text.lines() {
        match line.split_once(' ') {
            Some(("admitted", nanos)) => records.admitted.push(nanos.parse().unwrap()),
            _ if line == "denied" => records.denied += 1,
            _ => {}
        }
    }
    records
}

fn worker(store: &str, budget: &str, records: &Path, seed: u64, envs: &[(&str, &str)]) -> Child {
    let mut cmd = Command::new(example("budget_worker"));
    for (k, _) in std::env::vars() {
        if k.starts_with("OTEL_") || k.starts_with("GENOPS_") || k.starts_with("WORKER_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("GENOPS_BUDGET_STORE", store)
        .env("WORKER_BUDGET", budget)
        .env("WORKER_RECORDS", records)
        .env("WORKER_SEED", seed.to_string())
        .env("GENOPS_LOG_LEVEL", "off");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.spawn()
        .expect("the budget_worker example (built with --features redis)")
}

fn files(name: &str, n: usize) -> Vec<PathBuf> {
    let dir = std::env::temp_dir().join(unique(name));
    std::fs::create_dir_all(&dir).unwrap();
    (0..n)
        .map(|i| dir.join(format!("worker-{i}.txt")))
        .collect()
}

/// Removes the directory of the records once checked.
fn clean(paths: &[PathBuf]) {
    if let Some(dir) = paths.first().and_then(|p| p.parent()) {
        let _ = std::fs::remove_dir_all(dir);
    }
}

fn wait_all(children: Vec<Child>) {
    for mut child in children {
        let status = child.wait().unwrap();
        assert!(status.success(), "{status}");
    }
}

/// The window's spent and reserved, and the amounts of holds left and of holds charged at
/// expiry.
fn window(url: &str, budget: &str) -> (u64, u64, Vec<u64>, Vec<u64>) {
    let fields = hash(url, &window_key(url, budget));
    let number = |f: &str| fields.get(f).map_or(0, |v| v.parse().unwrap());
    let of = |prefix: &str| -> Vec<u64> {
        fields
            .iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .map(|(_, v)| v.parse().unwrap())
            .collect()
    };
    (number("spent"), number("reserved"), of("h:"), of("x:"))
}

const DOLLAR: u64 = 1_000_000_000;

/// Four processes of 25 tasks until the budget runs out; checks the store against their
/// records, and returns the calls admitted.
fn ground_truth(name: &str, envs: &[(&str, &str)]) -> usize {
    let url = redis_url().expect("checked by the caller");
    let budget = unique(name);
    let paths = files(name, 4);
    let start = Instant::now();
    let children = (0..4)
        .map(|i| worker(&url, &budget, &paths[i], i as u64 + 1, envs))
        .collect();
    wait_all(children);
    let elapsed = start.elapsed();
    let records: Vec<Records> = paths.iter().map(|p| read_records(p)).collect();
    let admitted: Vec<u64> = records.iter().flat_map(|r| r.admitted.clone()).collect();
    let billed: u64 = admitted.iter().sum();
    let (spent, reserved, holds, charged) = window(&url, &budget);
    eprintln!(
        "4 processes x 25 tasks{envs:?}: {} calls admitted, ${:.6} spent of $1, {:.0} calls/s",
        admitted.len(),
        spent as f64 / 1e9,
        admitted.len() as f64 / elapsed.as_secs_f64()
    );
    assert!(admitted
        .iter()
        .all(|&n| (2_100_000..=9_900_000).contains(&n)));
    // Every task ends denied: the budget ran out.
    assert_eq!(records.iter().map(|r| r.denied).sum::<usize>(), 100);
    assert_eq!(spent, billed, "every admitted call booked exactly once");
    assert!(spent <= DOLLAR, "spent {spent}");
    assert_eq!((reserved, holds.len(), charged.len()), (0, 0, 0));
    clean(&paths);
    admitted.len()
}

#[test]
fn four_processes_never_overshoot_and_book_every_admitted_call_once() {
    if redis_url().is_none() {
        return;
    }
    ground_truth("ground-truth", &[]);
}

#[test]
fn with_leases_four_processes_never_overshoot_and_book_every_admitted_call_once() {
    if redis_url().is_none() {
        return;
    }
    // Slices of $0.10 shrink as the dollar runs out; the last calls get reservations of
    // their own.
    let admitted = ground_truth("leased", &[("WORKER_LEASE_USD", "0.10")]);
    assert!(admitted > 100, "{admitted} calls");
}

#[test]
fn a_process_killed_mid_run_leaves_holds_that_are_charged_at_expiry_and_no_overshoot() {
    let Some(url) = redis_url() else { return };
    let budget = unique("killed");
    let paths = files("killed", 5);
    let hold = [("WORKER_HOLD_MS", "1500")];
    let mut children: Vec<Child> = (0..4)
        .map(|i| worker(&url, &budget, &paths[i], i as u64 + 11, &hold))
        .collect();
    // Once the first process has made a few calls, kill -9 it, holds and all.
    let start = Instant::now();
    while read_records(&paths[0]).admitted.len() < 5 {
        assert!(start.elapsed() < Duration::from_secs(30));
        std::thread::sleep(Duration::from_millis(5));
    }
    let mut killed = children.remove(0);
    killed.kill().unwrap();
    killed.wait().unwrap();
    wait_all(children);
    // After the holds' deadline, the next reservation charges them.
    std::thread::sleep(Duration::from_millis(2_000));
    wait_all(vec![worker(
        &url,
        &budget,
        &paths[4],
        99,
        &[("WORKER_TASKS", "1"), hold[0]],
    )]);
    let records: Vec<Records> = paths.iter().map(|p| read_records(p)).collect();
    let (spent, reserved, holds, charged) = window(&url, &budget);
    let survivors: u64 = records[1..].iter().flat_map(|r| &r.admitted).sum();
    let dead: u64 = records[0].admitted.iter().sum();
    let charged_sum: u64 = charged.iter().sum();
    eprintln!(
        "killed process: {} calls recorded, {} holds charged at expiry (${:.4}); ${:.6} spent",
        records[0].admitted.len(),
        charged.len(),
        charged_sum as f64 / 1e9,
        spent as f64 / 1e9
    );
    assert!(spent <= DOLLAR, "overshoot: spent {spent}");
    assert_eq!((reserved, holds.len()), (0, 0), "no hold left behind");
    // Calls of the dead process in flight were charged their $0.01 hold; its calls booked
    // before the kill count at their cost; every survivor's call counts exactly once.
    assert!(charged.iter().all(|&c| c == 10_000_000), "{charged:?}");
    assert!(
        survivors + charged_sum <= spent && spent <= survivors + dead + charged_sum,
        "{survivors} + {charged_sum} <= {spent} <= + {dead}"
    );
    clean(&paths);
}

/// A TCP proxy to `target` that delays every chunk by 50 ± 20 ms and drops 1% of chunks by
/// closing both sides of their connection mid-stream. Returns its port and the count of
/// connections it dropped.
fn faulty_proxy(target: String) -> (u16, Arc<AtomicUsize>) {
    let drops = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&drops);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        for client in listener.incoming().flatten() {
            let Ok(server) = TcpStream::connect(&target) else {
                continue;
            };
            for (from, to) in [
                (client.try_clone().unwrap(), server.try_clone().unwrap()),
                (server, client),
            ] {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                let mut state = seed | 1;
                let drops = Arc::clone(&counted);
                std::thread::spawn(move || pump(from, to, &mut state, &drops));
            }
        }
    });
    (port, drops)
}

fn pump(mut from: TcpStream, mut to: TcpStream, state: &mut u64, drops: &AtomicUsize) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        if *state % 100 == 0 {
            drops.fetch_add(1, Ordering::Relaxed);
            break;
        }
        std::thread::sleep(Duration::from_millis(30 + *state % 41));
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = from.shutdown(Shutdown::Both);
    let _ = to.shutdown(Shutdown::Both);
}

#[test]
fn through_a_slow_proxy_that_drops_connections_the_bills_equal_the_stores_spend() {
    let Some(url) = redis_url() else { return };
    let target = url
        .trim_start_matches("redis://")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let (port, drops) = faulty_proxy(target);
    let proxied = format!("redis://127.0.0.1:{port}/0");
    let budget = unique("proxied");
    let paths = files("proxied", 4);
    let children = (0..4)
        .map(|i| worker(&proxied, &budget, &paths[i], i as u64 + 21, &[]))
        .collect();
    wait_all(children);
    let billed: u64 = paths.iter().flat_map(|p| read_records(p).admitted).sum();
    let (spent, reserved, holds, charged) = window(&url, &budget);
    let drops = drops.load(Ordering::Relaxed);
    eprintln!(
        "through the proxy: {drops} connections dropped; ${:.6} billed, ${:.6} spent in Redis",
        billed as f64 / 1e9,
        spent as f64 / 1e9
    );
    assert!(drops > 0, "the proxy dropped no connection");
    // No reservation applied twice, none lost: the bills and the store agree to the
    // nano-dollar, and nothing is held.
    assert_eq!(spent, billed);
    assert_eq!((reserved, holds.len(), charged.len()), (0, 0, 0));
    clean(&paths);
}

/// Four processes on a Redis of the test's own, restarted (`kill -9`, then started again)
/// mid-run; returns (the summed records, the store's spend after the run).
fn restarted_mid_run(persist: bool, fail: &str) -> (u64, u64) {
    let mut server = support::redis::OwnRedis::start("restart", persist);
    let url = server.url();
    let budget = unique(&format!("restart-{fail}"));
    let paths = files("restart", 4);
    let envs = [("WORKER_FAIL", fail)];
    let children = (0..4)
        .map(|i| worker(&url, &budget, &paths[i], i as u64 + 31, &envs))
        .collect();
    let admitted = || -> usize { paths.iter().map(|p| read_records(p).admitted.len()).sum() };
    let start = Instant::now();
    while admitted() < 40 {
        assert!(start.elapsed() < Duration::from_secs(30));
        std::thread::sleep(Duration::from_millis(2));
    }
    server.kill();
    std::thread::sleep(Duration::from_millis(300));
    server.resume();
    wait_all(children);
    let billed: u64 = paths.iter().flat_map(|p| read_records(p).admitted).sum();
    let (spent, reserved, holds, _) = window(&url, &budget);
    eprintln!(
        "restart ({}, fail {fail}): ${:.6} billed, ${:.6} in the store",
        if persist { "persistent" } else { "in memory" },
        billed as f64 / 1e9,
        spent as f64 / 1e9
    );
    assert_eq!((reserved, holds.len()), (0, 0), "no hold left behind");
    clean(&paths);
    (billed, spent)
}

#[test]
fn a_redis_restart_mid_run_keeps_each_fail_mode_to_its_bound() {
    if redis_url().is_none() {
        return;
    }
    // Persistent: nothing is forgotten. Failing closed, nothing is admitted without the
    // store: no overshoot, every call booked once.
    let (billed, spent) = restarted_mid_run(true, "closed");
    assert_eq!(spent, billed);
    assert!(spent <= DOLLAR, "{spent}");
    // Failing local, the calls admitted during the outage are booked once each on its return.
    let (billed, spent) = restarted_mid_run(true, "local");
    assert_eq!(spent, billed);
    // Without persistence the store forgets what was booked before the restart: the store's
    // own spend stays within the limit (failing closed), and what was billed exceeds it by at
    // most what was forgotten, which is all it can know.
    let (billed, spent) = restarted_mid_run(false, "closed");
    assert!(spent <= DOLLAR && spent <= billed, "{spent} of {billed}");
}
