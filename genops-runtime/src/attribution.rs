//! Who spent: the attribution dimensions and their values on a tracked span.

use std::cell::RefCell;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::{Mutex, PoisonError};

use rustc_hash::FxHashMap;
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

/// An interned string, compared and hashed by identity. Equal text is interned once for the life
/// of the process, so a `Sym` is one pointer, `Copy`, and shared by every thread without
/// reference counting. Each distinct value is kept as long as the ledger would keep it anyway:
/// for good.
#[derive(Clone, Copy)]
pub(crate) struct Sym(&'static &'static str);

impl Sym {
    pub(crate) fn as_str(self) -> &'static str {
        self.0
    }

    /// The address of the interned text: its identity.
    pub(crate) fn address(self) -> usize {
        self.0 as *const &str as usize
    }
}

impl fmt::Debug for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0, f)
    }
}

impl PartialEq for Sym {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}

impl Eq for Sym {}

impl Hash for Sym {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_usize(self.address());
    }
}

/// Every string interned so far, by text.
static INTERNED: Mutex<Option<FxHashMap<&'static str, Sym>>> = Mutex::new(None);

/// How many addresses a thread remembers before it starts afresh.
const SEEN_CAPACITY: usize = 4_096;

thread_local! {
    /// This thread's shortcut to interned strings, by the address and length it last saw their
    /// text at. Literals (`team = "search"`) always arrive at the same address, so the common
    /// case is a pointer hash and a short comparison, with no lock.
    static SEEN: RefCell<FxHashMap<(usize, usize), Sym>> = RefCell::new(FxHashMap::default());
}

/// The process-wide interned copy of `s`.
fn intern_globally(s: &str) -> Sym {
    let mut interned = INTERNED.lock().unwrap_or_else(PoisonError::into_inner);
    let map = interned.get_or_insert_with(FxHashMap::default);
    if let Some(&sym) = map.get(s) {
        return sym;
    }
    let text: &'static str = Box::leak(Box::from(s));
    let sym = Sym(Box::leak(Box::new(text)));
    map.insert(text, sym);
    sym
}

/// The interned copy of `s`, allocated only the first time the process sees its text.
pub(crate) fn intern(s: &str) -> Sym {
    SEEN.try_with(|cell| {
        let Ok(mut seen) = cell.try_borrow_mut() else {
            return intern_globally(s);
        };
        let address = (s.as_ptr() as usize, s.len());
        if let Some(&found) = seen.get(&address) {
            // The same address may hold other text now: compare before trusting it.
            if found.as_str() == s {
                return found;
            }
        }
        if seen.len() >= SEEN_CAPACITY {
            seen.clear();
        }
        let sym = intern_globally(s);
        seen.insert(address, sym);
        sym
    })
    .unwrap_or_else(|_| intern_globally(s))
}

/// The value of each dimension, where known.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct Attribution([Option<Sym>; 7]);

impl Attribution {
    pub(crate) fn get(&self, dim: Dimension) -> Option<Sym> {
        self.0[dim.index()]
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
                *mine = *theirs;
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
