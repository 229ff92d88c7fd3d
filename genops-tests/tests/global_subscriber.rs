//! Under a global subscriber (capture layer first, GenOps layer second), roll-up and recording
//! work across threads exactly as under a scoped one.

mod support;

use genops::semconv::*;
use genops::Usage;
use tracing_subscriber::prelude::*;

#[genops::track(team = "agents", operation = "invoke_agent", name = "agent")]
fn agent() {
    let handle = std::thread::spawn(|| {
        // A new thread has no current span: this call is a root of its own.
        tool();
    });
    handle.join().unwrap();
    let child = tracing::info_span!("plain.child");
    let _entered = child.enter();
    tool();
}

#[genops::track(
    provider = "deepseek",
    model = "deepseek-chat",
    operation = "execute_tool"
)]
fn tool() {
    genops::record_usage(Usage::new(1_000_000, 0));
}

#[test]
fn global_subscriber_in_reverse_layer_order() {
    let cap = support::Capture::default();
    let layer = genops::layer();
    let ledger = layer.ledger();
    tracing_subscriber::registry()
        .with(cap.clone())
        .with(layer)
        .init();
    agent();
    let spans = cap.spans();
    let agent = cap.span("agent");
    let tools: Vec<_> = spans
        .iter()
        .filter(|s| s.name == "execute_tool deepseek-chat")
        .collect();
    assert_eq!(tools.len(), 2);
    let price = tools[0].field(GEN_AI_USAGE_COST).f64();
    assert!(price > 0.0);
    // Only the tool called on the agent's thread, under an ordinary child span, rolls up.
    let nested = tools.iter().find(|s| s.parent.is_some()).unwrap();
    assert_eq!(cap.by_id(nested.parent.unwrap()).name, "plain.child");
    assert_eq!(nested.field(GENOPS_TEAM).str(), "agents");
    let root_tool = tools.iter().find(|s| s.parent.is_none()).unwrap();
    assert!(!root_tool.has(GENOPS_TEAM));
    assert_eq!(
        support::nanos(agent.field(GENOPS_COST_TOTAL).f64()),
        support::nanos(price)
    );
    assert_eq!(ledger.snapshot().total.calls, 3);
}
