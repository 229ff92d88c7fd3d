// `crate = path`: the generated code names the crate through the given path, so it works
// through a re-export and when `genops` is not a direct dependency name.
use tracing_subscriber::layer::SubscriberExt;

mod reexport {
    pub use ::genops as telemetry;
}

#[genops::track(crate = ::genops, team = "infra")]
fn absolute() -> u8 {
    1
}

#[genops::track(crate = crate::reexport::telemetry, team = "infra", model = m)]
async fn through_reexport(m: &str) -> u8 {
    m.len() as u8
}

fn main() {
    let layer = genops::layer();
    let ledger = layer.ledger();
    let _guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));

    let manual = genops::span!(crate = reexport::telemetry, team = "infra");
    drop(manual);
    assert_eq!(absolute(), 1);
    assert_eq!(futures::executor::block_on(through_reexport("abc")), 3);

    assert_eq!(ledger.snapshot().by_team["infra"].calls, 3);
}
