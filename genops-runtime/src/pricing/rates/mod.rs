//! Rate cards: an entry's prices resolved once, on first use, for every service tier and every
//! prompt-size band, following LiteLLM's cost rules (see the crate's pricing docs). Pricing a call
//! is then a search among a few thresholds and a handful of multiplications.
//!
//! - [`cost`]: the hot path, pricing one call with resolved [`Rates`];
//! - [`band`]: the prices of one prompt-size band, and the bands of a card;
//! - [`compile`]: an entry resolved into [`Rates`], through LiteLLM's reading of it ([`view`]);
//! - [`providers`]: how LiteLLM's providers differ.

mod band;
mod compile;
mod cost;
mod providers;
mod view;

pub use cost::{Priced, Rates};
