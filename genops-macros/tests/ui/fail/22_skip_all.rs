#[genops::track(team = "search", skip_all)]
fn answer(secret: &str) -> usize {
    secret.len()
}

fn main() {}
