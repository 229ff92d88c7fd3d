//! Attribution and model values given as expressions, recorded as plain strings.

use std::borrow::Cow;
use std::fmt::Display;

use crate::semconv;

mod sealed {
    /// Only [`super::AttrText`] takes the traits below.
    pub trait Sealed {}
    impl<T: ?Sized> Sealed for super::AttrText<'_, T> {}
    impl<T: ?Sized> Sealed for &super::AttrText<'_, T> {}
}

/// An attribution or model expression, to be recorded as a plain string.
///
/// `(&AttrText(&value)).attr_text()` borrows anything that is `AsRef<str>` and formats anything
/// else that is `Display` (autoref specialisation: [`AttrViaStr`] is found first).
pub struct AttrText<'a, T: ?Sized>(pub &'a T);

/// The borrowing path of [`AttrText`]. Sealed.
pub trait AttrViaStr: sealed::Sealed {
    /// The value as a string.
    fn attr_text(&self) -> Cow<'_, str>;
}

impl<T: AsRef<str> + ?Sized> AttrViaStr for AttrText<'_, T> {
    fn attr_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.0.as_ref())
    }
}

/// The formatting path of [`AttrText`]. Sealed.
pub trait AttrViaDisplay: sealed::Sealed {
    /// The value as a string.
    fn attr_text(&self) -> Cow<'_, str>;
}

impl<T: Display + ?Sized> AttrViaDisplay for &AttrText<'_, T> {
    fn attr_text(&self) -> Cow<'_, str> {
        Cow::Owned(self.0.to_string())
    }
}

/// Records a model known only at call time, and the span name `"{operation} {model}"`.
pub fn record_model(span: &tracing::Span, operation: &str, model: &str) {
    let name = format!("{operation} {model}");
    span.record(semconv::GEN_AI_REQUEST_MODEL, model);
    span.record(semconv::OTEL_NAME, name.as_str());
}
