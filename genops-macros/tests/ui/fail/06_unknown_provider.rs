#[genops::track(provider = "opneai", model = "gpt-4o")]
fn answer() {}

fn main() {}
