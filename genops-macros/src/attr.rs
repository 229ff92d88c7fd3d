//! Parsing: the attribute's arguments as written, before any checks.
//!
//! `key = value`, `key(...)` and bare `flag` entries, separated by commas. Values are kept as
//! syntax; [`crate::valid`] decides what each key accepts, so every problem can be reported at
//! once.

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::parse::discouraged::Speculative;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, Token};

/// One argument as written.
pub(crate) struct RawArg {
    pub(crate) key: Ident,
    pub(crate) value: RawValue,
}

/// What follows an argument's key.
pub(crate) enum RawValue {
    /// `key = expr`
    Expr(Expr),
    /// `key(...)`, with the span of the parentheses.
    List(TokenStream, Span),
    /// `key` alone.
    Flag,
}

impl Parse for RawArg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let key = Ident::parse_any(input)?;
        let lookahead = input.lookahead1();
        let value = if lookahead.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            RawValue::Expr(input.parse()?)
        } else if lookahead.peek(syn::token::Paren) {
            let content;
            let paren = syn::parenthesized!(content in input);
            RawValue::List(content.parse()?, paren.span.join())
        } else if input.is_empty() || input.peek(Token![,]) {
            RawValue::Flag
        } else {
            return Err(lookahead.error());
        };
        Ok(RawArg { key, value })
    }
}

/// All of an attribute's arguments.
pub(crate) struct RawArgs(pub(crate) Vec<RawArg>);

impl Parse for RawArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let args = Punctuated::<RawArg, Token![,]>::parse_terminated(input)?;
        Ok(RawArgs(args.into_iter().collect()))
    }
}

/// One entry of `fields(...)`: a (possibly dotted) name and an optional value, kept as tokens.
pub(crate) struct FieldArg {
    pub(crate) name: String,
    pub(crate) name_span: Span,
    pub(crate) tokens: TokenStream,
}

impl Parse for FieldArg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let begin = input.cursor();
        let fork = input.fork();
        let (name, name_span) = if fork.peek(syn::LitStr) {
            let lit: syn::LitStr = fork.parse()?;
            (lit.value(), lit.span())
        } else {
            let first = Ident::parse_any(&fork)?;
            let mut name = first.to_string();
            while fork.peek(Token![.]) {
                fork.parse::<Token![.]>()?;
                name.push('.');
                name.push_str(&Ident::parse_any(&fork)?.to_string());
            }
            (name, first.span())
        };
        if fork.peek(Token![=]) {
            fork.parse::<Token![=]>()?;
            if fork.peek(Token![%]) {
                fork.parse::<Token![%]>()?;
            } else if fork.peek(Token![?]) {
                fork.parse::<Token![?]>()?;
            }
            fork.parse::<Expr>()?;
        }
        // Keep the entry exactly as written for tracing to expand.
        input.advance_to(&fork);
        let end = input.cursor();
        let mut tokens = TokenStream::new();
        let mut cursor = begin;
        while cursor != end {
            let Some((tt, next)) = cursor.token_tree() else {
                break;
            };
            tokens.extend(std::iter::once(tt));
            cursor = next;
        }
        Ok(FieldArg {
            name,
            name_span,
            tokens,
        })
    }
}

/// Parses the inside of `fields(...)`.
pub(crate) fn parse_fields(tokens: TokenStream) -> syn::Result<Vec<FieldArg>> {
    let parser = Punctuated::<FieldArg, Token![,]>::parse_terminated;
    Ok(syn::parse::Parser::parse2(parser, tokens)?
        .into_iter()
        .collect())
}
