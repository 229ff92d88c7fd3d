//! `reserve` takes an amount in USD or a request genops can read: a text is neither.
#[derive(Debug)]
struct AppError(genops::GovernanceError);

impl From<genops::GovernanceError> for AppError {
    fn from(e: genops::GovernanceError) -> Self {
        AppError(e)
    }
}

#[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini", enforce(reserve = "five cents"))]
fn answer() -> Result<(), AppError> {
    Ok(())
}

fn main() {}
