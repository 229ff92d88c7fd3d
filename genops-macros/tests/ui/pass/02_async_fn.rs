// A free `async fn`: the span covers the whole call, and the future stays `Send`.
use std::time::Duration;
use tracing_subscriber::layer::SubscriberExt;

#[genops::track(team = "search", provider = "anthropic", model = "claude-haiku-4-5")]
async fn answer(question: &str, delay_ms: u64) -> String {
    if delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
    }
    genops::record_usage(genops::Usage::new(80, 20));
    format!("answer to {question}")
}

fn assert_send<T: Send>(value: T) -> T {
    value
}

fn main() {
    let layer = genops::layer();
    let ledger = layer.ledger();
    let _guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let out = runtime.block_on(assert_send(answer("why", 1)));
    assert_eq!(out, "answer to why");
    assert_eq!(futures::executor::block_on(answer("how", 0)), "answer to how");

    assert_eq!(ledger.snapshot().total.calls, 2);
}
