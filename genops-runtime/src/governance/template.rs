//! What budgets and rate limits share: a scope, and optionally a template giving every value of
//! a dimension a count of its own.

use super::budget::Scope;
use super::call_info::CallInfo;
use crate::attribution::Dimension;

/// The value `call` has for a template over `per` within `scope` (`Some(None)` without a
/// template), or `None` when the call is not under it.
pub(crate) fn value<'c>(
    scope: &Scope,
    per: Option<Dimension>,
    call: &'c CallInfo<'_>,
) -> Option<Option<&'c str>> {
    if !scope.matches(call) {
        return None;
    }
    match per {
        None => Some(None),
        Some(dim) => call.attribution(dim).map(Some),
    }
}

/// `name`, with the value for a per-value template.
pub(crate) fn label(name: &str, per: Option<Dimension>, value: Option<&str>) -> String {
    match (per, value) {
        (Some(dim), Some(value)) => format!("{name} ({}={value})", dim.name()),
        _ => name.to_owned(),
    }
}
