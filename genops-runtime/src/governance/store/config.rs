//! [`BudgetStore`]: which store keeps budget state, and its settings.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use crate::governance::budget::Usd;
use crate::money::Cost;
use crate::redact;

/// How long a shared store keeps a hold without hearing from its process, unless set.
const DEFAULT_HOLD_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a gated call waits for a shared store, unless set.
const DEFAULT_ADMISSION_TIMEOUT: Duration = Duration::from_millis(250);

/// Where budgets keep their spend and the holds of calls in flight.
///
/// In memory (the default) every process has budgets of its own. A store in Redis shares them
/// between every replica of a service (cargo feature `redis`).
///
/// ```
/// use genops::BudgetStore;
/// assert_eq!("memory".parse::<BudgetStore>().unwrap(), BudgetStore::memory());
/// assert_eq!(
///     "redis://127.0.0.1:6379/0".parse::<BudgetStore>().unwrap(),
///     BudgetStore::redis("redis://127.0.0.1:6379/0")
/// );
/// assert!("http://nope".parse::<BudgetStore>().is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BudgetStore {
    pub(crate) kind: Kind,
    pub(crate) hold_timeout: Duration,
    pub(crate) admission_timeout: Duration,
    pub(crate) lease: Option<Cost>,
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) tls_ca: Option<PathBuf>,
}

impl Default for BudgetStore {
    fn default() -> Self {
        Self::memory()
    }
}

/// Which store.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) enum Kind {
    #[default]
    Memory,
    Redis(String),
    File(PathBuf),
}

/// A Redis URL is shown redacted: it may carry a password.
impl fmt::Debug for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kind::Memory => f.write_str("Memory"),
            Kind::Redis(url) => f.debug_tuple("Redis").field(&redact::url(url)).finish(),
            Kind::File(path) => f.debug_tuple("File").field(path).finish(),
        }
    }
}

impl BudgetStore {
    /// Budgets in this process's memory (the default).
    pub fn memory() -> Self {
        Self::of(Kind::Memory)
    }
    fn of(kind: Kind) -> Self {
        BudgetStore {
            kind,
            hold_timeout: DEFAULT_HOLD_TIMEOUT,
            admission_timeout: DEFAULT_ADMISSION_TIMEOUT,
            lease: None,
            tls_ca: None,
        }
    }
    /// Budgets in the Redis (or Valkey) server at `url` (`redis://host:port/db`), shared by
    /// every process that names it. Needs the `redis` cargo feature; the URL is checked when
    /// the layer is built.
    ///
    /// A Redis Cluster is named by its nodes, any of which the store asks for the others:
    /// `redis+cluster://host1:6379,host2:6379,host3:6379` (database 0 only, credentials once
    /// before the first node). Each budget window's keys share one hash tag, so its scripts run
    /// on the node of that slot.
    ///
    /// A `rediss://` (or `rediss+cluster://`) URL connects over TLS (cargo feature
    /// `redis-tls`) and verifies the server's certificate and host name against the system's
    /// root certificates (or those of the files `SSL_CERT_FILE` and `SSL_CERT_DIR` name, when
    /// set), or against [`tls_ca_file`](Self::tls_ca_file). rustls's process-wide crypto
    /// provider is ring's, installed when the store opens unless the application installed one
    /// first. Credentials go in the URL (`rediss://user:password@host:port/db`) and never
    /// appear in logs, errors or `Debug` output, nor do the values of query parameters named
    /// like a credential (`?password=...`, `?token=...`).
    pub fn redis(url: impl Into<String>) -> Self {
        Self::of(Kind::Redis(url.into()))
    }
    /// Budgets in an embedded database file that survives restarts of this node.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Self::of(Kind::File(path.into()))
    }
    /// How long a shared store keeps a call's hold without hearing from the process that owns
    /// it (default 30 s). A live process renews its holds every third of that, however long
    /// the call (or its stream) runs; the hold of a process that died is charged, not refunded,
    /// when it expires, since its call may have run.
    pub fn hold_timeout(mut self, timeout: Duration) -> Self {
        self.hold_timeout = timeout;
        self
    }
    /// Admits gated calls from local leases: this replica reserves up to `slice` of a budget
    /// (without a per-value template) as one hold and admits calls against it with no round
    /// trip, settling the lease with what its calls cost after a second (or when it runs out).
    /// Slices shrink to half this replica's share of what remains as the budget runs low. The
    /// overshoot bound is unchanged (a lease is a hold); the price is that a replica's unused
    /// slice is unavailable to the others for up to a second, and that a replica killed with
    /// its lease has the whole slice charged when the hold expires. A slice that is not a
    /// positive amount is an error when the layer is built.
    ///
    /// ```
    /// use genops::{BudgetStore, Usd};
    /// let store = BudgetStore::redis("redis://127.0.0.1:6379/0").lease(Usd(0.50));
    /// # let _ = store;
    /// ```
    pub fn lease(mut self, slice: Usd) -> Self {
        self.lease = Some(slice.to_cost().unwrap_or(Cost::ZERO));
        self
    }
    /// Trusts the CA certificates of the PEM file at `path`, instead of the system's roots, for
    /// a `rediss://` store: a server with a certificate of a private CA. The file is read when
    /// the layer is built; one that cannot be read, or holds no certificate, is an error then
    /// that names it.
    ///
    /// ```
    /// use genops::BudgetStore;
    /// let store = BudgetStore::redis("rediss://redis.internal:6380/0")
    ///     .tls_ca_file("/etc/genops/redis-ca.pem");
    /// # let _ = store;
    /// ```
    pub fn tls_ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.tls_ca = Some(path.into());
        self
    }
    /// How long a gated call waits for a shared store to answer before its budget's
    /// [`FailMode`](crate::FailMode) decides (default 250 ms).
    pub fn admission_timeout(mut self, timeout: Duration) -> Self {
        self.admission_timeout = timeout;
        self
    }
}

/// `memory`, a `redis://`, `rediss://`, `redis+cluster://` or `rediss+cluster://` URL, or a
/// file path (absolute, or starting with `.`).
impl FromStr for BudgetStore {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text == "memory" {
            Ok(Self::memory())
        } else if [
            "redis://",
            "rediss://",
            "redis+cluster://",
            "rediss+cluster://",
        ]
        .iter()
        .any(|scheme| text.starts_with(scheme))
        {
            Ok(Self::redis(text))
        } else if text.contains("://") {
            Err(format!(
                "{text:?} is not a budget store: expected `memory`, a redis://, rediss://, \
                 redis+cluster:// or rediss+cluster:// URL, or a file path"
            ))
        } else if text.starts_with('/') || text.starts_with('.') {
            Ok(Self::file(text))
        } else {
            Err(format!(
                "{text:?} is not a budget store: expected `memory`, a redis://, rediss://, \
                 redis+cluster:// or rediss+cluster:// URL, or a file path (absolute, or \
                 starting with `.`)"
            ))
        }
    }
}

impl fmt::Display for BudgetStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Memory => f.write_str("memory"),
            Kind::Redis(url) => f.write_str(&redact::url(url)),
            Kind::File(path) => write!(f, "{}", path.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redis_url_shows_neither_its_password_nor_credential_like_query_values() {
        let url = "redis://user:pw-s3cret@cache:6379/0?password=hunter2&token=t0k3n&db=0";
        let store: BudgetStore = url.parse().unwrap();
        assert_eq!(
            store.to_string(),
            "redis://***@cache:6379/0?password=***&token=***&db=0"
        );
        let debug = format!("{store:?}");
        assert!(
            debug.contains("cache:6379/0?password=***&token=***&db=0"),
            "{debug}"
        );
        for shown in [store.to_string(), debug] {
            for secret in ["pw-s3cret", "hunter2", "t0k3n"] {
                assert!(!shown.contains(secret), "{shown}");
            }
        }
    }
}
