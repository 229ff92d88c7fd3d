// A `&self` method; the attribute may read `self` in its arguments.
use tracing_subscriber::layer::SubscriberExt;

struct Client {
    tenant: String,
    model: &'static str,
}

impl Client {
    #[genops::track(team = "search", provider = "openai", customer = self.tenant.as_str(), model = self.model)]
    fn complete(&self, prompt: &str) -> usize {
        genops::record_usage(genops::Usage::new(10, 5));
        prompt.len() + self.tenant.len()
    }

    #[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini")]
    fn tenant(&self) -> &str {
        &self.tenant
    }
}

fn main() {
    let layer = genops::layer();
    let ledger = layer.ledger();
    let _guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));

    let client = Client { tenant: "acme".to_owned(), model: "gpt-4o" };
    assert_eq!(client.complete("hi"), 6);
    assert_eq!(client.tenant(), "acme");

    let snapshot = ledger.snapshot();
    assert_eq!(snapshot.total.calls, 2);
    assert_eq!(snapshot.by_customer["acme"].calls, 1);
}
