//! `enforce`, `enforce(reserve = ...)` and `sample` on sync and async functions and methods.

#[derive(Debug)]
enum AppError {
    Denied(genops::GovernanceError),
}

impl From<genops::GovernanceError> for AppError {
    fn from(e: genops::GovernanceError) -> Self {
        AppError::Denied(e)
    }
}

#[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini", enforce, sample = 0.1)]
fn gated() -> Result<u32, AppError> {
    Ok(1)
}

#[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini", enforce(reserve = 0.25), err)]
async fn gated_async(reserve: f64) -> Result<u32, AppError> {
    let _ = reserve;
    Ok(2)
}

struct Client;

impl Client {
    #[genops::track(team = "search", provider = "anthropic", model = "claude-haiku-4-5", enforce(reserve = 0.01))]
    fn ask(&mut self) -> Result<&'static str, AppError> {
        Ok("yes")
    }
}

fn main() {
    use tracing_subscriber::prelude::*;
    let layer = genops::GenOpsLayer::builder()
        .budget(genops::Budget::daily("tiny", genops::Scope::team("search"), genops::Usd(0.2)).hard())
        .build();
    tracing_subscriber::registry().with(layer).init();
    assert_eq!(gated().unwrap(), 1);
    // $0.25 reserved does not fit a $0.20 budget.
    assert!(matches!(
        futures::executor::block_on(gated_async(0.25)),
        Err(AppError::Denied(genops::GovernanceError::BudgetExceeded { .. }))
    ));
    assert_eq!(Client.ask().unwrap(), "yes");
}
