#[genops::track(team = "", provider = "openai")]
fn answer() {}

fn main() {}
