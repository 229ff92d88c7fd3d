//! Per-span state of a tracked call, kept in the span's extensions.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Instant;

use super::engine::Engine;
use super::extras::Extras;
use super::finished::{Finished, StreamFinished, StreamReport};
use super::responses::Responses;
use crate::attribution::{Attribution, Dimension};
use crate::governance::{
    Admission, Envelope, EnvelopeCall, Governance, GovernanceError, SteppedDown,
};
use crate::intern::intern;
use crate::intern::Sym;
use crate::ledger::{CallClasses, Entry, LedgerKey};
use crate::money::Cost;
use crate::outcome::Outcome;
use crate::plausibility::{self, Limits};
use crate::pricing::{EntryId, Priced, Rates};
use crate::recordable::{NotACount, Report, UsageReport};
use crate::usage::{ServiceTier, Usage};

/// Who recorded a call's usage: automatic recording steps aside for user code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    Nobody,
    /// A value the call returned or its stream yielded.
    Auto,
    /// User code: `record_usage`, `record_cumulative_usage` or `record`.
    Explicit,
}

/// Yes-or-no facts about a call, as bits: one byte where five `bool`s took five, which keeps
/// the state within 240 bytes.
#[derive(Clone, Copy, Default)]
struct Flags(u8);

impl Flags {
    /// Usage was recorded.
    const USAGE_RECORDED: u8 = 1;
    /// A tracked call finished inside this one: it recorded its own response.
    const HAD_CHILD: u8 = 1 << 1;
    /// A manual cost was rejected (NaN, infinite or negative).
    const REJECTED: u8 = 1 << 2;
    /// A local provider's call: priced by time, not by token.
    const LOCAL: u8 = 1 << 3;
    /// The call's books are closed.
    const FINISHED: u8 = 1 << 4;

    fn has(self, flag: u8) -> bool {
        self.0 & flag != 0
    }

    fn set(&mut self, flag: u8) {
        self.0 |= flag;
    }
}

/// The state of one tracked call, kept in its span's extensions from creation to close.
pub(crate) struct TrackedState {
    /// Borrowed from the call site while the call keeps the site's literal values (most calls
    /// do): then the state copies no key, and drops none.
    key: Cow<'static, LedgerKey>,
    /// Dimensions the span carries itself; the others were inherited and are recorded at finish.
    own: u8,
    request_model: Option<Sym>,
    response_model: Option<Sym>,
    /// The call's usage so far (with responses: their `settled` plus `running`).
    usage: Usage,
    source: Source,
    /// What recorded provider responses reported, once one was (boxed: most calls record usage
    /// by hand, and the state of every call is allocated).
    responses: Option<Box<Responses>>,
    /// The price entry of the priced model, when it has one (see [`Self::priced`]).
    price: Option<EntryId>,
    /// The total cost of the tracked calls finished inside this one (kept inline: nested calls,
    /// a chain's steps, are common, and a box per parent would cost each one an allocation).
    children_cost: Cost,
    start: Instant,
    /// Yes-or-no facts about the call ([`Flags`]).
    flags: Flags,
    /// What only some calls have: boxed, since a plain call has none of it and the state of
    /// every call is allocated.
    extras: Option<Box<Extras>>,
}

impl TrackedState {
    /// The state of a call keyed `key` (what its span declared), beneath the tracked call whose
    /// attribution is `parent` and whose innermost run envelope is `envelope`. A call beneath a
    /// run keeps the envelope in its extras: calls outside runs allocate nothing for them.
    pub(crate) fn new(
        engine: &Engine,
        mut key: Cow<'static, LedgerKey>,
        parent: Option<&Attribution>,
        envelope: Option<Arc<Envelope>>,
    ) -> Self {
        let own = key.attribution.mask();
        for fallback in [parent, engine.defaults.as_ref()].into_iter().flatten() {
            if key.attribution.would_inherit(fallback) {
                key.to_mut().attribution.inherit(fallback);
            }
        }
        let local = key
            .provider
            .as_ref()
            .is_some_and(|p| crate::semconv::is_local_provider(p.as_str()));
        TrackedState {
            request_model: key.model.clone(),
            key,
            own,
            response_model: None,
            usage: Usage::default(),
            source: Source::Nobody,
            responses: None,
            price: None,
            children_cost: Cost::ZERO,
            start: Instant::now(),
            flags: if local {
                Flags(Flags::LOCAL)
            } else {
                Flags::default()
            },
            extras: envelope.map(|envelope| Box::new(Extras::beneath(envelope))),
        }
    }

    /// The governance engine and the call's key, for admission.
    pub(crate) fn governance(&self, engine: &Engine) -> Option<(Arc<Governance>, LedgerKey)> {
        let engine = engine.governance.clone()?;
        Some((engine, LedgerKey::clone(&self.key)))
    }

    /// Stores the result of admission, and the token caps of the worst case it holds.
    pub(crate) fn admitted(
        &mut self,
        result: Result<Admission, GovernanceError>,
        held: Option<(u64, u64)>,
    ) {
        match result {
            Ok(admission) => {
                let extras = self.extras();
                extras.admission = Some(admission);
                extras.held = held;
            }
            Err(denied) => self.extras().blocked = Some(Box::new(denied)),
        }
    }

    /// The (input, output) token caps of the worst case the admitted call holds
    /// (`enforce(reserve = request)`): usage beyond them cannot be true.
    pub(crate) fn admitted_caps(&self) -> Option<(u64, u64)> {
        self.extras.as_ref().and_then(|extras| extras.held)
    }

    /// The innermost run envelope the call is beneath, for the calls beneath it to inherit.
    pub(crate) fn envelope(&self) -> Option<Arc<Envelope>> {
        let call = self.extras.as_ref()?.envelope.as_ref()?;
        Some(Arc::clone(&call.envelope))
    }

    /// Makes the call a run of `limit`, named `run` (with its trace id): the calls beneath it
    /// are admitted against the new envelope, and against the ones it is beneath.
    pub(crate) fn open_envelope(&mut self, run: &str, trace_id: Option<String>, limit: Cost) {
        let extras = self.extras();
        let parent = extras.envelope.take().map(|call| call.envelope);
        extras.envelope = Some(EnvelopeCall {
            envelope: Envelope::new(run, trace_id, limit, parent),
            hold: Cost::ZERO,
            opened: true,
        });
    }

    /// The envelope the call itself is admitted against: the innermost one it is beneath, not
    /// its own.
    pub(crate) fn admitting_envelope(&self) -> Option<Arc<Envelope>> {
        let call = self.extras.as_ref()?.envelope.as_ref()?;
        match call.opened {
            true => call.envelope.enclosing().cloned(),
            false => Some(Arc::clone(&call.envelope)),
        }
    }

    /// The call was admitted on a cheaper model than it asked for: it is priced on it, unless
    /// the provider reports another.
    pub(crate) fn stepped_down(&mut self, engine: &Engine, stepped: SteppedDown) {
        if self.response_model.is_none() {
            self.key.to_mut().model = Some(stepped.to.clone());
        }
        self.extras().stepped = Some(stepped);
        self.reprice(engine);
    }

    /// The model the call may use: the one a step-down admitted it on, else the one it asked
    /// for.
    pub(crate) fn admitted_model(&self) -> Option<&Sym> {
        let stepped = self.extras.as_ref().and_then(|e| e.stepped.as_ref());
        stepped.map(|s| &s.to).or(self.request_model.as_ref())
    }

    /// Notes that an admitted call holds `amount` in the envelopes it is beneath.
    pub(crate) fn held_in_envelopes(&mut self, amount: Cost) {
        if let Some(call) = &mut self.extras().envelope {
            call.hold = amount;
        }
    }

    fn usage_recorded(&self) -> bool {
        self.flags.has(Flags::USAGE_RECORDED)
    }

    /// A local provider's call, priced by time.
    fn local(&self) -> bool {
        self.flags.has(Flags::LOCAL)
    }

    pub(crate) fn is_finished(&self) -> bool {
        self.flags.has(Flags::FINISHED)
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
        self.key.to_mut().attribution.set(dim, value);
    }

    pub(crate) fn set_request_model(&mut self, engine: &Engine, model: Sym) {
        if self.response_model.is_none() {
            self.key.to_mut().model = Some(model.clone());
        }
        self.request_model = Some(model);
        self.reprice(engine);
    }

    pub(crate) fn set_response_model(&mut self, engine: &Engine, model: Sym) {
        self.key.to_mut().model = Some(model.clone());
        self.response_model = Some(model);
        self.reprice(engine);
    }

    pub(crate) fn add_usage(&mut self, engine: &Engine, usage: Usage) {
        let first = !self.usage_recorded();
        self.recorded_by(Source::Explicit);
        let id = self.entry(engine);
        let usage = self.believe(engine, id, usage, None);
        match &mut self.responses {
            Some(responses) => {
                responses.settled.accumulate(usage);
                self.sum_usage();
            }
            // Nothing recorded before: adding to no usage is the usage itself.
            None if first => self.usage = usage,
            None => self.usage.accumulate(usage),
        }
        self.price_at(id);
    }

    /// Replaces the usage so far with `usage`, a cumulative count.
    pub(crate) fn set_usage(&mut self, engine: &Engine, usage: Usage) {
        self.recorded_by(Source::Explicit);
        let id = self.entry(engine);
        let usage = self.believe(engine, id, usage, None);
        match &mut self.responses {
            Some(responses) => {
                responses.settled = usage;
                responses.running = Usage::default();
                self.sum_usage();
            }
            None => self.usage = usage,
        }
        self.price_at(id);
    }

    /// Notes who records usage now. User code's first recording discards what was recorded
    /// automatically before, so a response is never counted twice.
    fn recorded_by(&mut self, source: Source) {
        if source == Source::Explicit && self.source == Source::Auto {
            if let Some(responses) = &mut self.responses {
                responses.settled = Usage::default();
                responses.running = Usage::default();
            }
            self.usage = Usage::default();
            if let Some(extras) = &mut self.extras {
                extras.implausible = None;
            }
        }
        self.source = source;
        self.flags.set(Flags::USAGE_RECORDED);
    }

    /// The usage so far, from the responses' (without responses, `usage` is kept directly).
    fn sum_usage(&mut self) {
        if let Some(responses) = &self.responses {
            self.usage = responses.settled;
            self.usage.accumulate(responses.running);
        }
    }

    /// Applies what a response or stream event reported (`auto`: a value the call returned or
    /// its stream yielded). Automatic recording steps aside for user code: it records no usage
    /// once user code has, and nothing once a tracked call finished inside this one.
    pub(crate) fn apply(&mut self, engine: &Engine, report: &Report<'_>, auto: bool) {
        if auto && self.flags.has(Flags::HAD_CHILD) {
            return;
        }
        let mut changed = false;
        if let Some(model) = report.response_model {
            if self.response_model.as_ref().map(Sym::as_str) != Some(model) {
                let model = intern(model);
                self.key.to_mut().model = Some(model.clone());
                self.response_model = Some(model);
                changed = true;
            }
        }
        // Until now the usage was kept directly: it is what the responses start from.
        let usage_so_far = self.usage;
        let responses = self
            .responses
            .get_or_insert_with(|| Box::new(Responses::starting_at(usage_so_far)));
        let new_response = match report.response_id {
            Some(id) if responses.response_id.as_deref() != Some(id) => {
                responses.response_id = Some(id.into());
                true
            }
            _ => false,
        };
        for reason in report.finish_reasons() {
            responses.add_finish_reason(reason);
        }
        if report.if_usage_missing.is_some() {
            responses.usage_hint = report.if_usage_missing;
        }
        let provider = self.key.provider.as_ref().map(Sym::as_str);
        let usage = report
            .usage
            .filter(|_| !(auto && self.source == Source::Explicit))
            .map(|usage| match report.input_excludes_cache_on {
                Some(excludes) if provider == Some(excludes) => usage.with_cache_in_input(),
                _ => usage,
            })
            .map(|usage| match report.output_excludes_reasoning_on {
                Some(excludes) if provider == Some(excludes) => usage.with_reasoning_in_output(),
                _ => usage,
            });
        if let Some(usage) = usage {
            self.recorded_by(if auto { Source::Auto } else { Source::Explicit });
            let id = self.entry(engine);
            let bad = report.not_a_count.as_ref();
            let usage = match usage {
                UsageReport::Part(u) => UsageReport::Part(self.believe(engine, id, u, bad)),
                UsageReport::Cumulative(u) => {
                    UsageReport::Cumulative(self.believe(engine, id, u, bad))
                }
            };
            if let Some(responses) = &mut self.responses {
                match usage {
                    UsageReport::Part(usage) => responses.settled.accumulate(usage),
                    UsageReport::Cumulative(usage) => {
                        if new_response {
                            let finished = std::mem::take(&mut responses.running);
                            responses.settled.accumulate(finished);
                        }
                        responses.running.raise(usage);
                    }
                }
            }
            self.sum_usage();
            self.price_at(id);
        } else if changed {
            self.reprice(engine);
        }
    }

    /// What one response's `usage` books: itself when it can be true; else (a count beyond the
    /// limits of the priced entry `id`, or `not_a_count`) its bound, and the claim is kept.
    fn believe(
        &mut self,
        engine: &Engine,
        id: Option<EntryId>,
        usage: Usage,
        not_a_count: Option<&NotACount<'_>>,
    ) -> Usage {
        let limits = id.map_or(Limits::FALLBACK, |id| engine.limits(id));
        // The caps `(input, output)` of the worst case the call was admitted with, if any.
        let caps = self.admitted_caps();
        let claim = match (not_a_count, plausibility::check(&usage, limits, caps)) {
            (None, None) => return usage,
            (Some(bad), _) => bad.to_string(),
            (None, Some(beyond)) => beyond.to_string(),
        };
        self.extras()
            .implausible
            .get_or_insert_with(|| claim.into_boxed_str());
        limits.bound(caps, &usage)
    }

    pub(crate) fn add_manual_cost(&mut self, cost: Cost) {
        self.extras().manual_cost += cost;
    }

    pub(crate) fn reject_cost(&mut self) {
        self.flags.set(Flags::REJECTED);
    }

    pub(crate) fn add_child_cost(&mut self, cost: Cost) {
        self.flags.set(Flags::HAD_CHILD);
        self.children_cost += cost;
    }

    /// The call's extras, made on first use.
    fn extras(&mut self) -> &mut Extras {
        self.extras.get_or_insert_with(Box::default)
    }

    /// Whether the usage has prices: none recorded, a local model's (priced by time), or a
    /// model with a price entry.
    fn priced(&self) -> bool {
        !self.usage_recorded() || self.local() || self.price.is_some()
    }

    /// The price entry of the priced model (`key.model`: the response model wins), if it has
    /// one; a local provider's calls have none.
    fn entry(&self, engine: &Engine) -> Option<EntryId> {
        if self.local() {
            return None;
        }
        let model = self.key.model.as_ref()?;
        engine.price(self.key.provider.as_ref(), model)
    }

    /// Finds the prices of the usage so far, of the priced model. The usage is priced once, when
    /// the call finishes.
    fn reprice(&mut self, engine: &Engine) {
        let id = if self.usage_recorded() {
            self.entry(engine)
        } else {
            None
        };
        self.price_at(id);
    }

    /// Keeps entry `id`, the priced model's, as the prices of the usage so far.
    fn price_at(&mut self, id: Option<EntryId>) {
        self.price = id.filter(|_| self.usage_recorded());
    }

    /// Closes the call's books once: books it in the ledger and puts what to record in `done`
    /// (in place: a finished call is large, and moving it costs a copy).
    pub(crate) fn finish(
        &mut self,
        engine: &Engine,
        outcome: Outcome,
        stream: Option<StreamReport>,
        done: &mut Option<Finished>,
    ) {
        if self.flags.has(Flags::FINISHED) {
            return;
        }
        self.flags.set(Flags::FINISHED);
        let mut responses = self.responses.take();
        if let Some(responses) = &mut responses {
            responses.close();
        }
        let extras = self.extras.take();
        let duration = self.start.elapsed();
        let stream =
            stream.map(|report| StreamFinished::new(report, self.start, self.usage_recorded()));
        let (compute_cost, compute_nanos) = match (self.local(), engine.local_rate) {
            (true, Some(picos_per_hour)) => (
                Cost::for_duration(picos_per_hour, duration),
                u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX),
            ),
            _ => (Cost::ZERO, 0),
        };
        let manual_cost = extras.as_ref().map_or(Cost::ZERO, |e| e.manual_cost);
        // The usage's cost and how it was priced, by token class.
        // Priced in place: the classes are large, and copying them costs.
        let mut classes = CallClasses {
            recorded: manual_cost,
            compute: (compute_cost, compute_nanos),
            ..CallClasses::default()
        };
        let pricing = match (self.price, self.usage_recorded() && !self.local()) {
            (Some(id), _) => engine.by_class(id, &self.usage, &mut classes.by_class),
            (None, true) => {
                Rates::unpriced(&self.usage, &mut classes.by_class);
                Priced::default()
            }
            (None, false) => Priced::default(),
        };
        let own_cost = pricing.cost + manual_cost + compute_cost;
        let unknown_model = !self.priced();
        let warn_unknown = if unknown_model {
            let provider = self.key.provider.as_ref().map_or("", Sym::as_str);
            let model = self.key.model.as_ref().map_or("", Sym::as_str);
            engine.first_unknown(provider, model).map(Box::new)
        } else {
            None
        };
        let warn_unsupported = pricing.unsupported.and_then(|reason| {
            let provider = self.key.provider.as_ref().map_or("", Sym::as_str);
            let model = self.key.model.as_ref().map_or("", Sym::as_str);
            engine
                .first_unsupported(provider, model)
                .map(|(provider, model)| Box::new((provider, model, reason)))
        });
        let service_tier = (self.usage_recorded()
            && !self.local()
            && self.usage.service_tier != ServiceTier::Standard)
            .then_some(self.usage.service_tier);
        classes.pricing_tier = pricing.tier;
        classes.service_tier = service_tier.unwrap_or_default();
        let denied = extras.as_ref().is_some_and(|e| e.blocked.is_some());
        engine.ledger.book(Entry {
            key: &self.key,
            usage: self.usage,
            cost: own_cost,
            error: outcome.error_type().is_some() && !denied,
            denied,
            unknown_model,
            duration,
            first_chunk: stream.and_then(|s| s.first_chunk),
            usage_missing: stream.is_some_and(|s| s.usage_missing),
            implausible: extras.as_ref().is_some_and(|e| e.implausible.is_some()),
            classes: &classes,
        });
        *done = Some(Finished {
            key: self.key.clone(),
            own: self.own,
            usage: self.usage_recorded().then_some(self.usage),
            own_cost,
            total_cost: own_cost + self.children_cost,
            unknown_model,
            warn_unknown,
            cost_tier: pricing.tier,
            service_tier,
            service_tier_fallback: pricing.service_tier_fallback,
            unsupported: pricing.unsupported,
            warn_unsupported,
            rejected: self.flags.has(Flags::REJECTED),
            response_model: self.response_model.clone(),
            outcome,
            #[cfg(feature = "otlp")]
            duration,
            stream,
            responses,
            extras,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_state_stays_small() {
        // Every tracked call allocates one: what only some calls need is boxed.
        let size = std::mem::size_of::<TrackedState>();
        assert!(size <= 240, "TrackedState is {size} bytes");
    }
}
