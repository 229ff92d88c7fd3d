// `stream` on a function whose return type is not a stream.
#[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini", stream)]
fn answer() -> String {
    String::from("not a stream")
}

fn main() {}
