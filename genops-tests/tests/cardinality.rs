//! A million distinct customers and users through tracked calls: memory stays bounded by the
//! ledger's caps, the books stay exact to the pico-dollar, and the overflow rows say what they
//! hold.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicI64, Ordering};

use tracing::Dispatch;
use tracing_subscriber::prelude::*;

use genops::{Dimension, LedgerCaps, Usage, DRAINED, OVERFLOW};

/// Bytes allocated and not yet freed, by every thread.
static LIVE: AtomicI64 = AtomicI64::new(0);

struct Counting;

// SAFETY: every call goes unchanged to the system allocator; the counter only observes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as i64, Ordering::Relaxed);
        System.alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as i64, Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const CALLS: u64 = 1_000_000;
/// The most memory a million distinct values may leave behind.
const RETAINED_LIMIT: i64 = 64 << 20;

// gpt-4o-mini: $0.15/M input, $0.60/M output, in pico-dollars per token.
const MINI_IN: u128 = 150_000;
const MINI_OUT: u128 = 600_000;

#[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini", user = user)]
fn per_user(user: &str, input: u64) {
    genops::record_usage(Usage::new(input, 10));
}

#[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini", customer = customer)]
fn per_customer(customer: &str, input: u64) {
    genops::record_usage(Usage::new(input, 10));
}

fn input_of(i: u64) -> u64 {
    100 + i % 7
}

/// Runs a million calls, each with a value never seen before, and checks the books.
fn a_million_distinct(dim: Dimension, call: fn(&str, u64)) {
    let layer = genops::GenOpsLayer::builder().build();
    let ledger = layer.ledger();
    let dispatch = Dispatch::new(tracing_subscriber::registry().with(layer));
    let before = LIVE.load(Ordering::Relaxed);
    tracing::dispatcher::with_default(&dispatch, || {
        let mut value = String::new();
        for i in 0..CALLS {
            use std::fmt::Write as _;
            value.clear();
            write!(value, "{}-{i:07}", dim.name()).unwrap();
            call(&value, input_of(i));
        }
    });
    let retained = LIVE.load(Ordering::Relaxed) - before;
    eprintln!(
        "{} distinct {} values: {:.1} MB retained",
        CALLS,
        dim.name(),
        retained as f64 / 1e6
    );
    assert!(
        retained <= RETAINED_LIMIT,
        "{retained} bytes retained for {CALLS} distinct {} values",
        dim.name()
    );

    let expected: u128 = (0..CALLS)
        .map(|i| u128::from(input_of(i)) * MINI_IN + 10 * MINI_OUT)
        .sum();
    let snapshot = ledger.snapshot();
    assert_eq!(snapshot.total.calls, CALLS);
    assert_eq!(snapshot.total.cost.picos(), expected);
    assert_eq!(snapshot.by_team["search"].cost.picos(), expected);
    assert_eq!(snapshot.by_model["gpt-4o-mini"].calls, CALLS);

    // The first values keep their rows; the rest are in the overflow row, every call of them.
    let cap = LedgerCaps::DEFAULT_CAP as u64;
    let rows = snapshot.by(dim);
    assert_eq!(
        rows.len() as u64,
        cap + 1,
        "{cap} values and the overflow row"
    );
    let first = format!("{}-{:07}", dim.name(), 0);
    assert_eq!(rows[&first].calls, 1);
    let kept_cost: u128 = (0..cap)
        .map(|i| u128::from(input_of(i)) * MINI_IN + 10 * MINI_OUT)
        .sum();
    assert_eq!(rows[OVERFLOW].calls, CALLS - cap);
    assert_eq!(rows[OVERFLOW].cost.picos(), expected - kept_cost);
    let folded = snapshot.folded[&dim] as f64;
    let truth = (CALLS - cap) as f64;
    assert!(
        (folded - truth).abs() / truth < 0.05,
        "the overflow row holds about {truth} values, estimated {folded}"
    );

    // A drain hands the period back and frees the per-value rows; the totals stay.
    let period = ledger.drain();
    assert_eq!(period.total.cost.picos(), expected);
    assert_eq!(period.by(dim).len() as u64, cap + 1);
    let after = ledger.snapshot();
    assert_eq!(after.total.cost.picos(), expected);
    assert_eq!(after.by(dim).keys().collect::<Vec<_>>(), [DRAINED]);
}

#[test]
fn a_million_distinct_users_then_customers_stay_bounded_and_exact() {
    // One test, one after the other: the allocator counts every thread of the process.
    a_million_distinct(Dimension::User, per_user);
    a_million_distinct(Dimension::Customer, per_customer);
}
