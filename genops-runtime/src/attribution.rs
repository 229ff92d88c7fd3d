//! Who spent: the attribution dimensions and their values on a tracked span.

use std::cell::RefCell;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

use crate::semconv;

/// One attribution dimension of a tracked call.
///
/// ```
/// use genops_runtime::Dimension;
/// assert_eq!(Dimension::Team.field(), "genops.team");
/// assert_eq!(Dimension::Team.env_var(), Some("GENOPS_TEAM"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// `genops.team`
    Team,
    /// `genops.project`
    Project,
    /// `genops.feature`
    Feature,
    /// `genops.customer_id`
    Customer,
    /// `genops.environment`
    Environment,
    /// `genops.cost_center`
    CostCenter,
    /// `genops.user_id`
    User,
}

impl Dimension {
    /// Every dimension, in span field order.
    pub const ALL: [Dimension; 7] = [
        Dimension::Team,
        Dimension::Project,
        Dimension::Feature,
        Dimension::Customer,
        Dimension::Environment,
        Dimension::CostCenter,
        Dimension::User,
    ];

    /// The span field that carries this dimension.
    pub const fn field(self) -> &'static str {
        match self {
            Dimension::Team => semconv::GENOPS_TEAM,
            Dimension::Project => semconv::GENOPS_PROJECT,
            Dimension::Feature => semconv::GENOPS_FEATURE,
            Dimension::Customer => semconv::GENOPS_CUSTOMER_ID,
            Dimension::Environment => semconv::GENOPS_ENVIRONMENT,
            Dimension::CostCenter => semconv::GENOPS_COST_CENTER,
            Dimension::User => semconv::GENOPS_USER_ID,
        }
    }

    /// The short name used in reports (`team`, `cost_center`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            Dimension::Team => "team",
            Dimension::Project => "project",
            Dimension::Feature => "feature",
            Dimension::Customer => "customer",
            Dimension::Environment => "environment",
            Dimension::CostCenter => "cost_center",
            Dimension::User => "user",
        }
    }

    /// The environment variable that gives a default for this dimension, if there is one.
    pub const fn env_var(self) -> Option<&'static str> {
        match self {
            Dimension::Team => Some("GENOPS_TEAM"),
            Dimension::Project => Some("GENOPS_PROJECT"),
            Dimension::Feature => Some("GENOPS_FEATURE"),
            Dimension::Environment => Some("GENOPS_ENVIRONMENT"),
            Dimension::CostCenter => Some("GENOPS_COST_CENTER"),
            Dimension::Customer | Dimension::User => None,
        }
    }

    const fn index(self) -> usize {
        self as usize
    }

    /// This dimension's bit in a set of dimensions.
    pub(crate) const fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// A shared string compared by identity. Each thread interns the strings it sees, so equal
/// strings seen on one thread share one allocation, and hashing costs one pointer.
#[derive(Clone, Debug)]
pub(crate) struct Sym(Arc<str>);

impl Sym {
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    /// The address of the shared text: its identity.
    pub(crate) fn address(&self) -> usize {
        Arc::as_ptr(&self.0) as *const u8 as usize
    }
}

impl PartialEq for Sym {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Sym {}

impl Hash for Sym {
    fn hash<H: Hasher>(&self, state: &mut H) {
        std::ptr::hash(Arc::as_ptr(&self.0) as *const u8, state);
    }
}

/// How many distinct strings a thread keeps interned before it starts afresh.
const INTERN_CAPACITY: usize = 4_096;

/// A thread's interned strings: by content, and by the address and length they were last seen
/// at. Literals (`team = "search"`) always arrive at the same address, so the common case is a
/// pointer hash and a short comparison, not a hash of the text.
#[derive(Default)]
struct Interned {
    by_text: FxHashSet<Arc<str>>,
    by_address: FxHashMap<(usize, usize), Arc<str>>,
}

thread_local! {
    static INTERNED: RefCell<Interned> = RefCell::new(Interned::default());
}

/// The thread's shared copy of `s`, allocated only the first time the thread sees it.
pub(crate) fn intern(s: &str) -> Sym {
    let fresh = || Sym(Arc::from(s));
    INTERNED
        .try_with(|cell| {
            let Ok(mut interned) = cell.try_borrow_mut() else {
                return fresh();
            };
            let address = (s.as_ptr() as usize, s.len());
            if let Some(found) = interned.by_address.get(&address) {
                // The same address may hold other text now: compare before trusting it.
                if **found == *s {
                    return Sym(found.clone());
                }
            }
            if interned.by_address.len() >= INTERN_CAPACITY {
                interned.by_text.clear();
                interned.by_address.clear();
            }
            let arc = match interned.by_text.get(s) {
                Some(found) => found.clone(),
                None => {
                    let arc: Arc<str> = Arc::from(s);
                    interned.by_text.insert(arc.clone());
                    arc
                }
            };
            interned.by_address.insert(address, arc.clone());
            Sym(arc)
        })
        .unwrap_or_else(|_| fresh())
}

/// The value of each dimension, where known.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct Attribution([Option<Sym>; 7]);

impl Attribution {
    pub(crate) fn get(&self, dim: Dimension) -> Option<&Sym> {
        self.0[dim.index()].as_ref()
    }

    pub(crate) fn set(&mut self, dim: Dimension, value: Sym) {
        self.0[dim.index()] = Some(value);
    }

    /// The set of dimensions that have a value, as bits.
    pub(crate) fn mask(&self) -> u8 {
        Dimension::ALL
            .iter()
            .filter(|d| self.get(**d).is_some())
            .fold(0, |mask, d| mask | d.bit())
    }

    /// Fills each dimension that has no value from `fallback`.
    pub(crate) fn inherit(&mut self, fallback: &Attribution) {
        for (mine, theirs) in self.0.iter_mut().zip(&fallback.0) {
            if mine.is_none() {
                mine.clone_from(theirs);
            }
        }
    }

    /// Defaults from the `GENOPS_*` environment variables.
    pub(crate) fn from_env() -> Attribution {
        let mut attribution = Attribution::default();
        for dim in Dimension::ALL {
            let value = dim.env_var().and_then(|var| std::env::var(var).ok());
            if let Some(value) = value.filter(|v| !v.is_empty()) {
                attribution.set(dim, intern(&value));
            }
        }
        attribution
    }
}
