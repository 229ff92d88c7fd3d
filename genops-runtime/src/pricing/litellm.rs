//! Reads LiteLLM's `model_prices_and_context_window.json` schema.
//!
//! Only the fields genops prices with are read: `input_cost_per_token`, `output_cost_per_token`,
//! `cache_read_input_token_cost`, `cache_creation_input_token_cost`,
//! `output_cost_per_reasoning_token`, `litellm_provider` and `mode`. Every other field is ignored,
//! so LiteLLM's full file loads unchanged. `null` counts as absent. LiteLLM's documentation entry
//! `sample_spec` is skipped.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;

use super::{PriceEntry, PricingError};
use crate::money::PICOS_PER_USD;

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
        if self.cache_read.is_some() {
            price.cache_read = self.cache_read;
        }
        if self.cache_creation.is_some() {
            price.cache_creation = self.cache_creation;
        }
        if self.reasoning.is_some() {
            price.reasoning = self.reasoning;
        }
        if self.litellm_provider.is_some() {
            entry.litellm_provider = self.litellm_provider;
        }
        if self.mode.is_some() {
            entry.mode = self.mode;
        }
    }
}

/// The known fields of one entry, still untyped; unknown fields are skipped by serde.
#[derive(Deserialize)]
struct RawEntry {
    input_cost_per_token: Option<Value>,
    output_cost_per_token: Option<Value>,
    cache_read_input_token_cost: Option<Value>,
    cache_creation_input_token_cost: Option<Value>,
    output_cost_per_reasoning_token: Option<Value>,
    litellm_provider: Option<Value>,
    mode: Option<Value>,
}

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
        if model == "sample_spec" {
            continue;
        }
        let entry_error = |problem: String| PricingError::Entry {
            file: origin.to_owned(),
            entry: model.clone(),
            problem,
        };
        if !value.is_object() {
            return Err(entry_error(format!(
                "expected an object of prices, found {}",
                describe(&value)
            )));
        }
        let raw = RawEntry::deserialize(value).map_err(|e| entry_error(e.to_string()))?;
        let parsed = EntryOverride {
            input: price("input_cost_per_token", raw.input_cost_per_token).map_err(&entry_error)?,
            output: price("output_cost_per_token", raw.output_cost_per_token)
                .map_err(&entry_error)?,
            cache_read: price(
                "cache_read_input_token_cost",
                raw.cache_read_input_token_cost,
            )
            .map_err(&entry_error)?,
            cache_creation: price(
                "cache_creation_input_token_cost",
                raw.cache_creation_input_token_cost,
            )
            .map_err(&entry_error)?,
            reasoning: price(
                "output_cost_per_reasoning_token",
                raw.output_cost_per_reasoning_token,
            )
            .map_err(&entry_error)?,
            litellm_provider: text("litellm_provider", raw.litellm_provider)
                .map_err(&entry_error)?,
            mode: text("mode", raw.mode).map_err(&entry_error)?,
        };
        out.push((model, parsed));
    }
    Ok(out)
}

/// A per-token USD price as whole pico-dollars, rounded to nearest.
fn price(field: &str, value: Option<Value>) -> Result<Option<u64>, String> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => {
            let usd = n.as_f64().unwrap_or(f64::NAN);
            if !usd.is_finite() {
                return Err(format!("`{field}` is not a finite number ({n})"));
            }
            if usd < 0.0 {
                return Err(format!("`{field}` is negative ({n})"));
            }
            let picos = (usd * PICOS_PER_USD as f64).round();
            if picos >= u64::MAX as f64 {
                return Err(format!("`{field}` is too large ({n} USD per token)"));
            }
            Ok(Some(picos as u64))
        }
        Some(other) => Err(format!(
            "`{field}` must be a number of USD per token, found {}",
            describe(&other)
        )),
    }
}

fn text(field: &str, value: Option<Value>) -> Result<Option<String>, String> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(format!(
            "`{field}` must be a string, found {}",
            describe(&other)
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
