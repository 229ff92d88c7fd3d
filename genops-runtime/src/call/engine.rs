//! The engine every tracked call of one layer shares: prices, books, defaults, governance and
//! the OTLP metric instruments.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use rustc_hash::FxHashMap;
use thread_local::ThreadLocal;

use crate::attribution::Attribution;
#[cfg(feature = "otlp")]
use crate::export::GenAiMetrics;
use crate::governance::Governance;
use crate::intern::Sym;
use crate::ledger::Ledger;
use crate::plausibility::Limits;
use crate::pricing::{EntryId, PriceTable, Priced, WorstCase};
use crate::request::{HoldError, Request};
use crate::token_class::ByClass;
use crate::usage::Usage;

/// How many resolved prices each thread caches before it starts afresh.
const PRICE_CACHE_CAPACITY: usize = 4_096;

/// One thread's resolved entries by the interned (provider, model): an index into the table, so
/// a hit copies four bytes and the cost is computed through a borrow of the shared table, with
/// no allocation and no reference count. Aligned to its own cache lines: the threads' caches sit
/// side by side, and each lookup writes the `RefCell` flag, so two threads sharing a line would
/// slow each other down on every call.
#[repr(align(128))]
#[derive(Default)]
struct PriceCache(RefCell<Prices>);

#[derive(Default)]
struct Prices {
    by_text: FxHashMap<PriceKey, Option<EntryId>>,
}

/// A price entry a thread resolved: the engine's serial number, the permanent addresses of the
/// (provider, model) texts, and the entry.
type Resolved = (u64, (usize, usize), Option<EntryId>);

thread_local! {
    /// The price entry this thread resolved last: consecutive calls of one call site ask for it
    /// again, and find it without reaching their engine's cache.
    static LAST_PRICE: Cell<Option<Resolved>> = const { Cell::new(None) };
}

/// The serial number of the last engine made: each engine has its own, so that a thread's last
/// resolved price is never taken for another engine's.
static ENGINES: AtomicU64 = AtomicU64::new(0);

type PriceKey = (Option<Sym>, Sym);

/// What every tracked call of one layer shares.
pub(crate) struct Engine {
    /// This engine's serial number (see [`ENGINES`]).
    serial: u64,
    prices: PriceTable,
    price_cache: ThreadLocal<PriceCache>,
    pub(crate) ledger: Ledger,
    /// The default attribution, `None` when it has no value (calls then skip inheriting it).
    pub(crate) defaults: Option<Attribution>,
    /// Pico-dollars per hour of a local provider's span, if local compute is priced.
    pub(crate) local_rate: Option<u128>,
    /// (provider, model) pairs already warned about as unpriced.
    warned_unknown: Mutex<HashSet<(String, String)>>,
    /// (provider, model) pairs already warned about as priced by rules genops cannot apply.
    warned_unsupported: Mutex<HashSet<(String, String)>>,
    /// Call sites already warned about a stream without usage, by metadata address.
    warned_missing_usage: Mutex<HashSet<usize>>,
    /// The OTLP GenAI metric instruments, once `init()` has set them up.
    #[cfg(feature = "otlp")]
    pub(crate) genai_metrics: std::sync::OnceLock<Arc<GenAiMetrics>>,
    /// Budgets and policies, when any are configured.
    pub(crate) governance: Option<Arc<Governance>>,
}

impl Engine {
    pub(crate) fn new(
        prices: PriceTable,
        defaults: Attribution,
        local_rate: Option<u128>,
        ledger: Ledger,
        governance: Option<Arc<Governance>>,
    ) -> Self {
        Engine {
            serial: ENGINES.fetch_add(1, Ordering::Relaxed) + 1,
            prices,
            price_cache: ThreadLocal::new(),
            ledger,
            defaults: (defaults.mask() != 0).then_some(defaults),
            local_rate,
            warned_unknown: Mutex::new(HashSet::new()),
            warned_unsupported: Mutex::new(HashSet::new()),
            warned_missing_usage: Mutex::new(HashSet::new()),
            #[cfg(feature = "otlp")]
            genai_metrics: std::sync::OnceLock::new(),
            governance,
        }
    }

    /// The worst case of `request` to `model` of `provider`, at the table's prices.
    pub(crate) fn worst_case(
        &self,
        provider: Option<&Sym>,
        model: &Sym,
        request: &dyn Request,
    ) -> Result<WorstCase, HoldError> {
        let provider_name = provider.map_or("", Sym::as_str);
        let id = self
            .price(provider, model)
            .ok_or_else(|| HoldError::UnknownModel {
                provider: provider_name.to_owned(),
                model: model.as_str().to_owned(),
            })?;
        self.prices.worst_case_of(id, provider_name, request)
    }

    /// How many models the price table knows.
    pub(crate) fn models(&self) -> usize {
        self.prices.len()
    }

    /// The price entry of `model`, resolved once per thread and (provider, model).
    pub(crate) fn price(&self, provider: Option<&Sym>, model: &Sym) -> Option<EntryId> {
        let resolve = || {
            let provider = provider.map_or("", Sym::as_str);
            self.prices.find(provider, model.as_str())
        };
        let addresses = model.permanent_address().and_then(|model| {
            let provider = match provider {
                Some(provider) => provider.permanent_address()?,
                None => 0,
            };
            Some((provider, model))
        });
        if let (Some(addresses), Ok(Some((serial, last, id)))) =
            (addresses, LAST_PRICE.try_with(Cell::get))
        {
            if serial == self.serial && addresses == last {
                return id;
            }
        }
        let cache = self.price_cache.get_or_default();
        let Ok(mut cache) = cache.0.try_borrow_mut() else {
            return resolve();
        };
        let key = (provider.cloned(), model.clone());
        let id = match cache.by_text.get(&key) {
            Some(id) => *id,
            None => {
                if cache.by_text.len() >= PRICE_CACHE_CAPACITY {
                    cache.by_text.clear();
                }
                let id = resolve();
                cache.by_text.insert(key, id);
                id
            }
        };
        if let Some(addresses) = addresses {
            let _ = LAST_PRICE.try_with(|last| last.set(Some((self.serial, addresses, id))));
        }
        id
    }

    /// The cost of `usage` at the prices of entry `id`, and by token class into `by_class`
    /// (all zeros).
    pub(crate) fn by_class(&self, id: EntryId, usage: &Usage, by_class: &mut ByClass) -> Priced {
        self.prices.rates(id).by_class_into(usage, by_class)
    }

    /// The most tokens one response priced by entry `id` can have.
    #[inline]
    pub(crate) fn limits(&self, id: EntryId) -> Limits {
        self.prices.rates(id).limits()
    }

    /// Whether this is the first stream without usage from the call site `site`.
    pub(crate) fn first_missing_usage(&self, site: usize) -> bool {
        let mut warned = self
            .warned_missing_usage
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        warned.insert(site)
    }

    /// `Some` the first time this (provider, model) is found unpriced.
    pub(crate) fn first_unknown(&self, provider: &str, model: &str) -> Option<(String, String)> {
        first(&self.warned_unknown, provider, model)
    }

    /// `Some` the first time this (provider, model) is priced by rules genops cannot apply.
    pub(crate) fn first_unsupported(
        &self,
        provider: &str,
        model: &str,
    ) -> Option<(String, String)> {
        first(&self.warned_unsupported, provider, model)
    }
}

/// `Some((provider, model))` the first time `seen` is asked about the pair.
fn first(
    seen: &Mutex<HashSet<(String, String)>>,
    provider: &str,
    model: &str,
) -> Option<(String, String)> {
    let pair = (provider.to_owned(), model.to_owned());
    let mut seen = seen.lock().unwrap_or_else(PoisonError::into_inner);
    seen.insert(pair.clone()).then_some(pair)
}
