//! Who spent: the attribution dimensions and their values on a tracked span.

use std::cell::RefCell;
use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

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
}

/// A shared string compared by identity. Each thread interns the strings it sees, so equal
/// strings seen on one thread share one allocation, and hashing costs one pointer.
#[derive(Clone, Debug)]
pub(crate) struct Sym(Arc<str>);

impl Sym {
    pub(crate) fn as_str(&self) -> &str {
        &self.0
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

thread_local! {
    static INTERNED: RefCell<HashSet<Arc<str>>> = RefCell::new(HashSet::new());
}

/// The thread's shared copy of `s`, allocated only the first time the thread sees it.
pub(crate) fn intern(s: &str) -> Sym {
    let fresh = || Sym(Arc::from(s));
    INTERNED
        .try_with(|cell| {
            let Ok(mut set) = cell.try_borrow_mut() else {
                return fresh();
            };
            if let Some(found) = set.get(s) {
                return Sym(found.clone());
            }
            if set.len() >= INTERN_CAPACITY {
                set.clear();
            }
            let arc: Arc<str> = Arc::from(s);
            set.insert(arc.clone());
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
