//! AWS Bedrock's ConverseStream as a [`Stream`] (feature `aws-bedrock`).
//!
//! The SDK hands a ConverseStream's events out through an `EventReceiver`, which is not a
//! [`Stream`]: [`into_stream`] makes it one, so that a tracked `stream` function can return it
//! and have each event recorded (the stop reason from `messageStop`, the usage from `metadata`).
//! Bedrock's responses name no model: the call is priced by its `model` attribute, which should
//! be the model id sent (a variable works: `model = model_id`).
//!
//! ```
//! use aws_sdk_bedrockruntime::types::{
//!     ContentBlock, ConversationRole, ConverseStreamOutput, Message,
//! };
//! use aws_sdk_bedrockruntime::{Client, Error};
//! use futures::Stream;
//! use genops::bedrock::{into_stream, ConverseStreamError};
//!
//! #[genops::track(team = "assistant", provider = "aws.bedrock", model = model_id, stream, err)]
//! async fn answer_streamed(
//!     client: &Client,
//!     model_id: &str,
//!     question: &str,
//! ) -> Result<impl Stream<Item = Result<ConverseStreamOutput, ConverseStreamError>>, Error> {
//!     let message = Message::builder()
//!         .role(ConversationRole::User)
//!         .content(ContentBlock::Text(question.to_owned()))
//!         .build()
//!         .expect("a role and content");
//!     let output = client
//!         .converse_stream()
//!         .model_id(model_id)
//!         .messages(message)
//!         .send()
//!         .await?;
//!     Ok(into_stream(output))
//! }
//! ```
//!
//! [`Stream`]: https://docs.rs/futures-core/0.3/futures_core/stream/trait.Stream.html

use aws_sdk_bedrockruntime::operation::converse_stream::ConverseStreamOutput as ConverseStreamResponse;
use aws_sdk_bedrockruntime::types::ConverseStreamOutput;
use futures_core::Stream;

use crate::call::apply;
use crate::recordable::aws_bedrock::converse_stream_events;
pub use crate::recordable::aws_bedrock::ConverseStreamError;

/// The events of a ConverseStream as a [`Stream`], in order: each `Ok` event until the stream's
/// end, or an `Err` that ends it. Called inside a tracked call, it records the output's request
/// id as the call's `gen_ai.response.id`; a tracked `stream` function that returns it records
/// each event (see the [module](self) for an example).
///
/// [`Stream`]: https://docs.rs/futures-core/0.3/futures_core/stream/trait.Stream.html
///
/// ```
/// # async fn run(client: aws_sdk_bedrockruntime::Client) -> Result<(), Box<dyn std::error::Error>> {
/// use futures::StreamExt;
/// let output = client
///     .converse_stream()
///     .model_id("us.anthropic.claude-haiku-4-5-20251001-v1:0")
///     .send()
///     .await?;
/// let mut events = std::pin::pin!(genops::bedrock::into_stream(output));
/// while let Some(event) = events.next().await {
///     println!("{:?}", event?);
/// }
/// # Ok(())
/// # }
/// ```
pub fn into_stream(
    output: ConverseStreamResponse,
) -> impl Stream<Item = Result<ConverseStreamOutput, ConverseStreamError>> + Send + 'static {
    apply(&output, true);
    converse_stream_events(output)
}
