//! Per-span state of a tracked call, kept in the span's extensions.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::declared::Declared;
use super::engine::Engine;
use super::stream::{StreamEnd, StreamReport};
use crate::attribution::{Attribution, Dimension};
use crate::governance::{Admission, Governance, GovernanceError};
use crate::intern::Sym;
use crate::ledger::{Entry, LedgerKey};
use crate::money::Cost;
use crate::outcome::Outcome;
use crate::pricing::Priced;
use crate::usage::{ServiceTier, Usage};

/// The state of one tracked call, kept in its span's extensions from creation to close.
pub(crate) struct TrackedState {
    key: LedgerKey,
    /// Dimensions the span carries itself; the others were inherited and are recorded at finish.
    own: u8,
    request_model: Option<Sym>,
    response_model: Option<Sym>,
    usage: Usage,
    usage_recorded: bool,
    priced: bool,
    /// The cost of the usage and how it was priced: tiers and flags for the span.
    pricing: Priced,
    manual_cost: Cost,
    children_cost: Cost,
    rejected: bool,
    local: bool,
    start: Instant,
    finished: bool,
    /// Reservations of an admitted gated call.
    admission: Option<Admission>,
    /// Why a gated call was denied (boxed: rare, and the state is moved into the span).
    blocked: Option<Box<GovernanceError>>,
}

/// What a finished call records on its span and reports, after the books are closed.
pub(crate) struct Finished {
    /// The call's ledger key, with the model it was priced as.
    pub(crate) key: LedgerKey,
    /// Dimensions the span carried itself.
    own: u8,
    pub(crate) usage: Option<Usage>,
    pub(crate) own_cost: Cost,
    pub(crate) total_cost: Cost,
    pub(crate) unknown_model: bool,
    /// `(provider, model)` the first time this layer saw it unpriced: warn once.
    pub(crate) warn_unknown: Option<Box<(String, String)>>,
    /// The long-context tier of the price (`above_200k`), `None` for flat prices.
    pub(crate) cost_tier: Option<&'static str>,
    /// The service tier of the call, `None` for the standard tier.
    pub(crate) service_tier: Option<ServiceTier>,
    /// The model has no prices of its own for the service tier: standard prices applied.
    pub(crate) service_tier_fallback: bool,
    /// Why the price may be wrong (a pricing mode genops cannot apply).
    pub(crate) unsupported: Option<&'static str>,
    /// `(provider, model, reason)` the first time this layer priced it with rules it cannot
    /// apply: warn once.
    pub(crate) warn_unsupported: Option<Box<(String, String, &'static str)>>,
    pub(crate) rejected: bool,
    pub(crate) response_model: Option<Sym>,
    pub(crate) outcome: Outcome,
    #[cfg(feature = "otlp")]
    pub(crate) duration: Duration,
    /// Reservations of an admitted gated call, to settle.
    pub(crate) admission: Option<Admission>,
    /// Why a gated call was denied.
    pub(crate) blocked: Option<Box<GovernanceError>>,
    /// What a streamed call's stream reported.
    pub(crate) stream: Option<StreamFinished>,
}

/// A streamed call's result fields.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StreamFinished {
    pub(crate) first_chunk: Option<Duration>,
    /// The mean time per item after the first (up to the stream's end), with two or more:
    /// for the OTLP metric.
    #[cfg(feature = "otlp")]
    pub(crate) per_chunk: Option<Duration>,
    pub(crate) chunks: u64,
    pub(crate) end: StreamEnd,
    /// It completed without any recorded usage.
    pub(crate) usage_missing: bool,
}

impl StreamFinished {
    fn new(report: StreamReport, start: Instant, usage_recorded: bool) -> Self {
        #[cfg(feature = "otlp")]
        let per_chunk = match report.first_item {
            Some(first) if report.items >= 2 => {
                let gaps = u32::try_from(report.items - 1).unwrap_or(u32::MAX);
                Some(first.elapsed() / gaps)
            }
            _ => None,
        };
        StreamFinished {
            first_chunk: report
                .first_item
                .map(|t| t.saturating_duration_since(start)),
            #[cfg(feature = "otlp")]
            per_chunk,
            chunks: report.items,
            end: report.end,
            usage_missing: report.end == StreamEnd::Completed && !usage_recorded,
        }
    }
}

impl Finished {
    /// The value of `dim` if the span did not carry it itself: recorded at finish.
    pub(crate) fn inherited(&self, dim: Dimension) -> Option<&Sym> {
        if self.own & dim.bit() == 0 {
            self.key.attribution.get(dim)
        } else {
            None
        }
    }
}

impl TrackedState {
    pub(crate) fn new(engine: &Engine, declared: Declared, parent: Option<&Attribution>) -> Self {
        let own = declared.attribution.mask();
        let mut attribution = declared.attribution;
        if let Some(parent) = parent {
            attribution.inherit(parent);
        }
        attribution.inherit(&engine.defaults);
        let local = declared
            .provider
            .as_ref()
            .is_some_and(|p| crate::semconv::is_local_provider(p.as_str()));
        TrackedState {
            request_model: declared.model.clone(),
            key: LedgerKey {
                attribution,
                provider: declared.provider,
                operation: declared.operation,
                model: declared.model,
            },
            own,
            response_model: None,
            usage: Usage::default(),
            usage_recorded: false,
            priced: true,
            pricing: Priced::default(),
            manual_cost: Cost::ZERO,
            children_cost: Cost::ZERO,
            rejected: false,
            local,
            start: Instant::now(),
            finished: false,
            admission: None,
            blocked: None,
        }
    }

    /// The governance engine and the call's key, for admission.
    pub(crate) fn governance(&self, engine: &Engine) -> Option<(Arc<Governance>, LedgerKey)> {
        let engine = engine.governance.clone()?;
        Some((engine, self.key.clone()))
    }

    /// Stores the result of admission.
    pub(crate) fn admitted(&mut self, result: Result<Admission, GovernanceError>) {
        match result {
            Ok(admission) => self.admission = Some(admission),
            Err(denied) => self.blocked = Some(Box::new(denied)),
        }
    }

    pub(crate) fn is_finished(&self) -> bool {
        self.finished
    }

    pub(crate) fn attribution(&self) -> &Attribution {
        &self.key.attribution
    }

    /// Who and what the call is for, as booked so far.
    pub(crate) fn key(&self) -> &LedgerKey {
        &self.key
    }

    /// A value the span recorded for a dimension after it was created.
    pub(crate) fn set_attribution(&mut self, dim: Dimension, value: Sym) {
        self.own |= dim.bit();
        self.key.attribution.set(dim, value);
    }

    pub(crate) fn set_request_model(&mut self, engine: &Engine, model: Sym) {
        if self.response_model.is_none() {
            self.key.model = Some(model.clone());
        }
        self.request_model = Some(model);
        self.reprice(engine);
    }

    pub(crate) fn set_response_model(&mut self, engine: &Engine, model: Sym) {
        self.key.model = Some(model.clone());
        self.response_model = Some(model);
        self.reprice(engine);
    }

    pub(crate) fn add_usage(&mut self, engine: &Engine, usage: Usage) {
        self.usage.accumulate(usage);
        self.usage_recorded = true;
        self.reprice(engine);
    }

    /// Replaces the usage so far with `usage`, a cumulative count.
    pub(crate) fn set_usage(&mut self, engine: &Engine, usage: Usage) {
        self.usage = usage;
        self.usage_recorded = true;
        self.reprice(engine);
    }

    pub(crate) fn add_manual_cost(&mut self, cost: Cost) {
        self.manual_cost += cost;
    }

    pub(crate) fn reject_cost(&mut self) {
        self.rejected = true;
    }

    pub(crate) fn add_child_cost(&mut self, cost: Cost) {
        self.children_cost += cost;
    }

    /// Prices the usage so far with the priced model (`key.model`: the response model wins).
    fn reprice(&mut self, engine: &Engine) {
        if !self.usage_recorded || self.local {
            self.priced = true;
            self.pricing = Priced::default();
            return;
        }
        let id = self
            .key
            .model
            .as_ref()
            .and_then(|model| engine.price(self.key.provider.as_ref(), model));
        self.priced = id.is_some();
        self.pricing = id.map_or(Priced::default(), |id| engine.cost(id, &self.usage));
    }

    /// Closes the call's books once: books it in the ledger and says what to record.
    pub(crate) fn finish(
        &mut self,
        engine: &Engine,
        outcome: Outcome,
        stream: Option<StreamReport>,
    ) -> Option<Finished> {
        if self.finished {
            return None;
        }
        self.finished = true;
        let duration = self.start.elapsed();
        let stream =
            stream.map(|report| StreamFinished::new(report, self.start, self.usage_recorded));
        let compute_cost = match (self.local, engine.local_rate) {
            (true, Some(picos_per_hour)) => {
                let nanos = duration.as_nanos();
                Cost::from_picos(picos_per_hour.saturating_mul(nanos) / 3_600_000_000_000)
            }
            _ => Cost::ZERO,
        };
        let own_cost = self.pricing.cost + self.manual_cost + compute_cost;
        let unknown_model = !self.priced;
        let warn_unknown = if unknown_model {
            let provider = self.key.provider.as_ref().map_or("", Sym::as_str);
            let model = self.key.model.as_ref().map_or("", Sym::as_str);
            engine.first_unknown(provider, model).map(Box::new)
        } else {
            None
        };
        let pricing = self.pricing;
        let warn_unsupported = pricing.unsupported.and_then(|reason| {
            let provider = self.key.provider.as_ref().map_or("", Sym::as_str);
            let model = self.key.model.as_ref().map_or("", Sym::as_str);
            engine
                .first_unsupported(provider, model)
                .map(|(provider, model)| Box::new((provider, model, reason)))
        });
        let service_tier = (self.usage_recorded
            && !self.local
            && self.usage.service_tier != ServiceTier::Standard)
            .then_some(self.usage.service_tier);
        engine.ledger.book(Entry {
            key: &self.key,
            usage: self.usage,
            cost: own_cost,
            error: outcome.error_type().is_some(),
            unknown_model,
            duration,
            first_chunk: stream.and_then(|s| s.first_chunk),
            usage_missing: stream.is_some_and(|s| s.usage_missing),
        });
        Some(Finished {
            key: self.key.clone(),
            own: self.own,
            usage: self.usage_recorded.then_some(self.usage),
            own_cost,
            total_cost: own_cost + self.children_cost,
            unknown_model,
            warn_unknown,
            cost_tier: pricing.tier,
            service_tier,
            service_tier_fallback: pricing.service_tier_fallback,
            unsupported: pricing.unsupported,
            warn_unsupported,
            rejected: self.rejected,
            response_model: self.response_model.clone(),
            outcome,
            #[cfg(feature = "otlp")]
            duration,
            admission: self.admission.take(),
            blocked: self.blocked.take(),
            stream,
        })
    }
}
