//! Code generation: the instrumented function.
//!
//! Every internal name starts with `__genops_`, and the generated code names only
//! `::genops::__private::…` (or the path given with `crate = ...`).

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::visit::Visit;
use syn::{Block, Expr, ExprAsync, ExprCall, Ident, ItemFn, ReturnType, Stmt, Type};

use crate::valid::{Args, Value};

/// One expansion of the macro: the checked arguments, the path of the `genops` crate and the
/// name of the function, which every piece of generated code is made from. (Not the runtime's
/// `__private::Site`, the static a literal call site declares.)
struct Expansion<'a> {
    args: &'a Args,
    krate: TokenStream,
    fn_name: &'a Ident,
}

impl Expansion<'_> {
    fn operation(&self) -> &str {
        match (&self.args.operation, &self.args.provider) {
            (Some(op), _) => op,
            (None, Some(_)) => "chat",
            (None, None) => "invoke_workflow",
        }
    }

    fn uses_exprs(&self) -> bool {
        let is_expr = |v: &Option<Value>| matches!(v, Some(Value::Expr(_)));
        self.args.attribution.iter().any(is_expr) || is_expr(&self.args.model)
    }

    /// Whether the layer can read the call site's values once (`__private::LiteralSite`): the
    /// model is a literal, and there are no extra fields. Attribution expressions are noted as
    /// they are evaluated (`LiteralSite::note`).
    fn literal_site(&self) -> bool {
        !matches!(self.args.model, Some(Value::Expr(_))) && self.args.fields.is_empty()
    }

    /// The `static __GENOPS_SITE` of a literal call expansion.
    fn site_static(&self) -> TokenStream {
        if !self.literal_site() {
            return TokenStream::new();
        }
        let krate = &self.krate;
        let operation = self.operation();
        let literal = |value: Option<&syn::LitStr>| match value {
            Some(lit) => quote!(::core::option::Option::Some(#lit)),
            None => quote!(::core::option::Option::None),
        };
        let as_lit = |value: &Option<Value>| match value {
            Some(Value::Literal(lit)) => Some(lit.clone()),
            _ => None,
        };
        let provider = literal(
            self.args
                .provider
                .as_ref()
                .map(|p| syn::LitStr::new(&p.name, Span::call_site()))
                .as_ref(),
        );
        let model = literal(as_lit(&self.args.model).as_ref());
        let attribution = self
            .args
            .attribution
            .iter()
            .map(|v| literal(as_lit(v).as_ref()));
        let dynamic = self
            .args
            .attribution
            .iter()
            .enumerate()
            .filter(|(_, v)| matches!(v, Some(Value::Expr(_))))
            .fold(0u8, |mask, (i, _)| mask | 1 << i);
        quote! {
            static __GENOPS_SITE: #krate::__private::LiteralSite = #krate::__private::LiteralSite::new(
                #operation, #provider, #model, [#(#attribution),*], #dynamic,
            );
        }
    }

    /// The value of the span's first field: the operation, arming the site of a literal call
    /// site, or clearing the thread's pending site at any other.
    fn operation_value(&self) -> TokenStream {
        let krate = &self.krate;
        if self.literal_site() {
            quote!(#krate::__private::LiteralSite::arm(&__GENOPS_SITE))
        } else {
            let operation = self.operation();
            quote!(#krate::__private::LiteralSite::disarm(#operation))
        }
    }

    /// Brings the traits of `AttrText` into scope when an expression value needs them.
    fn imports(&self) -> TokenStream {
        let krate = &self.krate;
        if self.uses_exprs() {
            quote! {
                #[allow(unused_imports)]
                use #krate::__private::{AttrViaDisplay as _, AttrViaStr as _};
            }
        } else {
            TokenStream::new()
        }
    }

    fn text(&self, value: &Option<Value>) -> TokenStream {
        let krate = &self.krate;
        match value {
            None => quote!(#krate::__private::Empty),
            Some(Value::Literal(lit)) => lit.to_token_stream(),
            Some(Value::Expr(expr)) => {
                quote_spanned!(expr_span(expr)=> &*(&#krate::__private::AttrText(&(#expr))).attr_text())
            }
        }
    }

    /// `__tracked_span!(...)`: the one declaration of the field set.
    fn span(&self) -> TokenStream {
        let krate = &self.krate;
        let args = self.args;
        let operation = self.operation();
        let level = format_ident!(
            "{}",
            args.level.as_deref().unwrap_or("info").to_ascii_uppercase()
        );
        let name = match (&args.name, &args.model) {
            (Some(name), _) => name.value(),
            (None, Some(Value::Literal(model))) => format!("{operation} {}", model.value()),
            (None, Some(Value::Expr(_))) => operation.to_owned(),
            (None, None) => self.fn_name.to_string(),
        };
        let provider = match &args.provider {
            Some(p) => p.name.to_token_stream(),
            None => quote!(#krate::__private::Empty),
        };
        let local = args.provider.as_ref().is_none_or(|p| p.local);
        let kind = if local { "internal" } else { "client" };
        let model = match &args.model {
            Some(Value::Literal(lit)) => lit.to_token_stream(),
            _ => quote!(#krate::__private::Empty),
        };
        let attribution = args.attribution.iter().enumerate().map(|(i, v)| match v {
            Some(Value::Expr(_)) if self.literal_site() => {
                let text = self.text(v);
                quote!(#krate::__private::LiteralSite::note(#i, #text))
            }
            _ => self.text(v),
        });
        let fields = args.fields.iter().map(|f| &f.tokens);
        let operation = self.operation_value();
        let sample_rate = match args.sample {
            Some(rate) => quote!(#rate),
            None => quote!(#krate::__private::Empty),
        };
        quote! {
            #krate::__private::__tracked_span!(
                level: #krate::__private::Level::#level,
                name: #name,
                operation: #operation,
                provider: #provider,
                kind: #kind,
                model: #model,
                otel_name: #krate::__private::Empty,
                sample_rate: #sample_rate,
                attribution: [#(#attribution),*],
                fields: { #(#fields),* },
            )
        }
    }

    /// Records a model given as an expression, evaluated only when the span is enabled.
    fn record_model(&self, span: &TokenStream) -> TokenStream {
        let krate = &self.krate;
        match &self.args.model {
            Some(value @ Value::Expr(_)) => {
                let operation = self.operation();
                let text = self.text(&Some(clone_value(value)));
                quote! {
                    if !#span.is_disabled() {
                        #krate::__private::record_model(#span, #operation, #text);
                    }
                }
            }
            _ => TokenStream::new(),
        }
    }

    /// Records `__genops_ret` on the call if its type is `Recordable` (or a `Result` of one), and
    /// does nothing for any other type.
    fn record_returned(&self) -> TokenStream {
        let krate = &self.krate;
        quote! {{
            #[allow(unused_imports)]
            use #krate::__private::{IgnoreReturned as _, RecordReturned as _};
            (&#krate::__private::Returned(&__genops_ret)).record_returned();
        }}
    }

    /// Statements that create the span into `__genops_span`.
    fn create_span(&self) -> TokenStream {
        let imports = self.imports();
        let site = self.site_static();
        let span = self.span();
        let record_model = self.record_model(&quote!(&__genops_span));
        let envelope = self.envelope(&quote!(&__genops_span));
        quote! {
            #imports
            #site
            #[allow(unused_mut)]
            let mut __genops_span = #span;
            #record_model
            #envelope
        }
    }

    /// With `budget = ...`: opens the run's envelope on the span, when it is enabled.
    fn envelope(&self, span: &TokenStream) -> TokenStream {
        let krate = &self.krate;
        let Some(usd) = &self.args.budget else {
            return TokenStream::new();
        };
        let usd = quote_spanned!(expr_span(usd)=> ::core::convert::Into::<f64>::into(#usd));
        quote! {
            if !#span.is_disabled() {
                #krate::__private::open_envelope(#span, #usd);
            }
        }
    }

    /// With `enforce`: asks the governance engine to admit the call, and returns the denial as
    /// `Err(GovernanceError.into())` (pointing at `enforce` if the function cannot).
    /// `finish` runs before a sync function returns. An async function (`asyncness`) waits for
    /// a rate limit that waits without blocking its executor's thread.
    fn gate(
        &self,
        span: TokenStream,
        output: Option<&Type>,
        finish: TokenStream,
        asyncness: bool,
    ) -> TokenStream {
        let krate = &self.krate;
        let Some(enforce) = &self.args.enforce else {
            return TokenStream::new();
        };
        // A USD amount or a request: the runtime's `Reserve` tells them apart.
        let reserve = match &enforce.reserve {
            Some(expr) => quote_spanned!(expr_span(expr)=> ::core::option::Option::Some(&(#expr))),
            None => quote!(::core::option::Option::None::<&f64>),
        };
        let ty = output.map_or_else(|| quote!(_), ToTokens::to_token_stream);
        let denied =
            quote_spanned!(enforce.span=> #krate::__private::denied::<#ty>(__genops_denied));
        let admit = if asyncness {
            quote!(#krate::__private::admit_async(#span, #reserve).await)
        } else {
            quote!(#krate::__private::admit(#span, #reserve))
        };
        quote! {
            if let ::core::result::Result::Err(__genops_denied) = #admit {
                let (__genops_ret, __genops_outcome) = #denied;
                #finish
                return __genops_ret;
            }
        }
    }

    /// Statements that make `body` an `async move` block and await it wrapped in `Tracked::new`
    /// or, with `err`, `Tracked::fallible` (pointing at `err` if the output is not a `Result`). With a
    /// nameable `output` type the body's value is typed, so the body gets the coercions and the
    /// error locations it would get without the attribute.
    fn tracked(&self, body: TokenStream, output: Option<&Type>) -> TokenStream {
        let krate = &self.krate;
        let future = match output {
            // The "fake return edge" fixes the block's return type before any `return` in the
            // body is checked, and the typed `let` gives the body's value its expected type: so
            // coercions apply and type errors point at the user's code, as without the attribute.
            Some(ty) => {
                let edge = quote_spanned! {syn::spanned::Spanned::span(ty)=>
                    #[allow(unknown_lints, unreachable_code, clippy::diverging_sub_expression, clippy::empty_loop, clippy::let_unit_value, clippy::unreachable, clippy::needless_return)]
                    if false {
                        let __genops_fake_return: #ty = loop {};
                        return __genops_fake_return;
                    }
                };
                let gate = self.gate(
                    quote!(&#krate::__private::tracing::Span::current()),
                    Some(ty),
                    TokenStream::new(),
                    true,
                );
                let record = self.record_returned();
                quote! {
                    async move {
                        #edge
                        #gate
                        let __genops_ret: #ty = #body;
                        #[allow(unreachable_code)]
                        {
                            #record
                            __genops_ret
                        }
                    }
                }
            }
            None => {
                let gate = self.gate(
                    quote!(&#krate::__private::tracing::Span::current()),
                    None,
                    TokenStream::new(),
                    true,
                );
                quote!(async move { #gate #body })
            }
        };
        let wrap = match self.args.err {
            Some(err) => {
                quote_spanned!(err=> #krate::__private::Tracked::fallible(__genops_span, __genops_future))
            }
            None => quote!(#krate::__private::Tracked::new(__genops_span, __genops_future)),
        };
        quote! {
            let __genops_future = #future;
            #wrap.await
        }
    }
}

fn clone_value(value: &Value) -> Value {
    match value {
        Value::Literal(lit) => Value::Literal(lit.clone()),
        Value::Expr(expr) => Value::Expr(expr.clone()),
    }
}

fn expr_span(expr: &Expr) -> Span {
    syn::spanned::Spanned::span(expr)
}

/// Whether a type mentions `impl Trait`, which a `let` cannot name.
fn has_impl_trait(ty: &Type) -> bool {
    struct Finder(bool);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_type_impl_trait(&mut self, _: &'ast syn::TypeImplTrait) {
            self.0 = true;
        }
    }
    let mut finder = Finder(false);
    finder.visit_type(ty);
    finder.0
}

/// The declared return type, when a `let` can name it (no `impl Trait`).
fn nameable(output: &ReturnType) -> Option<Type> {
    match output {
        ReturnType::Default => Some(syn::parse_quote!(())),
        ReturnType::Type(_, ty) if has_impl_trait(ty) => None,
        ReturnType::Type(_, ty) => Some((**ty).clone()),
    }
}

/// An `async move` block in tail position, possibly inside `Box::pin(...)` (async-trait's shape).
enum AsyncTail<'a> {
    Block(&'a ExprAsync),
    BoxPin(&'a ExprCall, &'a ExprAsync),
}

fn is_box_pin(func: &Expr) -> bool {
    let Expr::Path(path) = func else { return false };
    let segments: Vec<String> = path
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    segments.ends_with(&["Box".to_owned(), "pin".to_owned()])
}

fn async_tail(block: &Block) -> Option<AsyncTail<'_>> {
    let Some(Stmt::Expr(tail, None)) = block.stmts.last() else {
        return None;
    };
    match tail {
        Expr::Async(a) if a.capture.is_some() => Some(AsyncTail::Block(a)),
        Expr::Call(call) if is_box_pin(&call.func) && call.args.len() == 1 => match &call.args[0] {
            Expr::Async(a) if a.capture.is_some() => Some(AsyncTail::BoxPin(call, a)),
            _ => None,
        },
        _ => None,
    }
}

/// async-trait's older shape: an inner `async fn` and `Box::pin(inner(...))` in tail position.
fn inner_async_fn(block: &Block) -> Option<usize> {
    let Some(Stmt::Expr(Expr::Call(call), None)) = block.stmts.last() else {
        return None;
    };
    if !is_box_pin(&call.func) || call.args.len() != 1 {
        return None;
    }
    let Expr::Call(inner_call) = &call.args[0] else {
        return None;
    };
    let Expr::Path(callee) = &*inner_call.func else {
        return None;
    };
    block.stmts.iter().position(|stmt| {
        matches!(stmt, Stmt::Item(syn::Item::Fn(f))
            if f.sig.asyncness.is_some() && callee.path.is_ident(&f.sig.ident))
    })
}

/// Instruments `item` as `args` say.
pub(crate) fn expand(args: &Args, item: ItemFn) -> TokenStream {
    let krate = args
        .krate
        .as_ref()
        .map_or_else(|| quote!(::genops), ToTokens::to_token_stream);
    let ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = item;
    let expansion = Expansion {
        args,
        krate,
        fn_name: &sig.ident,
    };
    let body = if args.stream.is_some() {
        match stream_return(&sig, args.err) {
            Ok(kind) => stream_body(&expansion, &sig, &block, &kind),
            Err(e) => e.to_compile_error(),
        }
    } else if sig.asyncness.is_some() {
        async_body(&expansion, &sig.output, &block)
    } else if let Some(tail) = async_tail(&block) {
        async_tail_body(&expansion, &block, tail)
    } else if let Some(index) = inner_async_fn(&block) {
        inner_fn_body(&expansion, &block, index)
    } else {
        sync_body(&expansion, &sig.output, &block)
    };
    // Inner attributes (`#![allow(...)]` at the top of the body) stay inside the body.
    let (inner, outer): (Vec<_>, Vec<_>) = attrs
        .iter()
        .partition(|attr| matches!(attr.style, syn::AttrStyle::Inner(_)));
    quote! {
        #(#outer)*
        #vis #sig {
            #(#inner)*
            #body
        }
    }
}

fn async_body(expansion: &Expansion<'_>, output: &ReturnType, block: &Block) -> TokenStream {
    let create = expansion.create_span();
    let tracked = expansion.tracked(block.to_token_stream(), nameable(output).as_ref());
    quote! {
        #create
        #tracked
    }
}

fn async_tail_body(expansion: &Expansion<'_>, block: &Block, tail: AsyncTail<'_>) -> TokenStream {
    let stmts = &block.stmts[..block.stmts.len() - 1];
    let wrap = |future: &ExprAsync| {
        let create = expansion.create_span();
        let tracked = expansion.tracked(future.block.to_token_stream(), None);
        quote! {
            async move {
                #create
                #tracked
            }
        }
    };
    let tail = match tail {
        AsyncTail::Block(future) => wrap(future),
        AsyncTail::BoxPin(call, future) => {
            let func = &call.func;
            let wrapped = wrap(future);
            quote!(#func(#wrapped))
        }
    };
    quote! {
        #(#stmts)*
        #tail
    }
}

fn inner_fn_body(expansion: &Expansion<'_>, block: &Block, index: usize) -> TokenStream {
    let stmts = block.stmts.iter().enumerate().map(|(i, stmt)| match stmt {
        Stmt::Item(syn::Item::Fn(inner)) if i == index => {
            let body = async_body(expansion, &inner.sig.output, &inner.block);
            let (attrs, vis, sig) = (&inner.attrs, &inner.vis, &inner.sig);
            quote!(#(#attrs)* #vis #sig { #body })
        }
        other => other.to_token_stream(),
    });
    quote!(#(#stmts)*)
}

fn sync_body(expansion: &Expansion<'_>, output: &ReturnType, block: &Block) -> TokenStream {
    let krate = &expansion.krate;
    let create = expansion.create_span();
    let gate = expansion.gate(
        quote!(__genops_call.span()),
        nameable(output).as_ref(),
        quote!(__genops_call.__finish(__genops_outcome);),
        false,
    );
    let call = quote! {
        let __genops_call = #krate::__private::TrackedSpan::__new(__genops_span);
        #gate
    };
    // A function that returns a value may return a `Recordable` one: it runs as a closure so
    // that its value can be recorded inside the span, whichever way it returns.
    let returned = match (output, nameable(output)) {
        (ReturnType::Type(..), Some(ty)) => Some(ty),
        _ => None,
    };
    let record = expansion.record_returned();
    // The closure's "fake return edge" points a type error in the body at the return type, as
    // the async path's does.
    let closure = |ty: &Type| {
        let edge = quote_spanned! {syn::spanned::Spanned::span(ty)=>
            #[allow(unknown_lints, unreachable_code, clippy::diverging_sub_expression, clippy::empty_loop, clippy::let_unit_value, clippy::unreachable, clippy::needless_return)]
            if false {
                let __genops_fake_return: #ty = loop {};
                return __genops_fake_return;
            }
        };
        quote!(#krate::__private::call_once::<#ty, _>(move || { #edge #block }))
    };
    match (expansion.args.err, returned) {
        // The common case lends the span to a scope that finishes it and then drops it in place,
        // so the disabled path costs what `#[tracing::instrument]`'s does.
        (None, None) if expansion.args.enforce.is_none() => {
            let stmts = &block.stmts;
            quote! {
                #create
                let __genops_scope = #krate::__private::TrackedScope::enter(&mut __genops_span);
                #(#stmts)*
            }
        }
        (None, Some(ty)) if expansion.args.enforce.is_none() => {
            let closure = closure(&ty);
            quote! {
                #create
                let __genops_scope = #krate::__private::TrackedScope::enter(&mut __genops_span);
                let __genops_ret = #closure;
                #record
                __genops_ret
            }
        }
        (None, None) => {
            let stmts = &block.stmts;
            quote! {
                #create
                #call
                let __genops_entered = __genops_call.enter();
                #(#stmts)*
            }
        }
        (None, Some(ty)) => {
            let closure = closure(&ty);
            quote! {
                #create
                #call
                let __genops_entered = __genops_call.enter();
                let __genops_ret = #closure;
                #record
                __genops_ret
            }
        }
        (Some(err), returned) => {
            let record = if returned.is_some() {
                record
            } else {
                TokenStream::new()
            };
            let outcome = quote_spanned!(err=> #krate::__private::outcome_of(&__genops_ret));
            // `call_once` makes the closure `FnOnce` (so it may return borrows of what it
            // captures) and gives it the declared return type (so coercions still apply).
            let ty = returned.map_or_else(|| quote!(_), |ty| ty.to_token_stream());
            quote! {
                #create
                #call
                let __genops_ret = {
                    let __genops_entered = __genops_call.enter();
                    let __genops_ret = #krate::__private::call_once::<#ty, _>(move || #block);
                    #record
                    __genops_ret
                };
                __genops_call.__finish(#outcome);
                __genops_ret
            }
        }
    }
}

/// What a `stream` function returns, as its declared type says.
enum StreamReturn {
    /// `impl Stream<...>` (here): the tracked stream is returned as it is.
    Impl(Span),
    /// A named type (a boxed `dyn Stream`): the tracked stream is boxed back into it.
    Named(Box<Type>),
    /// A `Result` of one of these: an `Err` ends the call at once.
    Result(Box<StreamReturn>),
}

/// The declared return type of a `stream` function, or an error pointing at it (or at `err`
/// when there is no `Result` for it to apply to).
fn stream_return(sig: &syn::Signature, err: Option<Span>) -> syn::Result<StreamReturn> {
    let ReturnType::Type(_, ty) = &sig.output else {
        return Err(syn::Error::new(
            sig.ident.span(),
            "`stream` needs a function that returns a stream: `impl Stream<Item = T>`, \
             `Pin<Box<dyn Stream<Item = T> + Send>>` or a `Result` of one",
        ));
    };
    let kind = classify_stream(ty);
    match (err, &kind) {
        (Some(err), StreamReturn::Impl(_) | StreamReturn::Named(_)) => Err(syn::Error::new(
            err,
            "`err` with `stream` needs a function that returns a `Result` of a stream; an `Err` \
             item of the stream marks the call as an error without it",
        )),
        _ => Ok(kind),
    }
}

fn classify_stream(ty: &Type) -> StreamReturn {
    match ty {
        Type::ImplTrait(_) => StreamReturn::Impl(syn::spanned::Spanned::span(ty)),
        Type::Paren(inner) => classify_stream(&inner.elem),
        Type::Path(path) => {
            let last = path.path.segments.last();
            let ok = last
                .filter(|s| s.ident == "Result")
                .and_then(|s| match &s.arguments {
                    syn::PathArguments::AngleBracketed(args) => {
                        args.args.iter().find_map(|a| match a {
                            syn::GenericArgument::Type(ok) => Some(ok),
                            _ => None,
                        })
                    }
                    _ => None,
                });
            match ok {
                Some(ok) => StreamReturn::Result(Box::new(classify_stream(ok))),
                None => StreamReturn::Named(Box::new(ty.clone())),
            }
        }
        other => StreamReturn::Named(Box::new(other.clone())),
    }
}

impl Expansion<'_> {
    /// The tracked stream made of `value` (a stream, not a `Result`) in `span`.
    fn wrap_stream(
        &self,
        kind: &StreamReturn,
        value: TokenStream,
        span: TokenStream,
    ) -> TokenStream {
        let krate = &self.krate;
        // Items that are `Result`s mark the call as an error; `Recordable` ones are recorded.
        let track = quote! {{
            let __genops_items = #krate::__private::ItemsOf::of(&__genops_stream);
            let __genops_record = (&__genops_items).recorder();
            (&__genops_items).track(#span, __genops_stream, __genops_record)
        }};
        match kind {
            StreamReturn::Impl(_) | StreamReturn::Result(_) => {
                let ty = match kind {
                    StreamReturn::Impl(ty) => *ty,
                    _ => Span::call_site(),
                };
                // Spanned at the return type, so that a non-stream is an error there.
                let checked =
                    quote_spanned!(ty=> #krate::__private::returns_stream(__genops_unchecked));
                quote! {{
                    #[allow(unused_imports)]
                    use #krate::__private::{
                        IgnoreItems as _, RecordItems as _, TrackAnyItems as _, TrackResultItems as _,
                    };
                    let __genops_unchecked = #value;
                    let __genops_stream = #checked;
                    #track
                }}
            }
            StreamReturn::Named(ty) => {
                let rebox = quote_spanned! {syn::spanned::Spanned::span(ty)=>
                    <#ty as #krate::__private::BoxedStream>::rebox
                };
                quote! {{
                    #[allow(unused_imports)]
                    use #krate::__private::{
                        IgnoreItems as _, RecordItems as _, TrackAnyItems as _, TrackResultItems as _,
                    };
                    let __genops_stream: #ty = #value;
                    #rebox(#track)
                }}
            }
        }
    }

    /// Hands the value the body returned (`__genops_ret`) over to a tracked stream, with the
    /// call's handle `__genops_call`; an `Err` finishes the call at once.
    fn hand_over(&self, kind: &StreamReturn) -> TokenStream {
        let krate = &self.krate;
        match kind {
            StreamReturn::Result(ok) => {
                let wrapped =
                    self.wrap_stream(ok, quote!(__genops_ok), quote!(__genops_call.__hand_over()));
                let outcome = match self.args.err {
                    Some(err) => {
                        quote_spanned!(err=> #krate::__private::outcome_of(&__genops_ret))
                    }
                    None => quote!(#krate::__private::Outcome::Ok),
                };
                quote! {
                    let __genops_outcome = #outcome;
                    match __genops_ret {
                        ::core::result::Result::Ok(__genops_ok) => {
                            ::core::result::Result::Ok(#wrapped)
                        }
                        ::core::result::Result::Err(__genops_err) => {
                            __genops_call.__finish(__genops_outcome);
                            ::core::result::Result::Err(__genops_err)
                        }
                    }
                }
            }
            _ => self.wrap_stream(
                kind,
                quote!(__genops_ret),
                quote!(__genops_call.__hand_over()),
            ),
        }
    }
}

/// A `stream` function: the span starts when it is called and ends with the stream it returns.
fn stream_body(
    expansion: &Expansion<'_>,
    sig: &syn::Signature,
    block: &Block,
    kind: &StreamReturn,
) -> TokenStream {
    let krate = &expansion.krate;
    let create = expansion.create_span();
    let output = nameable(&sig.output);
    let hand_over = expansion.hand_over(kind);
    if sig.asyncness.is_some() {
        let gate = expansion.gate(
            quote!(&#krate::__private::tracing::Span::current()),
            output.as_ref(),
            TokenStream::new(),
            true,
        );
        let ty = output.map_or_else(|| quote!(_), |ty| ty.to_token_stream());
        quote! {
            #create
            let __genops_handed = ::core::clone::Clone::clone(&__genops_span);
            let __genops_future = async move {
                #gate
                let __genops_ret: #ty = #block;
                #[allow(unreachable_code)]
                __genops_ret
            };
            let __genops_ret =
                #krate::__private::Tracked::handing_over(__genops_span, __genops_future).await;
            let __genops_call = #krate::__private::TrackedSpan::__new(__genops_handed);
            #hand_over
        }
    } else {
        let gate = expansion.gate(
            quote!(__genops_call.span()),
            output.as_ref(),
            quote!(__genops_call.__finish(__genops_outcome);),
            false,
        );
        let ty = output.map_or_else(|| quote!(_), |ty| ty.to_token_stream());
        quote! {
            #create
            let __genops_call = #krate::__private::TrackedSpan::__new(__genops_span);
            #gate
            let __genops_ret = {
                let __genops_entered = __genops_call.enter();
                #krate::__private::call_once::<#ty, _>(move || #block)
            };
            #hand_over
        }
    }
}

/// `genops::span!(...)`: a `TrackedSpan` handle over the same field set.
pub(crate) fn span_handle(args: &Args) -> TokenStream {
    let krate = args
        .krate
        .as_ref()
        .map_or_else(|| quote!(::genops), ToTokens::to_token_stream);
    let name = Ident::new("span", Span::call_site());
    let expansion = Expansion {
        args,
        krate,
        fn_name: &name,
    };
    let krate = &expansion.krate;
    let create = expansion.create_span();
    quote! {
        {
            #create
            #krate::__private::TrackedSpan::__new(__genops_span)
        }
    }
}
