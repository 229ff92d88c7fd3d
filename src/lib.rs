//! # genops: AI cost governance for Rust
//!
//! Annotate the functions that call LLM providers:
//!
//! ```
//! # #[derive(Debug)] struct AppError;
//! #[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini", err)]
//! async fn answer(question: &str) -> Result<String, AppError> {
//!     // let resp = client.chat(question).await?;
//!     genops::record_usage(genops::Usage::new(1_200, 300));
//!     Ok(format!("answer to {question}"))
//! }
//! ```
//!
//! Each call becomes a `tracing` span with the OpenTelemetry GenAI attributes, the attribution
//! (`genops.team`, ...) and its exact cost. Install the runtime with [`init()`] or compose
//! [`layer()`] into your own subscriber.
//!
//! This crate only re-exports `genops-macros` and `genops-runtime`.

pub use genops_macros::{span, track};
pub use genops_runtime::*;

/// The README's Rust snippets, compiled and run as doctests so that they cannot drift from the
/// code.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
