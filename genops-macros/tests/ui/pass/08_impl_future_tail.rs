// A sync fn returning `impl Future` through a tail `async move` block: the span covers the
// future, not just its construction.
use std::future::Future;
use tracing_subscriber::layer::SubscriberExt;

#[genops::track(team = "embed", provider = "cohere", model = "embed-v4.0", operation = "embeddings")]
fn embed(text: &str) -> impl Future<Output = Vec<f32>> + Send + '_ {
    let dims = text.len();
    async move {
        genops::record_usage(genops::Usage::new(dims as u64, 0));
        vec![0.5; dims]
    }
}

#[genops::track(team = "embed", err)]
fn embed_checked(text: String) -> impl Future<Output = Result<usize, String>> {
    async move {
        if text.is_empty() {
            return Err("empty input".to_owned());
        }
        Ok(text.len())
    }
}

fn main() {
    let layer = genops::layer();
    let ledger = layer.ledger();
    let _guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));

    let future = embed("abc");
    assert_eq!(ledger.snapshot().total.calls, 0, "no call is booked before the future runs");
    assert_eq!(futures::executor::block_on(future), vec![0.5; 3]);
    assert_eq!(futures::executor::block_on(embed_checked("ab".to_owned())), Ok(2));
    assert!(futures::executor::block_on(embed_checked(String::new())).is_err());

    let snapshot = ledger.snapshot();
    assert_eq!(snapshot.total.calls, 3);
    assert_eq!(snapshot.total.errors, 1);
    assert_eq!(snapshot.total.input_tokens, 3);
}
