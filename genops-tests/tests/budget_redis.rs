//! Budgets in Redis, against a real server: replicas share one hard budget, each call is booked
//! once, alerts fire once across replicas, and each fail mode keeps to its bound when the
//! server goes away and comes back (with and without persistence).
//!
//! Also over TLS (a server that speaks only TLS) and in a Redis Cluster of three masters.
//!
//! The shared server comes from `GENOPS_REDIS_URL` (`.ci/run` starts one), else each test starts
//! a `redis-server` of its own; the tests that stop and restart a server, speak TLS or form a
//! cluster always start their own.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use genops::{Budget, BudgetStore, Dimension, FailMode, GenOpsLayer, GovernanceError, Scope, Usd};
use support::backend::unique;
use support::redis::{hash, redis, window_key, OwnRedis};
use support::AppError;
use tracing::Dispatch;
use tracing_subscriber::prelude::*;

#[genops::track(team = "search", customer = customer, provider = "openai", operation = "chat", enforce)]
fn call(customer: &str, usd: f64) -> Result<(), AppError> {
    genops::record_cost(usd);
    Ok(())
}

/// A replica: a layer of its own on the shared store, and a subscriber to run calls on.
struct Replica {
    layer: GenOpsLayer,
    dispatch: Dispatch,
}

impl Replica {
    fn new(store: BudgetStore, budgets: &[Budget], alerts: Option<Arc<AtomicUsize>>) -> Self {
        let mut builder = GenOpsLayer::builder().budget_store(store);
        for budget in budgets {
            builder = builder.budget(budget.clone());
        }
        if let Some(alerts) = alerts {
            builder = builder.on_alert(move |_| {
                alerts.fetch_add(1, Ordering::SeqCst);
            });
        }
        let layer = builder.build();
        let dispatch = Dispatch::new(tracing_subscriber::registry().with(layer.clone()));
        Replica { layer, dispatch }
    }

    fn call(&self, customer: &str, usd: f64) -> Result<(), AppError> {
        tracing::dispatcher::with_default(&self.dispatch, || call(customer, usd))
    }
}

/// Waits until `check` holds, for at most 10 s.
fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "timed out: {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn nanos_field(url: &str, key: &str, field: &str) -> u64 {
    hash(url, key).get(field).map_or(0, |v| v.parse().unwrap())
}

#[test]
fn replicas_share_one_hard_budget_and_each_call_is_booked_once() {
    let server = redis();
    let url = server.url();
    let name = unique("shared");
    let budget = Budget::daily(&name, Scope::team("search"), Usd(1.0))
        .reservation(Usd(0.3))
        .hard();
    let a = Replica::new(
        BudgetStore::redis(&url),
        std::slice::from_ref(&budget),
        None,
    );
    let b = Replica::new(BudgetStore::redis(&url), &[budget], None);
    // $0.25 a call, alternating replicas: three fit ($0.75 + a $0.30 hold = $1.05 > $1 for the
    // fourth), whichever replica asks.
    let results: Vec<_> = (0..5)
        .map(|n| if n % 2 == 0 { &a } else { &b }.call("c", 0.25))
        .collect();
    assert_eq!(results[..3], [Ok(()), Ok(()), Ok(())]);
    for denied in &results[3..] {
        let Err(AppError::Denied(GovernanceError::BudgetExceeded { budget, .. })) = denied else {
            panic!("{results:?}");
        };
        assert_eq!(budget, &name);
    }
    let key = window_key(&url, &name);
    eventually("three calls booked", || {
        nanos_field(&url, &key, "spent") == 750_000_000
    });
    let fields = hash(&url, &key);
    assert_eq!(
        fields.get("reserved").map(String::as_str),
        Some("0"),
        "{fields:?}"
    );
    assert!(
        !fields.keys().any(|f| f.starts_with("h:")),
        "no hold left behind: {fields:?}"
    );
    // Both replicas read the shared window.
    for replica in [&a, &b] {
        let status = &replica.layer.budgets()[0];
        assert_eq!((status.spent, status.reserved), (0.75, 0.0));
    }
    assert_eq!(
        a.layer.budget_store_errors() + b.layer.budget_store_errors(),
        0
    );
    // The keys expire a day after the window ends.
    let ttl: u64 = support::redis::cli(&url, &["TTL", &key])[0]
        .parse()
        .unwrap();
    assert!((86_400..=2 * 86_400).contains(&ttl), "{ttl}");
}

#[test]
fn a_soft_threshold_alerts_once_across_replicas_and_per_value_budgets_have_their_own_keys() {
    let server = redis();
    let url = server.url();
    let name = unique("soft");
    let per = unique("per-customer");
    let budgets = [
        Budget::daily(&name, Scope::team("search"), Usd(1.0)).alert_at([0.5]),
        Budget::daily_per(Dimension::Customer, Usd(0.2))
            .named(&per)
            .alert_at([1.0])
            .hard(),
    ];
    let alerts = Arc::new(AtomicUsize::new(0));
    let replicas: Vec<_> = (0..3)
        .map(|_| Replica::new(BudgetStore::redis(&url), &budgets, Some(alerts.clone())))
        .collect();
    // $0.10 a call from every replica in turn, for four customers: each customer reaches its
    // $0.20 (and alerts, once), and the team's $0.80 crosses its 50% once, whichever replica
    // books it.
    for n in 0..8 {
        replicas[n % 3]
            .call(&format!("customer-{}", n % 4), 0.1)
            .unwrap();
    }
    let key = window_key(&url, &name);
    eventually("eight calls booked", || {
        nanos_field(&url, &key, "spent") == 800_000_000
    });
    eventually("alerts delivered", || alerts.load(Ordering::SeqCst) >= 5);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(alerts.load(Ordering::SeqCst), 5);
    let customer0 = window_key(&url, &format!("{per}|customer-0"));
    assert_eq!(nanos_field(&url, &customer0, "spent"), 200_000_000);
    let denied = replicas[0].call("customer-0", 0.1).unwrap_err();
    let AppError::Denied(GovernanceError::BudgetExceeded { budget, .. }) = denied else {
        panic!("{denied:?}");
    };
    assert_eq!(budget, format!("{per} (customer=customer-0)"));
}

/// Spends `usd` a call on `replica` until the first denial; the number admitted.
fn spend_until_denied(replica: &Replica, usd: f64, most: usize) -> usize {
    (0..most)
        .take_while(|_| replica.call("c", usd).is_ok())
        .count()
}

#[test]
fn fail_closed_denies_while_the_store_is_away_and_counts_the_errors() {
    let mut server = OwnRedis::start("fail-closed", true);
    let store = BudgetStore::redis(server.url()).admission_timeout(Duration::from_millis(100));
    let budget = Budget::daily("closed", Scope::team("search"), Usd(1.0))
        .hard()
        .on_store_failure(FailMode::Closed);
    let replica = Replica::new(store, &[budget], None);
    replica.call("c", 0.01).unwrap();
    server.kill();
    let start = Instant::now();
    let denied = replica.call("c", 0.01).unwrap_err();
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    let AppError::Denied(GovernanceError::StoreUnavailable { budget, .. }) = &denied else {
        panic!("{denied:?}");
    };
    assert_eq!(budget, "closed");
    let AppError::Denied(error) = denied;
    assert!(
        error.to_string().starts_with(
            "budget `closed` cannot admit this call: its budget store is unavailable (redis://"
        ),
        "{error}"
    );
    assert!(replica.layer.budget_store_errors() >= 1);
    server.resume();
    eventually("admitted again once the store is back", || {
        replica.call("c", 0.01).is_ok()
    });
    let key = window_key(&server.url(), "closed");
    eventually("both admitted calls booked", || {
        nanos_field(&server.url(), &key, "spent") == 20_000_000
    });
}

/// `fail_local`: while the store is away a replica admits against its share of what it last
/// read as remaining; when the store is back, what it booked meanwhile reaches the store.
fn fail_local_keeps_to_its_share(persist: bool) {
    let mut server = OwnRedis::start("fail-local", persist);
    let url = server.url();
    let store = BudgetStore::redis(&url).admission_timeout(Duration::from_millis(100));
    let budget = Budget::daily("local", Scope::team("search"), Usd(1.0))
        .reservation(Usd(0.05))
        .hard();
    let a = Replica::new(store.clone(), std::slice::from_ref(&budget), None);
    let b = Replica::new(store, &[budget], None);
    // Both replicas announce themselves (every 5 s) before the outage.
    let key = {
        a.call("c", 0.05).unwrap();
        b.call("c", 0.05).unwrap();
        window_key(&url, "local")
    };
    eventually("two replicas seen", || {
        support::redis::cli(&url, &["ZCARD", "genops:{replicas}"])[0] == "2"
    });
    // Each replica counts the replicas every 5 s: let both count two.
    std::thread::sleep(Duration::from_secs(6));
    // $0.30 spent before the outage, as both replicas last read it: $0.70 remains, $0.35 each.
    for replica in [&a, &b] {
        replica.call("c", 0.05).unwrap();
        replica.call("c", 0.05).unwrap();
    }
    eventually("$0.30 booked", || {
        nanos_field(&url, &key, "spent") == 300_000_000
    });
    for replica in [&a, &b] {
        assert_eq!(replica.layer.budgets()[0].spent, 0.3);
    }
    server.kill();
    let admitted: Vec<usize> = [&a, &b]
        .iter()
        .map(|replica| spend_until_denied(replica, 0.05, 20))
        .collect();
    // Each replica admits $0.35 of $0.05 calls: 7, the last reserving exactly its share.
    assert_eq!(admitted, [7, 7]);
    assert!(a.layer.budget_store_errors() >= 1);
    server.resume();
    // Back: every call booked during the outage reaches the store, once. Without persistence
    // the $0.30 before the outage is gone with the server's memory: that is the stated bound
    // of a store that forgets.
    let expected = if persist { 1_000_000_000 } else { 700_000_000 };
    eventually("the outage's calls reconciled", || {
        hash(&url, &key)
            .get("spent")
            .is_some_and(|s| s.parse::<u64>().unwrap() == expected)
    });
    let fields = hash(&url, &key);
    // Nothing stays held. (A server that forgot its memory has a `reserved` field only if some
    // reservation reached it after the restart, which depends on timing.)
    assert_eq!(
        fields.get("reserved").map_or("0", String::as_str),
        "0",
        "{fields:?}"
    );
    // With the store back and the budget spent, both replicas deny (with persistence); without
    // it, $0.30 of the day's spend was forgotten and is admitted again.
    let again = spend_until_denied(&a, 0.05, 20);
    assert_eq!(again, if persist { 0 } else { 6 });
}

#[test]
fn fail_local_admits_each_replicas_share_and_reconciles_after_a_restart_with_persistence() {
    fail_local_keeps_to_its_share(true);
}

#[test]
fn fail_local_after_a_restart_without_persistence_loses_only_what_the_server_forgot() {
    fail_local_keeps_to_its_share(false);
}

#[test]
fn fail_open_admits_up_to_its_cap() {
    let mut server = OwnRedis::start("fail-open", true);
    let store = BudgetStore::redis(server.url()).admission_timeout(Duration::from_millis(100));
    let budget = Budget::daily("open", Scope::team("search"), Usd(0.1))
        .reservation(Usd(0.05))
        .hard()
        .on_store_failure(FailMode::Open {
            cap: Some(Usd(0.25)),
        });
    let replica = Replica::new(store, &[budget], None);
    replica.call("c", 0.05).unwrap();
    let key = window_key(&server.url(), "open");
    eventually("the first call booked", || {
        nanos_field(&server.url(), &key, "spent") == 50_000_000
    });
    server.kill();
    // Beyond the budget's own $0.10, up to the cap of $0.25 booked or held while away.
    assert_eq!(spend_until_denied(&replica, 0.05, 20), 5);
}

#[test]
fn a_lease_admits_many_calls_with_one_reservation_and_books_them_once() {
    let server = redis();
    let url = server.url();
    let name = unique("leased");
    let budget = Budget::daily(&name, Scope::team("search"), Usd(1.0)).hard();
    let replica = Replica::new(
        BudgetStore::redis(&url).lease(Usd(0.1)),
        std::slice::from_ref(&budget),
        None,
    );
    // Eight $0.005 calls, $0.01 reserved each: all from one $0.10 slice.
    for _ in 0..8 {
        replica.call("c", 0.005).unwrap();
    }
    let key = window_key(&url, &name);
    // While the lease lives, the store holds the whole slice.
    let fields = hash(&url, &key);
    assert_eq!(
        fields.get("reserved").map(String::as_str),
        Some("100000000"),
        "{fields:?}"
    );
    // Dropped (or a second old), the lease is settled: one reservation id, the calls' cost.
    drop(replica);
    let fields = hash(&url, &key);
    assert_eq!(
        fields.get("spent").map(String::as_str),
        Some("40000000"),
        "{fields:?}"
    );
    assert_eq!(
        fields.get("reserved").map(String::as_str),
        Some("0"),
        "{fields:?}"
    );
    let settled = support::redis::cli(&url, &["ZCARD", &format!("{key}:s")]);
    assert_eq!(settled, ["1"]);
    // A slice that is no amount is refused.
    let err = GenOpsLayer::builder()
        .budget_store(BudgetStore::redis(&url).lease(Usd(0.0)))
        .budget(budget)
        .try_build()
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "budget_store: a lease slice must be a positive number of USD"
    );
}

/// A budget in a Redis that speaks only TLS (`--port 0 --tls-port ...`), its certificate issued
/// by a CA of the test's own, which the store is told to trust.
#[cfg(feature = "redis-tls")]
#[test]
fn over_tls_with_the_servers_ca_trusted_calls_are_admitted_and_booked_once() {
    let server = OwnRedis::start_tls("tls");
    let name = unique("tls");
    let budget = Budget::daily(&name, Scope::team("search"), Usd(1.0))
        .reservation(Usd(0.3))
        .hard();
    let store = BudgetStore::redis(server.url()).tls_ca_file(server.ca());
    let replica = Replica::new(store, &[budget], None);
    // Three $0.25 calls fit; a fourth would make $0.75 + a $0.30 hold.
    for _ in 0..3 {
        replica.call("c", 0.25).unwrap();
    }
    let denied = replica.call("c", 0.25).unwrap_err();
    let AppError::Denied(GovernanceError::BudgetExceeded { spent, .. }) = denied else {
        panic!("{denied:?}");
    };
    assert_eq!(spent, 0.75);
    assert_eq!(replica.layer.budget_store_errors(), 0);
    drop(replica);
    let fields = server.hash(&server.window_key(&name));
    assert_eq!(
        (fields.get("spent"), fields.get("reserved")),
        (Some(&"750000000".to_owned()), Some(&"0".to_owned())),
        "{fields:?}"
    );
}

/// A server whose certificate the store does not trust (its CA is not among the system's
/// roots): failing closed, calls are denied with an error that names the store, without its
/// password, and says why.
#[cfg(feature = "redis-tls")]
#[test]
fn over_tls_an_untrusted_certificate_denies_with_an_error_naming_the_store() {
    let server = OwnRedis::start_tls("tls-untrusted");
    let url = format!("rediss://default:s3cret@127.0.0.1:{}/0", server.port);
    let budget = Budget::daily(unique("tls-untrusted"), Scope::team("search"), Usd(1.0))
        .hard()
        .on_store_failure(FailMode::Closed);
    let replica = Replica::new(BudgetStore::redis(&url), &[budget], None);
    let shown = format!("rediss://***@127.0.0.1:{}/0: ", server.port);
    // The first call may time out before the handshake has failed; from then on, calls say
    // why.
    let mut problem = String::new();
    eventually("a denial that says why", || {
        let denied = replica.call("c", 0.01).unwrap_err();
        let AppError::Denied(GovernanceError::StoreUnavailable { problem: p, .. }) = denied else {
            panic!("{denied:?}");
        };
        assert!(p.starts_with(&shown), "{p}");
        problem = p;
        problem.contains("certificate")
    });
    eprintln!("{problem}");
    assert!(problem.contains("UnknownIssuer"), "{problem}");
    assert!(!problem.contains("s3cret"), "{problem}");
    assert!(replica.layer.budget_store_errors() >= 1);
}

/// A CA file that cannot be read, or holds no certificate, is an error when the layer is built
/// that names it and the store.
#[cfg(feature = "redis-tls")]
#[test]
fn a_ca_file_without_a_certificate_is_an_error_naming_the_file_and_the_store() {
    let dir = std::env::temp_dir().join(unique("tls-ca"));
    std::fs::create_dir_all(&dir).unwrap();
    let empty = dir.join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    let missing = dir.join("missing.pem");
    let build = |ca: &std::path::Path| {
        GenOpsLayer::builder()
            .budget_store(BudgetStore::redis("rediss://u:pw@127.0.0.1:1/0").tls_ca_file(ca))
            .budget(Budget::daily("d", Scope::all(), Usd(1.0)).hard())
            .try_build()
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        build(&empty),
        format!(
            "budget_store: rediss://***@127.0.0.1:1/0: the CA file {} holds no PEM certificate",
            empty.display()
        )
    );
    assert_eq!(
        build(&missing),
        format!(
            "budget_store: rediss://***@127.0.0.1:1/0: the CA file {}: No such file or \
             directory (os error 2)",
            missing.display()
        )
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Three budgets in a Redis Cluster of three masters, one on each (by its hash tag's slot);
/// every call is gated by all three, so each admission and settlement runs a script on each
/// node. Two replicas share them, and each call is booked once, on its budget's node.
#[cfg(feature = "redis-cluster")]
#[test]
fn in_a_redis_cluster_budgets_on_every_node_are_shared_and_each_call_is_booked_once() {
    in_a_cluster(
        support::redis::RedisCluster::start("cluster", false),
        |store| store,
    );
}

/// The same in a cluster that speaks only TLS (`rediss+cluster://`), its CA trusted.
#[cfg(all(feature = "redis-cluster", feature = "redis-tls"))]
#[test]
fn in_a_redis_cluster_over_tls_each_call_is_booked_once() {
    let cluster = support::redis::RedisCluster::start("cluster-tls", true);
    let ca = cluster.nodes[0].ca();
    in_a_cluster(cluster, |store| store.tls_ca_file(&ca));
}

#[cfg(feature = "redis-cluster")]
fn in_a_cluster(
    cluster: support::redis::RedisCluster,
    configure: impl Fn(BudgetStore) -> BudgetStore,
) {
    let mut names: Vec<Option<String>> = vec![None; 3];
    for i in 0.. {
        if names.iter().all(Option::is_some) {
            break;
        }
        let name = unique(&format!("cluster-{i}"));
        let node = cluster.node_of(&format!("genops:{{{name}}}:0"));
        names[node].get_or_insert(name);
    }
    let names: Vec<String> = names.into_iter().flatten().collect();
    let budgets: Vec<Budget> = names
        .iter()
        .map(|name| {
            Budget::daily(name, Scope::team("search"), Usd(1.0))
                .reservation(Usd(0.3))
                .hard()
        })
        .collect();
    let store = configure(BudgetStore::redis(cluster.url()));
    let a = Replica::new(store.clone(), &budgets, None);
    let b = Replica::new(store, &budgets, None);
    // $0.25 a call, alternating replicas: three fit in each budget, the fourth does not.
    let results: Vec<_> = (0..4)
        .map(|n| if n % 2 == 0 { &a } else { &b }.call("c", 0.25))
        .collect();
    assert_eq!(results[..3], [Ok(()), Ok(()), Ok(())]);
    // Denied whether or not the third call's settlement (sent after it returned, by the other
    // replica) reached the store first: $0.50 + its $0.30 hold, or $0.75, leaves no room for
    // $0.30. What was booked is checked on each node below.
    let Err(AppError::Denied(GovernanceError::BudgetExceeded { .. })) = &results[3] else {
        panic!("{results:?}");
    };
    // The replicas announce themselves (a pipeline of `TIME` and the replicas' set), too.
    let replicas = "genops:{replicas}";
    let node = &cluster.nodes[cluster.node_of(replicas)];
    eventually("both replicas announced", || {
        node.cli(&["ZCARD", replicas]) == ["2"]
    });
    assert_eq!(
        a.layer.budget_store_errors() + b.layer.budget_store_errors(),
        0
    );
    drop((a, b));
    // Each budget's window is on its own node, with the three calls booked once.
    for (node, name) in cluster.nodes.iter().zip(&names) {
        let fields = node.hash(&node.window_key(name));
        assert_eq!(
            (fields.get("spent"), fields.get("reserved")),
            (Some(&"750000000".to_owned()), Some(&"0".to_owned())),
            "{fields:?}"
        );
        assert!(!fields.keys().any(|f| f.starts_with("h:")), "{fields:?}");
    }
}
