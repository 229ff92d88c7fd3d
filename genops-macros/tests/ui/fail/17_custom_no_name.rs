#[genops::track(team = "search", provider = custom())]
fn answer() {}

fn main() {}
