// `stream` on a function that returns nothing.
#[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini", stream)]
fn answer() {}

fn main() {}
