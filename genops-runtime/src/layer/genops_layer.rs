//! The GenOps layer itself: recognises tracked spans, keeps each call's state in its span's
//! extensions, and hands the rest of a call's life to [`crate::call`].

use std::any::TypeId;
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use tracing_core::span::{Attributes, Id, Record};
use tracing_core::Subscriber;
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::{LookupSpan, SpanRef};

use crate::attribution::Dimension;
use crate::call::{
    closing_finished, entered_span, is_tracked, learn_site, moved_span, recording_results,
    take_site, DeclaredVisitor, Engine, LayerHandle, Pending, ReadsDeclared, TrackedState,
};
#[cfg(feature = "otlp")]
use crate::export::GenAiMetrics;
use crate::governance::{BudgetStatus, Kill, Scope};
use crate::ledger::{Ledger, LedgerKey};
use crate::outcome::Outcome;

/// The GenOps layer: recognises tracked spans, prices their usage, rolls costs up to tracked
/// ancestors and books every call in its [`Ledger`].
///
/// Build it with [`layer()`](crate::layer) or [`GenOpsLayer::builder`](crate::GenOpsLayer::builder), or let `genops::init()`
/// install it.
///
/// ```
/// use tracing_subscriber::prelude::*;
/// let layer = genops::layer();
/// let ledger = layer.ledger();
/// let subscriber = tracing_subscriber::registry().with(layer);
/// tracing::subscriber::with_default(subscriber, || {
///     // tracked calls here are booked in `ledger`
/// });
/// assert_eq!(ledger.snapshot().total.calls, 0);
/// ```
#[derive(Clone)]
pub struct GenOpsLayer {
    handle: LayerHandle,
}

impl fmt::Debug for GenOpsLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GenOpsLayer")
            .field("models", &self.handle.engine.models())
            .finish_non_exhaustive()
    }
}

impl GenOpsLayer {
    /// A layer over `engine`, not yet composed into a subscriber.
    pub(super) fn new(engine: Engine) -> Self {
        GenOpsLayer {
            handle: LayerHandle::new(Arc::new(engine)),
        }
    }

    /// A handle to this layer's ledger.
    pub fn ledger(&self) -> Ledger {
        self.handle.engine.ledger.clone()
    }

    /// Every budget's current window: limit, spent and reserved.
    pub fn budgets(&self) -> Vec<BudgetStatus> {
        self.handle
            .engine
            .governance
            .as_ref()
            .map_or_else(Vec::new, |g| g.statuses())
    }

    /// Every budget's burn-rate forecast: at the rate this process spent over the budget's
    /// recent interval ([`Budget::burn_rate_over`](crate::Budget::burn_rate_over)), when its
    /// window's remaining amount runs out; for a per-value budget, one forecast per value it
    /// meters ([`BudgetForecast::value`](crate::BudgetForecast::value)). The Prometheus
    /// endpoint shows it as `genops_budget_exhaustion_seconds` (a per-value budget: the first
    /// of its values to run out).
    pub fn budget_forecasts(&self) -> Vec<crate::BudgetForecast> {
        self.handle
            .engine
            .governance
            .as_ref()
            .map_or_else(Vec::new, |g| g.forecasts())
    }

    /// Errors talking to a shared budget store so far (always 0 in memory); the Prometheus
    /// endpoint shows them as `genops_budget_store_errors_total`.
    ///
    /// ```
    /// use genops::{Budget, GenOpsLayer, Scope, Usd};
    /// let layer = GenOpsLayer::builder()
    ///     .budget(Budget::daily("d", Scope::all(), Usd(1.0)).hard())
    ///     .build();
    /// assert_eq!(layer.budget_store_errors(), 0);
    /// ```
    pub fn budget_store_errors(&self) -> u64 {
        self.handle
            .engine
            .governance
            .as_ref()
            .map_or(0, |g| g.store_errors())
    }

    /// Stops every gated call in `scope` with `GovernanceError::Killed` until it is revived
    /// (ungated calls run, flagged and warned about): in this process at once, and with a
    /// shared budget store in every replica within a second, until revived. An error when the
    /// layer has no governance engine (no budget, policy, rate limit, kill or budget store is
    /// configured), or the store cannot keep the kill.
    ///
    /// ```
    /// use genops::{GenOpsLayer, RateLimit, Scope};
    /// let layer = GenOpsLayer::builder().rate_limit(RateLimit::requests(100)).build();
    /// layer.kill(Scope::team("search"), "runaway agent loop")?;
    /// assert_eq!(layer.kills().len(), 1);
    /// assert!(layer.revive(&Scope::team("search"))?);
    /// # Ok::<(), String>(())
    /// ```
    pub fn kill(&self, scope: Scope, reason: &str) -> Result<(), String> {
        self.engine_governance()?.kill(scope, reason)
    }

    /// Lifts the kill of `scope` (here and in the shared store); whether this replica knew it.
    pub fn revive(&self, scope: &Scope) -> Result<bool, String> {
        self.engine_governance()?.revive(scope)
    }

    /// The kills in force, as this replica knows them.
    pub fn kills(&self) -> Vec<Kill> {
        self.handle
            .engine
            .governance
            .as_ref()
            .map_or_else(Vec::new, |g| g.kills())
    }

    /// The governance engine, or why there is none to kill in.
    fn engine_governance(&self) -> Result<&crate::governance::Governance, String> {
        self.handle.engine.governance.as_deref().ok_or_else(|| {
            "this layer has no governance engine to kill in: configure a budget store, a \
             budget, policy or rate limit (or set GENOPS_KILL or GENOPS_BUDGET_STORE)"
                .to_owned()
        })
    }

    /// The governance engine, when budgets or policies are configured.
    #[cfg(feature = "prometheus")]
    pub(crate) fn governance(&self) -> Option<Arc<crate::governance::Governance>> {
        self.handle.engine.governance.clone()
    }

    /// Records every finished call into these GenAI metric instruments too.
    #[cfg(feature = "otlp")]
    pub(crate) fn set_genai_metrics(&self, metrics: Arc<GenAiMetrics>) {
        let _ = self.handle.engine.genai_metrics.set(metrics);
    }
}

impl<S> Layer<S> for GenOpsLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_layer(&mut self, _subscriber: &mut S) {
        self.handle.compose::<S>();
    }

    /// Answers for [`LayerHandle`] too: how code outside these callbacks finds the engine and walks
    /// this subscriber's spans.
    unsafe fn downcast_raw(&self, id: TypeId) -> Option<*const ()> {
        if id == TypeId::of::<Self>() {
            Some(self as *const Self as *const ())
        } else if id == TypeId::of::<LayerHandle>() {
            Some(&self.handle as *const LayerHandle as *const ())
        } else {
            None
        }
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if !is_tracked(attrs.metadata()) {
            return;
        }
        let key = match take_site(attrs.metadata()) {
            Pending::Known(key) => key,
            pending => {
                let mut declared = LedgerKey::default();
                attrs.record(&mut DeclaredVisitor(&mut declared));
                match pending {
                    Pending::Unlearned(site) => learn_site(site, attrs.metadata(), &declared)
                        .unwrap_or(Cow::Owned(declared)),
                    _ => Cow::Owned(declared),
                }
            }
        };
        let Some(span) = ctx.span(id) else { return };
        // Not `parent.scope()`, which looks the parent up a second time.
        let parent = std::iter::successors(span.parent(), SpanRef::parent).find_map(|ancestor| {
            let extensions = ancestor.extensions();
            extensions
                .get::<TrackedState>()
                .map(|state| (state.attribution().clone(), state.envelope()))
        });
        let (parent_attribution, envelope) = parent.unzip();
        let state = TrackedState::new(
            &self.handle.engine,
            key,
            parent_attribution.as_ref(),
            envelope.flatten(),
        );
        span.extensions_mut().insert(state);
    }

    fn on_enter(&self, id: &Id, _ctx: Context<'_, S>) {
        // A sync call's body records its usage without a span lookup while no other span
        // moves on its thread.
        entered_span(id, &self.handle);
    }

    fn on_exit(&self, _id: &Id, _ctx: Context<'_, S>) {
        moved_span();
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        // A finished call's result fields: nothing to read.
        if recording_results(id) {
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
        let mut declared = LedgerKey::default();
        values.record(&mut DeclaredVisitor(&mut declared));
        for dim in Dimension::ALL {
            if let Some(value) = declared.attribution.get(dim) {
                state.set_attribution(dim, value.clone());
            }
        }
        if let Some(model) = declared.model {
            state.set_request_model(&self.handle.engine, model);
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        // A tracked span that closes without being finished (a `genops::span!` handle's
        // future dropped before its first poll, say) is still booked, once. A sync call's scope
        // drops its span right after finishing it: then there is nothing to look up.
        if closing_finished(&id) {
            return;
        }
        let Some(span) = ctx.span(&id) else { return };
        let mut extensions = span.extensions_mut();
        if let Some(state) = extensions.get_mut::<TrackedState>() {
            let mut done = None;
            state.finish(&self.handle.engine, Outcome::Ok, None, &mut done);
            // Nothing to settle: the generated code admits a gated call only once something
            // that finishes it exists (a sync call's handle, an async call's running future), so
            // a gated call is always finished before its span closes.
            debug_assert!(
                done.is_none_or(|done| done.admission().is_none() && done.blocked().is_none()),
                "a gated call closed unfinished: its admission would never be settled"
            );
        }
    }
}

#[cfg(all(test, feature = "otlp"))]
mod genai_metrics_tests {
    //! The OTLP GenAI instruments as the layer feeds them (here, above both, so that the export
    //! module needs no layer to be tested).
    use std::sync::Arc;

    use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData};
    use opentelemetry_sdk::metrics::InMemoryMetricExporter;
    use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
    use tracing_subscriber::prelude::*;

    use crate::export::{GenAiMetrics, TOKEN_BUCKETS};
    use crate::ledger::DURATION_BUCKETS;
    use crate::test_support::tracked_call;
    use crate::Usage;

    fn call(model: &str, fail: bool) {
        let call = tracked_call("search", model, Usage::new(1_000, 100));
        if fail {
            call.fail("RateLimited");
        }
    }

    #[test]
    fn the_genai_instruments_have_their_names_buckets_and_attributes() {
        let exporter = InMemoryMetricExporter::default();
        let provider = SdkMeterProvider::builder()
            .with_reader(PeriodicReader::builder(exporter.clone()).build())
            .build();
        let layer = crate::layer();
        layer.set_genai_metrics(Arc::new(GenAiMetrics::new(provider.clone())));
        tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
            call("gpt-4o", false);
            call("gpt-4o", true);
            // A streamed call of three chunks.
            let streamed = tracked_call("search", "gpt-4o", Usage::new(0, 0));
            let chunks = futures::stream::iter([1, 2, 3]);
            futures::executor::block_on(futures::StreamExt::count(streamed.stream(chunks)));
        });
        provider.force_flush().unwrap();
        let exported = exporter.get_finished_metrics().unwrap();
        let metrics: Vec<_> = exported
            .iter()
            .flat_map(|rm| rm.scope_metrics())
            .flat_map(|sm| sm.metrics())
            .collect();
        let find = |name: &str| {
            *metrics
                .iter()
                .find(|m| m.name() == name)
                .unwrap_or_else(|| panic!("no metric {name}"))
        };

        let tokens = find("gen_ai.client.token.usage");
        assert_eq!(tokens.unit(), "{token}");
        let AggregatedMetrics::U64(MetricData::Histogram(h)) = tokens.data() else {
            panic!()
        };
        let points: Vec<_> = h.data_points().collect();
        assert_eq!(points.len(), 2, "one series per gen_ai.token.type");
        for p in &points {
            assert_eq!(p.bounds().collect::<Vec<_>>(), TOKEN_BUCKETS.to_vec());
            let kind = p
                .attributes()
                .find(|kv| kv.key.as_str() == "gen_ai.token.type")
                .unwrap();
            let expected = if kind.value.as_str() == "input" {
                2_000
            } else {
                200
            };
            assert_eq!(p.sum(), expected);
            assert_eq!(p.count(), 3, "two calls and the streamed one (0 tokens)");
        }

        let duration = find("gen_ai.client.operation.duration");
        assert_eq!(duration.unit(), "s");
        let AggregatedMetrics::F64(MetricData::Histogram(h)) = duration.data() else {
            panic!()
        };
        let points: Vec<_> = h.data_points().collect();
        assert_eq!(points.len(), 2, "a failed call carries error.type");
        assert!(points.iter().any(|p| p
            .attributes()
            .any(|kv| kv.key.as_str() == "error.type" && kv.value.as_str() == "RateLimited")));
        assert_eq!(
            points[0].bounds().collect::<Vec<_>>(),
            DURATION_BUCKETS.to_vec()
        );

        for name in [
            "gen_ai.client.operation.time_to_first_chunk",
            "gen_ai.client.operation.time_per_output_chunk",
        ] {
            let metric = find(name);
            assert_eq!(metric.unit(), "s");
            let AggregatedMetrics::F64(MetricData::Histogram(h)) = metric.data() else {
                panic!("{name} is not a histogram")
            };
            let count: u64 = h.data_points().map(|p| p.count()).sum();
            assert_eq!(count, 1, "{name}: only the streamed call has one");
        }

        let cost = find("gen_ai.usage.cost");
        assert_eq!(cost.unit(), "USD");
        let AggregatedMetrics::F64(MetricData::Sum(s)) = cost.data() else {
            panic!()
        };
        let total: f64 = s.data_points().map(|p| p.value()).sum();
        // Two calls of 1,000 × $2.50/M + 100 × $10/M = $0.0035 each.
        assert_eq!((total * 1e9).round() as i64, 7_000_000);
    }
}
