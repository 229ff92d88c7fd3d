//! The tracing [`Layer`] that prices tracked calls and keeps the ledger.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use rustc_hash::FxHashMap;
use thread_local::ThreadLocal;
use tracing_core::field::{Field, Visit};
use tracing_core::span::{Attributes, Id, Record};
use tracing_core::{Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use crate::attribution::{intern, Attribution, Dimension, Sym};
use crate::export::GenAiMetrics;
use crate::governance::{governance_setters, Governance, GovernanceSettings};
use crate::init::InitError;
use crate::ledger::Ledger;
use crate::money::Cost;
use crate::pricing::{Price, PriceTable};
use crate::semconv::{self, index};
use crate::site::{self, Pending};
use crate::state::{Declared, TrackedState};

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

/// What every tracked span of one layer shares: prices, books and defaults.
pub(crate) struct Shared {
    prices: PriceTable,
    price_cache: ThreadLocal<PriceCache>,
    pub(crate) ledger: Ledger,
    pub(crate) defaults: Attribution,
    /// Pico-dollars per hour of a local provider's span, if local compute is priced.
    pub(crate) local_rate: Option<u128>,
    warned: Mutex<HashSet<(String, String)>>,
    /// The OTLP GenAI metric instruments, once `init()` has set them up.
    pub(crate) genai_metrics: OnceLock<Arc<GenAiMetrics>>,
    /// Budgets and policies, when any are configured.
    pub(crate) governance: Option<Arc<Governance>>,
}

impl Shared {
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

    /// The GenOps layer's shared state in `dispatch`'s subscriber, if it has one. Tracked spans
    /// reach their layer this way rather than each holding a reference count on it, which would
    /// cost two atomic operations per call on a cache line every thread shares.
    pub(crate) fn of(dispatch: &tracing::Dispatch) -> Option<&Shared> {
        dispatch
            .downcast_ref::<GenOpsLayer>()
            .map(|layer| &*layer.shared)
    }

    /// `Some` the first time this (provider, model) is found unpriced.
    pub(crate) fn first_unknown(&self, provider: &str, model: &str) -> Option<(String, String)> {
        let pair = (provider.to_owned(), model.to_owned());
        let mut warned = self.warned.lock().unwrap_or_else(PoisonError::into_inner);
        warned.insert(pair.clone()).then_some(pair)
    }
}

/// The GenOps layer: recognises tracked spans, prices their usage, rolls costs up to tracked
/// ancestors and books every call in its [`Ledger`].
///
/// Build it with [`layer()`](crate::layer) or [`GenOpsLayer::builder`], or let
/// [`init()`](crate::init) install it.
///
/// ```
/// use tracing_subscriber::prelude::*;
/// let layer = genops_runtime::layer();
/// let ledger = layer.ledger();
/// let subscriber = tracing_subscriber::registry().with(layer);
/// tracing::subscriber::with_default(subscriber, || {
///     // tracked calls here are booked in `ledger`
/// });
/// assert_eq!(ledger.snapshot().total.calls, 0);
/// ```
#[derive(Clone)]
pub struct GenOpsLayer {
    shared: Arc<Shared>,
}

impl fmt::Debug for GenOpsLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GenOpsLayer")
            .field("models", &self.shared.prices.len())
            .finish_non_exhaustive()
    }
}

/// Builds a [`GenOpsLayer`] with a custom price table, defaults or local compute rate.
///
/// ```
/// use genops_runtime::{Dimension, GenOpsLayer, PriceTable};
/// let mut prices = PriceTable::embedded();
/// prices.alias("our-gpt", "gpt-4o");
/// let layer = GenOpsLayer::builder()
///     .prices(prices)
///     .default_attribution(Dimension::Team, "platform")
///     .local_compute_rate(1.20)
///     .build();
/// ```
#[derive(Debug, Default)]
pub struct LayerBuilder {
    prices: Option<PriceTable>,
    defaults: Vec<(Dimension, String)>,
    local_rate: Option<u128>,
    governance: GovernanceSettings,
}

impl LayerBuilder {
    /// The price table to use instead of the embedded one.
    pub fn prices(mut self, prices: PriceTable) -> Self {
        self.prices = Some(prices);
        self
    }

    /// A default for `dim`, used when neither the span nor a tracked ancestor has one. It wins
    /// over the `GENOPS_*` environment variables.
    pub fn default_attribution(mut self, dim: Dimension, value: impl Into<String>) -> Self {
        self.defaults.push((dim, value.into()));
        self
    }

    /// Prices local providers (`ollama`, `vllm`, `llama_cpp`) by span duration at this many USD
    /// per hour. Without it they cost nothing. A negative or non-finite rate is ignored.
    pub fn local_compute_rate(mut self, usd_per_hour: f64) -> Self {
        self.local_rate = Cost::from_usd(usd_per_hour).map(Cost::picos);
        self
    }

    governance_setters!();

    pub(crate) fn governance_settings(mut self, settings: GovernanceSettings) -> Self {
        self.governance = settings;
        self
    }

    /// The layer, with a fresh ledger, or an error naming a budget with an invalid amount.
    pub fn try_build(self) -> Result<GenOpsLayer, InitError> {
        let governance = if !self.governance.is_empty() {
            let engine =
                Governance::new(self.governance).map_err(|problem| InitError::Invalid {
                    setting: "budget",
                    problem,
                })?;
            Some(Arc::new(engine))
        } else {
            None
        };
        Ok(Self::layer(
            self.prices,
            &self.defaults,
            self.local_rate,
            governance,
        ))
    }

    /// The layer, with a fresh ledger.
    ///
    /// # Panics
    ///
    /// If a budget has a negative or non-finite amount; use [`try_build`](Self::try_build) to
    /// get an error instead.
    pub fn build(self) -> GenOpsLayer {
        match self.try_build() {
            Ok(layer) => layer,
            Err(e) => panic!("{e}"),
        }
    }

    fn layer(
        prices: Option<PriceTable>,
        defaults_given: &[(Dimension, String)],
        local_rate: Option<u128>,
        governance: Option<Arc<Governance>>,
    ) -> GenOpsLayer {
        let mut defaults = Attribution::default();
        for (dim, value) in defaults_given {
            defaults.set(*dim, intern(value));
        }
        defaults.inherit(&Attribution::from_env());
        GenOpsLayer {
            shared: Arc::new(Shared {
                prices: prices.unwrap_or_else(PriceTable::embedded),
                price_cache: ThreadLocal::new(),
                ledger: Ledger::new(),
                defaults,
                local_rate,
                warned: Mutex::new(HashSet::new()),
                genai_metrics: OnceLock::new(),
                governance,
            }),
        }
    }
}

impl GenOpsLayer {
    /// A builder for a layer with custom settings.
    pub fn builder() -> LayerBuilder {
        LayerBuilder::default()
    }

    /// A handle to this layer's ledger.
    pub fn ledger(&self) -> Ledger {
        self.shared.ledger.clone()
    }

    /// Every budget's current window: limit, spent and reserved.
    pub fn budgets(&self) -> Vec<crate::governance::BudgetStatus> {
        self.shared
            .governance
            .as_ref()
            .map_or_else(Vec::new, |g| g.statuses())
    }

    /// The governance engine, when budgets or policies are configured.
    pub(crate) fn governance(&self) -> Option<Arc<Governance>> {
        self.shared.governance.clone()
    }

    /// Records every finished call into these GenAI metric instruments too.
    pub(crate) fn set_genai_metrics(&self, metrics: Arc<GenAiMetrics>) {
        let _ = self.shared.genai_metrics.set(metrics);
    }
}

/// A [`GenOpsLayer`] with the embedded price table and defaults from the environment.
///
/// ```
/// let layer = genops_runtime::layer();
/// let _ledger = layer.ledger();
/// ```
pub fn layer() -> GenOpsLayer {
    GenOpsLayer::builder().build()
}

/// Whether a span was declared by `#[genops::track]` or `genops::span!`: their first field is
/// always `gen_ai.operation.name`.
pub(crate) fn is_tracked(metadata: &Metadata<'_>) -> bool {
    metadata
        .fields()
        .iter()
        .next()
        .is_some_and(|field| field.name() == semconv::GEN_AI_OPERATION_NAME)
}

/// Reads the fields that drive pricing and attribution, by their fixed position.
struct DeclaredVisitor<'a>(&'a mut Declared);

impl Visit for DeclaredVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        let i = field.index();
        match i {
            index::OPERATION => self.0.operation = Some(intern(value)),
            index::PROVIDER => self.0.provider = Some(intern(value)),
            index::REQUEST_MODEL => self.0.model = Some(intern(value)),
            _ if (index::ATTRIBUTION..index::ATTRIBUTION + 7).contains(&i) && !value.is_empty() => {
                let dim = Dimension::ALL[i - index::ATTRIBUTION];
                self.0.attribution.set(dim, intern(value));
            }
            _ => {}
        }
    }

    fn record_debug(&mut self, _field: &Field, _value: &dyn fmt::Debug) {}
}

/// Whether a record carries a string at a position [`DeclaredVisitor`] reads (a model or an
/// attribution value), before the span is known to be tracked.
struct ReadsDeclared(bool);

impl Visit for ReadsDeclared {
    fn record_str(&mut self, field: &Field, _value: &str) {
        let i = field.index();
        self.0 |=
            i == index::REQUEST_MODEL || (index::ATTRIBUTION..index::ATTRIBUTION + 7).contains(&i);
    }

    fn record_debug(&mut self, _field: &Field, _value: &dyn fmt::Debug) {}
}

impl<S> Layer<S> for GenOpsLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if !is_tracked(attrs.metadata()) {
            return;
        }
        let declared = match site::take(attrs.metadata()) {
            Pending::Known(declared) => declared,
            pending => {
                let mut declared = Declared::default();
                attrs.record(&mut DeclaredVisitor(&mut declared));
                if let Pending::Unlearned(site) = pending {
                    site::learn(site, attrs.metadata(), &declared);
                }
                declared
            }
        };
        let Some(span) = ctx.span(id) else { return };
        let parent_attribution = span.parent().and_then(|parent| {
            parent.scope().find_map(|ancestor| {
                let extensions = ancestor.extensions();
                extensions
                    .get::<TrackedState>()
                    .map(|state| *state.attribution())
            })
        });
        let state = TrackedState::new(&self.shared, declared, parent_attribution.as_ref());
        span.extensions_mut().insert(state);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        // A finished call's result fields: nothing to read.
        if crate::finish::recording_results(id) {
            return;
        }
        // Most other records carry nothing this layer reads either: skip the span lookup.
        let mut reads = ReadsDeclared(false);
        values.record(&mut reads);
        if !reads.0 {
            return;
        }
        let Some(span) = ctx.span(id) else { return };
        if !is_tracked(span.metadata()) {
            return;
        }
        let mut extensions = span.extensions_mut();
        let Some(state) = extensions.get_mut::<TrackedState>() else {
            return;
        };
        // A finished call's own result fields come through here too: nothing to read.
        if state.is_finished() {
            return;
        }
        let mut declared = Declared::default();
        values.record(&mut DeclaredVisitor(&mut declared));
        for dim in Dimension::ALL {
            if let Some(value) = declared.attribution.get(dim) {
                state.set_attribution(dim, value);
            }
        }
        if let Some(model) = declared.model {
            state.set_request_model(&self.shared, model);
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        // A tracked span that closes without being finished (its handle was leaked into a
        // longer-lived clone, say) is still booked, once.
        let Some(span) = ctx.span(&id) else { return };
        let mut extensions = span.extensions_mut();
        if let Some(state) = extensions.get_mut::<TrackedState>() {
            let _ = state.finish(&self.shared, crate::state::Outcome::Ok);
        }
    }
}
