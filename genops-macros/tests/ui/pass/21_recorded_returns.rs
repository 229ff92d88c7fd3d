// Return types that are recorded, and the ones that are not, compile alike: generic, borrowed,
// `impl Trait`, early returns, `?`, methods, and streams of recordable items.
use std::pin::Pin;

use futures::{Stream, StreamExt};
use serde_json::{json, Value};

#[derive(Debug)]
struct HttpError;

fn body() -> Value {
    json!({"object": "chat.completion", "model": "gpt-4o-mini",
           "usage": {"prompt_tokens": 1, "completion_tokens": 1}})
}

#[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini")]
fn generic<T: Default>() -> T {
    T::default()
}

#[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini")]
fn borrowed(text: &str) -> &str {
    &text[1..]
}

#[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini")]
fn opaque() -> impl Iterator<Item = u32> {
    [1, 2].into_iter()
}

#[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini")]
fn early(fail: bool) -> Result<Value, HttpError> {
    if fail {
        return Err(HttpError);
    }
    let value: Result<Value, HttpError> = Ok(body());
    Ok(value?)
}

#[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini", err)]
async fn fallible_async() -> Result<Box<Value>, HttpError> {
    Ok(Box::new(body()))
}

struct Client(Value);

impl Client {
    #[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini")]
    fn last(&self) -> &Value {
        &self.0
    }

    #[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini")]
    fn take(mut self) -> Value {
        self.0["id"] = json!("chatcmpl-1");
        self.0
    }
}

#[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini", stream)]
fn events() -> Pin<Box<dyn Stream<Item = Result<Value, HttpError>> + Send>> {
    Box::pin(futures::stream::iter([Ok(body()), Err(HttpError)]))
}

fn main() {
    assert_eq!(generic::<u32>(), 0);
    assert_eq!(borrowed("abc"), "bc");
    assert_eq!(opaque().count(), 2);
    assert!(early(true).is_err() && early(false).is_ok());
    assert!(futures::executor::block_on(fallible_async()).is_ok());
    assert_eq!(Client(body()).last()["model"], "gpt-4o-mini");
    assert_eq!(Client(body()).take()["id"], "chatcmpl-1");
    assert_eq!(futures::executor::block_on(events().count()), 2);
}
