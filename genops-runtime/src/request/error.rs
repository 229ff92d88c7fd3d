//! [`HoldError`]: why the worst case of a request cannot be held.

use std::fmt;

/// Why genops cannot hold the worst case of a request. Its `Display` says what to do.
///
/// ```
/// let body = serde_json::json!({"model": "gpt-4o", "messages": [], "max_tokens": 10});
/// let table = genops::PriceTable::embedded();
/// let error = genops::worst_case(&table, "openai", "gpt-4o", &body).unwrap_err();
/// assert_eq!(error, genops::HoldError::NoMessages { field: "messages" });
/// assert!(error.to_string().contains("add at least one message"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HoldError {
    /// The request has no messages (or no input) to send.
    NoMessages {
        /// The field that is empty or missing (`messages`, `input`, `contents`).
        field: &'static str,
    },
    /// A JSON body of none of the request shapes genops reads.
    NotARequest {
        /// The body's top-level keys, or what it is when it is not an object.
        found: String,
    },
    /// A field genops reads holds a value it cannot be (a negative `max_tokens`, ...).
    BadField {
        /// The field.
        field: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The call names no model, so there is no price to hold the request at.
    NoModel,
    /// The price table has no entry for the call's model.
    UnknownModel {
        /// The call's provider.
        provider: String,
        /// The call's model.
        model: String,
    },
    /// The request sets no output cap, and the price table knows no maximum output for the
    /// model.
    NoOutputCap {
        /// The model's entry in the price table.
        model: String,
    },
    /// Part of the input (audio, a file, a previous response) is bounded only by the context
    /// window, which the price table does not give for the model.
    NoContextWindow {
        /// The model's entry in the price table.
        model: String,
        /// What in the request cannot be bounded otherwise.
        part: &'static str,
    },
}

impl fmt::Display for HoldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HoldError::NoMessages { field } => write!(
                f,
                "the request has no messages (`{field}` is empty or missing): add at least one \
                 message before calling"
            ),
            HoldError::NotARequest { found } => write!(
                f,
                "the JSON body is not a request genops reads (an OpenAI chat completion, \
                 Responses or embeddings request, an Anthropic Messages request or a Gemini \
                 generateContent request); it has {found}: pass one of those, or reserve a USD \
                 amount (`enforce(reserve = 0.05)`)"
            ),
            HoldError::BadField { field, problem } => {
                write!(f, "the request's `{field}` {problem}: fix the request")
            }
            HoldError::NoModel => write!(
                f,
                "the call names no model to price its worst case at: give the attribute a \
                 `model`, or reserve a USD amount"
            ),
            HoldError::UnknownModel { provider, model } => write!(
                f,
                "the price table has no entry for model `{model}` of provider `{provider}`, so \
                 its worst case cannot be priced: add the model to the price table (a LiteLLM \
                 price file), or reserve a USD amount"
            ),
            HoldError::NoOutputCap { model } => write!(
                f,
                "the request sets no output cap and the price table gives no \
                 `max_output_tokens` for `{model}`: set the request's `max_tokens` (or \
                 `max_completion_tokens`, `max_output_tokens`, `maxOutputTokens`), or add \
                 `max_output_tokens` to the model's entry in a price file"
            ),
            HoldError::NoContextWindow { model, part } => write!(
                f,
                "the request's {part} can only be bounded by the model's context window, and \
                 the price table gives no `max_input_tokens` for `{model}`: add \
                 `max_input_tokens` to the model's entry in a price file, or reserve a USD \
                 amount"
            ),
        }
    }
}

impl std::error::Error for HoldError {}
