#[genops::track(team = 42)]
fn answer() {}

fn main() {}
