// A `&mut self` method, sync and async, with and without `err`.
use tracing_subscriber::layer::SubscriberExt;

#[derive(Default)]
struct Conversation {
    turns: Vec<String>,
}

impl Conversation {
    #[genops::track(team = "chat", operation = "chat")]
    fn push(&mut self, turn: &str) -> usize {
        self.turns.push(turn.to_owned());
        self.turns.len()
    }

    #[genops::track(team = "chat", err)]
    fn pop(&mut self) -> Result<String, String> {
        self.turns.pop().ok_or_else(|| "empty".to_owned())
    }

    #[genops::track(team = "chat")]
    async fn push_async(&mut self, turn: String) {
        self.turns.push(turn);
    }
}

fn main() {
    let layer = genops::layer();
    let ledger = layer.ledger();
    let _guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));

    let mut conversation = Conversation::default();
    assert_eq!(conversation.push("hello"), 1);
    futures::executor::block_on(conversation.push_async("again".to_owned()));
    assert_eq!(conversation.pop().as_deref(), Ok("again"));
    assert_eq!(conversation.pop().as_deref(), Ok("hello"));
    assert_eq!(conversation.pop(), Err("empty".to_owned()));

    let snapshot = ledger.snapshot();
    assert_eq!(snapshot.total.calls, 5);
    assert_eq!(snapshot.total.errors, 1);
}
