// `genops::span!(...)`: a manual handle, entered by hand or wrapped around a future.
use tracing_subscriber::layer::SubscriberExt;

fn main() {
    let layer = genops::layer();
    let ledger = layer.ledger();
    let _guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));

    let model = String::from("gpt-4o-mini");
    let call = genops::span!(team = "search", provider = "openai", model = model.as_str(), fields(k = 3));
    {
        let _entered = call.enter();
        genops::record_usage(genops::Usage::new(120, 30));
    }
    drop(call);

    let call = genops::span!(team = "search", provider = "anthropic", model = "claude-haiku-4-5", level = "debug");
    let answer = futures::executor::block_on(call.instrument(async {
        genops::record_usage(genops::Usage::new(80, 20));
        "42"
    }));
    assert_eq!(answer, "42");

    let failed = genops::span!(name = "lookup", operation = "retrieval", customer = model);
    failed.fail("Timeout");

    let snapshot = ledger.snapshot();
    assert_eq!(snapshot.total.calls, 3);
    assert_eq!(snapshot.total.errors, 1);
    assert_eq!(snapshot.total.input_tokens, 200);
    assert_eq!(snapshot.by_customer["gpt-4o-mini"].calls, 1);
}
