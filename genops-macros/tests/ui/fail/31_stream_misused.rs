// `stream` takes no value, and `genops::span!` wraps a stream with a method instead.
#[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini", stream = true)]
fn answer() -> impl futures::Stream<Item = u32> {
    futures::stream::iter([1])
}

fn main() {
    let _call = genops::span!(team = "chat", provider = "openai", model = "gpt-4o-mini", stream);
}
