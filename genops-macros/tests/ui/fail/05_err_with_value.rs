#[genops::track(team = "search", err = true)]
fn answer() -> Result<(), String> {
    Ok(())
}

fn main() {}
