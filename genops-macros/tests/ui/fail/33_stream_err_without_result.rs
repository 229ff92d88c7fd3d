// `err` with `stream` on a function that returns a stream, not a `Result` of one.
#[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini", stream, err)]
fn answer() -> impl futures::Stream<Item = Result<u32, std::io::Error>> {
    futures::stream::iter([Ok(1)])
}

fn main() {}
