//! 5c. Attribution cardinality: what a call costs and what memory stays behind when every call
//! carries a `user` value never seen before (1k, 100k and 1M distinct values), beside a call
//! whose value is a literal and one whose value was seen a moment ago; then the ledger snapshot
//! and a Prometheus scrape with the ledger at its caps.

use std::fmt::Write as _;
#[cfg(feature = "prometheus")]
use std::io::{Read as _, Write as _};
#[cfg(feature = "prometheus")]
use std::net::TcpStream;
use std::time::Instant;

use genops::{Budget, Dimension, Usage, Usd};
use tracing::Dispatch;
use tracing_subscriber::layer::SubscriberExt;

use crate::heap::{heap_read, heap_start_this_thread, heap_stop};
use crate::plan::{progress, Plan};
use crate::stats::Metrics;
use crate::table::{f, thousands, Table};

/// The numbers of distinct values measured.
const DISTINCT: [u64; 3] = [1_000, 100_000, 1_000_000];
/// Values cycling in the "recently seen" case.
const RECENT: usize = 10;

#[genops::track(
    team = "perf",
    provider = "openai",
    model = "gpt-4o-mini",
    user = "alice"
)]
fn literal_user() {
    genops::record_usage(Usage::new(100, 10));
}

#[genops::track(team = "perf", provider = "openai", model = "gpt-4o-mini", user = user)]
fn user_call(user: &str) {
    genops::record_usage(Usage::new(100, 10));
}

#[genops::track(team = "perf", provider = "openai", model = "gpt-4o-mini", customer = customer)]
fn customer_call(customer: &str) {
    genops::record_usage(Usage::new(100, 10));
}

fn fresh() -> (Dispatch, genops::Ledger) {
    with_layer(genops::layer())
}

fn with_layer(layer: genops::GenOpsLayer) -> (Dispatch, genops::Ledger) {
    let ledger = layer.ledger();
    (
        Dispatch::new(tracing_subscriber::registry().with(layer)),
        ledger,
    )
}

fn values(n: u64, prefix: &str) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}-{i:07}")).collect()
}

/// Nanoseconds per call of `calls` calls of `run(i, value)`, the best of `rounds` fresh layers.
/// Every kind of call gets the same `value`, formatted afresh before each call (`user-0000042`):
/// a value never seen before has to come from somewhere, and the others pay for it too, so
/// the ratios are genops's cost alone.
fn per_call(rounds: usize, calls: u64, run: impl Fn(u64, &str)) -> f64 {
    (0..rounds)
        .map(|_| {
            let (dispatch, _ledger) = fresh();
            tracing::dispatcher::with_default(&dispatch, || {
                let mut value = String::with_capacity(16);
                let start = Instant::now();
                for i in 0..calls {
                    value.clear();
                    let _ = write!(value, "user-{i:07}");
                    run(i, std::hint::black_box(&value));
                }
                start.elapsed().as_nanos() as f64 / calls as f64
            })
        })
        .fold(f64::INFINITY, f64::min)
}

/// Bytes left allocated by a call per value of `vals`, with the layer and ledger still alive.
fn retained(layer: genops::GenOpsLayer, vals: &[String], call: fn(&str)) -> i64 {
    let (dispatch, ledger) = with_layer(layer);
    tracing::dispatcher::with_default(&dispatch, || {
        heap_start_this_thread();
        let base = heap_read().live;
        for v in vals {
            call(v);
        }
        let live = heap_read().live - base;
        heap_stop();
        drop(ledger);
        live
    })
}

pub(crate) fn measure_cardinality(plan: &Plan, m: &mut Metrics) {
    progress("5c. cardinality: distinct attribution values, memory and cost per call");
    let rounds = if plan.quick { 3 } else { 7 };
    let base_calls = 200_000;
    let recent = values(RECENT as u64, "recent");
    // Alternate the three kinds, so a slower stretch of the machine hits each alike.
    let (mut literal, mut seen) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..rounds {
        literal = literal.min(per_call(1, base_calls, |_, _| literal_user()));
        seen = seen.min(per_call(1, base_calls, |i, _| {
            user_call(&recent[i as usize % RECENT])
        }));
    }
    m.insert("cardinality.literal_ns".into(), literal);
    m.insert("cardinality.recent_ns".into(), seen);

    for n in DISTINCT {
        let new = per_call(rounds.min(3), n, |_, value| user_call(value));
        let vals = values(n, "user");
        m.insert(format!("cardinality.new_{n}_ns"), new);
        m.insert(
            format!("cardinality.retained_{n}_users_bytes"),
            retained(genops::layer(), &vals, user_call) as f64,
        );
    }
    let million = *DISTINCT.last().expect("three sizes");
    let customers = values(million, "customer");
    m.insert(
        format!("cardinality.retained_{million}_customers_bytes"),
        retained(genops::layer(), &customers, customer_call) as f64,
    );
    // Every customer with a budget of its own: its spend today is kept until the day ends.
    let per_customer = genops::GenOpsLayer::builder()
        .budget(Budget::daily_per(Dimension::Customer, Usd(5.0)))
        .build();
    m.insert(
        format!("cardinality.retained_{million}_budgeted_customers_bytes"),
        retained(per_customer, &customers, customer_call) as f64,
    );

    at_the_caps(m, &values(million, "user"));
}

/// A ledger snapshot and a Prometheus scrape with the ledger at its caps: a million distinct
/// users booked, the metrics labelled by user.
#[cfg(feature = "prometheus")]
fn at_the_caps(m: &mut Metrics, users: &[String]) {
    let (dispatch, guard) = genops::init()
        .log_output(false)
        .metrics_addr("127.0.0.1:0")
        .metrics_attribution_label(Dimension::User)
        .into_dispatch()
        .expect("a local metrics endpoint");
    tracing::dispatcher::with_default(&dispatch, || {
        for v in users {
            user_call(v);
        }
    });
    let snapshot = (0..3)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(guard.ledger().snapshot());
            start.elapsed()
        })
        .min()
        .unwrap_or_default();
    m.insert("cardinality.snapshot_at_cap_ms".into(), ms(snapshot));
    let addr = guard.metrics_addr().expect("the metrics endpoint is up");
    let scrape = (0..3)
        .map(|_| {
            let start = Instant::now();
            let mut stream = TcpStream::connect(addr).expect("the metrics endpoint answers");
            stream
                .write_all(b"GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n")
                .expect("a request");
            let mut body = String::new();
            stream.read_to_string(&mut body).expect("a response");
            assert!(body.contains("genops_cost_usd_total"), "a scrape: {body}");
            start.elapsed()
        })
        .min()
        .unwrap_or_default();
    m.insert("cardinality.scrape_at_cap_ms".into(), ms(scrape));
}

/// Without the `prometheus` feature there is no endpoint to scrape.
#[cfg(not(feature = "prometheus"))]
fn at_the_caps(_: &mut Metrics, _: &[String]) {}

#[cfg(feature = "prometheus")]
fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// 5c. The cardinality table.
pub(crate) fn cardinality_section(out: &mut String, g: &dyn Fn(&str) -> f64) {
    let literal = g("cardinality.literal_ns");
    let _ = writeln!(
        out,
        "## 5c. Attribution cardinality\n\nA priced call with `user = user_id`, each call with a \
         value never seen before, against the same call with the literal `user = \"alice\"` \
         ({} ns per call) and with one of {RECENT} values seen a moment ago ({} ns, {}×). \
         Retained: bytes still allocated after the calls, with the layer and its ledger alive \
         (default caps: {} values per dimension keep their own rows; the rest share the \
         overflow row).\n",
        f(literal, 0),
        f(g("cardinality.recent_ns"), 0),
        f(g("cardinality.recent_ns") / literal, 2),
        thousands(genops::LedgerCaps::DEFAULT_CAP as f64),
    );
    let mut t = Table::new(&[
        "distinct values",
        "ns per call",
        "× literal",
        "retained (users)",
    ]);
    for n in DISTINCT {
        let new = g(&format!("cardinality.new_{n}_ns"));
        t.row(vec![
            thousands(n as f64),
            f(new, 0),
            f(new / literal, 2),
            format!(
                "{} MB",
                f(g(&format!("cardinality.retained_{n}_users_bytes")) / 1e6, 1)
            ),
        ]);
    }
    let _ = writeln!(out, "{}", t.render());
    let million = *DISTINCT.last().expect("three sizes");
    let _ =
        writeln!(
        out,
        "{} distinct customers leave {} MB; {} MB with `Budget::daily_per(Dimension::Customer, \
         Usd(5.0))`, which keeps each customer's spend until the day ends. With {} distinct \
         users booked and metrics labelled by user, a ledger snapshot takes {} ms and a \
         Prometheus scrape {} ms.\n",
        thousands(million as f64),
        f(
            g(&format!("cardinality.retained_{million}_customers_bytes")) / 1e6,
            1
        ),
        f(
            g(&format!("cardinality.retained_{million}_budgeted_customers_bytes")) / 1e6,
            1
        ),
        thousands(million as f64),
        f(g("cardinality.snapshot_at_cap_ms"), 1),
        f(g("cardinality.scrape_at_cap_ms"), 1),
    );
}
