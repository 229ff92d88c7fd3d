// A method taking `self` by value (a consuming builder), sync and async.
use tracing_subscriber::layer::SubscriberExt;

struct Request {
    prompt: String,
    max_tokens: u32,
}

impl Request {
    #[genops::track(team = "batch", provider = "mistral_ai", model = "mistral-small")]
    fn send(self) -> (String, u32) {
        (self.prompt, self.max_tokens)
    }

    #[genops::track(team = "batch", provider = "mistral_ai", model = "mistral-small")]
    async fn send_async(mut self) -> String {
        self.prompt.push('!');
        self.prompt
    }
}

fn main() {
    let layer = genops::layer();
    let ledger = layer.ledger();
    let _guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));

    let request = Request { prompt: "hi".to_owned(), max_tokens: 64 };
    assert_eq!(request.send(), ("hi".to_owned(), 64));
    let request = Request { prompt: "yo".to_owned(), max_tokens: 8 };
    assert_eq!(futures::executor::block_on(request.send_async()), "yo!");

    assert_eq!(ledger.snapshot().total.calls, 2);
}
