#[genops::track(tema = "search")]
fn answer() {}

fn main() {}
