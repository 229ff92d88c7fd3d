// A syntax error in a tracked function's body is rustc's own error, alone: the attribute adds
// nothing over the whole item.
#[genops::track(team = "search", provider = "openai", model = "gpt-4o")]
fn answer(question: &str) -> usize {
    let words = question.split_whitespace().count()
    words
}

fn main() {}
