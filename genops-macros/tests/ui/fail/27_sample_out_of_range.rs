#[genops::track(team = "search", sample = 1.5)]
fn answer() {}

#[genops::track(team = "search", sample = "often")]
fn other() {}

fn main() {}
