//! The rules that find a model's price; see [`PriceTable::resolve`].

use genops_names::litellm_prefix;

use super::{EntryId, PriceTable};

pub(super) fn resolve(table: &PriceTable, provider: &str, model: &str) -> Option<EntryId> {
    resolve_name(table, provider, model).or_else(|| {
        let target = table.aliases.get(model)?;
        resolve_name(table, provider, target)
    })
}

/// Rules 1 to 4 for one name.
fn resolve_name(table: &PriceTable, provider: &str, model: &str) -> Option<EntryId> {
    let unprefixed = model.split_once('/').map(|(_, rest)| rest);
    let regionless = without_region(model);
    let bedrock = bedrock_model(regionless.unwrap_or(model));
    let candidates = [Some(model), unprefixed, regionless, bedrock];
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

/// A Bedrock model id without its cross-region inference profile's prefix:
/// `us.anthropic.claude-…` → `anthropic.claude-…`.
pub(super) fn without_region(name: &str) -> Option<&str> {
    const PROFILES: [&str; 8] = [
        "us.", "us-gov.", "eu.", "apac.", "jp.", "au.", "ca.", "global.",
    ];
    PROFILES
        .iter()
        .find_map(|profile| name.strip_prefix(profile))
        .filter(|rest| rest.contains('.'))
}

/// The model of a Bedrock model id, without its vendor and version:
/// `anthropic.claude-sonnet-4-5-20250929-v1:0` → `claude-sonnet-4-5-20250929`.
pub(super) fn bedrock_model(name: &str) -> Option<&str> {
    let (vendor, model) = name.split_once('.')?;
    if vendor.is_empty() || !vendor.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    let version = model.rfind("-v").filter(|&i| {
        let rest = &model.as_bytes()[i + 2..];
        rest.first().is_some_and(u8::is_ascii_digit)
            && rest.iter().all(|&b| b.is_ascii_digit() || b == b':')
    });
    Some(version.map_or(model, |i| &model[..i])).filter(|m| !m.is_empty())
}

#[cfg(test)]
mod tests {
    use super::{bedrock_model, undated, without_region};
    use crate::pricing::PriceTable;

    #[test]
    fn bedrock_cross_region_profiles_are_priced_as_their_model() {
        let table = PriceTable::embedded();
        for (id, entry) in [
            (
                "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                "claude-sonnet-4-5-20250929",
            ),
            (
                "eu.anthropic.claude-haiku-4-5-20251001-v1:0",
                "claude-haiku-4-5-20251001",
            ),
            (
                "global.anthropic.claude-opus-4-5-20251101-v1:0",
                "claude-opus-4-5-20251101",
            ),
            (
                "anthropic.claude-sonnet-4-5-20250929-v1:0",
                "claude-sonnet-4-5-20250929",
            ),
            // Entries of the profile itself win.
            ("us.deepseek.v3.2", "us.deepseek.v3.2"),
        ] {
            let found = table.find("aws.bedrock", id).map(|id| table.name(id));
            assert_eq!(found, Some(entry), "{id}");
        }
        assert_eq!(without_region("us.gpt-4o"), None);
        assert_eq!(bedrock_model("gpt-4.1"), None);
        assert_eq!(
            bedrock_model("meta.llama3-70b-instruct-v1:0"),
            Some("llama3-70b-instruct")
        );
    }

    #[test]
    fn strips_snapshot_dates() {
        assert_eq!(undated("gpt-4o-2024-08-06"), Some("gpt-4o"));
        assert_eq!(undated("claude-opus-4-5-20251101"), Some("claude-opus-4-5"));
        assert_eq!(undated("gpt-4o"), None);
        assert_eq!(undated("model-12345678x"), None);
        assert_eq!(undated("-20240101"), None);
    }
}
