//! Per-span state of a tracked call, kept in the span's extensions.

use std::sync::Arc;
use std::time::Instant;

use super::declared::Declared;
use super::engine::Engine;
use super::finished::{Finished, StreamFinished, StreamReport};
use crate::attribution::{Attribution, Dimension};
use crate::governance::{
    Admission, Envelope, EnvelopeCall, Governance, GovernanceError, SteppedDown,
};
use crate::intern::intern;
use crate::intern::Sym;
use crate::ledger::{Entry, LedgerKey};
use crate::money::Cost;
use crate::outcome::Outcome;
use crate::pricing::Priced;
use crate::recordable::{Report, UsageReport};
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

/// What the provider responses of one call reported ([`TrackedState::apply`]).
#[derive(Default)]
struct Responses {
    /// Usage of parts and of finished responses.
    settled: Usage,
    /// The cumulative usage of the response being reported now.
    running: Usage,
    response_id: Option<Box<str>>,
    /// `["reason","reason"` (closed at finish), empty when no reason was reported.
    finish_reasons: String,
    finish_reason_count: usize,
    /// What to tell the user if a stream of these items ends without usage.
    usage_hint: Option<&'static str>,
}

impl Responses {
    fn add_finish_reason(&mut self, reason: &str) {
        if self.finish_reason_count >= crate::recordable::MAX_FINISH_REASONS {
            return;
        }
        self.finish_reason_count += 1;
        self.finish_reasons.push(if self.finish_reasons.is_empty() {
            '['
        } else {
            ','
        });
        // A JSON string: the reasons are provider identifiers, escaped all the same.
        self.finish_reasons.push('"');
        for c in reason.chars() {
            match c {
                '"' | '\\' => {
                    self.finish_reasons.push('\\');
                    self.finish_reasons.push(c);
                }
                c if c.is_control() => {}
                c => self.finish_reasons.push(c),
            }
        }
        self.finish_reasons.push('"');
    }
}

/// The state of one tracked call, kept in its span's extensions from creation to close.
pub(crate) struct TrackedState {
    key: LedgerKey,
    /// Dimensions the span carries itself; the others were inherited and are recorded at finish.
    own: u8,
    request_model: Option<Sym>,
    response_model: Option<Sym>,
    /// The call's usage so far (with responses: their `settled` plus `running`).
    usage: Usage,
    usage_recorded: bool,
    source: Source,
    /// A tracked call finished inside this one: it recorded its own response.
    had_child: bool,
    /// What recorded provider responses reported, once one was (boxed: most calls record usage
    /// by hand, and the state of every call is allocated).
    responses: Option<Box<Responses>>,
    priced: bool,
    /// The cost of the usage at its prices.
    usage_cost: Cost,
    /// The total cost of the tracked calls finished inside this one (kept inline: nested calls,
    /// a chain's steps, are common, and a box per parent would cost each one an allocation).
    children_cost: Cost,
    /// How the usage was priced, when more than the standard token prices applied (a
    /// long-context tier, a service tier's fallback, a mode genops cannot apply): boxed, rare.
    pricing_notes: Option<Box<Priced>>,
    rejected: bool,
    local: bool,
    start: Instant,
    finished: bool,
    /// What only some calls have: boxed, since a plain call has none of it and the state of
    /// every call is allocated.
    extras: Option<Box<Extras>>,
}

/// What only some tracked calls have: a manual cost, a gate, a run envelope.
#[derive(Default)]
struct Extras {
    manual_cost: Cost,
    /// Reservations of an admitted gated call.
    admission: Option<Admission>,
    /// Why a gated call was denied.
    blocked: Option<Box<GovernanceError>>,
    /// The innermost run envelope the call is beneath (its own, when it opened one): inherited
    /// from the tracked parent, so a run's calls share it without a lookup.
    envelope: Option<Arc<Envelope>>,
    /// The call opened `envelope` (`budget = ...`): it is a run.
    opened_envelope: bool,
    /// What an admitted gated call holds in the envelopes it is beneath.
    envelope_hold: Cost,
    /// The cheaper model a step-down policy admitted the call on.
    stepped: Option<SteppedDown>,
}

impl TrackedState {
    /// The state of a call declared as `declared`, beneath the tracked call whose attribution
    /// is `parent` and whose innermost run envelope is `envelope`. A call beneath a run keeps
    /// the envelope in its extras: calls outside runs allocate nothing for them.
    pub(crate) fn new(
        engine: &Engine,
        declared: Declared,
        parent: Option<&Attribution>,
        envelope: Option<Arc<Envelope>>,
    ) -> Self {
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
            source: Source::Nobody,
            had_child: false,
            responses: None,
            priced: true,
            usage_cost: Cost::ZERO,
            children_cost: Cost::ZERO,
            pricing_notes: None,
            rejected: false,
            local,
            start: Instant::now(),
            finished: false,
            extras: envelope.map(|envelope| {
                Box::new(Extras {
                    envelope: Some(envelope),
                    ..Extras::default()
                })
            }),
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
            Ok(admission) => self.extras().admission = Some(admission),
            Err(denied) => self.extras().blocked = Some(Box::new(denied)),
        }
    }

    /// The innermost run envelope the call is beneath, for the calls beneath it to inherit.
    pub(crate) fn envelope(&self) -> Option<Arc<Envelope>> {
        self.extras.as_ref()?.envelope.clone()
    }

    /// Makes the call a run of `limit`, named `run` (with its trace id): the calls beneath it
    /// are admitted against the new envelope, and against the ones it is beneath.
    pub(crate) fn open_envelope(&mut self, run: &str, trace_id: Option<String>, limit: Cost) {
        let extras = self.extras();
        let parent = extras.envelope.take();
        extras.envelope = Some(Envelope::new(run, trace_id, limit, parent));
        extras.opened_envelope = true;
    }

    /// The envelope the call itself is admitted against: the innermost one it is beneath, not
    /// its own.
    pub(crate) fn admitting_envelope(&self) -> Option<Arc<Envelope>> {
        let extras = self.extras.as_ref()?;
        let envelope = extras.envelope.as_ref()?;
        match extras.opened_envelope {
            true => envelope.enclosing().cloned(),
            false => Some(Arc::clone(envelope)),
        }
    }

    /// The call was admitted on a cheaper model than it asked for: it is priced on it, unless
    /// the provider reports another.
    pub(crate) fn stepped_down(&mut self, engine: &Engine, stepped: SteppedDown) {
        if self.response_model.is_none() {
            self.key.model = Some(stepped.to.clone());
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
        self.extras().envelope_hold = amount;
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
        self.recorded_by(Source::Explicit);
        match &mut self.responses {
            Some(responses) => {
                responses.settled.accumulate(usage);
                self.sum_usage();
            }
            None => self.usage.accumulate(usage),
        }
        self.reprice(engine);
    }

    /// Replaces the usage so far with `usage`, a cumulative count.
    pub(crate) fn set_usage(&mut self, engine: &Engine, usage: Usage) {
        self.recorded_by(Source::Explicit);
        match &mut self.responses {
            Some(responses) => {
                responses.settled = usage;
                responses.running = Usage::default();
                self.sum_usage();
            }
            None => self.usage = usage,
        }
        self.reprice(engine);
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
        }
        self.source = source;
        self.usage_recorded = true;
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
        if auto && self.had_child {
            return;
        }
        let mut changed = false;
        if let Some(model) = report.response_model {
            if self.response_model.as_ref().map(Sym::as_str) != Some(model) {
                let model = intern(model);
                self.key.model = Some(model.clone());
                self.response_model = Some(model);
                changed = true;
            }
        }
        // Until now the usage was kept directly: it is what the responses start from.
        let usage_so_far = self.usage;
        let responses = self.responses.get_or_insert_with(|| {
            Box::new(Responses {
                settled: usage_so_far,
                ..Responses::default()
            })
        });
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
            });
        if let Some(usage) = usage {
            self.recorded_by(if auto { Source::Auto } else { Source::Explicit });
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
            changed = true;
        }
        if changed {
            self.reprice(engine);
        }
    }

    pub(crate) fn add_manual_cost(&mut self, cost: Cost) {
        self.extras().manual_cost += cost;
    }

    pub(crate) fn reject_cost(&mut self) {
        self.rejected = true;
    }

    pub(crate) fn add_child_cost(&mut self, cost: Cost) {
        self.had_child = true;
        self.children_cost += cost;
    }

    /// The call's extras, made on first use.
    fn extras(&mut self) -> &mut Extras {
        self.extras.get_or_insert_with(Box::default)
    }

    /// Keeps the cost of `priced`, and how it was priced only when that is worth noting.
    fn set_pricing(&mut self, priced: Priced) {
        self.usage_cost = priced.cost;
        let noted =
            priced.tier.is_some() || priced.service_tier_fallback || priced.unsupported.is_some();
        match (&mut self.pricing_notes, noted) {
            (Some(notes), true) => **notes = priced,
            (notes, true) => *notes = Some(Box::new(priced)),
            (notes, false) => *notes = None,
        }
    }

    /// Prices the usage so far with the priced model (`key.model`: the response model wins).
    fn reprice(&mut self, engine: &Engine) {
        if !self.usage_recorded || self.local {
            self.priced = true;
            self.set_pricing(Priced::default());
            return;
        }
        let id = self
            .key
            .model
            .as_ref()
            .and_then(|model| engine.price(self.key.provider.as_ref(), model));
        self.priced = id.is_some();
        self.set_pricing(id.map_or(Priced::default(), |id| engine.cost(id, &self.usage)));
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
        if self.finished {
            return;
        }
        self.finished = true;
        let mut responses = self.responses.take();
        let duration = self.start.elapsed();
        let stream =
            stream.map(|report| StreamFinished::new(report, self.start, self.usage_recorded));
        let compute_cost = match (self.local, engine.local_rate) {
            (true, Some(picos_per_hour)) => Cost::for_duration(picos_per_hour, duration),
            _ => Cost::ZERO,
        };
        let extras = self
            .extras
            .take()
            .map_or_else(Extras::default, |extras| *extras);
        let own_cost = self.usage_cost + extras.manual_cost + compute_cost;
        let unknown_model = !self.priced;
        let warn_unknown = if unknown_model {
            let provider = self.key.provider.as_ref().map_or("", Sym::as_str);
            let model = self.key.model.as_ref().map_or("", Sym::as_str);
            engine.first_unknown(provider, model).map(Box::new)
        } else {
            None
        };
        let pricing = self.pricing_notes.as_deref().copied().unwrap_or_default();
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
            error: outcome.error_type().is_some() && extras.blocked.is_none(),
            denied: extras.blocked.is_some(),
            unknown_model,
            duration,
            first_chunk: stream.and_then(|s| s.first_chunk),
            usage_missing: stream.is_some_and(|s| s.usage_missing),
        });
        *done = Some(Finished {
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
            response_id: responses.as_mut().and_then(|r| r.response_id.take()),
            finish_reasons: responses
                .as_mut()
                .filter(|r| !r.finish_reasons.is_empty())
                .map(|r| {
                    let mut reasons = std::mem::take(&mut r.finish_reasons);
                    reasons.push(']');
                    reasons
                }),
            usage_hint: responses.as_ref().and_then(|r| r.usage_hint),
            outcome,
            #[cfg(feature = "otlp")]
            duration,
            admission: extras.admission,
            blocked: extras.blocked,
            // A call stepped down but answered by another model is booked on that one.
            step_down_ignored: extras.stepped.and_then(|stepped| {
                let answered = self.response_model.clone()?;
                (!answered.as_str().starts_with(stepped.to.as_str()))
                    .then(|| Box::new((stepped, answered)))
            }),
            envelope: extras.envelope.map(|envelope| EnvelopeCall {
                envelope,
                hold: extras.envelope_hold,
                opened: extras.opened_envelope,
            }),
            stream,
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
        assert!(size <= 256, "TrackedState is {size} bytes");
    }
}
