#[genops::track(team = "search", err)]
fn parse(text: &str) -> Result<u32, String> {
    let length: u32 = text.len();
    Ok(length)
}

fn main() {}
