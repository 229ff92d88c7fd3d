//! Reads LiteLLM's `model_prices_and_context_window.json` schema.
//!
//! The fields genops prices with are read:
//! - the flat five: `input_cost_per_token`, `output_cost_per_token`,
//!   `cache_read_input_token_cost`, `cache_creation_input_token_cost`,
//!   `output_cost_per_reasoning_token`;
//! - every other per-token key of the grammar in [`keys`]: long-context tiers
//!   (`*_above_{N}_tokens`), service tiers (`*_flex`, `*_priority`, `*_batches`), one-hour cache
//!   writes, audio input and output;
//! - `search_context_cost_per_query` and `web_search_billing_unit` (web search);
//! - `tiered_pricing` (a table of prompt-size ranges);
//! - the presence of `off_peak_pricing` and of per-second prices, which genops cannot apply;
//! - `litellm_provider` and `mode`;
//! - `max_input_tokens` and `max_output_tokens` (the context window and the largest output).
//!
//! Every other field is ignored, so LiteLLM's full file loads unchanged. `null` counts as absent.
//! LiteLLM's documentation entry `sample_spec` is skipped.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::entry::{PriceEntry, SearchPrices, TierRow};
use super::error::PricingError;
use super::keys::{self, KeyKind};
use crate::money::PICOS_PER_USD;
use crate::usage::SearchContextSize;

/// The fields one entry names; `None` leaves the existing value alone.
#[derive(Debug, Default)]
pub(super) struct EntryOverride {
    input: Option<u64>,
    output: Option<u64>,
    cache_read: Option<u64>,
    cache_creation: Option<u64>,
    reasoning: Option<u64>,
    litellm_provider: Option<String>,
    mode: Option<String>,
    max_input_tokens: Option<u64>,
    max_output_tokens: Option<u64>,
    keys: Vec<(String, u64)>,
    search: Option<SearchPrices>,
    search_per_query: Option<bool>,
    tiered: Option<Vec<TierRow>>,
    off_peak: bool,
    per_second: bool,
}

impl EntryOverride {
    pub(super) fn apply_to(self, entry: &mut PriceEntry) {
        let price = &mut entry.price;
        if let Some(v) = self.input {
            price.input = v;
        }
        if let Some(v) = self.output {
            price.output = v;
        }
        replace(&mut price.cache_read, self.cache_read);
        replace(&mut price.cache_creation, self.cache_creation);
        replace(&mut price.reasoning, self.reasoning);
        replace(&mut entry.litellm_provider, self.litellm_provider);
        replace(&mut entry.mode, self.mode);
        replace(&mut entry.max_input_tokens, self.max_input_tokens);
        replace(&mut entry.max_output_tokens, self.max_output_tokens);
        let extra = &mut entry.extra;
        extra.keys.extend(self.keys);
        replace(&mut extra.search, self.search);
        replace(&mut extra.search_per_query, self.search_per_query);
        replace(&mut extra.tiered, self.tiered);
        extra.off_peak |= self.off_peak;
        extra.per_second |= self.per_second;
    }
}

fn replace<T>(slot: &mut Option<T>, value: Option<T>) {
    if value.is_some() {
        *slot = value;
    }
}

/// LiteLLM's documentation entry, which describes the schema and prices nothing.
const SAMPLE_SPEC: &str = "sample_spec";

/// The keys of per-second prices, which genops cannot apply.
const PER_SECOND_KEYS: [&str; 3] = [
    "cost_per_second",
    "input_cost_per_second",
    "output_cost_per_second",
];

/// Parses and validates a whole file; nothing is returned unless every entry is valid.
pub(super) fn parse(
    origin: &str,
    json: &str,
) -> Result<Vec<(String, EntryOverride)>, PricingError> {
    let raw: HashMap<String, Value> =
        serde_json::from_str(json).map_err(|e| match e.classify() {
            serde_json::error::Category::Data => PricingError::NotAnObject {
                file: origin.to_owned(),
            },
            _ => PricingError::Json {
                file: origin.to_owned(),
                message: e.to_string(),
            },
        })?;
    let mut out = Vec::with_capacity(raw.len());
    for (model, value) in raw {
        if model == SAMPLE_SPEC {
            continue;
        }
        let parsed = match &value {
            Value::Object(fields) => entry(fields),
            other => Err(format!(
                "expected an object of prices, found {}",
                describe(other)
            )),
        };
        let parsed = parsed.map_err(|problem| PricingError::Entry {
            file: origin.to_owned(),
            entry: model.clone(),
            problem,
        })?;
        out.push((model, parsed));
    }
    Ok(out)
}

/// One entry's fields.
fn entry(fields: &Map<String, Value>) -> Result<EntryOverride, String> {
    let mut parsed = EntryOverride {
        litellm_provider: text("litellm_provider", fields.get("litellm_provider"))?,
        mode: text("mode", fields.get("mode"))?,
        max_input_tokens: tokens("max_input_tokens", fields.get("max_input_tokens"))?,
        max_output_tokens: tokens("max_output_tokens", fields.get("max_output_tokens"))?,
        ..EntryOverride::default()
    };
    for (key, value) in fields {
        match keys::classify(key) {
            KeyKind::Other => {}
            KeyKind::BadThreshold(threshold) => {
                return Err(format!(
                    "`{key}`: the tier threshold `{threshold}` is not a token count \
                     (digits with an optional `k`, as in `_above_200k_tokens`)"
                ))
            }
            KeyKind::Price => {
                let Some(picos) = price(key, value)? else {
                    continue;
                };
                let slot = match key.as_str() {
                    keys::INPUT => &mut parsed.input,
                    keys::OUTPUT => &mut parsed.output,
                    keys::CACHE_READ => &mut parsed.cache_read,
                    keys::CACHE_CREATION => &mut parsed.cache_creation,
                    keys::REASONING => &mut parsed.reasoning,
                    _ => {
                        parsed.keys.push((key.clone(), picos));
                        continue;
                    }
                };
                *slot = Some(picos);
            }
        }
    }
    if let Some(value) = present(fields, "search_context_cost_per_query") {
        parsed.search = Some(search_prices(value)?);
    }
    if let Some(unit) = text(
        "web_search_billing_unit",
        fields.get("web_search_billing_unit"),
    )? {
        parsed.search_per_query = Some(unit == "per_query");
    }
    if let Some(value) = present(fields, "tiered_pricing") {
        let rows = tiered_pricing(value)?;
        parsed.tiered = (!rows.is_empty()).then_some(rows);
    }
    parsed.off_peak = present(fields, "off_peak_pricing").is_some();
    parsed.per_second = PER_SECOND_KEYS
        .iter()
        .any(|key| present(fields, key).is_some());
    Ok(parsed)
}

fn present<'v>(fields: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    fields.get(key).filter(|v| !v.is_null())
}

/// `search_context_cost_per_query`: USD per query by search context size.
fn search_prices(value: &Value) -> Result<SearchPrices, String> {
    const FIELD: &str = "search_context_cost_per_query";
    let Value::Object(sizes) = value else {
        return Err(format!(
            "`{FIELD}` must be an object of USD per query by size, found {}",
            describe(value)
        ));
    };
    let read = |size: SearchContextSize| {
        let key = size.litellm_key();
        price(
            &format!("{FIELD}.{key}"),
            sizes.get(key).unwrap_or(&Value::Null),
        )
    };
    Ok(SearchPrices {
        low: read(SearchContextSize::Low)?,
        medium: read(SearchContextSize::Medium)?,
        high: read(SearchContextSize::High)?,
    })
}

/// `tiered_pricing`: rows with a `range` of two numbers; rows without one are skipped, as
/// LiteLLM skips them.
fn tiered_pricing(value: &Value) -> Result<Vec<TierRow>, String> {
    const FIELD: &str = "tiered_pricing";
    let Value::Array(rows) = value else {
        return Err(format!(
            "`{FIELD}` must be an array of tiers, found {}",
            describe(value)
        ));
    };
    let mut out = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let Value::Object(row) = row else {
            return Err(format!(
                "`{FIELD}[{i}]` must be an object, found {}",
                describe(row)
            ));
        };
        let bound = |v: &Value| v.as_f64().filter(|x| x.is_finite());
        let range = match row.get("range") {
            Some(Value::Array(r)) if r.len() == 2 => bound(&r[0]).zip(bound(&r[1])),
            _ => None,
        };
        let Some((start, end)) = range else {
            continue;
        };
        let rate = |key: &str| {
            price(
                &format!("{FIELD}[{i}].{key}"),
                row.get(key).unwrap_or(&Value::Null),
            )
        };
        // A fractional bound compares with whole token counts as its floor does.
        let whole = |x: f64| x.max(0.0).floor() as u64;
        out.push(TierRow {
            start: whole(start),
            end: whole(end),
            input: rate(keys::INPUT)?,
            output: rate(keys::OUTPUT)?,
            cache_read: rate(keys::CACHE_READ)?,
            cache_creation: rate(keys::CACHE_CREATION)?,
            reasoning: rate(keys::REASONING)?,
        });
    }
    Ok(out)
}

/// A USD price (per token or per query) as whole pico-dollars, rounded to nearest.
fn price(field: &str, value: &Value) -> Result<Option<u64>, String> {
    match value {
        Value::Null => Ok(None),
        Value::Number(n) => {
            let usd = n.as_f64().unwrap_or(f64::NAN);
            if !usd.is_finite() {
                return Err(format!("`{field}` is not a finite number ({n})"));
            }
            if usd < 0.0 {
                return Err(format!("`{field}` is negative ({n})"));
            }
            let picos = (usd * PICOS_PER_USD as f64).round();
            if picos >= u64::MAX as f64 {
                return Err(format!("`{field}` is too large ({n} USD)"));
            }
            Ok(Some(picos as u64))
        }
        other => Err(format!(
            "`{field}` must be a number of USD, found {}",
            describe(other)
        )),
    }
}

/// A token count (`max_input_tokens`, `max_output_tokens`): a whole number of tokens.
fn tokens(field: &str, value: Option<&Value>) -> Result<Option<u64>, String> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_u64()
            .map(Some)
            .ok_or_else(|| format!("`{field}` must be a whole number of tokens, found {n}")),
        Some(other) => Err(format!(
            "`{field}` must be a whole number of tokens, found {}",
            describe(other)
        )),
    }
}

fn text(field: &str, value: Option<&Value>) -> Result<Option<String>, String> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!(
            "`{field}` must be a string, found {}",
            describe(other)
        )),
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Number(n) => format!("number {n}"),
        Value::String(s) => format!("string {s:?}"),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}
