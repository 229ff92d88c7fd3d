// Every shape a `stream` function may return, sync and async, free and as a method.
use std::pin::Pin;

use futures::{Stream, StreamExt};

#[derive(Debug)]
struct ProviderError;

#[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini", stream)]
fn impl_stream() -> impl Stream<Item = u32> {
    futures::stream::iter([1, 2])
}

#[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini", stream)]
fn boxed_send() -> Pin<Box<dyn Stream<Item = Result<u32, ProviderError>> + Send>> {
    Box::pin(futures::stream::iter([Ok(1), Err(ProviderError)]))
}

#[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini", stream)]
fn boxed_local() -> Pin<Box<dyn Stream<Item = u32>>> {
    Box::pin(futures::stream::iter([1]))
}

#[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini", stream, err)]
fn fallible(fail: bool) -> Result<impl Stream<Item = u32>, ProviderError> {
    if fail {
        return Err(ProviderError);
    }
    Ok(futures::stream::iter([1]))
}

#[genops::track(team = "chat", provider = "openai", model = "gpt-4o-mini", stream)]
async fn async_boxed() -> Pin<Box<dyn Stream<Item = u32> + Send>> {
    Box::pin(futures::stream::iter([1, 2, 3]))
}

struct Client;

impl Client {
    #[genops::track(team = "chat", provider = "anthropic", model = "claude-haiku-4-5", stream)]
    fn chat(&self, prompt: &str) -> impl Stream<Item = String> + '_ {
        futures::stream::iter(prompt.split(' ').map(str::to_owned).collect::<Vec<_>>())
    }
}

fn main() {
    futures::executor::block_on(async {
        assert_eq!(impl_stream().count().await, 2);
        assert_eq!(boxed_send().count().await, 2);
        assert_eq!(boxed_local().count().await, 1);
        assert!(fallible(true).is_err());
        assert_eq!(fallible(false).unwrap().count().await, 1);
        assert_eq!(async_boxed().await.count().await, 3);
        assert_eq!(Client.chat("a b").count().await, 2);
    });
}
