trait Llm {
    #[genops::track(team = "search")]
    fn complete(&self, prompt: &str) -> String;
}

fn main() {}
