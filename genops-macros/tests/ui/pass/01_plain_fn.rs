// A plain sync function: tracked, called, and booked once per call.
use tracing_subscriber::layer::SubscriberExt;

#[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini")]
fn summarize(text: &str, limit: usize) -> String {
    genops::record_usage(genops::Usage::new(100, 20));
    text.chars().take(limit).collect()
}

fn main() {
    let layer = genops::layer();
    let ledger = layer.ledger();
    let _guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));

    assert_eq!(summarize("hello world", 5), "hello");
    assert_eq!(summarize("abc", 1), "a");

    let snapshot = ledger.snapshot();
    assert_eq!(snapshot.total.calls, 2);
    assert_eq!(snapshot.by_team["search"].calls, 2);
}
