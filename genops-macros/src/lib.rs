//! The `#[genops::track]` attribute and `genops::span!`. Use them through the `genops` crate.
//!
//! Parsing is in `attr`, checks in `valid` and code generation in `expand`. On an error the
//! item is still emitted, next to the errors, so that the IDE keeps working.

mod attr;
mod expand;
mod valid;

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;
use quote::{quote, ToTokens};
use syn::spanned::Spanned;
use syn::ItemFn;

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
/// | `enforce`, `enforce(reserve = usd)` | flag, or an amount in USD | budgets and enforced policies admit the call before its body runs; a denial returns `Err(GovernanceError.into())` |
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
    let function = parse_function(item.clone());
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
    let args = match syn::parse::<attr::RawArgs>(args).and_then(valid::validate) {
        Ok(args) => args,
        Err(e) => return e.to_compile_error().into(),
    };
    if let Some(err) = args.err {
        return syn::Error::new(
            err,
            "`err` applies to functions; finish a failed span with `TrackedSpan::fail`",
        )
        .to_compile_error()
        .into();
    }
    if let Some(stream) = args.stream {
        return syn::Error::new(
            stream,
            "`stream` applies to functions; wrap a stream with `TrackedSpan::stream` or \
             `TrackedSpan::try_stream`",
        )
        .to_compile_error()
        .into();
    }
    expand::span_handle(&args).into()
}

/// The function the attribute is on; `None` for a function whose body does not parse (the
/// speculative parse of `tracing-attributes`); or an error pointing at what is not a function.
fn parse_function(item: TokenStream2) -> syn::Result<Option<ItemFn>> {
    let (function, sig) = match syn::parse2::<ItemFn>(item.clone()) {
        Ok(function) => {
            let sig = function.sig.clone();
            (Some(function), sig)
        }
        Err(_) => match syn::parse2::<UnparsedBody>(item.clone()) {
            Ok(unparsed) => (None, unparsed.sig),
            Err(_) => return Err(not_a_function(item)),
        },
    };
    if let Some(constness) = &sig.constness {
        return Err(syn::Error::new(
            constness.span(),
            "`#[genops::track]` cannot instrument a `const fn`: recording a span is not possible \
             in a const context",
        ));
    }
    Ok(function)
}

/// A function whose signature parses but whose body may not: the body is kept as tokens.
struct UnparsedBody {
    sig: syn::Signature,
}

impl syn::parse::Parse for UnparsedBody {
    fn parse(input: syn::parse::ParseStream<'_>) -> syn::Result<Self> {
        input.call(syn::Attribute::parse_outer)?;
        input.parse::<syn::Visibility>()?;
        let sig = input.parse()?;
        let body;
        syn::braced!(body in input);
        body.parse::<TokenStream2>()?;
        Ok(UnparsedBody { sig })
    }
}

fn not_a_function(item: TokenStream2) -> syn::Error {
    match syn::parse2::<syn::Item>(item.clone()) {
        Ok(syn::Item::ForeignMod(foreign)) => syn::Error::new(
            foreign.abi.span(),
            "`#[genops::track]` cannot instrument an `extern` block: put it on a Rust function \
             that calls the foreign one",
        ),
        Ok(other) => syn::Error::new(
            item_keyword_span(&other),
            "`#[genops::track]` can only be applied to functions and methods with a body",
        ),
        Err(_) => syn::Error::new(
            item.span(),
            "`#[genops::track]` can only be applied to functions and methods with a body",
        ),
    }
}

/// The span of an item's introducing keyword (`struct`, `enum`, ...), or of the whole item.
fn item_keyword_span(item: &syn::Item) -> proc_macro2::Span {
    match item {
        syn::Item::Struct(s) => s.struct_token.span(),
        syn::Item::Enum(e) => e.enum_token.span(),
        syn::Item::Impl(i) => i.impl_token.span(),
        syn::Item::Trait(t) => t.trait_token.span(),
        syn::Item::Mod(m) => m.mod_token.span(),
        syn::Item::Const(c) => c.const_token.span(),
        syn::Item::Static(s) => s.static_token.span(),
        other => other.to_token_stream().span(),
    }
}
