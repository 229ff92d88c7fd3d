// `#[async_trait]` (its current expansion: `Box::pin(async move { ... })`): tracked methods in
// the trait's default body and in the impl. The futures stay `Send` (spawned on tokio).
use std::sync::Arc;
use tracing_subscriber::layer::SubscriberExt;

#[async_trait::async_trait]
trait Store: Send + Sync {
    async fn get(&self, key: u32) -> Option<String>;

    #[genops::track(team = "kv", operation = "retrieval")]
    async fn get_or(&self, key: u32, default: &str) -> String {
        self.get(key).await.unwrap_or_else(|| default.to_owned())
    }
}

struct Memory {
    tenant: String,
}

#[async_trait::async_trait]
impl Store for Memory {
    #[genops::track(team = "kv", operation = "retrieval", customer = self.tenant.as_str())]
    async fn get(&self, key: u32) -> Option<String> {
        tokio::task::yield_now().await;
        (key % 2 == 0).then(|| format!("value-{key}"))
    }
}

#[async_trait::async_trait]
trait Fetch {
    async fn fetch(&self, key: u32) -> Result<u32, String>;
}

#[async_trait::async_trait]
impl Fetch for Memory {
    #[genops::track(team = "kv", operation = "retrieval", err)]
    async fn fetch(&self, key: u32) -> Result<u32, String> {
        if key == 0 {
            return Err("zero".to_owned());
        }
        Ok(key + 1)
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let layer = genops::layer();
    let ledger = layer.ledger();
    let _guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));

    let store: Arc<dyn Store> = Arc::new(Memory { tenant: "acme".to_owned() });
    let spawned = tokio::spawn({
        let store = Arc::clone(&store);
        async move { store.get(2).await }
    });
    assert_eq!(spawned.await.unwrap().as_deref(), Some("value-2"));
    assert_eq!(store.get_or(3, "none").await, "none");

    let memory = Memory { tenant: "other".to_owned() };
    assert_eq!(memory.fetch(1).await, Ok(2));
    assert!(memory.fetch(0).await.is_err());

    let snapshot = ledger.snapshot();
    // get (spawned), get_or + its inner get, fetch twice.
    assert_eq!(snapshot.total.calls, 5);
    assert_eq!(snapshot.total.errors, 1);
    assert_eq!(snapshot.by_customer["acme"].calls, 2);
}
