// `impl Trait` in argument and return position, sync and async.
use std::fmt::Display;
use tracing_subscriber::layer::SubscriberExt;

#[genops::track(team = "tokens")]
fn evens(limit: impl Into<u32>) -> impl Iterator<Item = u32> {
    (0..limit.into()).filter(|n| n % 2 == 0)
}

#[genops::track(team = "tokens", err)]
fn label(value: impl Display) -> Result<impl Display, String> {
    Ok(format!("<{value}>"))
}

#[genops::track(team = "tokens")]
async fn shout(text: impl AsRef<str>) -> impl Display {
    text.as_ref().to_uppercase()
}

fn main() {
    let layer = genops::layer();
    let ledger = layer.ledger();
    let _guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));

    assert_eq!(evens(7u8).collect::<Vec<_>>(), [0, 2, 4, 6]);
    assert_eq!(label(3).unwrap().to_string(), "<3>");
    assert_eq!(futures::executor::block_on(shout("hey")).to_string(), "HEY");

    assert_eq!(ledger.snapshot().total.calls, 3);
}
