// `stream` on a function that returns an iterator, not a stream.
#[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini", stream)]
fn answer() -> impl Iterator<Item = u32> {
    [1, 2].into_iter()
}

fn main() {}
