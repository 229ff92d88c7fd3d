//! A token rate limit and the kill switch shared in Redis: four processes of
//! `examples/limit_worker`, 25 concurrent tasks each, and the operator command
//! (`examples/genops-ctl`, built from the runtime's `ctl/main.rs`). Each process writes down its
//! own calls; the admissions are replayed from those records.
//!
//! Runs against `GENOPS_REDIS_URL` (`.ci/run` starts a server), else a `redis-server` of each
//! test's own.

mod support;

use std::path::Path;
use std::process::{Child, Command};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use genops::{BudgetStore, FailMode, GenOpsLayer, GovernanceError, RateLimit, Scope};
use support::backend::{example, record_files, spawn_worker, unique, wait_all};
use support::redis::{redis, OwnRedis};

/// The limit every worker shares: 20,000 tokens in any 2 s.
const LIMIT: u64 = 20_000;
const WINDOW_MS: u64 = 2_000;

/// This file's turn: its tests run one at a time, so that four worker processes time their
/// calls on a machine not also busy with another test's four.
fn alone() -> MutexGuard<'static, ()> {
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

/// One record of a worker.
#[derive(Clone, Debug)]
enum Record {
    /// An admitted call: its team, tokens, and the unix ms at which it was made and at which
    /// its body began (admission happened in between).
    Admitted {
        team: String,
        tokens: u64,
        before: u64,
        start: u64,
    },
    Limited,
    /// A call denied by the kill switch.
    Killed {
        team: String,
    },
    /// A call denied because the store was away, made at unix ms `before`.
    Unavailable {
        before: u64,
    },
}

fn read_records(path: &Path) -> Vec<Record> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .map(|line| {
            let fields: Vec<&str> = line.split(' ').collect();
            match fields[..] {
                ["admitted", team, tokens, before, start] => Record::Admitted {
                    team: team.to_owned(),
                    tokens: tokens.parse().unwrap(),
                    before: before.parse().unwrap(),
                    start: start.parse().unwrap(),
                },
                ["limited", _, _] => Record::Limited,
                ["killed", team, _] => Record::Killed {
                    team: team.to_owned(),
                },
                ["unavailable", _, before] => Record::Unavailable {
                    before: before.parse().unwrap(),
                },
                _ => panic!("a record: {line:?}"),
            }
        })
        .collect()
}

fn worker(url: &str, records: &Path, seed: u64, envs: &[(&str, &str)]) -> Child {
    spawn_worker("limit_worker", url, records, seed, envs)
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// Runs the operator command against `url`; its output.
fn ctl(url: &str, args: &[&str]) -> String {
    let out = Command::new(example("genops-ctl"))
        .arg("--store")
        .arg(url)
        .args(args)
        .env_remove("GENOPS_KILL")
        .output()
        .expect("the genops-ctl example (built with --features redis)");
    assert!(
        out.status.success(),
        "genops-ctl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// An admission replayed: (`lower`, `start`, tokens), as [`admissions`] gives them.
type Admission = (u64, u64, u64);

/// The admissions in the records at `paths`, sorted: (`lower`, `start`, tokens). Each
/// happened in the store after the call was made (`before`) and at most an admission timeout
/// (250 ms) before its body began (`start`), a wait for the limit included: between `lower`
/// and `start`.
fn admissions(paths: &[std::path::PathBuf]) -> Vec<Admission> {
    let mut admitted: Vec<Admission> = paths
        .iter()
        .flat_map(|p| read_records(p))
        .filter_map(|r| match r {
            Record::Admitted {
                tokens,
                before,
                start,
                ..
            } => Some((before.max(start.saturating_sub(250)), start, tokens)),
            _ => None,
        })
        .collect();
    admitted.sort();
    admitted
}

/// Replay: the most tokens a window of 2 s starting at an admission's `lower` for which
/// `counted` holds surely holds, that is, of the calls whose whole interval lies in it.
fn busiest_window(admitted: &[Admission], counted: impl Fn(u64) -> bool) -> u64 {
    admitted
        .iter()
        .filter(|(from, ..)| counted(*from))
        .map(|&(from, ..)| {
            admitted
                .iter()
                .filter(|(lower, start, _)| *lower >= from && *start < from + WINDOW_MS)
                .map(|(.., tokens)| tokens)
                .sum()
        })
        .max()
        .unwrap_or(0)
}

#[test]
fn four_processes_never_put_more_than_the_limit_in_any_window_and_reach_90_percent_of_it() {
    limit_shared_by_four_processes(&[]);
}

#[test]
fn with_waiting_four_processes_never_put_more_than_the_limit_in_any_window_and_reach_90_percent() {
    limit_shared_by_four_processes(&[("WORKER_WAIT_MS", "5000")]);
}

/// Four processes of 25 tasks share the limit, with `envs`; the admissions replayed from their
/// records stay within it in every window, and reach 90% of it.
fn limit_shared_by_four_processes(envs: &[(&str, &str)]) {
    let _alone = alone();
    let server = redis();
    let limit = unique("search-tpm");
    let paths = record_files("limits", 4);
    let envs: Vec<(&str, &str)> = [("WORKER_LIMIT", limit.as_str())]
        .into_iter()
        .chain(envs.iter().copied())
        .collect();
    let children = (0..4)
        .map(|i| worker(&server.url(), &paths[i], i as u64 + 1, &envs))
        .collect();
    wait_all(children);
    let admitted = admissions(&paths);
    let busiest = busiest_window(&admitted, |_| true);
    assert!(busiest <= LIMIT, "{busiest} tokens in a window of 2 s");
    // Throughput: the calls certainly admitted in the first whole windows from the first
    // admission on reach 90% of what the limit allows.
    let first = admitted[0].0;
    let windows = 2;
    let within: u64 = admitted
        .iter()
        .filter(|(_, start, _)| *start < first + windows * WINDOW_MS)
        .map(|(.., tokens)| tokens)
        .sum();
    eprintln!(
        "4 processes x 25 tasks{envs:?}: {} calls admitted, {within} tokens in the first {} s of \
         a limit of {LIMIT} per 2 s",
        admitted.len(),
        windows * WINDOW_MS / 1_000
    );
    assert!(
        within * 10 >= windows * LIMIT * 9,
        "{within} tokens in {windows} windows"
    );
}

/// Four processes of 25 tasks share the limit, failing `mode`, in a Redis of the test's own
/// that is killed 6 s in (after the second heartbeat, so every replica counts the four) and
/// started again 1.5 s later with its log (an append-only file written before each answer).
/// The admissions ([`admissions`]), every record, and the unix ms of the kill and the restart.
fn through_a_restart(mode: &str) -> (Vec<Admission>, Vec<Record>, u64, u64) {
    let _alone = alone();
    let mut server = OwnRedis::start("limit-restart", true);
    let limit = unique("restart-tpm");
    let paths = record_files("restarts", 4);
    let envs = [
        ("WORKER_LIMIT", limit.as_str()),
        ("WORKER_FAIL_MODE", mode),
        ("WORKER_RUN_MS", "9500"),
    ];
    let children = (0..4)
        .map(|i| worker(&server.url(), &paths[i], i as u64 + 1, &envs))
        .collect();
    std::thread::sleep(Duration::from_millis(6_000));
    server.kill();
    let killed_at = unix_ms();
    std::thread::sleep(Duration::from_millis(1_500));
    let restarted_at = unix_ms();
    server.resume();
    wait_all(children);
    let records = paths.iter().flat_map(|p| read_records(p)).collect();
    let admitted = admissions(&paths);
    if let Some(dir) = paths[0].parent() {
        let _ = std::fs::remove_dir_all(dir);
    }
    // Before the restart, the limit holds in every window.
    let before = busiest_window(&admitted, |from| from + WINDOW_MS <= killed_at);
    assert!(
        before <= LIMIT,
        "{mode}: {before} tokens in 2 s before the kill"
    );
    eprintln!(
        "{mode}: {} calls admitted; the busiest 2 s held {} tokens",
        admitted.len(),
        busiest_window(&admitted, |_| true)
    );
    (admitted, records, killed_at, restarted_at)
}

#[test]
fn through_a_redis_restart_a_limit_failing_local_holds_at_most_twice_the_limit_in_any_window() {
    let (admitted, ..) = through_a_restart("local");
    // This replica's share of the room last read, while the store is away; the calls admitted
    // meanwhile are not in the store's log when it is back.
    let busiest = busiest_window(&admitted, |_| true);
    assert!(busiest <= 2 * LIMIT, "{busiest} tokens in a window of 2 s");
}

#[test]
fn through_a_redis_restart_a_limit_failing_closed_holds_the_limit_and_denies_while_away() {
    let (admitted, records, killed_at, restarted_at) = through_a_restart("closed");
    let busiest = busiest_window(&admitted, |_| true);
    assert!(busiest <= LIMIT, "{busiest} tokens in a window of 2 s");
    let denied = records
        .iter()
        .filter(|r| matches!(r, Record::Unavailable { before } if (killed_at..restarted_at).contains(before)))
        .count();
    assert!(denied > 0, "no call was denied while the store was away");
    // Nothing admitted was made while the store was away, after its admission timeout.
    let during = admitted
        .iter()
        .filter(|(lower, start, _)| *lower >= killed_at + 250 && *start < restarted_at)
        .count();
    assert_eq!(during, 0, "calls admitted while the store was away");
}

#[test]
fn through_a_redis_restart_a_limit_failing_open_admits_every_call_while_away() {
    let (admitted, records, killed_at, restarted_at) = through_a_restart("open");
    let during = admitted
        .iter()
        .filter(|(lower, start, _)| *lower >= killed_at && *start < restarted_at)
        .count();
    assert!(during > 0, "no call was admitted while the store was away");
    // No call made while the store was away was denied.
    assert!(
        !records
            .iter()
            .any(|r| matches!(r, Record::Unavailable { .. })),
        "a call failing open was denied"
    );
}

#[test]
fn the_operator_command_kills_a_team_in_every_process_within_a_second_and_revives_it() {
    let _alone = alone();
    let server = redis();
    let url = server.url();
    // A team of this run's own: a shared server's kills reach every process using it.
    let team = unique("search");
    let scope = format!("team={team}");
    let paths = record_files("kills", 5);
    let both = [
        ("WORKER_TEAMS", "both"),
        ("WORKER_TEAM", team.as_str()),
        ("WORKER_RUN_MS", "7000"),
    ];
    let start = Instant::now();
    let children: Vec<Child> = (0..4)
        .map(|i| worker(&url, &paths[i], i as u64 + 1, &both))
        .collect();
    std::thread::sleep(Duration::from_millis(1_500));
    ctl(&url, &["kill", &scope, "runaway", "agent"]);
    let killed_at = unix_ms();
    assert!(ctl(&url, &["list"]).contains(&format!("{scope} killed since")));
    // A process started while the kill stands starts killed.
    std::thread::sleep(Duration::from_millis(500));
    let late = worker(
        &url,
        &paths[4],
        9,
        &[
            ("WORKER_TEAMS", "both"),
            ("WORKER_TEAM", team.as_str()),
            ("WORKER_RUN_MS", "1000"),
        ],
    );
    wait_all(vec![late]);
    std::thread::sleep(Duration::from_secs(4).saturating_sub(start.elapsed()));
    let revived_at = unix_ms();
    ctl(&url, &["revive", &scope]);
    assert!(!ctl(&url, &["list"]).contains(&scope));
    wait_all(children);

    let records: Vec<Vec<Record>> = paths.iter().map(|p| read_records(p)).collect();
    let admitted = |records: &[Record], team: &str, from: u64, to: u64| {
        records
            .iter()
            .filter(|r| matches!(r, Record::Admitted { team: t, before, .. } if t == team && *before >= from && *before < to))
            .count()
    };
    for (i, records) in records[..4].iter().enumerate() {
        // No search call made more than a second after the kill, and before the revive, ran.
        assert_eq!(
            admitted(records, &team, killed_at + 1_000, revived_at),
            0,
            "process {i}"
        );
        assert!(
            records
                .iter()
                .any(|r| matches!(r, Record::Killed { team: t, .. } if *t == team)),
            "process {i} saw the kill"
        );
        // The other team's calls went on; search calls resumed after the revive.
        assert!(
            admitted(records, "ads", killed_at + 1_000, revived_at) > 0,
            "process {i}"
        );
        assert!(
            admitted(records, &team, revived_at + 1_000, u64::MAX) > 0,
            "process {i} resumed"
        );
    }
    let late = &records[4];
    assert_eq!(
        admitted(late, &team, 0, u64::MAX),
        0,
        "the late process started killed"
    );
    assert!(admitted(late, "ads", 0, u64::MAX) > 0);
    assert!(late.iter().all(|r| !matches!(r, Record::Limited)));
    if let Some(dir) = paths[0].parent() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[genops::track(team = "outage", provider = "openai", model = "gpt-4o-mini", enforce)]
fn in_outage() -> Result<(), support::AppError> {
    Ok(())
}

/// A layer with `limit` in the Redis store at `url`, its admissions waiting at most 100 ms.
fn limited_layer(url: String, limit: RateLimit) -> GenOpsLayer {
    GenOpsLayer::builder()
        .budget_store(BudgetStore::redis(url).admission_timeout(Duration::from_millis(100)))
        .rate_limit(limit)
        .build()
}

/// Two calls under a limit of 4 requests a minute in a Redis of the test's own, which is then
/// killed: three calls made while it is away, under the limit's fail mode `mode`. The results,
/// before and during, and the store errors counted.
fn through_an_outage(mode: FailMode) -> ([CallResult; 2], [CallResult; 3], u64) {
    let mut server = OwnRedis::start("limit-outage", true);
    let limit = RateLimit::requests(4)
        .per(Duration::from_secs(60))
        .scope(Scope::team("outage"))
        .named(unique("outage"))
        .on_store_failure(mode)
        .enforced();
    let layer = limited_layer(server.url(), limit);
    let errors = layer.clone();
    let ((before, during), _, _) = support::capture_with(layer, true, || {
        let before = [in_outage(), in_outage()];
        server.kill();
        let during = [in_outage(), in_outage(), in_outage()];
        server.resume();
        (before, during)
    });
    assert!(before.iter().all(Result::is_ok), "{before:?}");
    (before, during, errors.budget_store_errors())
}

type CallResult = Result<(), support::AppError>;

#[test]
fn while_redis_is_away_a_limit_failing_local_admits_this_replicas_share_of_the_room_last_read() {
    let (_, during, errors) = through_an_outage(FailMode::Local);
    // The store said 2 of 4 were used: this replica (the only one) has 2 left.
    assert!(during[..2].iter().all(Result::is_ok), "{during:?}");
    assert!(
        matches!(
            &during[2],
            Err(support::AppError::Denied(
                GovernanceError::RateLimited { .. }
            ))
        ),
        "{during:?}"
    );
    assert!(errors >= 1);
}

#[test]
fn while_redis_is_away_a_limit_failing_closed_denies_and_one_failing_open_admits() {
    let (_, during, errors) = through_an_outage(FailMode::Closed);
    for result in &during {
        let Err(support::AppError::Denied(GovernanceError::StoreUnavailable { budget, problem })) =
            result
        else {
            panic!("{during:?}");
        };
        assert!(budget.starts_with("outage-"), "{budget}");
        assert!(problem.starts_with("redis://127.0.0.1:"), "{problem}");
    }
    assert!(errors >= 3);
    let (_, during, _) = through_an_outage(FailMode::Open { cap: None });
    assert!(during.iter().all(Result::is_ok), "{during:?}");
}

/// Two limits whose keys fall on different masters of a Redis Cluster (by their hash tags),
/// shared by two replicas: each admits only what fits across both.
#[cfg(feature = "redis-cluster")]
#[test]
fn in_a_redis_cluster_limits_on_different_nodes_are_shared_by_every_replica() {
    let cluster = support::redis::RedisCluster::start("limits-cluster", false);
    let mut names: Vec<Option<String>> = vec![None; 3];
    while names[..2].iter().any(Option::is_none) {
        let name = unique("cluster-limit");
        let node = cluster.node_of(&format!("genops:{{limit:{name}}}:l"));
        if node < 2 {
            names[node].get_or_insert(name);
        }
    }
    let layer = |name: &str| {
        limited_layer(
            cluster.url(),
            RateLimit::requests(3)
                .per(Duration::from_secs(60))
                .scope(Scope::team("outage"))
                .named(name)
                .enforced(),
        )
    };
    for name in names.into_iter().flatten() {
        let replicas = [layer(&name), layer(&name)];
        let results: Vec<bool> = (0..4)
            .map(|n| {
                let replica = replicas[n % 2].clone();
                support::capture_with(replica, true, in_outage).0.is_ok()
            })
            .collect();
        assert_eq!(results, [true, true, true, false], "{name}");
    }
}

#[genops::track(
    team = "elsewhere",
    provider = "openai",
    model = "gpt-4o-mini",
    enforce
)]
fn elsewhere() -> Result<(), support::AppError> {
    Ok(())
}

/// A call under two limits takes both in one round trip; when one refuses, what the other took
/// is given back.
#[test]
fn a_call_under_two_limits_takes_both_or_neither() {
    let server = redis();
    let every_call = RateLimit::requests(2)
        .per(Duration::from_secs(60))
        .named(unique("every-call"))
        .enforced();
    let outage_team = RateLimit::requests(1)
        .per(Duration::from_secs(60))
        .scope(Scope::team("outage"))
        .named(unique("outage-team"))
        .enforced();
    let layer = GenOpsLayer::builder()
        .budget_store(BudgetStore::redis(server.url()))
        .rate_limit(every_call)
        .rate_limit(outage_team)
        .build();
    let (results, _, _) = support::capture_with(layer, true, || {
        // The first takes one of each; the second is refused by the team's limit, so its hold
        // of the other is given back, and a call of another team still fits.
        [in_outage(), in_outage(), elsewhere(), elsewhere()]
    });
    assert_eq!(results[0], Ok(()));
    assert!(
        matches!(&results[1], Err(support::AppError::Denied(GovernanceError::RateLimited { limit, .. })) if limit.starts_with("outage-team")),
        "{results:?}"
    );
    assert_eq!(results[2], Ok(()));
    assert!(results[3].is_err(), "{results:?}");
}

#[genops::track(team = "outage", provider = "openai", model = "gpt-4o-mini", enforce)]
fn admitted_then_held(barrier: &std::sync::Barrier) -> Result<(), support::AppError> {
    // Admitted: every call is now in its body; the test counts, then lets them go.
    barrier.wait();
    barrier.wait();
    Ok(())
}

/// The calls of scripts (`EVAL` and `EVALSHA`) the server at `server` has run so far.
fn scripts_run(server: &OwnRedis) -> u64 {
    server
        .cli(&["INFO", "commandstats"])
        .iter()
        .filter(|line| line.starts_with("cmdstat_evalsha:") || line.starts_with("cmdstat_eval:"))
        .filter_map(|line| line.split(['=', ',']).nth(1)?.parse::<u64>().ok())
        .sum()
}

/// A gated call under two hard budgets and two enforced limits, with a kill standing in the
/// store, is admitted by one script: Redis counts exactly one script run per admission. A kill
/// written straight into Redis by another client is obeyed by the very next admission.
#[test]
fn a_gated_call_under_two_budgets_two_limits_and_the_kills_is_admitted_in_one_round_trip() {
    use genops::{Budget, Usd};
    use tracing_subscriber::prelude::*;
    let server = OwnRedis::start("one-round-trip", false);
    // A kill of another team stands: the admissions check the kills and pass.
    server.cli(&["HSET", "genops:{kills}", "team=elsewhere", "0 another team"]);
    let layer = GenOpsLayer::builder()
        .budget_store(BudgetStore::redis(server.url()))
        .budget(Budget::daily("every-call", Scope::all(), Usd(100.0)).hard())
        .budget(Budget::daily("outage-team", Scope::team("outage"), Usd(100.0)).hard())
        .rate_limit(
            RateLimit::requests(1_000)
                .per_minute()
                .named("every-call")
                .enforced(),
        )
        .rate_limit(
            RateLimit::tokens(1_000_000)
                .per_minute()
                .scope(Scope::team("outage"))
                .named("outage-tokens")
                .enforced(),
        )
        .build();
    const CALLS: usize = 8;
    let total = |limit: &str| -> usize {
        let amounts = server.hash(&format!("genops:{{limit:{limit}}}:a"));
        amounts.get("total").map_or(0, |t| t.parse().unwrap())
    };
    let run = |calls: usize| {
        let totals_before = [total("every-call"), total("outage-tokens")];
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(calls + 1));
        let threads: Vec<_> = (0..calls)
            .map(|_| {
                let (layer, barrier) = (layer.clone(), barrier.clone());
                std::thread::spawn(move || {
                    let subscriber = tracing_subscriber::registry().with(layer);
                    tracing::subscriber::with_default(subscriber, || admitted_then_held(&barrier))
                })
            })
            .collect();
        barrier.wait();
        let scripts = scripts_run(&server);
        // Every part is held while the calls run: a reservation of $0.01 in each budget, a
        // request and 1,000 tokens (a limit's default hold) in the limits.
        for budget in layer.budgets() {
            assert_eq!(
                (budget.reserved * 100.0).round() as usize,
                calls,
                "{budget:?}"
            );
        }
        for ((limit, each), before) in [("every-call", 1), ("outage-tokens", 1_000)]
            .into_iter()
            .zip(totals_before)
        {
            assert_eq!(total(limit) - before, calls * each, "{limit}");
        }
        barrier.wait();
        for thread in threads {
            assert_eq!(thread.join().unwrap(), Ok(()));
        }
        scripts
    };
    // The first call loads the scripts; its settlements reach the store meanwhile.
    run(1);
    std::thread::sleep(Duration::from_millis(500));
    server.cli(&[
        "DEL",
        "genops:{limit:every-call}:a",
        "genops:{limit:outage-tokens}:a",
    ]);
    let before = scripts_run(&server);
    let after = run(CALLS);
    assert_eq!(
        after - before,
        CALLS as u64,
        "scripts run by {CALLS} admissions"
    );

    // A kill written by another client: obeyed by the next admission, not a re-read later.
    server.cli(&[
        "HSET",
        "genops:{kills}",
        "team=outage",
        "1700000000000 written by hand",
    ]);
    let (result, _, _) = support::capture_with(layer.clone(), true, in_outage);
    let Err(support::AppError::Denied(GovernanceError::Killed {
        scope,
        reason,
        since,
    })) = result
    else {
        panic!("{result:?}");
    };
    assert_eq!(
        (scope.as_str(), reason.as_str()),
        ("team=outage", "written by hand")
    );
    assert_eq!(since, UNIX_EPOCH + Duration::from_millis(1_700_000_000_000));
}

/// A call under an enforced limit and a hard budget that refuses it takes neither: the limit
/// still has room for a call of another team, made `after` the refusal, and no more.
///
/// With `one_script`, the refused call's script must not have written the limit's log at all:
/// a take given back afterwards leaves its hash behind (`total` 0), so the net room alone
/// cannot tell one script from a take and a give-back.
fn a_refused_budget_leaves_the_limit_untouched(url: String, after: Duration, one_script: bool) {
    use genops::{Budget, Usd};
    let limit = unique("one-call");
    let layer = GenOpsLayer::builder()
        .budget_store(BudgetStore::redis(url.clone()))
        .budget(Budget::daily(unique("too-small"), Scope::team("outage"), Usd(0.001)).hard())
        .rate_limit(
            RateLimit::requests(1)
                .per(Duration::from_secs(60))
                .named(limit.clone())
                .enforced(),
        )
        .build();
    let (results, _, _) = support::capture_with(layer, true, || {
        let refused = in_outage();
        if one_script {
            // Nothing the count script could have run for: no key of the limit's was written.
            std::thread::sleep(Duration::from_millis(200));
            let keys = [
                format!("genops:{{limit:{limit}}}:l"),
                format!("genops:{{limit:{limit}}}:a"),
            ];
            let exists = support::redis::cli(&url, &["EXISTS", &keys[0], &keys[1]]);
            assert_eq!(exists, ["0"], "the refused call wrote its limit's log");
        }
        std::thread::sleep(after);
        [refused, elsewhere(), elsewhere()]
    });
    assert!(
        matches!(
            &results[0],
            Err(support::AppError::Denied(
                GovernanceError::BudgetExceeded { .. }
            ))
        ),
        "{results:?}"
    );
    assert_eq!(results[1], Ok(()));
    assert!(
        matches!(
            &results[2],
            Err(support::AppError::Denied(
                GovernanceError::RateLimited { .. }
            ))
        ),
        "{results:?}"
    );
}

#[test]
fn on_one_server_a_call_refused_by_its_budget_takes_nothing_of_its_limits() {
    // Nothing was taken: the next call fits at once.
    a_refused_budget_leaves_the_limit_untouched(redis().url(), Duration::ZERO, true);
}

/// On a Redis Cluster the limits are taken first, then each budget: what was taken is given
/// back when a budget refuses, sent without waiting.
#[cfg(feature = "redis-cluster")]
#[test]
fn in_a_redis_cluster_a_call_refused_by_its_budget_gives_its_limits_back() {
    let cluster = support::redis::RedisCluster::start("refused-cluster", false);
    a_refused_budget_leaves_the_limit_untouched(cluster.url(), Duration::from_millis(300), false);
}

/// A kill the store keeps that the replicas cannot read (an empty scope, an empty condition)
/// is skipped by every replica's list ([`Scope::parse`]), so the admission script skips it
/// too: it must not stop every call, nor stand for its readable conditions alone. A readable
/// kill of team=outage stops that team's calls whatever their other attributes, and no other.
#[test]
fn the_admission_script_obeys_the_kills_the_replicas_can_read_and_no_other() {
    use genops::{Budget, Usd};
    let server = OwnRedis::start("kill-scopes", false);
    for malformed in ["", " ", "team=outage&", "team=outage&&provider=openai"] {
        server.cli(&["HSET", "genops:{kills}", malformed, "0 malformed"]);
    }
    let layer = GenOpsLayer::builder()
        .budget_store(BudgetStore::redis(server.url()))
        .budget(Budget::daily(unique("kills"), Scope::all(), Usd(100.0)).hard())
        .rate_limit(
            RateLimit::requests(1_000)
                .per_minute()
                .named(unique("kills"))
                .enforced(),
        )
        .build();
    let (results, _, _) = support::capture_with(layer.clone(), true, || [in_outage(), elsewhere()]);
    assert_eq!(results, [Ok(()), Ok(())], "malformed kills obeyed");
    server.cli(&["HSET", "genops:{kills}", "team = outage", "0 readable"]);
    let (results, _, _) = support::capture_with(layer, true, || [in_outage(), elsewhere()]);
    assert!(
        matches!(
            &results[0],
            Err(support::AppError::Denied(GovernanceError::Killed { .. }))
        ),
        "{results:?}"
    );
    assert_eq!(results[1], Ok(()));
}

/// An admission script that answers after the admission timeout (the server busy with another
/// client's script) leaves nothing behind: the limit (failing local) takes from this replica's
/// share, the budget (failing closed) denies, and what the script took when it ran late is
/// given back.
#[test]
fn an_admission_script_answering_too_late_leaves_nothing_taken() {
    use genops::{Budget, Usd};
    let server = OwnRedis::start("late-admission", false);
    let (budget, limit) = (unique("late"), unique("late"));
    let layer = GenOpsLayer::builder()
        .budget_store(
            BudgetStore::redis(server.url()).admission_timeout(Duration::from_millis(100)),
        )
        .budget(
            Budget::daily(budget.clone(), Scope::all(), Usd(100.0))
                .hard()
                .on_store_failure(FailMode::Closed),
        )
        .rate_limit(
            RateLimit::requests(1_000)
                .per_minute()
                .named(limit.clone())
                .enforced()
                .on_store_failure(FailMode::Local),
        )
        .build();
    let amounts = format!("genops:{{limit:{limit}}}:a");
    let (warm, _, _) = support::capture_with(layer.clone(), true, in_outage);
    assert_eq!(warm, Ok(()));
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        server.hash(&amounts).get("total").map(String::as_str),
        Some("1")
    );
    let busy = {
        let url = server.url();
        std::thread::spawn(move || {
            support::redis::cli(
                &url,
                &["EVAL", "local s = redis.call('TIME')[1] + 2 while tonumber(redis.call('TIME')[1]) < s do end return 0", "0"],
            )
        })
    };
    std::thread::sleep(Duration::from_millis(50));
    let (late, _, _) = support::capture_with(layer, true, in_outage);
    assert!(
        matches!(
            late,
            Err(support::AppError::Denied(
                GovernanceError::StoreUnavailable { .. }
            ))
        ),
        "{late:?}"
    );
    busy.join().unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let window = server.hash(&server.window_key(&budget));
    assert_eq!(
        window.get("reserved").map_or("0", String::as_str),
        "0",
        "{window:?}"
    );
    assert!(!window.keys().any(|k| k.starts_with("h:")), "{window:?}");
    let log = server.hash(&amounts);
    assert_eq!(log.get("total").map(String::as_str), Some("1"), "{log:?}");
}

/// A server in cluster mode (or a sharding proxy) behind one `redis://` address runs each
/// budget's and limit's script, whose keys share a slot, but refuses the admission script,
/// whose keys span slots: that refusal is not an outage, admissions go one slot at a time.
#[test]
fn a_server_refusing_scripts_across_slots_admits_one_slot_at_a_time() {
    use genops::{Budget, Usd};
    let server = OwnRedis::start_cluster_mode("cross-slot");
    let limit = unique("cross-slot");
    let layer = GenOpsLayer::builder()
        .budget_store(BudgetStore::redis(server.url()))
        .budget(
            Budget::daily(unique("cross-slot"), Scope::all(), Usd(100.0))
                .hard()
                .on_store_failure(FailMode::Closed),
        )
        .rate_limit(
            RateLimit::requests(1_000)
                .per_minute()
                .named(limit.clone())
                .enforced()
                .on_store_failure(FailMode::Closed),
        )
        .build();
    let (results, _, _) = support::capture_with(layer, true, || [in_outage(), in_outage()]);
    assert_eq!(results, [Ok(()), Ok(())]);
    std::thread::sleep(Duration::from_millis(300));
    let log = server.hash(&format!("genops:{{limit:{limit}}}:a"));
    assert_eq!(log.get("total").map(String::as_str), Some("2"), "{log:?}");
}
