#[genops::track(team = "search", level = "warning")]
fn answer() {}

fn main() {}
