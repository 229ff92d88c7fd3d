//! Interned strings: a [`Sym`] is one pointer to shared text, cheap to clone and freed when the
//! last holder lets go.
//!
//! Two kinds of text pass through a tracked call:
//! - **Literals** (`team = "search"`, the operation, provider and model of a call site) are made
//!   permanent once per call site ([`permanent`]): cloning or dropping one touches no counter.
//! - **Values of expressions** (`user = user_id`) are reference-counted ([`intern`]). Each
//!   thread keeps the last [`RECENT_CAPACITY`] distinct values it interned, so a recently seen
//!   value costs a lookup and a counter increment, not an allocation. Once no call, ledger row or
//!   cache holds a value any more, it is freed: memory is bounded by the caches and the ledger's
//!   caps, never by the number of distinct values a process has seen.

use std::borrow::Borrow;
use std::cell::RefCell;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::{Mutex, PoisonError};

use arcstr::ArcStr;
use rustc_hash::FxHashSet;

/// Interned text: one pointer, compared by identity first and by text when two copies of the
/// same text were interned apart.
#[derive(Clone, PartialOrd, Ord)]
pub(crate) struct Sym(ArcStr);

impl PartialEq for Sym {
    #[inline]
    fn eq(&self, other: &Sym) -> bool {
        ArcStr::ptr_eq(&self.0, &other.0) || self.as_str() == other.as_str()
    }
}

impl Eq for Sym {}

impl Sym {
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is permanent text (see [`permanent`]).
    pub(crate) fn is_permanent(&self) -> bool {
        ArcStr::is_static(&self.0)
    }

    /// The address of permanent text, which no other text will ever have; `None` for text that
    /// is freed when no longer held, whose address may be reused.
    pub(crate) fn permanent_address(&self) -> Option<usize> {
        self.is_permanent().then(|| self.as_str().as_ptr() as usize)
    }

    /// Whether both are the same copy of their text (a pointer comparison).
    #[cfg(test)]
    pub(crate) fn same(&self, other: &Sym) -> bool {
        ArcStr::ptr_eq(&self.0, &other.0)
    }

    /// Whether both are absent, or the same copy of one text: one pointer comparison, where
    /// `==` may compare the texts.
    #[inline]
    pub(crate) fn same_copy(a: Option<&Sym>, b: Option<&Sym>) -> bool {
        match (a, b) {
            (Some(a), Some(b)) => ArcStr::ptr_eq(&a.0, &b.0),
            (None, None) => true,
            _ => false,
        }
    }
}

impl Hash for Sym {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl Borrow<str> for Sym {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// How many distinct values each thread keeps at hand before it starts afresh.
pub(crate) const RECENT_CAPACITY: usize = 1_024;

thread_local! {
    /// The values this thread interned lately, by text.
    static RECENT: RefCell<FxHashSet<Sym>> = RefCell::new(FxHashSet::default());
}

/// The shared copy of `s`: this thread's recent copy when it has one, else a new one.
pub(crate) fn intern(s: &str) -> Sym {
    let fresh = || Sym(ArcStr::from(s));
    RECENT
        .try_with(|cell| {
            let Ok(mut recent) = cell.try_borrow_mut() else {
                return fresh();
            };
            if let Some(found) = recent.get(s) {
                return found.clone();
            }
            if recent.len() >= RECENT_CAPACITY {
                recent.clear();
            }
            let sym = fresh();
            recent.insert(sym.clone());
            sym
        })
        .unwrap_or_else(|_| fresh())
}

/// Permanent text, by text: literals of call sites and labels of the price table, a set bounded
/// by the program and its price table.
static PERMANENT: Mutex<Option<FxHashSet<Sym>>> = Mutex::new(None);

/// The permanent copy of `s`, allocated the first time the process sees its text. Clones of it
/// touch no reference count. Only for text from a bounded set: literals and price-table labels.
pub(crate) fn permanent(s: &str) -> Sym {
    let mut all = PERMANENT.lock().unwrap_or_else(PoisonError::into_inner);
    let all = all.get_or_insert_with(FxHashSet::default);
    if let Some(found) = all.get(s) {
        return found.clone();
    }
    let sym = Sym(ArcStr::from(s));
    sym.0.leak();
    all.insert(sym.clone());
    sym
}

/// The permanent copy of `s` as a `'static` string (see [`permanent`]).
pub(crate) fn permanent_str(s: &str) -> &'static str {
    permanent(s).0.leak()
}

/// How many distinct values this thread holds in its recent cache.
#[cfg(test)]
pub(crate) fn recent_len() -> usize {
    RECENT.with(|recent| recent.borrow().len())
}

/// Empties this thread's recent cache.
#[cfg(test)]
pub(crate) fn forget_recent() {
    RECENT.with(|recent| recent.borrow_mut().clear());
}

#[cfg(test)]
impl Sym {
    /// How many holders share this copy of the text (`usize::MAX` for permanent text).
    pub(crate) fn holders(&self) -> usize {
        ArcStr::strong_count(&self.0).unwrap_or(usize::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_values_are_shared_and_the_cache_is_bounded() {
        let a = intern(&String::from("customer-1"));
        let b = intern(&String::from("customer-1"));
        assert!(a.same(&b), "a recent value is the same copy");
        for i in 0..3 * RECENT_CAPACITY {
            intern(&format!("u{i}"));
            assert!(recent_len() <= RECENT_CAPACITY);
        }
        let c = intern("customer-1");
        assert_eq!(a, c, "equal text compares equal across copies");
        assert!(!a.same(&c), "the cache started afresh since");
    }

    #[test]
    fn a_value_no_one_holds_is_freed() {
        let sym = intern(&format!("gone-{}", line!()));
        let weak = sym.0.clone();
        assert_eq!(ArcStr::strong_count(&weak), Some(3)); // sym, the cache, weak
        drop(sym);
        for i in 0..RECENT_CAPACITY + 1 {
            intern(&format!("evict{i}"));
        }
        assert_eq!(
            ArcStr::strong_count(&weak),
            Some(1),
            "only this test holds it now"
        );
    }

    #[test]
    fn permanent_text_is_not_counted() {
        let sym = permanent("search");
        assert!(ArcStr::is_static(&sym.0));
        assert!(sym.same(&permanent("search")));
        assert_eq!(permanent_str("search"), "search");
    }
}
