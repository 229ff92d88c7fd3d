//! Recognising a tracked span, and reading the fields it declared when it was created.
//!
//! A tracked span is one whose field set begins with [`TRACKED_FIELDS`]: `gen_ai.operation.name`
//! first and `genops.sample_rate` at its fixed position. Only the code `#[genops::track]` and
//! `genops::span!` generate declares that (their `fields(...)` refuse the `genops.` namespace),
//! so the GenAI spans other libraries emit are never booked as genops calls. The check reads
//! two names of the call site's static field set: the same answer for every span of a call
//! site, which [`tracked_filter`] lets a per-layer filter cache once per call site.

use std::fmt;

use tracing_core::field::{Field, Visit};
use tracing_core::{subscriber::Interest, Metadata};
use tracing_subscriber::filter::DynFilterFn;
use tracing_subscriber::layer::{Context, Filter};

use crate::attribution::Dimension;
use crate::intern::intern;
use crate::ledger::LedgerKey;
use crate::semconv::{self, index, TRACKED_FIELDS};

/// Whether `metadata` is a tracked call site's (see the module docs).
#[inline]
pub(crate) fn is_tracked(metadata: &Metadata<'_>) -> bool {
    let fields = metadata.fields();
    let name_at = |i: usize| fields.iter().nth(i).map(|field| field.name());
    fields.len() >= TRACKED_FIELDS.len()
        && name_at(index::OPERATION) == Some(semconv::GEN_AI_OPERATION_NAME)
        && name_at(index::MARKER) == Some(semconv::GENOPS_SAMPLE_RATE)
}

/// A per-layer filter that passes only tracked spans (`tracked`) or only the rest (`!tracked`),
/// decided once per call site: its interest is `always` or `never`.
pub(crate) fn tracked_filter<S>(tracked: bool) -> impl Filter<S> {
    let interest = move |metadata: &'static Metadata<'static>| {
        if is_tracked(metadata) == tracked {
            Interest::always()
        } else {
            Interest::never()
        }
    };
    DynFilterFn::new(move |metadata: &Metadata<'_>, _: &Context<'_, S>| {
        is_tracked(metadata) == tracked
    })
    .with_callsite_filter(interest)
}

/// Reads the fields that drive pricing and attribution, by their fixed position, into the ledger
/// key of what the span declared.
pub(crate) struct DeclaredVisitor<'a>(pub(crate) &'a mut LedgerKey);

/// Whether position `i` holds an attribution field.
fn is_attribution(i: usize) -> bool {
    (index::ATTRIBUTION..index::ATTRIBUTION + Dimension::COUNT).contains(&i)
}

impl Visit for DeclaredVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        let i = field.index();
        match i {
            index::OPERATION => self.0.operation = Some(intern(value)),
            index::PROVIDER => self.0.provider = Some(intern(value)),
            index::REQUEST_MODEL => self.0.model = Some(intern(value)),
            _ if is_attribution(i) && !value.is_empty() => {
                let dim = Dimension::ALL[i - index::ATTRIBUTION];
                self.0.attribution.set(dim, intern(value));
            }
            _ => {}
        }
    }

    fn record_debug(&mut self, _field: &Field, _value: &dyn fmt::Debug) {}
}

/// Whether a record carries a string at a position [`DeclaredVisitor`] reads (a model or an
/// attribution value), before the span is known to be tracked.
pub(crate) struct ReadsDeclared(pub(crate) bool);

impl Visit for ReadsDeclared {
    fn record_str(&mut self, field: &Field, _value: &str) {
        let i = field.index();
        self.0 |= i == index::REQUEST_MODEL || is_attribution(i);
    }

    fn record_debug(&mut self, _field: &Field, _value: &dyn fmt::Debug) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_generated_field_set_is_tracked() {
        // Any subscriber that enables spans: the check reads the call site's metadata only.
        tracing::subscriber::with_default(tracing_subscriber::registry(), || {
            let tracked = crate::test_support::tracked_call("t", "gpt-4o", crate::Usage::new(1, 1));
            assert!(is_tracked(
                tracked.span().metadata().expect("an enabled span")
            ));
            let foreign = tracing::info_span!(
                "chat",
                gen_ai.operation.name = "chat",
                gen_ai.provider.name = "openai",
                gen_ai.request.model = "gpt-4o"
            );
            assert!(!is_tracked(foreign.metadata().expect("an enabled span")));
        });
    }
}
