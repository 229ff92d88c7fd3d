//! The rules that find a model's price; see [`PriceTable::resolve`].

use genops_names::litellm_prefix;

use super::{EntryId, PriceTable};

pub(super) fn resolve(table: &PriceTable, provider: &str, model: &str) -> Option<EntryId> {
    resolve_name(table, provider, model).or_else(|| {
        let target = table.aliases.get(model)?;
        resolve_name(table, provider, target)
    })
}

/// Rules 1 to 3 for one name.
fn resolve_name(table: &PriceTable, provider: &str, model: &str) -> Option<EntryId> {
    let unprefixed = model.split_once('/').map(|(_, rest)| rest);
    let candidates = [Some(model), unprefixed];
    candidates
        .iter()
        .flatten()
        .find_map(|name| exact(table, provider, name))
        .or_else(|| {
            candidates
                .iter()
                .flatten()
                .find_map(|name| exact(table, provider, undated(name)?))
        })
}

fn exact(table: &PriceTable, provider: &str, model: &str) -> Option<EntryId> {
    let namespaced = litellm_prefix(provider).and_then(|prefix| {
        let key = format!("{prefix}/{model}");
        table.index.get(&key)
    });
    namespaced.or_else(|| table.index.get(model)).copied()
}

/// `name` without a trailing snapshot date (`-2024-08-06` or `-20240806`), if it has one.
pub(super) fn undated(name: &str) -> Option<&str> {
    let bytes = name.as_bytes();
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    let n = bytes.len();
    if n > 11 && bytes[n - 11] == b'-' && bytes[n - 6] == b'-' && bytes[n - 3] == b'-' {
        let (y, m, d) = (&bytes[n - 10..n - 6], &bytes[n - 5..n - 3], &bytes[n - 2..]);
        if digits(y) && digits(m) && digits(d) {
            return Some(&name[..n - 11]);
        }
    }
    if n > 9 && bytes[n - 9] == b'-' && digits(&bytes[n - 8..]) {
        return Some(&name[..n - 9]);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::undated;

    #[test]
    fn strips_snapshot_dates() {
        assert_eq!(undated("gpt-4o-2024-08-06"), Some("gpt-4o"));
        assert_eq!(undated("claude-opus-4-5-20251101"), Some("claude-opus-4-5"));
        assert_eq!(undated("gpt-4o"), None);
        assert_eq!(undated("model-12345678x"), None);
        assert_eq!(undated("-20240101"), None);
    }
}
