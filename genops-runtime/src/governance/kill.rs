//! The kill switch: scopes whose gated calls are denied until revived, as the engine holds them
//! (a copy of the shared store's list, with a flag that lets calls skip it when it is empty).

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::budget::{civil_date, key_name, unix_secs, Scope, SECS_PER_DAY};
use super::call_info::{CallInfo, Key};
use super::store::lock;
use crate::attribution::Dimension;

/// A scope stopped by the kill switch: why, and since when.
///
/// ```
/// use genops::{BudgetStore, GenOpsLayer, Scope};
/// let layer = GenOpsLayer::builder().budget_store(BudgetStore::memory()).build();
/// layer.kill(Scope::team("search"), "runaway agent loop")?;
/// let kills = layer.kills();
/// assert_eq!(kills[0].scope(), &Scope::team("search"));
/// assert_eq!(kills[0].reason(), "runaway agent loop");
/// layer.revive(&Scope::team("search"))?;
/// assert!(layer.kills().is_empty());
/// # Ok::<(), String>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Kill {
    pub(crate) scope: Scope,
    pub(crate) reason: String,
    pub(crate) since: SystemTime,
}

impl Kill {
    /// The scope stopped.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }
    /// Why, as the operator said.
    pub fn reason(&self) -> &str {
        &self.reason
    }
    /// Since when.
    pub fn since(&self) -> SystemTime {
        self.since
    }
}

impl fmt::Display for Kill {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} killed since {}: {}",
            self.scope.text(),
            utc(self.since),
            self.reason
        )
    }
}

/// `time` as an RFC 3339 UTC timestamp to the second.
pub(crate) fn utc(time: SystemTime) -> String {
    let secs = unix_secs(time);
    let (year, month, day) = civil_date(secs / SECS_PER_DAY);
    let s = secs % SECS_PER_DAY;
    format!(
        "{year:04}-{:02}-{day:02}T{:02}:{:02}:{:02}Z",
        month + 1,
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// Milliseconds since the Unix epoch, as the stores keep `since`.
#[cfg_attr(not(any(feature = "redis", feature = "embedded")), allow(dead_code))]
pub(crate) fn unix_ms(time: SystemTime) -> u64 {
    u64::try_from(
        time.duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis(),
    )
    .unwrap_or(u64::MAX)
}

/// The time `ms` milliseconds after the Unix epoch.
#[cfg_attr(not(any(feature = "redis", feature = "embedded")), allow(dead_code))]
pub(crate) fn from_unix_ms(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

/// The scopes of `GENOPS_KILL`: comma-separated scopes, each `key=value` conditions joined by
/// `&` (`team=search,customer=acme` kills two scopes).
pub(crate) fn parse_scopes(text: &str) -> Result<Vec<Scope>, String> {
    text.split(',')
        .filter(|part| !part.trim().is_empty())
        .map(Scope::parse)
        .collect()
}

/// The conditions `call` meets, as a kill's scope writes them (`team=search`): a kill whose
/// every condition is among them is over the call.
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
pub(crate) fn conditions(call: &CallInfo<'_>) -> Vec<String> {
    Dimension::ALL
        .into_iter()
        .map(Key::Attribution)
        .chain([Key::Provider, Key::Model])
        .filter_map(|key| Some(format!("{}={}", key_name(key), call.value(key)?)))
        .collect()
}

/// The kills in force, as this replica knows them.
#[derive(Default)]
pub(crate) struct Kills {
    /// Whether any kill is in force: a call reads only this when none is.
    any: AtomicBool,
    list: Mutex<Arc<Vec<Kill>>>,
}

impl Kills {
    /// The kill in force over `call`, if any.
    pub(crate) fn over(&self, call: &CallInfo<'_>) -> Option<Kill> {
        if !self.any.load(Ordering::Relaxed) {
            return None;
        }
        let list = Arc::clone(&lock(&self.list));
        list.iter().find(|k| k.scope.matches(call)).cloned()
    }

    /// Every kill in force.
    pub(crate) fn list(&self) -> Vec<Kill> {
        lock(&self.list).to_vec()
    }

    /// Replaces the list (with the shared store's).
    pub(crate) fn set(&self, kills: Vec<Kill>) {
        let mut list = lock(&self.list);
        self.any.store(!kills.is_empty(), Ordering::Relaxed);
        *list = Arc::new(kills);
    }

    /// Adds `kill`, replacing an earlier kill of the same scope.
    pub(crate) fn add(&self, kill: Kill) {
        let mut kills = self.list();
        kills.retain(|k| k.scope != kill.scope);
        kills.push(kill);
        self.set(kills);
    }

    /// Removes the kill of `scope`; whether there was one.
    pub(crate) fn remove(&self, scope: &Scope) -> bool {
        let mut kills = self.list();
        let before = kills.len();
        kills.retain(|k| &k.scope != scope);
        let removed = kills.len() != before;
        self.set(kills);
        removed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kill_scopes_parse_and_bad_ones_are_named() {
        let scopes = parse_scopes("team=search, customer=acme&model=gpt-4o").unwrap();
        assert_eq!(scopes[0], Scope::team("search"));
        assert_eq!(
            scopes[1],
            Scope::customer("acme").and(Scope::model("gpt-4o"))
        );
        assert_eq!(scopes[1].text(), "customer=acme&model=gpt-4o");
        assert_eq!(parse_scopes("all").unwrap(), [Scope::all()]);
        let err = parse_scopes("team=search,squad=a").unwrap_err();
        assert!(err.starts_with("\"squad\" is not a dimension"), "{err}");
        let err = parse_scopes("team").unwrap_err();
        assert_eq!(err, "\"team\" is not a condition like team=search");
        assert!(parse_scopes("team=").is_err());
    }

    #[test]
    fn since_is_shown_in_utc() {
        // 2024-02-29T13:14:15Z.
        let leap = UNIX_EPOCH + Duration::from_secs(19_782 * SECS_PER_DAY + 13 * 3600 + 855);
        assert_eq!(utc(leap), "2024-02-29T13:14:15Z");
    }
}
