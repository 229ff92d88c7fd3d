//! The ground truth for budgets shared in Redis: four processes of `examples/budget_worker`,
//! 25 concurrent tasks each, share one $1 daily hard budget with $0.01 reserved a call. Each
//! process writes down its own calls; those records are what the store is checked against.
//!
//! Runs against `GENOPS_REDIS_URL` (`.ci/run` starts a server), else a `redis-server` of each
//! test's own.

mod support;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use support::backend::{record_files, spawn_worker, unique, wait_all};
use support::redis::{hash, redis, window_key};

/// This file's turn: its tests run one at a time, so that four worker processes time their calls
/// on a machine not also busy with another test's four. (The restart runs tell the calls
/// admitted in an outage by when their work began.)
fn alone() -> MutexGuard<'static, ()> {
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

/// An admitted call as its process wrote it down: its cost in nano-dollars, and the unix
/// milliseconds at which its work began (just after admission) and ended (just before it was
/// settled).
#[derive(Clone, Copy, Debug)]
struct Call {
    nanos: u64,
    start: u64,
    end: u64,
}

/// What one process wrote down: its admitted calls, and the denials.
#[derive(Debug, Default)]
struct Records {
    admitted: Vec<Call>,
    denied: usize,
}

impl Records {
    fn costs(&self) -> impl Iterator<Item = u64> + '_ {
        self.admitted.iter().map(|c| c.nanos)
    }
}

fn read_records(path: &Path) -> Records {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut records = Records::default();
    // A killed process may leave a last line half written: only whole lines count.
    for line in text.split_inclusive('\n').filter(|l| l.ends_with('\n')) {
        let fields: Vec<&str> = line.trim_end().split(' ').collect();
        match fields[..] {
            ["admitted", nanos, start, end] => records.admitted.push(Call {
                nanos: nanos.parse().unwrap(),
                start: start.parse().unwrap(),
                end: end.parse().unwrap(),
            }),
            ["denied"] => records.denied += 1,
            _ => {}
        }
    }
    records
}

fn worker(store: &str, budget: &str, records: &Path, seed: u64, envs: &[(&str, &str)]) -> Child {
    let envs: Vec<(&str, &str)> = [("WORKER_BUDGET", budget)]
        .into_iter()
        .chain(envs.iter().copied())
        .collect();
    spawn_worker("budget_worker", store, records, seed, &envs)
}

/// Removes the directory of the records once checked.
fn clean(paths: &[PathBuf]) {
    if let Some(dir) = paths.first().and_then(|p| p.parent()) {
        let _ = std::fs::remove_dir_all(dir);
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
fn ground_truth(url: &str, name: &str, envs: &[(&str, &str)]) -> usize {
    let budget = unique(name);
    let paths = record_files(name, 4);
    let start = Instant::now();
    let children = (0..4)
        .map(|i| worker(url, &budget, &paths[i], i as u64 + 1, envs))
        .collect();
    wait_all(children);
    let elapsed = start.elapsed();
    let records: Vec<Records> = paths.iter().map(|p| read_records(p)).collect();
    let admitted: Vec<u64> = records.iter().flat_map(Records::costs).collect();
    let billed: u64 = admitted.iter().sum();
    let (spent, reserved, holds, charged) = window(url, &budget);
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
    let _alone = alone();
    let server = redis();
    ground_truth(&server.url(), "ground-truth", &[]);
}

#[test]
fn with_leases_four_processes_never_overshoot_and_book_every_admitted_call_once() {
    let _alone = alone();
    // Slices of $0.10 shrink as the dollar runs out; the last calls get reservations of
    // their own.
    let server = redis();
    let admitted = ground_truth(&server.url(), "leased", &[("WORKER_LEASE_USD", "0.10")]);
    assert!(admitted > 100, "{admitted} calls");
}

#[test]
fn a_process_killed_mid_run_leaves_holds_that_are_charged_at_expiry_and_no_overshoot() {
    let _alone = alone();
    let server = redis();
    let url = server.url();
    let budget = unique("killed");
    let paths = record_files("killed", 5);
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
    let survivors: u64 = records[1..].iter().flat_map(Records::costs).sum();
    let dead: u64 = records[0].costs().sum();
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
    let _alone = alone();
    let server = redis();
    let url = server.url();
    let target = url
        .trim_start_matches("redis://")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let (port, drops) = faulty_proxy(target);
    let proxied = format!("redis://127.0.0.1:{port}/0");
    let budget = unique("proxied");
    let paths = record_files("proxied", 4);
    let children = (0..4)
        .map(|i| worker(&proxied, &budget, &paths[i], i as u64 + 21, &[]))
        .collect();
    wait_all(children);
    let billed: u64 = paths
        .iter()
        .flat_map(|p| read_records(p).costs().collect::<Vec<_>>())
        .sum();
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

fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// How long the server stays down, and how long before that the store is watched.
const OUTAGE_MS: u64 = 1_000;
const WATCH_MS: u64 = 50;
/// A call whose work began this long after the server died (and before it was started again)
/// was admitted without the store.
const DEAD_MS: u64 = 50;
/// The most between an admission and its call's work beginning, and between that work's end
/// and its settlement.
const STEP_MS: u64 = 5;
/// A reservation.
const HOLD: u64 = 10_000_000;
/// The cap of `FailMode::Open` in the restart runs.
const OPEN_CAP: u64 = 250_000_000;

/// What four processes did around a restart of their Redis.
struct Restart {
    records: Vec<Records>,
    /// The summed records, and the store's spend after the run.
    billed: u64,
    spent: u64,
    /// Unix ms: the watch began, the server was killed, was dead, was started again.
    watched: u64,
    killed: u64,
    dead: u64,
    back: u64,
    /// The most room (limit − spent − reserved) the store had in the watch.
    room: u64,
}

/// Four processes, each call working 20 to 120 ms and waiting at most 50 ms for the store to
/// admit it, on a Redis of the test's own, killed
/// (`kill -9`) mid-run and started again after [`OUTAGE_MS`].
fn restarted_mid_run(persist: bool, envs: &[(&str, &str)]) -> Restart {
    let mut server = support::redis::OwnRedis::start("restart", persist);
    let url = server.url();
    let budget = unique("restart");
    let paths = record_files("restart", 4);
    let envs = [
        envs,
        &[("WORKER_CALL_MS", "20"), ("WORKER_ADMISSION_MS", "50")],
    ]
    .concat();
    let children = (0..4)
        .map(|i| worker(&url, &budget, &paths[i], i as u64 + 31, &envs))
        .collect();
    let admitted = || -> usize { paths.iter().map(|p| read_records(p).admitted.len()).sum() };
    let start = Instant::now();
    while admitted() < 20 {
        assert!(start.elapsed() < Duration::from_secs(30));
        std::thread::sleep(Duration::from_millis(2));
    }
    // Every process still making calls reads the store at each reservation, every few ms:
    // its last read before the kill falls in this watch.
    let key = window_key(&url, &budget);
    let watched = unix_ms();
    let mut room = 0;
    while unix_ms() < watched + WATCH_MS {
        let fields = hash(&url, &key);
        let number = |f: &str| fields.get(f).map_or(0, |v| v.parse::<u64>().unwrap());
        room = room.max(DOLLAR.saturating_sub(number("spent") + number("reserved")));
    }
    let killed = unix_ms();
    server.kill();
    let dead = unix_ms();
    std::thread::sleep(Duration::from_millis(OUTAGE_MS));
    let back = unix_ms();
    server.resume();
    wait_all(children);
    let records: Vec<Records> = paths.iter().map(|p| read_records(p)).collect();
    let billed: u64 = records.iter().flat_map(Records::costs).sum();
    let (spent, reserved, holds, _) = window(&url, &budget);
    assert_eq!((reserved, holds.len()), (0, 0), "no hold left behind");
    clean(&paths);
    let run = Restart {
        records,
        billed,
        spent,
        watched,
        killed,
        dead,
        back,
        room,
    };
    eprintln!(
        "restart ({}, {envs:?}): ${:.6} billed, ${:.6} in the store; ${:.4} left before the \
         kill; admitted in the outage: ${:?}",
        if persist { "persistent" } else { "in memory" },
        billed as f64 / 1e9,
        spent as f64 / 1e9,
        room as f64 / 1e9,
        (0..4).map(|r| usd(run.outage(r))).collect::<Vec<_>>(),
    );
    run
}

fn usd(nanos: u64) -> f64 {
    nanos as f64 / 1e9
}

impl Restart {
    /// Process `r`'s calls admitted by its fail mode: begun while the server was dead.
    fn outage_calls(&self, r: usize) -> impl Iterator<Item = &Call> {
        self.records[r]
            .admitted
            .iter()
            .filter(|c| c.start > self.dead + DEAD_MS && c.start < self.back)
    }

    fn outage(&self, r: usize) -> u64 {
        self.outage_calls(r).map(|c| c.nanos).sum()
    }

    /// What `FailMode::Open { cap }` counts against the cap at process `r`'s last admission
    /// in the outage: the calls it admitted then, and those the store admitted before and
    /// whose settlement waits for it, settled before that admission.
    fn open_used(&self, r: usize) -> u64 {
        let Some(last) = self.outage_calls(r).map(|c| c.start).max() else {
            return 0;
        };
        let waiting = self.records[r]
            .admitted
            .iter()
            .filter(|c| c.start < self.killed && c.end > self.dead && c.end + 2 * STEP_MS < last)
            .map(|c| c.nanos);
        self.outage(r) + waiting.sum::<u64>()
    }

    /// The most `FailMode::Local` lets process `r` admit in the outage when it has seen `n`
    /// replicas: its share of the room it last read, that room being at most the most the
    /// store had in the watch plus the holds it gave back since (of a call whose settlement
    /// waits for the store, the hold less the call's cost, which counts as spent).
    fn local_share(&self, r: usize, n: u64) -> u64 {
        let calls = &self.records[r].admitted;
        // A call that ended before the kill had its task reserve again, a read, before it:
        // the last read is after such ends.
        let last_read = calls
            .iter()
            .map(|c| c.end)
            .filter(|&end| end + 2 * STEP_MS < self.killed)
            .max()
            .map_or(self.watched, |end| end.max(self.watched));
        (last_read..=self.killed)
            .map(|t| {
                let given_back: u64 = calls
                    .iter()
                    .filter(|c| c.start <= t + STEP_MS && c.end + STEP_MS >= t)
                    .map(|c| {
                        if c.end < self.dead + STEP_MS {
                            HOLD / n
                        } else {
                            (HOLD / n).saturating_sub(c.nanos)
                        }
                    })
                    .sum();
                (self.room + HOLD) / n + given_back
            })
            .max()
            .unwrap_or(0)
    }

    /// The most `FailMode::Local` lets the four processes admit in the outage: each has seen
    /// at least 1, 2, 3 and 4 replicas, in some order (each counts those that announced
    /// themselves before it, and itself).
    fn local_bound(&self) -> u64 {
        let mut worst = 0;
        for order in permutations(&[1, 2, 3, 4]) {
            let bound = (0..4).map(|r| self.local_share(r, order[r])).sum();
            worst = worst.max(bound);
        }
        worst
    }

    /// With persistence every call is booked once and the spend stays within the limit plus
    /// `overshoot`; without, the store forgot the spend before the restart, and its own spend
    /// stays within the same bound.
    fn check_store(&self, persist: bool, overshoot: u64) {
        if persist {
            assert_eq!(self.spent, self.billed, "every call booked once");
        } else {
            assert!(
                self.spent <= self.billed,
                "{} of {}",
                self.spent,
                self.billed
            );
        }
        assert!(
            self.spent <= DOLLAR + overshoot,
            "{} > $1 + {overshoot}",
            self.spent
        );
    }
}

fn permutations(items: &[u64]) -> Vec<Vec<u64>> {
    if items.len() <= 1 {
        return vec![items.to_vec()];
    }
    let mut all = Vec::new();
    for (i, &first) in items.iter().enumerate() {
        let rest: Vec<u64> = [&items[..i], &items[i + 1..]].concat();
        for mut tail in permutations(&rest) {
            tail.insert(0, first);
            all.push(tail);
        }
    }
    all
}

#[test]
fn a_redis_restart_mid_run_keeps_each_fail_mode_to_its_bound() {
    let _alone = alone();
    let cap = usd(OPEN_CAP).to_string();
    for persist in [true, false] {
        // Failing closed, nothing is admitted without the store.
        let run = restarted_mid_run(persist, &[("WORKER_FAIL", "closed")]);
        assert_eq!((0..4).map(|r| run.outage(r)).sum::<u64>(), 0);
        run.check_store(persist, 0);
        // Failing open with a cap, each process admits during the outage up to the cap,
        // counting the calls it booked meanwhile: 4 × the cap at most.
        let run = restarted_mid_run(
            persist,
            &[("WORKER_FAIL", "open"), ("WORKER_OPEN_CAP_USD", &cap)],
        );
        let used: Vec<u64> = (0..4).map(|r| run.open_used(r)).collect();
        eprintln!(
            "failing open: counted against the cap ${:?}",
            used.iter().map(|&u| usd(u)).collect::<Vec<_>>()
        );
        assert!(
            (0..4).any(|r| run.outage(r) > 0),
            "nothing admitted in the outage"
        );
        assert!(used.iter().all(|&u| u <= OPEN_CAP), "{used:?}");
        run.check_store(persist, 4 * OPEN_CAP);
        // Failing local, each process admits its share of the room it last read. (A replica
        // that counted the holds of its own outage calls as given back to that room admitted
        // $0.30 here against a bound of $0.27.)
        let run = restarted_mid_run(persist, &[("WORKER_FAIL", "local")]);
        let outage: u64 = (0..4).map(|r| run.outage(r)).sum();
        let bound = run.local_bound();
        eprintln!(
            "failing local: ${:.4} admitted in the outage, bound ${:.4}",
            usd(outage),
            usd(bound)
        );
        assert!(outage <= bound, "{outage} > {bound}");
        run.check_store(persist, bound);
    }
}

/// Configured by its environment alone, a process reaches a Redis that speaks only TLS with
/// `GENOPS_BUDGET_STORE=rediss://...` and trusts its CA through `SSL_CERT_FILE`; every call it
/// makes until the budget runs out is booked once.
#[cfg(feature = "redis-tls")]
#[test]
fn over_tls_a_process_trusting_the_ca_through_ssl_cert_file_books_every_call_once() {
    let _alone = alone();
    let server = support::redis::OwnRedis::start_tls("tls-worker");
    let budget = unique("tls-worker");
    let paths = record_files("tls-worker", 1);
    let ca = server.ca().display().to_string();
    let envs = [("SSL_CERT_FILE", ca.as_str()), ("WORKER_TASKS", "4")];
    wait_all(vec![worker(&server.url(), &budget, &paths[0], 41, &envs)]);
    let records = read_records(&paths[0]);
    let billed: u64 = records.costs().sum();
    let fields = server.hash(&server.window_key(&budget));
    let number = |f: &str| fields.get(f).map_or(0, |v| v.parse::<u64>().unwrap());
    eprintln!(
        "over TLS: {} calls, ${:.6} billed, ${:.6} in the store",
        records.admitted.len(),
        usd(billed),
        usd(number("spent"))
    );
    assert_eq!(
        records.denied, 4,
        "every task ends denied: the budget ran out"
    );
    assert_eq!((number("spent"), number("reserved")), (billed, 0));
    assert!(billed <= DOLLAR && billed > DOLLAR - 4 * HOLD, "{billed}");
    clean(&paths);
}
