//! Prices per token and the rules that find a model's price.
//!
//! The table is stored in the schema of LiteLLM's `model_prices_and_context_window.json`; see
//! [`PriceTable::load_file`]. An embedded table of current chat and embedding models is compiled
//! in ([`PriceTable::embedded`]).
//!
//! Prices are whole pico-dollars (10^-12 USD) per token. A price given in the file that is not a
//! whole number of pico-dollars is rounded to the nearest one when the file is loaded.
//!
//! # How a call is priced
//!
//! genops follows LiteLLM's cost function (`generic_cost_per_token`, LiteLLM 1.110.2), with its
//! token model: `input` includes cache reads, cache writes and audio, `output` includes
//! reasoning and audio.
//!
//! - **Long context.** A key `{price}_above_{N}_tokens` (`N` like `200k` or `128`) applies to the
//!   whole request when the prompt (`Usage::input`, cache and audio included) is `> N` (`>= N`
//!   for xAI). Each price takes the highest crossed tier that defines it, else its flat value.
//!   Cache reads and writes without a price of their own are billed at the resolved input price.
//! - **One-hour cache writes** use `cache_creation_input_token_cost_above_1hr` (and its
//!   `_above_{N}_tokens` tier), else the cache-write price.
//! - **Reasoning** uses the tier's `output_cost_per_reasoning_token_{tier}`, else the tier's
//!   output price when the tier has one, else `output_cost_per_reasoning_token`, else the
//!   resolved output price.
//! - **Audio** is taken out of the text tokens and billed at `input_cost_per_audio_token` (with
//!   its tiers) or `output_cost_per_audio_token`, else at the text price.
//! - **Service tiers** (`Usage::service_tier`): each price of the tier (`*_flex`,
//!   `*_priority`, also above a threshold) falls back to the standard one on its own; a tier
//!   above a threshold without a price of its own takes the standard above-threshold price.
//!   Batch jobs use `*_batches` prices, else half the standard prices (cache reads of a model
//!   with batch prices keep the standard price).
//! - **`tiered_pricing`** tables select one range by prompt size (`start < prompt <= end`) and
//!   bill every token at it.
//! - **Web search** is billed per query by search context size, with the provider differences
//!   LiteLLM has (Gemini and Vertex per grounded prompt at $0.035 by default, Anthropic and
//!   Groq at the medium price, Perplexity at the low price, xAI at $0.005 by default).
//! - **Providers** are told apart by the entry's `litellm_provider`: xAI bills every output
//!   token at the output price; xAI, DeepSeek, Tencent, Fireworks, Perplexity and DashScope take
//!   no service tier; Fireworks bills cache reads without a price at half the input price; an
//!   entry of a provider without a calculator of its own costs nothing without a positive input
//!   or output price (as `lemonade` always does).
//!
//! # The worst case of a request
//!
//! [`worst_case`] prices what a request can cost at most (see [`WorstCase`]): the entry's
//! `max_input_tokens` (its context window) bounds the input, and its `max_output_tokens` gives
//! the output cap of a request that sets none.
//!
//! Everything is resolved once per entry, the first time the entry prices a call ([`Rates`]), so
//! pricing a call compares its prompt with a few thresholds at most. What genops cannot apply is flagged
//! ([`Priced::unsupported`]): `off_peak_pricing` (prices by time of day) and per-second prices.

mod entry;
mod error;
mod keys;
mod litellm;
mod matching;
mod price;
mod rates;
mod table;
mod worst_case;

pub use entry::{ExtraPrices, PriceEntry};
pub use error::PricingError;
pub use price::Price;
pub use rates::{Priced, Rates};
pub use table::{EntryId, PriceTable};
pub use worst_case::{worst_case, WorstCase};
