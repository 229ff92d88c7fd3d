//! The rules that find a model's entry by name; see [`PriceTable::find`](super::PriceTable::find).
//!
//! The rules only rewrite names: the table's exact lookup is handed in, so this module knows
//! nothing of how the table stores its entries.

use std::collections::HashMap;

use genops_names::litellm_prefix;

/// The entry of `model` from `provider`: rules 1 to 4 for `model`, then for the target of its
/// alias in `aliases`. `exact` finds the entry stored under exactly a name.
pub(super) fn resolve<Id>(
    exact: impl Fn(&str) -> Option<Id>,
    aliases: &HashMap<String, String>,
    provider: &str,
    model: &str,
) -> Option<Id> {
    resolve_name(&exact, provider, model).or_else(|| {
        let target = aliases.get(model)?;
        resolve_name(&exact, provider, target)
    })
}

/// Rules 1 to 4 for one name.
fn resolve_name<Id>(
    exact: &impl Fn(&str) -> Option<Id>,
    provider: &str,
    model: &str,
) -> Option<Id> {
    let unprefixed = model.split_once('/').map(|(_, rest)| rest);
    let regionless = without_region(model);
    let bedrock = bedrock_model(regionless.unwrap_or(model));
    let candidates = [Some(model), unprefixed, regionless, bedrock];
    candidates
        .iter()
        .flatten()
        .find_map(|name| namespaced(exact, provider, name))
        .or_else(|| {
            candidates
                .iter()
                .flatten()
                .find_map(|name| namespaced(exact, provider, undated(name)?))
        })
}

/// Rule 1: `model` in the provider's LiteLLM namespace, then as written.
fn namespaced<Id>(exact: &impl Fn(&str) -> Option<Id>, provider: &str, model: &str) -> Option<Id> {
    litellm_prefix(provider)
        .and_then(|prefix| exact(&format!("{prefix}/{model}")))
        .or_else(|| exact(model))
}

/// The shapes of a snapshot date at the end of a model name (`D`: a digit), tried in order.
const DATE_SHAPES: [&str; 2] = ["-DDDD-DD-DD", "-DDDDDDDD"];

/// `name` without a trailing snapshot date (`-2024-08-06` or `-20240806`), if it has one and
/// something before it.
pub(super) fn undated(name: &str) -> Option<&str> {
    DATE_SHAPES.iter().find_map(|shape| {
        let start = name.len().checked_sub(shape.len()).filter(|&i| i > 0)?;
        let fits = name.as_bytes()[start..]
            .iter()
            .zip(shape.bytes())
            .all(|(&b, s)| match s {
                b'D' => b.is_ascii_digit(),
                _ => b == s,
            });
        fits.then(|| &name[..start])
    })
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

/// What starts the version of a Bedrock model id (`-v1:0`).
const VERSION: &str = "-v";

/// The model of a Bedrock model id, without its vendor and version:
/// `anthropic.claude-sonnet-4-5-20250929-v1:0` → `claude-sonnet-4-5-20250929`.
pub(super) fn bedrock_model(name: &str) -> Option<&str> {
    let (vendor, model) = name.split_once('.')?;
    if vendor.is_empty() || !vendor.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    let version = model.rfind(VERSION).filter(|&i| {
        let rest = &model.as_bytes()[i + VERSION.len()..];
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
