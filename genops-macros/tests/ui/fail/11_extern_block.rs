#[genops::track(team = "ffi")]
extern "C" {
    fn llm_complete(prompt: *const u8) -> i32;
}

fn main() {}
