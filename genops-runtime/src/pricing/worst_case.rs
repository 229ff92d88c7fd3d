//! The worst case of a request: what the call costs if the provider counts every input token
//! the request can hold and writes its whole output cap.

use super::entry::PriceEntry;
use super::table::{EntryId, PriceTable};
use crate::money::Cost;
use crate::request::{CacheWrite, Family, HoldError, Reading, Request, RequestBound};
use crate::usage::Usage;

/// The most one call can cost, read from its request: its input tokens at the input price plus
/// its output cap at the output price, in the long-context band its input falls in, at the
/// service tier it asks for, with reasoning and prompt-cache writes priced as dear as they can
/// be.
///
/// ```
/// use serde_json::json;
/// let table = genops::PriceTable::embedded();
/// let body = json!({
///     "model": "gpt-4o",
///     "messages": [{"role": "user", "content": "Hello!"}],
///     "max_tokens": 100,
/// });
/// let worst = genops::worst_case(&table, "openai", "gpt-4o", &body)?;
/// // 3 (the reply's priming) + 4 (the message's framing) + 6 (the bytes of "Hello!")
/// assert_eq!((worst.input_tokens, worst.output_tokens), (13, 100));
/// // 13 × $2.50/M + 100 × $10/M
/// assert_eq!(worst.cost.picos(), 13 * 2_500_000 + 100 * 10_000_000);
/// # Ok::<(), genops::HoldError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WorstCase {
    /// The most the call can cost.
    pub cost: Cost,
    /// The most input tokens the provider can count for the request.
    pub input_tokens: u64,
    /// The most output tokens (reasoning included) the call can produce: the request's cap,
    /// else the model's maximum output.
    pub output_tokens: u64,
    /// The long-context tier the input falls in (`above_200k`, ...), `None` for flat prices.
    pub tier: Option<&'static str>,
}

/// The worst case of `request` to `model` of `provider`, priced by `table`: what
/// `enforce(reserve = request)` holds on each hard budget before the call runs.
///
/// The output cap is the request's own (`max_tokens`, `max_completion_tokens`,
/// `max_output_tokens`, `maxOutputTokens`, times the choices it asks for), else the model's
/// `max_output_tokens` from the price table; an embedding model outputs nothing. Where neither
/// is known, it is an error that says how to fix it.
///
/// ```
/// use serde_json::json;
/// let table = genops::PriceTable::embedded();
/// let body = json!({"contents": [{"role": "user", "parts": [{"text": "Hi"}]}]});
/// let worst = genops::worst_case(&table, "gcp.gemini", "gemini-2.5-pro", &body)?;
/// assert_eq!(worst.output_tokens, 65_536); // the model's maximum output
/// # Ok::<(), genops::HoldError>(())
/// ```
pub fn worst_case(
    table: &PriceTable,
    provider: &str,
    model: &str,
    request: &(impl Request + ?Sized),
) -> Result<WorstCase, HoldError> {
    let id = table
        .find(provider, model)
        .ok_or_else(|| HoldError::UnknownModel {
            provider: provider.to_owned(),
            model: model.to_owned(),
        })?;
    table.worst_case_of(id, provider, request)
}

impl PriceTable {
    /// The worst case of `request` to the model of entry `id`, whose provider is `provider`.
    pub(crate) fn worst_case_of(
        &self,
        id: EntryId,
        provider: &str,
        request: &(impl Request + ?Sized),
    ) -> Result<WorstCase, HoldError> {
        let name = self.name(id);
        let entry = self.get(name).expect("an entry found in the table");
        let provider = entry.litellm_provider.as_deref().unwrap_or(provider);
        let reading = Reading {
            family: Family::of(provider, name),
            model: name,
        };
        let bound = request.bound(reading)?;
        let (input, output) = caps(name, entry, &bound)?;
        let rates = self.rates(id);
        let base = Usage::new(input, output).service_tier(bound.service_tier);
        let cached = match bound.cache_write {
            CacheWrite::None => base,
            CacheWrite::FiveMinutes => base.cache_creation(input),
            CacheWrite::OneHour => base.cache_creation(input).cache_creation_1h(input),
        };
        // Cost is linear in each kind of token, so its most is at a corner: every output token
        // reasoning or none, every input token written to the cache or none.
        let worst = [
            base,
            base.reasoning(output),
            cached,
            cached.reasoning(output),
        ]
        .iter()
        .map(|usage| rates.cost(usage))
        .max_by_key(|priced| priced.cost)
        .expect("four candidates");
        Ok(WorstCase {
            cost: worst.cost,
            input_tokens: input,
            output_tokens: output,
            tier: worst.tier,
        })
    }
}

/// The input and output caps of a request to the model `name`: the input bound within the
/// context window, the output cap within the model's maximum output.
fn caps(name: &str, entry: &PriceEntry, bound: &RequestBound) -> Result<(u64, u64), HoldError> {
    let input = match bound.unbounded {
        Some(part) => entry
            .max_input_tokens
            .ok_or_else(|| HoldError::NoContextWindow {
                model: name.to_owned(),
                part,
            })?,
        None => entry
            .max_input_tokens
            .map_or(bound.input, |window| bound.input.min(window)),
    };
    let embedding = entry.mode.as_deref() == Some("embedding");
    let output = match (bound.output, entry.max_output_tokens) {
        (Some(cap), Some(most)) => cap.min(most),
        (Some(cap), None) => cap,
        (None, _) if embedding => 0,
        (None, Some(most)) => most,
        (None, None) => {
            return Err(HoldError::NoOutputCap {
                model: name.to_owned(),
            })
        }
    };
    Ok((input, output))
}
