//! Provider bodies shaped as the providers document them (`tests/data/providers/`), and the
//! events of their SSE streams.

use serde_json::Value;

/// The text of `tests/data/providers/{name}`.
pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/data/providers/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The JSON body `tests/data/providers/{name}`.
pub fn body(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).expect("a JSON fixture")
}

/// The `data:` payloads of an SSE stream, parsed, without OpenAI's closing `[DONE]`.
pub fn sse_events(name: &str) -> Vec<Value> {
    fixture(name)
        .lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .map(str::trim)
        .filter(|data| *data != "[DONE]")
        .map(|data| serde_json::from_str(data).expect("an SSE data line of JSON"))
        .collect()
}
