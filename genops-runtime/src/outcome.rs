//! How a tracked call ended: its [`Outcome`], and how a returned value becomes one (the `err`
//! flag).

use std::borrow::Cow;

/// How a tracked call ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It returned normally.
    Ok,
    /// It returned an error of this (short) type name.
    Error(Cow<'static, str>),
    /// It panicked.
    Panic,
    /// Its future was dropped after it started and before it completed.
    Cancelled,
}

impl Outcome {
    /// The `error.type` value for this outcome, if it is a failure.
    pub fn error_type(&self) -> Option<&str> {
        match self {
            Outcome::Error(name) => Some(name),
            Outcome::Panic => Some("panic"),
            Outcome::Ok | Outcome::Cancelled => None,
        }
    }
}

mod sealed {
    /// Only `Result` takes [`super::TrackedResult`].
    pub trait Sealed {}
    impl<T, E> Sealed for Result<T, E> {}
}

/// A return type whose `Err` a tracked call can record. Implemented for every `Result`; sealed.
#[diagnostic::on_unimplemented(
    message = "`#[genops::track(err)]` and `enforce` need a function that returns a `Result`, but it returns `{Self}`",
    label = "this function does not return a `Result`",
    note = "remove `err` (or `enforce`), or return a `Result`"
)]
pub trait TrackedResult: sealed::Sealed {
    /// `Outcome::Error` with the error's short type name for an `Err`, else `Outcome::Ok`.
    fn outcome(&self) -> Outcome;
}

impl<T, E> TrackedResult for Result<T, E> {
    fn outcome(&self) -> Outcome {
        match self {
            Ok(_) => Outcome::Ok,
            Err(_) => Outcome::Error(short_type_name(std::any::type_name::<E>())),
        }
    }
}

/// The outcome of a sync call's return value; used by the generated code for `err`.
pub fn outcome_of<R: TrackedResult>(value: &R) -> Outcome {
    value.outcome()
}

/// `full` without module paths: `my_app::errors::AppError` → `AppError`,
/// `alloc::boxed::Box<dyn core::error::Error>` → `Box<dyn Error>`.
///
/// ```
/// use genops::__private::short_type_name;
/// assert_eq!(short_type_name("my_app::errors::AppError"), "AppError");
/// assert_eq!(short_type_name("alloc::boxed::Box<dyn core::error::Error + Send>"), "Box<dyn Error + Send>");
/// assert_eq!(short_type_name("u32"), "u32");
/// ```
pub fn short_type_name(full: &'static str) -> Cow<'static, str> {
    if !full.contains("::") {
        return Cow::Borrowed(full);
    }
    let mut out = String::with_capacity(full.len());
    let mut rest = full;
    while !rest.is_empty() {
        let ident_len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if ident_len > 0 {
            let (ident, after) = rest.split_at(ident_len);
            match after.strip_prefix("::") {
                Some(after_path) => rest = after_path,
                None => {
                    out.push_str(ident);
                    rest = after;
                }
            }
        } else {
            let mut chars = rest.chars();
            if let Some(c) = chars.next() {
                out.push(c);
            }
            rest = chars.as_str();
        }
    }
    Cow::Owned(out)
}
