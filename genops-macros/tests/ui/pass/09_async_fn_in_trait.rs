// `async fn` in a trait: a tracked default body, and a tracked override in an impl.
use tracing_subscriber::layer::SubscriberExt;

trait Agent {
    fn name(&self) -> &str;

    #[genops::track(team = "agents", operation = "invoke_agent", feature = "default")]
    async fn run(&self, task: &str) -> String {
        format!("{} ran {task}", self.name())
    }

    #[genops::track(team = "agents", operation = "execute_tool", err)]
    async fn tool(&self, input: u32) -> Result<u32, String> {
        input.checked_mul(2).ok_or_else(|| "overflow".to_owned())
    }
}

struct Basic;
impl Agent for Basic {
    fn name(&self) -> &str {
        "default"
    }
}

struct Custom(u32);
impl Agent for Custom {
    fn name(&self) -> &str {
        "custom"
    }

    #[genops::track(team = "agents", operation = "invoke_agent", feature = "custom")]
    async fn run(&self, task: &str) -> String {
        format!("custom #{} ran {task}", self.0)
    }
}

fn main() {
    let layer = genops::layer();
    let ledger = layer.ledger();
    let _guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));

    futures::executor::block_on(async {
        assert_eq!(Basic.run("a").await, "default ran a");
        assert_eq!(Custom(7).run("b").await, "custom #7 ran b");
        assert_eq!(Custom(7).tool(21).await, Ok(42));
        assert!(Basic.tool(u32::MAX).await.is_err());
    });

    let snapshot = ledger.snapshot();
    assert_eq!(snapshot.total.calls, 4);
    assert_eq!(snapshot.by_feature["default"].calls, 1);
    assert_eq!(snapshot.by_feature["custom"].calls, 1);
}
