//! Call sites whose values are all literals are read once per call site, not per call: every
//! call is still booked under its own values, and a site is never confused with another.

mod support;

use genops::{Cost, Dimension, Usage};
use support::{capture, Capture};
use tracing_subscriber::prelude::*;

// gpt-4o-mini: USD 0.15 per million input tokens, 0.60 per million output tokens.
const GPT_4O_MINI_1000_IN_100_OUT_PICOS: u128 = 1_000 * 150_000 + 100 * 600_000;

#[genops::track(
    team = "search",
    project = "qa",
    provider = "openai",
    model = "gpt-4o-mini"
)]
fn literal() {
    genops::record_usage(Usage::new(1_000, 100));
}

/// The same values as `literal`, at a call site of its own that only the next test uses.
#[genops::track(
    team = "search",
    project = "qa",
    provider = "openai",
    model = "gpt-4o-mini"
)]
fn literal_left_pending() {
    genops::record_usage(Usage::new(1_000, 100));
}

#[genops::track(team = team, project = "qa", provider = "openai", model = "gpt-4o-mini")]
fn dynamic(team: &str) {
    genops::record_usage(Usage::new(1_000, 100));
}

/// Runs `f` under a subscriber that has no GenOps layer: a literal site's span is created, but
/// no layer takes the site.
fn without_genops(f: impl FnOnce()) {
    let subscriber = tracing_subscriber::registry().with(Capture::default());
    tracing::subscriber::with_default(subscriber, f);
}

#[test]
fn every_call_of_a_literal_site_is_booked_under_its_values() {
    let (_, _, ledger) = capture(true, || {
        for _ in 0..5 {
            literal();
        }
    });
    let snapshot = ledger.snapshot();
    let search = &snapshot.by(Dimension::Team)["search"];
    assert_eq!(search.calls, 5);
    assert_eq!(
        search.cost,
        Cost::from_picos(5 * GPT_4O_MINI_1000_IN_100_OUT_PICOS)
    );
    assert_eq!(snapshot.by(Dimension::Project)["qa"].calls, 5);
    assert_eq!(snapshot.by_model["gpt-4o-mini"].calls, 5);
    assert_eq!(snapshot.by_provider["openai"].calls, 5);
}

#[test]
fn a_site_left_pending_is_never_taken_by_another_call_site() {
    // Each literal call below leaves its site pending, as no GenOps layer sees its span. The
    // next tracked span, at another call site with the same values, must neither take the site
    // nor teach it the wrong call site, or the last call would be booked under "search".
    without_genops(literal_left_pending);
    let (_, _, first) = capture(true, || dynamic("search"));
    without_genops(literal_left_pending);
    let (_, _, second) = capture(true, || dynamic("ads"));
    assert_eq!(first.snapshot().by(Dimension::Team)["search"].calls, 1);
    let teams = second.snapshot();
    assert_eq!(
        teams.by(Dimension::Team).keys().collect::<Vec<_>>(),
        ["ads"]
    );
    assert_eq!(teams.total.calls, 1);
}
