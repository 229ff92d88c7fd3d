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
/// // 3 (the reply's priming) + 3 (the message's framing) + 6 (the bytes of "Hello!"; with the
/// // `tokenizer` feature, its 2 tokens)
/// let input = if cfg!(feature = "tokenizer") { 8 } else { 12 };
/// assert_eq!((worst.input_tokens, worst.output_tokens), (input, 100));
/// // 12 × $2.50/M + 100 × $10/M
/// assert_eq!(worst.cost.picos(), input as u128 * 2_500_000 + 100 * 10_000_000);
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
/// `max_output_tokens`, `maxOutputTokens`) at most the model's `max_output_tokens` from the price
/// table, else that maximum, times the choices the request asks for (each may reach it); an
/// embedding model outputs nothing. Where neither cap is known, it is an error that says how to
/// fix it.
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
/// context window; the output cap of one choice within the model's maximum output, times the
/// choices (each choice may reach it).
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
    Ok((input, output.saturating_mul(bound.choices.max(1))))
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;
    use crate::pricing::Price;

    /// The worst case of `body` to `model` of `provider`, in the embedded table.
    fn held(provider: &str, model: &str, body: &Value) -> Result<WorstCase, HoldError> {
        worst_case(&PriceTable::embedded(), provider, model, body)
    }

    /// The tokens a text counts on an OpenAI model: `exact` with the `tokenizer` feature (o200k
    /// and cl100k agree on every text here), its `bytes` without.
    fn openai(bytes: u64, exact: u64) -> u64 {
        if cfg!(feature = "tokenizer") {
            exact
        } else {
            bytes
        }
    }

    /// (input tokens, output tokens, pico-dollars) of a hold.
    fn figures(worst: WorstCase) -> (u64, u64, u128) {
        (worst.input_tokens, worst.output_tokens, worst.cost.picos())
    }

    #[test]
    fn an_openai_chat_completion_holds_its_bytes_framing_and_every_choice() {
        let body = json!({
            "model": "gpt-4o",
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "name": "ann", "content": [
                    {"type": "text", "text": "What is this?"},
                    {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
                ]},
            ],
            "max_completion_tokens": 50,
            "n": 2,
        });
        // 3 (the reply's priming) + (3 + "Be brief.") + (3 + 1 + "ann" + "What is this?" +
        // 3,779 for the image) in; 2 × 50 out.
        let input = 3 + (3 + openai(9, 3)) + (3 + 1 + openai(3, 1) + openai(13, 4) + 3_779);
        assert_eq!(
            figures(held("openai", "gpt-4o", &body).unwrap()),
            (input, 100, input as u128 * 2_500_000 + 100 * 10_000_000)
        );
    }

    #[test]
    fn every_choice_may_reach_the_models_maximum_output() {
        // gpt-4o's maximum output is 16,384 tokens: two choices with a cap above it, or with
        // none, may each reach it.
        for cap in [json!(100_000), Value::Null] {
            let body = json!({
                "model": "gpt-4o",
                "messages": [{"role": "user", "content": "Hi"}],
                "max_tokens": cap,
                "n": 2,
            });
            let held = held("openai", "gpt-4o", &body).unwrap();
            assert_eq!(held.output_tokens, 2 * 16_384, "cap {cap}");
        }
    }

    #[test]
    fn a_responses_request_holds_at_its_service_tier() {
        let body = json!({
            "model": "gpt-5",
            "instructions": "Answer in French.",
            "input": "Bonjour",
            "max_output_tokens": 1_000,
            "service_tier": "flex",
        });
        // 3 + (3 + "Bonjour") + (3 + "Answer in French.") in, at flex prices ($0.625/M in,
        // $5/M out).
        let input = 3 + (3 + openai(7, 1)) + (3 + openai(17, 4));
        assert_eq!(
            figures(held("openai", "gpt-5", &body).unwrap()),
            (input, 1_000, input as u128 * 625_000 + 1_000 * 5_000_000)
        );
    }

    #[test]
    fn an_embeddings_request_counts_token_arrays_exactly_and_outputs_nothing() {
        let body = json!({"model": "text-embedding-3-small", "input": ["abc", [1, 2, 3, 4]]});
        // 3 + "abc" + 4 token ids in, at $0.02/M.
        let input = 3 + openai(3, 1) + 4;
        assert_eq!(
            figures(held("openai", "text-embedding-3-small", &body).unwrap()),
            (input, 0, input as u128 * 20_000)
        );
    }

    #[test]
    fn an_anthropic_request_holds_its_one_hour_cache_writes_and_tools() {
        let tools = json!([{"name": "f", "input_schema": {"type": "object"}}]);
        let body = json!({
            "model": "claude-sonnet-4-5",
            "system": [{"type": "text", "text": "You are terse.", "cache_control": {"type": "ephemeral", "ttl": "1h"}}],
            "messages": [{"role": "user", "content": [
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AAAA"}},
                {"type": "text", "text": "Describe it."},
            ]}],
            "tools": tools,
            "max_tokens": 1_000,
        });
        let tools_json = serde_json::to_string(&tools).unwrap().len() as u64;
        // 16 + (16 + 1,600 + 12) + (16 + 14) + (tools' JSON + 16 + 600).
        let input = 16 + (16 + 1_600 + 12) + (16 + 14) + (tools_json + 16 + 600);
        // Every input token may be a one-hour cache write ($6/M); output at $15/M.
        assert_eq!(
            figures(held("anthropic", "claude-sonnet-4-5", &body).unwrap()),
            (input, 1_000, input as u128 * 6_000_000 + 1_000 * 15_000_000)
        );
    }

    #[test]
    fn a_gemini_request_past_200k_holds_the_long_context_band_and_the_models_output() {
        let text = "a".repeat(250_000);
        let body = json!({
            "contents": [{"role": "user", "parts": [{"text": text}]}],
            "systemInstruction": {"parts": [{"text": "Sum up."}]},
        });
        // 16 + (16 + 250,000) + (16 + 7) in; no cap: the model's 65,536 out, both above 200k
        // ($2.50/M in, $15/M out).
        let input = 16 + (16 + 250_000) + (16 + 7);
        let worst = held("gcp.gemini", "gemini-2.5-pro", &body).unwrap();
        assert_eq!(
            figures(worst),
            (
                input,
                65_536,
                input as u128 * 2_500_000 + 65_536 * 15_000_000
            )
        );
        assert_eq!(worst.tier, Some("above_200k"));
    }

    #[test]
    fn input_only_the_context_window_bounds_is_held_at_the_window() {
        let body = json!({
            "messages": [{"role": "user", "content": [{"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}}]}],
            "max_tokens": 10,
        });
        assert_eq!(
            figures(held("openai", "gpt-4o-mini", &body).unwrap()),
            (128_000, 10, 128_000 * 150_000 + 10 * 600_000)
        );
        // 200,000 tokens of " a" (200,001 with the first "a"), past gpt-4o-mini's 128,000.
        let text = "a ".repeat(200_000);
        let long = json!({"messages": [{"role": "user", "content": text}], "max_tokens": 10});
        assert_eq!(
            held("openai", "gpt-4o-mini", &long).unwrap().input_tokens,
            128_000
        );
    }

    #[test]
    fn an_image_in_a_tool_result_is_held_as_an_image() {
        let body = json!({
            "messages": [{"role": "user", "content": [{
                "type": "tool_result",
                "tool_use_id": "t1",
                "content": [{"type": "image", "source": {"type": "url", "url": "https://x/y.png"}}],
            }]}],
            "max_tokens": 10,
        });
        // 16 + (16 + "t1" + 1,600 for the image).
        let worst = held("anthropic", "claude-sonnet-4-5", &body).unwrap();
        assert_eq!(worst.input_tokens, 16 + (16 + 2 + 1_600));
    }

    #[test]
    fn a_request_cap_above_the_models_maximum_is_held_at_the_maximum() {
        let body =
            json!({"messages": [{"role": "user", "content": "hi"}], "max_tokens": 1_000_000});
        assert_eq!(
            held("openai", "gpt-4o", &body).unwrap().output_tokens,
            16_384
        );
    }

    #[test]
    fn what_cannot_be_held_is_an_error_that_names_it() {
        let mut table = PriceTable::new();
        table.insert(
            "mine",
            Price {
                input: 1,
                output: 1,
                ..Price::default()
            },
        );
        let chat = json!({"messages": [{"role": "user", "content": "hi"}]});
        assert_eq!(
            worst_case(&table, "openai", "mine", &chat),
            Err(HoldError::NoOutputCap {
                model: "mine".into()
            })
        );
        let audio = json!({"contents": [{"parts": [{"inlineData": {"mimeType": "audio/wav", "data": ""}}]}], "generationConfig": {"maxOutputTokens": 5}});
        assert_eq!(
            worst_case(&table, "openai", "mine", &audio),
            Err(HoldError::NoContextWindow {
                model: "mine".into(),
                part: "audio"
            })
        );
        assert_eq!(
            held("openai", "no-such-model", &chat),
            Err(HoldError::UnknownModel {
                provider: "openai".into(),
                model: "no-such-model".into()
            })
        );
        let negative = json!({"messages": [{"role": "user", "content": "hi"}], "max_tokens": -1});
        assert_eq!(
            held("openai", "gpt-4o", &negative),
            Err(HoldError::BadField {
                field: "max_tokens".into(),
                problem: "must be a whole number of tokens, not -1".into()
            })
        );
        for (body, field) in [
            (json!({"input": []}), "input"),
            (json!({"contents": []}), "contents"),
        ] {
            assert_eq!(
                held("openai", "gpt-4o", &body),
                Err(HoldError::NoMessages { field })
            );
        }
        let other = held("openai", "gpt-4o", &json!({"prompt": "hi"})).unwrap_err();
        assert_eq!(
            other,
            HoldError::NotARequest {
                found: "the keys `prompt`".into()
            }
        );
    }
}
