#[genops::track(provider = "openai", operation = "embedding")]
fn embed() {}

fn main() {}
