// async-trait's OLD expansion, written by hand: the body is an inner `async fn` followed by a
// tail `Box::pin(inner(self, ...))`. The span must cover the inner future.
// (An inner fn cannot name the outer `Self`, so old async-trait spelled out the type.)
use std::future::Future;
use std::pin::Pin;
use tracing_subscriber::layer::SubscriberExt;

trait Store {
    fn get<'a>(&'a self, key: u32) -> Pin<Box<dyn Future<Output = u32> + Send + 'a>>;
}

struct Memory {
    base: u32,
}

impl Store for Memory {
    #[genops::track(team = "kv", operation = "retrieval")]
    fn get<'a>(&'a self, key: u32) -> Pin<Box<dyn Future<Output = u32> + Send + 'a>> {
        async fn __get(_self: &Memory, key: u32) -> u32 {
            genops::record_usage(genops::Usage::new(u64::from(key), 0));
            _self.base + key
        }
        Box::pin(__get(self, key))
    }
}

fn main() {
    let layer = genops::layer();
    let ledger = layer.ledger();
    let _guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));

    let memory = Memory { base: 10 };
    let future = memory.get(5);
    assert_eq!(ledger.snapshot().total.calls, 0);
    assert_eq!(futures::executor::block_on(future), 15);

    let snapshot = ledger.snapshot();
    assert_eq!(snapshot.total.calls, 1);
    assert_eq!(snapshot.total.input_tokens, 5, "usage recorded in the inner fn reaches the span");
}
