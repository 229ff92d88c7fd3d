//! The item the attribute is on: a function, a function whose body does not parse, or an error
//! pointing at what it is instead.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::ItemFn;

/// The function the attribute is on; `None` for a function whose body does not parse (the
/// speculative parse of `tracing-attributes`); or an error pointing at what is not a function.
pub(crate) fn parse_function(item: TokenStream) -> syn::Result<Option<ItemFn>> {
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
        body.parse::<TokenStream>()?;
        Ok(UnparsedBody { sig })
    }
}

fn not_a_function(item: TokenStream) -> syn::Error {
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
