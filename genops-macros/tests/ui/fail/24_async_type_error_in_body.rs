#[genops::track(team = "search")]
async fn count() -> u32 {
    "not a number"
}

fn main() {}
