//! `budget = ...`: a run's envelope, as a literal or an expression, on functions and `span!`.

#[derive(Debug)]
enum AppError {
    Denied(genops::GovernanceError),
}

impl From<genops::GovernanceError> for AppError {
    fn from(e: genops::GovernanceError) -> Self {
        AppError::Denied(e)
    }
}

#[genops::track(provider = "openai", model = "gpt-4o-mini", enforce(reserve = 0.04))]
fn step() -> Result<(), AppError> {
    genops::record_cost(0.04);
    Ok(())
}

#[genops::track(operation = "invoke_agent", budget = 0.10)]
fn agent() -> Result<u32, AppError> {
    step()?;
    step()?;
    step()?;
    Ok(3)
}

#[genops::track(operation = "invoke_agent", budget = limit)]
async fn agent_async(limit: f64) -> Result<(), AppError> {
    step()
}

#[genops::track(operation = "invoke_agent", budget = 1)]
fn whole_dollar() {}

fn main() {
    use tracing_subscriber::prelude::*;
    tracing_subscriber::registry().with(genops::layer()).init();
    // The third $0.04 step does not fit the $0.10 envelope.
    assert!(matches!(
        agent(),
        Err(AppError::Denied(genops::GovernanceError::EnvelopeExceeded { .. }))
    ));
    assert!(futures::executor::block_on(agent_async(0.05)).is_ok());
    assert!(futures::executor::block_on(agent_async(0.03)).is_err());
    whole_dollar();
    let run = genops::span!(operation = "invoke_agent", budget = 0.05);
    let _entered = run.enter();
    assert!(step().is_ok());
    assert!(step().is_err());
}
