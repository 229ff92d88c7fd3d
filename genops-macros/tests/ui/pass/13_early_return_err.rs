// `err` with early `return` and `?` (including a `From` conversion), sync and async.
use tracing_subscriber::layer::SubscriberExt;

#[derive(Debug, PartialEq)]
enum AppError {
    Empty,
    Parse,
}

impl From<std::num::ParseIntError> for AppError {
    fn from(_: std::num::ParseIntError) -> Self {
        AppError::Parse
    }
}

#[genops::track(team = "parse", err)]
fn parse(text: &str) -> Result<u32, AppError> {
    if text.is_empty() {
        return Err(AppError::Empty);
    }
    let number: u32 = text.trim().parse()?;
    Ok(number * 2)
}

#[genops::track(team = "parse", err)]
async fn parse_async(text: String) -> Result<u32, AppError> {
    if text.is_empty() {
        return Err(AppError::Empty);
    }
    let number: u32 = text.parse()?;
    Ok(number + 1)
}

#[genops::track(team = "parse", err)]
fn parse_boxed(text: &str) -> Result<i64, Box<dyn std::error::Error + Send + Sync>> {
    let number: i64 = text.parse()?;
    if number < 0 {
        return Err("negative".into());
    }
    Ok(number)
}

#[genops::track(team = "parse")]
fn plain_early_return(flag: bool) -> &'static str {
    if flag {
        return "early";
    }
    "late"
}

fn main() {
    let layer = genops::layer();
    let ledger = layer.ledger();
    let _guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));

    assert_eq!(parse("21"), Ok(42));
    assert_eq!(parse(""), Err(AppError::Empty));
    assert_eq!(parse("x"), Err(AppError::Parse));
    assert_eq!(futures::executor::block_on(parse_async("1".to_owned())), Ok(2));
    assert_eq!(futures::executor::block_on(parse_async("?".to_owned())), Err(AppError::Parse));
    assert_eq!(parse_boxed("7").unwrap(), 7);
    assert!(parse_boxed("-7").is_err());
    assert!(parse_boxed("seven").is_err());
    assert_eq!(plain_early_return(true), "early");
    assert_eq!(plain_early_return(false), "late");

    let snapshot = ledger.snapshot();
    assert_eq!(snapshot.total.calls, 10);
    assert_eq!(snapshot.total.errors, 5);
}
