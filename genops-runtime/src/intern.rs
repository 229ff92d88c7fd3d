//! Interned strings: each distinct text is stored once, and a [`Sym`] is one pointer, `Copy`,
//! compared and hashed by address.

use std::cell::RefCell;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::{Mutex, PoisonError};

use rustc_hash::FxHashMap;

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
