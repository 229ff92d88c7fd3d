const PROVIDER: &str = "openai";

#[genops::track(team = "search", provider = PROVIDER)]
fn answer() {}

fn main() {}
