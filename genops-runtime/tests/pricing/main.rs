//! Integration tests of the pricing module: hand-computed costs of embedded models, the matching
//! rules of `PriceTable::resolve`, overrides in LiteLLM's schema and malformed price files.
//!
//! Units used throughout:
//! - a published price is written in USD per million tokens (`$2.50/M`);
//! - $1/M = 1e-6 USD per token = 1,000 nano-dollars per token = 1,000,000 pico-dollars per token;
//! - so a price of `$P/M` costs `P × 1,000` nano-dollars per token, and every expected cost
//!   below is written in nano-dollars (1e-9 USD) as an integer literal computed by hand.
//!
//! One module per concern: [`costs`] (hand-computed costs of embedded models), [`matching`]
//! (the matching rules), [`overrides`], [`malformed`] files, the [`embedded`] table, and
//! LiteLLM's [`cost_rules`]; [`support`] holds the helpers, which are independent of the code
//! under test.

mod support;

mod cost_rules;
mod costs;
mod embedded;
mod malformed;
mod matching;
mod overrides;
