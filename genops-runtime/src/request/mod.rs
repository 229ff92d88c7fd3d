//! Reading a provider request before the call: a bound on its input tokens that the provider's
//! count cannot exceed, its output cap, its service tier and its prompt-cache writes. Pricing
//! turns the bound into the call's worst case (`pricing::worst_case`).
//!
//! - `bound`: what a request says about its cost, and whose rules read it;
//! - `count`: the input bound, one token per byte of text, plus framing and media maxima;
//! - `tokenizer` (feature `tokenizer`): exact o200k and cl100k counts of OpenAI's models;
//! - `json`: raw JSON bodies of the providers' APIs;
//! - `read`: the sealed [`Request`] trait;
//! - `async_openai`, `genai`, `aws_bedrock`, `rig` (their features): the SDKs' request types;
//! - `error`: [`HoldError`].

#[cfg(feature = "async-openai")]
mod async_openai;
#[cfg(feature = "aws-bedrock")]
mod aws_bedrock;
mod bound;
mod count;
mod error;
#[cfg(feature = "genai")]
mod genai;
mod json;
mod read;
#[cfg(feature = "rig")]
mod rig;
#[cfg(feature = "tokenizer")]
mod tokenizer;

pub(crate) use bound::{CacheWrite, Family, Reading, RequestBound};
pub use error::HoldError;
pub use read::Request;
