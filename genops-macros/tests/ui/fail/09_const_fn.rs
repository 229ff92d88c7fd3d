#[genops::track(team = "search")]
const fn answer() -> u32 {
    42
}

fn main() {}
