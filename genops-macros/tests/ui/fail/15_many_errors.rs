// Every bad argument is reported at once, each at its own token.
#[genops::track(
    tema = "search",
    provider = "opneai",
    level = 3,
    operation = "chatt",
    user = "",
    err = true,
    team = "a",
    team = "b",
)]
fn answer() {}

fn main() {}
