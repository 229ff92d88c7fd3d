// Attribution and model given as expressions evaluated at call time, `fields(...)` and a
// custom provider.
use tracing_subscriber::layer::SubscriberExt;

struct Request {
    id: String,
    project: &'static str,
}

#[genops::track(
    team = "support",
    project = req.project,
    customer = req.id.as_str(),
    user = user_id,
    environment = format!("env-{}", 1 + 1),
    cost_center = String::from("cc-7"),
    feature = "triage",
    provider = custom("acme"),
    model = m,
    fields(request.id = 5, x = %y, debug = ?req.project, "quoted.name" = true)
)]
fn handle(req: &Request, user_id: u64, m: &str, y: f32) -> usize {
    genops::record_usage(genops::Usage::new(1, 1));
    req.id.len() + m.len()
}

#[genops::track(customer = tenant, model = model.clone(), provider = "openai", err)]
async fn handle_async(tenant: String, model: String) -> Result<String, String> {
    Ok(format!("{tenant}/{model}"))
}

fn main() {
    let layer = genops::layer();
    let ledger = layer.ledger();
    let _guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));

    let req = Request { id: "cust-42".to_owned(), project: "helpdesk" };
    assert_eq!(handle(&req, 7, "my-model", 0.5), 15);
    let out = futures::executor::block_on(handle_async("t1".to_owned(), "gpt-4o".to_owned()));
    assert_eq!(out.as_deref(), Ok("t1/gpt-4o"));

    let snapshot = ledger.snapshot();
    assert_eq!(snapshot.total.calls, 2);
    assert_eq!(snapshot.by_customer["cust-42"].calls, 1);
    assert_eq!(snapshot.by_customer["t1"].calls, 1);
    assert_eq!(snapshot.by_user["7"].calls, 1);
    assert_eq!(snapshot.by_project["helpdesk"].calls, 1);
    assert_eq!(snapshot.by_environment["env-2"].calls, 1);
    assert_eq!(snapshot.by_cost_center["cc-7"].calls, 1);
    assert_eq!(snapshot.by_model["my-model"].calls, 1);
    assert_eq!(snapshot.by_model["gpt-4o"].calls, 1);
    assert_eq!(snapshot.by_provider["acme"].calls, 1);
}
