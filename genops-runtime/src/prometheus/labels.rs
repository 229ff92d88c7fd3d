//! Label values and their text: each label keeps at most a cap of distinct values, and every
//! value past it shows as one overflow value.

use std::collections::{BTreeMap, BTreeSet};

use crate::intern::Sym;
use crate::ledger::UNATTRIBUTED;

/// The label value that stands for every value past a label's cardinality cap
/// (`Config::metrics_label_cap`): the calls are counted there, never dropped.
///
/// ```
/// assert_eq!(genops::OVERFLOW_LABEL_VALUE, "other");
/// ```
pub const OVERFLOW_LABEL_VALUE: &str = "other";

/// At most this many distinct values per label when `Config::metrics_label_cap` does not say.
pub(crate) const DEFAULT_LABEL_CAP: usize = 100;

/// The values each label keeps; any other shows as [`OVERFLOW_LABEL_VALUE`].
pub(super) struct Labels {
    kept: BTreeMap<&'static str, BTreeSet<String>>,
}

impl Labels {
    /// Keeps the first `cap` of each label's values, in their order.
    pub(super) fn capped(seen: BTreeMap<&'static str, BTreeSet<String>>, cap: usize) -> Labels {
        let kept = seen
            .into_iter()
            .map(|(kind, values)| (kind, values.into_iter().take(cap).collect()))
            .collect();
        Labels { kept }
    }

    /// What `value` of the label `kind` shows as.
    pub(super) fn value(&self, kind: &'static str, value: Option<&Sym>) -> String {
        let value = shown(value);
        match self.kept.get(kind) {
            Some(kept) if kept.contains(value) => value.to_owned(),
            _ => OVERFLOW_LABEL_VALUE.to_owned(),
        }
    }
}

/// A value as a label shows it before the cap: a missing one is [`UNATTRIBUTED`].
pub(super) fn shown(value: Option<&Sym>) -> &str {
    value.map_or(UNATTRIBUTED, Sym::as_str)
}

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A label set as the exposition writes it: `{key="value",...}`, values escaped.
pub(super) fn labels(pairs: &[(&str, &str)]) -> String {
    let inner: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
        .collect();
    format!("{{{}}}", inner.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(
            labels(&[("team", "a\"b\\c\nd")]),
            "{team=\"a\\\"b\\\\c\\nd\"}"
        );
    }
}
