#[genops::track(team = "search", provider = "openai", team = "ranking")]
fn answer() {}

fn main() {}
