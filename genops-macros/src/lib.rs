//! The `#[genops::track]` attribute and `genops::span!`. Use them through the `genops` crate.
//!
//! Parsing is in `attr` (the arguments) and `item` (the function), checks in `valid` and
//! code generation in `expand`. On an error the item is still emitted, next to the errors, so
//! that the IDE keeps working. This file holds the entry points only.

mod attr;
mod expand;
mod item;
mod valid;

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;
use quote::quote;

/// Tracks every call of a function as a GenAI span with attribution and cost.
/// See the `genops` crate for the arguments.
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

/// Opens a tracked span by hand, with the same arguments as `#[genops::track]`, and returns a
/// `genops::TrackedSpan` handle that finishes the span when dropped.
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
