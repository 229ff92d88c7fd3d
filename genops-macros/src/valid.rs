//! Checking: turns the parsed arguments into validated [`Args`], collecting every error.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Lit, LitStr, Path};

use genops_names::{ATTRIBUTION_KEYS, LOCAL_PROVIDERS, OPERATIONS, PROVIDERS, PROVIDER_ALIASES};

use crate::attr::{parse_fields, FieldArg, RawArg, RawArgs, RawValue};

/// The keys the attribute accepts besides the attribution keys.
const OTHER_KEYS: [&str; 12] = [
    "provider",
    "model",
    "operation",
    "name",
    "level",
    "err",
    "fields",
    "crate",
    "enforce",
    "sample",
    "stream",
    "budget",
];

/// Every key the attribute accepts, for "expected one of" messages.
const KEYS: [&str; ATTRIBUTION_KEYS.len() + OTHER_KEYS.len()] = {
    let mut keys = [""; ATTRIBUTION_KEYS.len() + OTHER_KEYS.len()];
    let mut i = 0;
    while i < keys.len() {
        keys[i] = if i < ATTRIBUTION_KEYS.len() {
            ATTRIBUTION_KEYS[i]
        } else {
            OTHER_KEYS[i - ATTRIBUTION_KEYS.len()]
        };
        i += 1;
    }
    keys
};

const LEVELS: [&str; 5] = ["trace", "debug", "info", "warn", "error"];

/// An attribution or model value.
pub(crate) enum Value {
    /// A string literal, known at compile time.
    Literal(LitStr),
    /// An expression evaluated at call time.
    Expr(Box<Expr>),
}

/// The provider, normalised.
pub(crate) struct Provider {
    pub(crate) name: String,
    pub(crate) local: bool,
}

/// The attribute's validated arguments.
#[derive(Default)]
pub(crate) struct Args {
    pub(crate) attribution: [Option<Value>; ATTRIBUTION_KEYS.len()],
    pub(crate) provider: Option<Provider>,
    pub(crate) model: Option<Value>,
    pub(crate) operation: Option<String>,
    pub(crate) name: Option<LitStr>,
    pub(crate) level: Option<String>,
    /// The span of the `err` flag, when given.
    pub(crate) err: Option<Span>,
    /// The span of the `stream` flag: the call lasts as long as the stream the function returns.
    pub(crate) stream: Option<Span>,
    pub(crate) fields: Vec<FieldArg>,
    pub(crate) krate: Option<Path>,
    /// `enforce` or `enforce(reserve = usd)`: the call is admitted by the governance engine.
    pub(crate) enforce: Option<Enforce>,
    /// `sample = 0.1`: the share of this call site's traces that is exported.
    pub(crate) sample: Option<f64>,
    /// `budget = 0.50`: the span is a run, and the gated calls beneath it share an envelope of
    /// this many USD (a literal, or an expression evaluated when the span is created).
    pub(crate) budget: Option<Expr>,
}

/// The `enforce` argument.
pub(crate) struct Enforce {
    pub(crate) span: Span,
    /// What to reserve at admission (USD, or a request whose worst case is held); the budget's
    /// default when absent.
    pub(crate) reserve: Option<Expr>,
}

/// Collects errors so that all of them are reported at once.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub(crate) fn add(&mut self, span: Span, message: impl std::fmt::Display) {
        self.push(syn::Error::new(span, message));
    }

    pub(crate) fn finish(self) -> Result<(), syn::Error> {
        self.0.map_or(Ok(()), Err)
    }
}

fn one_of(options: &[&str]) -> String {
    options
        .iter()
        .map(|o| format!("`{o}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Levenshtein distance, for "did you mean" suggestions.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The closest option to `word`, if it is close enough to be a likely typo.
fn closest<'a>(word: &str, options: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    options
        .into_iter()
        .map(|o| (distance(word, o), o))
        .filter(|&(d, o)| d <= 2.max(o.len() / 3))
        .min_by_key(|&(d, _)| d)
        .map(|(_, o)| o)
}

fn suggestion<'a>(word: &str, options: impl IntoIterator<Item = &'a str>) -> String {
    closest(word, options).map_or_else(String::new, |o| format!("did you mean `{o}`? "))
}

/// A string literal, or `None` after reporting that one was required.
fn string_literal(
    key: &str,
    value: &RawValue,
    what: &str,
    errors: &mut Errors,
    key_span: Span,
) -> Option<LitStr> {
    match value {
        RawValue::Expr(Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        })) => Some(s.clone()),
        RawValue::Expr(other) => {
            errors.add(
                other.span(),
                format!("`{key}` must be a string literal: {what}"),
            );
            None
        }
        RawValue::List(_, span) => {
            errors.add(*span, format!("`{key}` takes `= \"...\"`: {what}"));
            None
        }
        RawValue::Flag => {
            errors.add(
                key_span,
                format!("`{key}` needs a value: `{key} = \"...\"` ({what})"),
            );
            None
        }
    }
}

/// A string literal or an expression; other literals and empty strings are errors.
fn text_value(key: &str, value: RawValue, errors: &mut Errors, key_span: Span) -> Option<Value> {
    match value {
        RawValue::Expr(Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        })) => {
            if s.value().trim().is_empty() {
                errors.add(s.span(), format!("`{key}` must not be empty"));
                return None;
            }
            Some(Value::Literal(s))
        }
        RawValue::Expr(Expr::Lit(other)) => {
            errors.add(
                other.span(),
                format!("`{key}` must be a string literal or an expression that yields a string"),
            );
            None
        }
        RawValue::Expr(expr) => Some(Value::Expr(Box::new(expr))),
        RawValue::List(_, span) => {
            errors.add(span, format!("`{key}` takes `= value`, not `(...)`"));
            None
        }
        RawValue::Flag => {
            errors.add(
                key_span,
                format!("`{key}` needs a value: `{key} = \"...\"`"),
            );
            None
        }
    }
}

fn provider(value: RawValue, errors: &mut Errors, key_span: Span) -> Option<Provider> {
    let expected = format!(
        "expected one of {}, a local runtime ({}), or `custom(\"name\")`",
        one_of(&PROVIDERS),
        one_of(&LOCAL_PROVIDERS)
    );
    match value {
        RawValue::Expr(Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        })) => {
            let written = s.value();
            let canonical = PROVIDER_ALIASES
                .iter()
                .find(|(alias, _)| *alias == written)
                .map_or(written.as_str(), |(_, canonical)| canonical);
            if PROVIDERS.contains(&canonical) || LOCAL_PROVIDERS.contains(&canonical) {
                return Some(Provider {
                    local: LOCAL_PROVIDERS.contains(&canonical),
                    name: canonical.to_owned(),
                });
            }
            let all = PROVIDERS
                .iter()
                .chain(&LOCAL_PROVIDERS)
                .chain(PROVIDER_ALIASES.iter().map(|(alias, _)| alias))
                .copied();
            errors.add(
                s.span(),
                format!(
                    "unknown provider `{written}`; {}{expected}",
                    suggestion(&written, all)
                ),
            );
            None
        }
        RawValue::Expr(Expr::Call(call)) if is_custom(&call.func) => {
            let name = match call.args.iter().collect::<Vec<_>>().as_slice() {
                [Expr::Lit(ExprLit {
                    lit: Lit::Str(s), ..
                })] if !s.value().trim().is_empty() => s.value(),
                _ => {
                    errors.add(
                        call.span(),
                        "`custom(...)` takes one non-empty string literal: `provider = custom(\"acme\")`",
                    );
                    return None;
                }
            };
            Some(Provider { name, local: false })
        }
        RawValue::Expr(other) => {
            errors.add(
                other.span(),
                format!("`provider` must be a string literal; {expected}"),
            );
            None
        }
        RawValue::List(_, span) => {
            errors.add(span, format!("`provider` takes `= \"...\"`; {expected}"));
            None
        }
        RawValue::Flag => {
            errors.add(key_span, format!("`provider` needs a value; {expected}"));
            None
        }
    }
}

fn is_custom(func: &Expr) -> bool {
    matches!(func, Expr::Path(p) if p.path.is_ident("custom"))
}

fn choice(
    key: &str,
    value: &RawValue,
    options: &[&str],
    errors: &mut Errors,
    key_span: Span,
) -> Option<String> {
    let expected = format!("expected one of {}", one_of(options));
    let lit = string_literal(key, value, &expected, errors, key_span)?;
    let written = lit.value();
    if options.contains(&written.as_str()) {
        return Some(written);
    }
    errors.add(
        lit.span(),
        format!(
            "unknown {key} `{written}`; {}{expected}",
            suggestion(&written, options.iter().copied())
        ),
    );
    None
}

/// Validates every argument, reporting all problems together.
pub(crate) fn validate(raw: RawArgs) -> Result<Args, syn::Error> {
    let mut errors = Errors::default();
    let mut args = Args::default();
    let mut seen: Vec<String> = Vec::new();
    for RawArg { key, value } in raw.0 {
        let name = key.to_string();
        let span = key.span();
        if seen.contains(&name) {
            errors.add(span, format!("duplicate argument `{name}`"));
            continue;
        }
        seen.push(name.clone());
        if let Some(i) = ATTRIBUTION_KEYS.iter().position(|k| *k == name) {
            args.attribution[i] = text_value(&name, value, &mut errors, span);
            continue;
        }
        match name.as_str() {
            "provider" => args.provider = provider(value, &mut errors, span),
            "model" => args.model = text_value("model", value, &mut errors, span),
            "operation" => args.operation = choice("operation", &value, &OPERATIONS, &mut errors, span),
            "level" => args.level = choice("level", &value, &LEVELS, &mut errors, span),
            "name" => {
                args.name = string_literal("name", &value, "the span name", &mut errors, span);
                if let Some(lit) = &args.name {
                    if lit.value().trim().is_empty() {
                        errors.add(lit.span(), "`name` must not be empty");
                    }
                }
            }
            "err" => match value {
                RawValue::Flag => args.err = Some(span),
                RawValue::Expr(e) => errors.add(e.span(), "`err` is a flag: write `err`, not `err = ...`"),
                RawValue::List(_, s) => errors.add(s, "`err` is a flag: write `err`, not `err(...)`"),
            },
            "stream" => match value {
                RawValue::Flag => args.stream = Some(span),
                RawValue::Expr(e) => errors.add(
                    e.span(),
                    "`stream` is a flag: write `stream`, not `stream = ...`",
                ),
                RawValue::List(_, s) => errors.add(
                    s,
                    "`stream` is a flag: write `stream`, not `stream(...)`",
                ),
            },
            "fields" => match value {
                RawValue::List(tokens, _) => match parse_fields(tokens) {
                    Ok(fields) => args.fields = check_fields(fields, &mut errors),
                    Err(e) => errors.push(e),
                },
                _ => errors.add(span, "`fields` takes a list: `fields(key = value, ...)`"),
            },
            "enforce" => args.enforce = enforce(value, &mut errors, span),
            "sample" => args.sample = sample(&value, &mut errors, span),
            "budget" => args.budget = budget(value, &mut errors, span),
            "crate" => match value {
                RawValue::Expr(Expr::Path(p)) => args.krate = Some(p.path),
                _ => errors.add(span, "`crate` takes a path: `crate = my_reexport::genops`"),
            },
            "skip_all" | "skip" => errors.add(
                span,
                "genops records no argument unless you name it, so there is nothing to skip; remove this",
            ),
            _ => errors.add(
                span,
                format!(
                    "unknown argument `{name}`; {}expected one of {}",
                    suggestion(&name, KEYS.iter().copied()),
                    one_of(&KEYS)
                ),
            ),
        }
    }
    errors.finish().map(|()| args)
}

/// `args` for `genops::span!`, which opens a span rather than wrapping a function: `err` and
/// `stream` do not apply.
pub(crate) fn for_span(args: Args) -> Result<Args, syn::Error> {
    if let Some(err) = args.err {
        return Err(syn::Error::new(
            err,
            "`err` applies to functions; finish a failed span with `TrackedSpan::fail`",
        ));
    }
    if let Some(stream) = args.stream {
        return Err(syn::Error::new(
            stream,
            "`stream` applies to functions; wrap a stream with `TrackedSpan::stream` or \
             `TrackedSpan::try_stream`",
        ));
    }
    Ok(args)
}

fn enforce(value: RawValue, errors: &mut Errors, span: Span) -> Option<Enforce> {
    match value {
        RawValue::Flag => Some(Enforce {
            span,
            reserve: None,
        }),
        RawValue::List(tokens, _) => {
            let parsed = syn::parse::Parser::parse2(
                |input: syn::parse::ParseStream<'_>| {
                    let key: syn::Ident = input.parse()?;
                    if key != "reserve" {
                        return Err(syn::Error::new(key.span(), "expected `reserve = <USD>`"));
                    }
                    input.parse::<syn::Token![=]>()?;
                    let expr: Expr = input.parse()?;
                    input.parse::<Option<syn::Token![,]>>()?;
                    Ok(expr)
                },
                tokens,
            );
            match parsed {
                Ok(expr) => Some(Enforce {
                    span,
                    reserve: Some(expr),
                }),
                Err(e) => {
                    errors.push(e);
                    None
                }
            }
        }
        RawValue::Expr(e) => {
            errors.add(
                e.span(),
                "`enforce` is a flag or `enforce(reserve = <USD>)`",
            );
            None
        }
    }
}

fn sample(value: &RawValue, errors: &mut Errors, span: Span) -> Option<f64> {
    let rate = match value {
        RawValue::Expr(Expr::Lit(ExprLit {
            lit: Lit::Float(f), ..
        })) => f.base10_parse::<f64>().ok(),
        RawValue::Expr(Expr::Lit(ExprLit {
            lit: Lit::Int(i), ..
        })) => i.base10_parse::<f64>().ok(),
        _ => None,
    };
    let span = match value {
        RawValue::Expr(e) => e.span(),
        RawValue::List(_, s) => *s,
        RawValue::Flag => span,
    };
    match rate {
        Some(r) if (0.0..=1.0).contains(&r) => Some(r),
        Some(r) => {
            errors.add(
                span,
                format!("`sample` must be a rate between 0 and 1, not {r}"),
            );
            None
        }
        None => {
            errors.add(
                span,
                "`sample` takes a number literal between 0 and 1, like `sample = 0.1`",
            );
            None
        }
    }
}

/// `budget = <USD>`: a non-negative number literal, or an expression that converts into `f64`.
fn budget(value: RawValue, errors: &mut Errors, span: Span) -> Option<Expr> {
    let usage = "`budget` takes the run's envelope in USD: `budget = 0.50`, or an expression of \
                 type `f64`";
    let amount = |lit: &Lit| match lit {
        Lit::Float(f) => f.base10_parse::<f64>().ok(),
        Lit::Int(i) => i.base10_parse::<f64>().ok(),
        _ => None,
    };
    match value {
        RawValue::Expr(Expr::Lit(ExprLit { lit, .. })) => match amount(&lit) {
            Some(usd) if usd.is_finite() => Some(syn::parse_quote!(#usd)),
            _ => {
                errors.add(lit.span(), usage);
                None
            }
        },
        RawValue::Expr(Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        })) if matches!(*expr, Expr::Lit(_)) => {
            errors.add(
                expr.span(),
                "`budget` must not be negative: it is what the run may spend, in USD",
            );
            None
        }
        RawValue::Expr(expr) => Some(expr),
        RawValue::List(_, s) => {
            errors.add(s, usage);
            None
        }
        RawValue::Flag => {
            errors.add(span, usage);
            None
        }
    }
}

/// Field names the span already declares, which `fields(...)` may not redeclare.
fn reserved(name: &str) -> bool {
    name.starts_with("gen_ai.")
        || name.starts_with("genops.")
        || name.starts_with("otel.")
        || name == "error.type"
}

fn check_fields(fields: Vec<FieldArg>, errors: &mut Errors) -> Vec<FieldArg> {
    let mut names: Vec<&str> = Vec::new();
    for field in &fields {
        if reserved(&field.name) {
            errors.add(
                field.name_span,
                format!(
                    "`{}` is a field genops declares itself; use the matching argument (for \
                     example `team = ...`) or another name",
                    field.name
                ),
            );
        } else if names.contains(&field.name.as_str()) {
            errors.add(field.name_span, format!("duplicate field `{}`", field.name));
        }
        names.push(&field.name);
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names() {
        assert_eq!(closest("opneai", PROVIDERS.iter().copied()), Some("openai"));
        assert_eq!(
            closest("antropic", PROVIDERS.iter().copied()),
            Some("anthropic")
        );
        assert_eq!(closest("zzzzzzzz", PROVIDERS.iter().copied()), None);
    }
}
