//! Where budget state lives: [`BudgetStore`] chooses, and the engine talks to the chosen store
//! through [`Backend`]. The in-memory store is the default and is called directly (no dynamic
//! dispatch, no allocation); shared stores keep their own connection and fallback state.

#[cfg(feature = "embedded")]
mod file;
mod memory;
#[cfg(feature = "redis")]
mod redis;
#[cfg(feature = "redis")]
mod redis_connection;

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::{Duration, SystemTime};

use memory::MemoryStore;

use super::Slot;
use crate::money::Cost;

/// Where budgets keep their spend and the holds of calls in flight.
///
/// In memory (the default) every process has budgets of its own. A store in Redis shares them
/// between every replica of a service (cargo feature `redis`).
///
/// ```
/// use genops_runtime::BudgetStore;
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

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) enum Kind {
    #[default]
    Memory,
    Redis(String),
    File(PathBuf),
}

impl BudgetStore {
    /// Budgets in this process's memory (the default).
    pub fn memory() -> Self {
        Self::of(Kind::Memory)
    }
    fn of(kind: Kind) -> Self {
        BudgetStore {
            kind,
            hold_timeout: Duration::from_secs(30),
            admission_timeout: Duration::from_millis(250),
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
    /// A `rediss://` (or `rediss+cluster://`) URL connects over TLS (cargo feature `redis-tls`) and verifies the
    /// server's certificate and host name against the system's root certificates (or those of
    /// the files `SSL_CERT_FILE` and `SSL_CERT_DIR` name, when set), or against
    /// [`tls_ca_file`](Self::tls_ca_file). rustls's process-wide crypto provider is ring's,
    /// installed when the store opens unless the application installed one first. Credentials
    /// go in the URL (`rediss://user:password@host:port/db`) and never appear in logs or
    /// errors.
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
    /// use genops_runtime::{BudgetStore, Usd};
    /// let store = BudgetStore::redis("redis://127.0.0.1:6379/0").lease(Usd(0.50));
    /// # let _ = store;
    /// ```
    pub fn lease(mut self, slice: crate::governance::Usd) -> Self {
        self.lease = Some(slice.to_cost().unwrap_or(Cost::ZERO));
        self
    }
    /// Trusts the CA certificates of the PEM file at `path`, instead of the system's roots, for
    /// a `rediss://` store: a server with a certificate of a private CA. The file is read when
    /// the layer is built; one that cannot be read, or holds no certificate, is an error then
    /// that names it.
    ///
    /// ```
    /// use genops_runtime::BudgetStore;
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
            Kind::Redis(url) => f.write_str(&redact_url(url)),
            Kind::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// `url` without its password.
pub(crate) fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://***{}", &url[..scheme], &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// A reservation held by an admitted call in one budget: which budget (`slot`), which of its
/// values (`cell`: a keyed hash of the value, 0 for a budget without a template), how much, and
/// the store's id for it (0 in memory).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Hold {
    pub(crate) slot: usize,
    pub(crate) cell: u64,
    pub(crate) amount: Cost,
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) id: u64,
}

/// Why a reservation was refused.
#[derive(Debug)]
pub(crate) enum Denied {
    /// The budget has no room: its spend and holds.
    Full { spent: Cost, reserved: Cost },
    /// The store cannot be reached and the budget fails closed.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    Unavailable(String),
}

/// A budget's window after a booking: spent, reserved, and the thresholds crossed by it (bit
/// `t` for threshold `t`), each once per window.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Booked {
    pub(crate) spent: Cost,
    pub(crate) reserved: Cost,
    pub(crate) crossed: u32,
}

/// The store an engine talks to.
pub(crate) enum Backend {
    Memory(MemoryStore),
    #[cfg(feature = "redis")]
    Redis(redis::RedisStore),
    #[cfg(feature = "embedded")]
    File(file::FileStore),
}

impl Backend {
    /// Opens `store` for `slots`, or says why it cannot be used.
    pub(crate) fn open(
        store: &BudgetStore,
        slots: &[Slot],
        #[cfg_attr(not(feature = "redis"), allow(unused_variables))] alerts: std::sync::Arc<
            super::Alerts,
        >,
        #[cfg_attr(not(feature = "embedded"), allow(unused_variables))] now: SystemTime,
    ) -> Result<Self, String> {
        match &store.kind {
            Kind::Memory => Ok(Backend::Memory(MemoryStore::new(slots))),
            #[cfg(feature = "redis")]
            Kind::Redis(url) => Ok(Backend::Redis(redis::RedisStore::open(
                url, store, slots, alerts,
            )?)),
            #[cfg(not(feature = "redis"))]
            Kind::Redis(_) => Err(
                "a Redis budget store needs the `redis` cargo feature of genops, which this \
                 build lacks"
                    .into(),
            ),
            #[cfg(feature = "embedded")]
            Kind::File(path) => Ok(Backend::File(file::FileStore::open(path, slots, now)?)),
            #[cfg(not(feature = "embedded"))]
            Kind::File(_) => Err(
                "a budget store file needs the `embedded` cargo feature of genops, which this \
                 build lacks"
                    .into(),
            ),
        }
    }

    /// The cell of `value` (0 for a budget without a template).
    pub(crate) fn cell(&self, value: Option<&str>) -> u64 {
        match self {
            Backend::Memory(m) => m.cell(value),
            #[cfg(feature = "redis")]
            Backend::Redis(r) => r.cell(value),
            #[cfg(feature = "embedded")]
            Backend::File(f) => f.memory().cell(value),
        }
    }

    /// Reserves `amount` in budget `i` for the call whose value for the budget's template is
    /// `value`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn reserve(
        &self,
        i: usize,
        slot: &Slot,
        cell: u64,
        #[cfg_attr(not(feature = "redis"), allow(unused_variables))] value: Option<&str>,
        amount: Cost,
        now: SystemTime,
    ) -> Result<Hold, Denied> {
        match self {
            Backend::Memory(m) => m.reserve(i, slot, cell, amount, now),
            #[cfg(feature = "redis")]
            Backend::Redis(r) => r.reserve(i, slot, cell, value, amount, now),
            #[cfg(feature = "embedded")]
            Backend::File(f) => f.reserve(i, slot, cell, amount, now),
        }
    }

    /// Gives a hold back without booking anything.
    pub(crate) fn release(&self, hold: &Hold) {
        match self {
            Backend::Memory(m) => m.release(hold),
            #[cfg(feature = "redis")]
            Backend::Redis(r) => r.release(hold),
            #[cfg(feature = "embedded")]
            Backend::File(f) => f.release(hold),
        }
    }

    /// Books a closed call's `cost` in budget `i`, giving back `hold` (its reservation there)
    /// in the same step.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn settle(
        &self,
        i: usize,
        slot: &Slot,
        cell: u64,
        #[cfg_attr(not(feature = "redis"), allow(unused_variables))] value: Option<&str>,
        hold: Option<&Hold>,
        cost: Cost,
        now: SystemTime,
    ) -> Booked {
        match self {
            Backend::Memory(m) => {
                if let Some(hold) = hold {
                    m.release(hold);
                }
                m.book(i, slot, cell, cost, now)
            }
            #[cfg(feature = "redis")]
            Backend::Redis(r) => r.settle(i, slot, cell, value, hold, cost, now),
            #[cfg(feature = "embedded")]
            Backend::File(f) => {
                if let Some(hold) = hold {
                    f.memory().release(hold);
                }
                f.book(i, slot, cell, cost, now)
            }
        }
    }

    /// Errors talking to a shared store so far (none in memory).
    pub(crate) fn errors(&self) -> u64 {
        match self {
            Backend::Memory(_) => 0,
            #[cfg(feature = "redis")]
            Backend::Redis(r) => r.errors(),
            #[cfg(feature = "embedded")]
            Backend::File(f) => f.errors(),
        }
    }

    /// Spent and reserved in budget `i`'s current window.
    pub(crate) fn status(&self, i: usize, slot: &Slot, now: SystemTime) -> (Cost, Cost) {
        match self {
            Backend::Memory(m) => m.status(i, slot, now),
            #[cfg(feature = "redis")]
            Backend::Redis(r) => r.status(i, slot, now),
            #[cfg(feature = "embedded")]
            Backend::File(f) => f.memory().status(i, slot, now),
        }
    }
}
