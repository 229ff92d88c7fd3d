//! The engine every tracked call of one layer shares: prices, books, defaults, governance and
//! the OTLP metric instruments.

use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use rustc_hash::FxHashMap;
use thread_local::ThreadLocal;

use crate::attribution::Attribution;
#[cfg(feature = "otlp")]
use crate::export::GenAiMetrics;
use crate::governance::Governance;
use crate::intern::Sym;
use crate::ledger::Ledger;
use crate::pricing::{Price, PriceTable};

/// How many resolved prices each thread caches before it starts afresh.
const PRICE_CACHE_CAPACITY: usize = 4_096;

/// One thread's resolved prices by the interned (provider, model). Aligned to its own cache
/// lines: the threads' caches sit side by side, and each lookup writes the `RefCell` flag, so
/// two threads sharing a line would slow each other down on every call.
#[repr(align(128))]
#[derive(Default)]
struct PriceCache(RefCell<FxHashMap<PriceKey, Option<Price>>>);

/// The interned (provider, model) of a price lookup.
type PriceKey = (Option<Sym>, Sym);

/// What every tracked call of one layer shares.
pub(crate) struct Engine {
    prices: PriceTable,
    price_cache: ThreadLocal<PriceCache>,
    pub(crate) ledger: Ledger,
    pub(crate) defaults: Attribution,
    /// Pico-dollars per hour of a local provider's span, if local compute is priced.
    pub(crate) local_rate: Option<u128>,
    warned: Mutex<HashSet<(String, String)>>,
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
        governance: Option<Arc<Governance>>,
    ) -> Self {
        Engine {
            prices,
            price_cache: ThreadLocal::new(),
            ledger: Ledger::new(),
            defaults,
            local_rate,
            warned: Mutex::new(HashSet::new()),
            warned_missing_usage: Mutex::new(HashSet::new()),
            #[cfg(feature = "otlp")]
            genai_metrics: std::sync::OnceLock::new(),
            governance,
        }
    }

    /// How many models the price table knows.
    pub(crate) fn models(&self) -> usize {
        self.prices.len()
    }

    /// The price of `model`, resolved once per thread and (provider, model).
    pub(crate) fn price(&self, provider: Option<Sym>, model: Sym) -> Option<Price> {
        let resolve = || {
            let provider = provider.map_or("", Sym::as_str);
            self.prices.resolve(provider, model.as_str())
        };
        let cache = self.price_cache.get_or_default();
        let Ok(mut cache) = cache.0.try_borrow_mut() else {
            return resolve();
        };
        let key = (provider, model);
        if let Some(price) = cache.get(&key) {
            return *price;
        }
        if cache.len() >= PRICE_CACHE_CAPACITY {
            cache.clear();
        }
        let price = resolve();
        cache.insert(key, price);
        price
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
        let pair = (provider.to_owned(), model.to_owned());
        let mut warned = self.warned.lock().unwrap_or_else(PoisonError::into_inner);
        warned.insert(pair.clone()).then_some(pair)
    }
}
