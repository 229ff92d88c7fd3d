//! The `#[genops::track]` attribute and `genops::span!`. Use them through the `genops` crate.
//!
//! Parsing is in `attr` (the arguments) and `item` (the function), checks in `valid` and code
//! generation in `expand`. On an error the item is still emitted, next to the errors, so that the
//! IDE keeps working. This file holds the entry points only.

mod attr;
mod expand;
mod item;
mod valid;

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;
use quote::quote;

/// Tracks every call of a function as a GenAI span with attribution and cost.
///
/// `#[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini", err)]` on a
/// plain, `async`, generic or trait function (or method) makes each call a `tracing` span with
/// the OpenTelemetry GenAI attributes, the attribution and the call's exact cost. Nothing is
/// captured implicitly: an argument is recorded only if an argument below names it.
///
/// | argument | value | meaning |
/// |---|---|---|
/// | `team`, `project`, `feature`, `customer`, `environment`, `cost_center`, `user` | string literal, or an expression yielding `&str`, `String` or any `Display` | attribution |
/// | `provider` | `"openai"`, `"anthropic"`, `"aws.bedrock"`, `"gcp.gemini"`, ..., local `"ollama"`, `"vllm"`, `"llama_cpp"`, or `custom("acme")` | `gen_ai.provider.name` |
/// | `model` | string literal or expression | `gen_ai.request.model` |
/// | `operation` | `"chat"`, `"embeddings"`, `"invoke_agent"`, ... | default `chat` with a provider, else `invoke_workflow` |
/// | `name` | string literal | the span name |
/// | `level` | `"trace"` to `"error"` | default `"info"` |
/// | `err` | flag | an `Err` return records `error.type` and an error status |
/// | `stream` | flag | the call lasts as long as the stream the function returns |
/// | `enforce`, `enforce(reserve = usd)`, `enforce(reserve = request)` | flag, or an amount in USD, or a request genops can read (`genops::Request`) | budgets and enforced policies admit the call before its body runs, holding the amount, or the request's worst case (`genops::worst_case`), on each hard budget; a denial returns `Err(GovernanceError.into())` |
/// | `sample` | number literal between 0 and 1 | the share of this call site's traces exported (every call is still booked) |
/// | `fields(k = expr, ...)` | as in `tracing` | extra fields |
/// | `crate = path` | path | where `genops` lives, for re-exporting crates |
///
/// A mistake is a compile error on the argument, with the valid options and the closest one.
/// The guide's chapter on the attribute has every value, the span's fields and examples:
/// <https://docs.rs/genops/latest/genops/guide/attribute/index.html>.
#[proc_macro_attribute]
pub fn track(args: TokenStream, item: TokenStream) -> TokenStream {
    let item = TokenStream2::from(item);
    let args = syn::parse::<attr::RawArgs>(args).and_then(valid::validate);
    let function = item::parse_function(item.clone());
    match (args, function) {
        (Ok(args), Ok(Some(function))) => expand::expand(&args, function).into(),
        (args, function) => {
            // A function whose body does not parse is emitted as written, uninstrumented: its
            // syntax error is then rustc's own, at the right place, with nothing of ours on top.
            let errors = [args.err(), function.err()]
                .into_iter()
                .flatten()
                .reduce(|mut all, e| {
                    all.combine(e);
                    all
                })
                .map(|e| e.to_compile_error());
            quote!(#item #errors).into()
        }
    }
}

/// Opens a tracked span by hand, with the same arguments as `#[genops::track]` (except `err` and
/// `stream`, which apply to functions), and returns a `genops::TrackedSpan` handle that finishes
/// the span when dropped: `genops::span!(team = "search", provider = "openai", model =
/// "gpt-4o-mini")`.
#[proc_macro]
pub fn span(args: TokenStream) -> TokenStream {
    match syn::parse::<attr::RawArgs>(args)
        .and_then(valid::validate)
        .and_then(valid::for_span)
    {
        Ok(args) => expand::span_handle(&args).into(),
        Err(e) => e.to_compile_error().into(),
    }
}
