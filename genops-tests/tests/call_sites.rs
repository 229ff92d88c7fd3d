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

#[genops::track(
    team = "search",
    provider = "openai",
    model = "gpt-4o-mini",
    user = user,
    customer = customer
)]
fn per_user(user: &str, customer: &str) {
    genops::record_usage(Usage::new(1_000, 100));
}

#[test]
fn each_call_of_a_site_with_attribution_expressions_is_booked_under_its_own_values() {
    let users = ["alice", "bob", "alice", "", "carol", "bob"];
    let (_, capture, ledger) = capture(true, || {
        for (i, user) in users.iter().enumerate() {
            per_user(user, &format!("customer-{}", i % 2));
        }
    });
    let snapshot = ledger.snapshot();
    let calls = |dim: Dimension, value: &str| snapshot.by(dim).get(value).map(|t| t.calls);
    assert_eq!(calls(Dimension::User, "alice"), Some(2));
    assert_eq!(calls(Dimension::User, "bob"), Some(2));
    assert_eq!(calls(Dimension::User, "carol"), Some(1));
    // An empty value is no value, whatever the call before it carried.
    assert_eq!(calls(Dimension::User, genops::UNATTRIBUTED), Some(1));
    assert_eq!(calls(Dimension::Customer, "customer-0"), Some(3));
    assert_eq!(calls(Dimension::Customer, "customer-1"), Some(3));
    assert_eq!(
        snapshot.by(Dimension::User)["alice"].cost,
        Cost::from_picos(2 * GPT_4O_MINI_1000_IN_100_OUT_PICOS)
    );
    let recorded: Vec<String> = capture
        .spans()
        .iter()
        .filter(|s| s.has("genops.user_id"))
        .map(|s| s.field("genops.user_id").str().to_owned())
        .collect();
    assert_eq!(recorded, ["alice", "bob", "alice", "", "carol", "bob"]);
}

#[genops::track(team = "ads", provider = "openai", model = "gpt-4o-mini", user = user)]
fn shout(user: &str) -> String {
    genops::record_usage(Usage::new(1_000, 100));
    user.to_uppercase()
}

#[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini", user = shout(user))]
fn outer(user: &str) {
    genops::record_usage(Usage::new(1_000, 100));
}

#[test]
fn an_attribution_expression_that_makes_a_tracked_call_books_both_calls_apart() {
    let (_, _, ledger) = capture(true, || {
        for user in ["ann", "ben", "ann"] {
            outer(user);
        }
    });
    let snapshot = ledger.snapshot();
    let by_user = snapshot.by(Dimension::User);
    assert_eq!(by_user["ann"].calls, 2, "{by_user:?}");
    assert_eq!(by_user["ANN"].calls, 2, "{by_user:?}");
    assert_eq!(by_user["ben"].calls, 1);
    assert_eq!(by_user["BEN"].calls, 1);
    assert_eq!(snapshot.by(Dimension::Team)["ads"].calls, 3);
    assert_eq!(snapshot.by(Dimension::Team)["search"].calls, 3);
    assert_eq!(snapshot.total.calls, 6);
}
