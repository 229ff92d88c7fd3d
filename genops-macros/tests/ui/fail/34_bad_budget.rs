#[genops::track(operation = "invoke_agent", budget = "fifty cents")]
fn text() {}

#[genops::track(operation = "invoke_agent", budget = -0.5)]
fn negative() {}

#[genops::track(operation = "invoke_agent", budget)]
fn missing() {}

#[genops::track(operation = "invoke_agent", budget = limit)]
fn not_a_number(limit: &str) {}

fn main() {
    let _ = genops::span!(operation = "invoke_agent", budget = true);
}
