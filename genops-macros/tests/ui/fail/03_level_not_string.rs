#[genops::track(team = "search", level = 3)]
fn answer() {}

fn main() {}
