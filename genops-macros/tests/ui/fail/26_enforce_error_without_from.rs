#[derive(Debug)]
struct AppError;

#[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini", enforce)]
async fn answer() -> Result<String, AppError> {
    Ok(String::new())
}

fn main() {}
