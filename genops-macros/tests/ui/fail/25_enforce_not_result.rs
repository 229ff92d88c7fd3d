#[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini", enforce)]
fn answer() -> String {
    String::new()
}

fn main() {}
