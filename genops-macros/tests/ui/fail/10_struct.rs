#[genops::track(team = "search")]
struct Client {
    model: String,
}

fn main() {}
