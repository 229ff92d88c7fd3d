#[genops::track(team = "search", fields(request.id = 1, gen_ai.request.model = 1))]
fn answer() {}

fn main() {}
