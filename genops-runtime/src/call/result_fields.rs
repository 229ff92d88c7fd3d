//! Recording a finished call's result fields: usage, cost, attribution it inherited, outcome and
//! the governance verdict, all in one `record_all`, so each is recorded exactly once (an OTel
//! layer appends on every record).

use std::cell::Cell;

use tracing::field::Value;
use tracing::Span;
use tracing_core::span::Id;

use super::finished::Finished;
use crate::attribution::Dimension;
use crate::governance::{PolicyResult, Verdict};
use crate::intern::Sym;
use crate::outcome::Outcome;
use crate::semconv::{self, index, TRACKED_FIELDS};
use crate::usage::ServiceTier;

thread_local! {
    /// The span whose result fields this thread is recording (0: none).
    static RECORDING_RESULTS: Cell<u64> = const { Cell::new(0) };
}

fn tokens(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Values for the fields of a tracked call site, by position: the tracked fields come first,
/// in [`TRACKED_FIELDS`]' order, and any declared with `fields(...)` after them. Empty until set;
/// a subscriber's visitor skips the empty ones.
struct Values<'a, 's> {
    /// The tracked fields' values: of a fixed length, so that setting one checks no bounds.
    values: &'s mut [Option<&'a dyn Value>; TRACKED_FIELDS.len()],
}

impl<'a> Values<'a, '_> {
    /// Records `value` in the field at `index` (each field once).
    fn set(&mut self, index: usize, value: &'a dyn Value) {
        self.values[index] = Some(value);
    }

    /// Records `value` in the field at `index`, if there is one.
    fn set_some<T: Value>(&mut self, index: usize, value: &'a Option<T>) {
        if let Some(value) = value {
            self.set(index, value);
        }
    }

    /// Records `true` in the flag at `index` when `flag` is set.
    fn flag(&mut self, index: usize, flag: bool) {
        if flag {
            self.set(index, &true);
        }
    }
}

/// Records every result field in one `record_all`, so each is recorded exactly once.
pub(crate) fn record(span: &Span, id: &Id, done: &Finished, verdict: Option<&Verdict>) {
    let Some(metadata) = span.metadata() else {
        return;
    };
    let fields = metadata.fields();
    if fields.len() < TRACKED_FIELDS.len() {
        return;
    }
    let usage = done.usage.map(|u| {
        [
            tokens(u.input),
            tokens(u.output),
            tokens(u.cache_read),
            tokens(u.cache_creation),
            tokens(u.reasoning),
        ]
    });
    let own = done.own_cost.as_usd();
    // A call with no tracked call finished inside it costs in total what it cost itself.
    let total = match done.total_cost == done.own_cost {
        true => own,
        false => done.total_cost.as_usd(),
    };
    let response_model = done.response_model.as_ref().map(|m| m.as_str());
    let response_id = done.response_id();
    let finish_reasons = done.finish_reasons();
    let service_tier = done.service_tier.map(ServiceTier::as_str);
    let error_type = done.outcome.error_type();
    let stream = done.stream.as_ref();
    let first_chunk = stream.and_then(|s| s.first_chunk).map(|d| d.as_secs_f64());
    let chunks = stream.map(|s| tokens(s.chunks));
    let stream_end = stream.map(|s| s.end.as_str());
    let implausible = done.implausible();
    // The values of the dimensions the span did not carry itself, recorded now.
    let mut attribution: [Option<&str>; Dimension::COUNT] = [None; Dimension::COUNT];
    let key = &*done.key;
    for (value, dim) in attribution.iter_mut().zip(Dimension::ALL) {
        if done.own & dim.bit() == 0 {
            *value = key.attribution.get(dim).map(Sym::as_str);
        }
    }
    let result = verdict.map_or(PolicyResult::Allowed, |v| v.result).as_str();
    let policy = verdict.and_then(|v| v.policy.as_deref());
    let reason = verdict.and_then(|v| v.reason.as_deref());
    let budget = verdict.and_then(|v| v.budget.as_ref());
    let budget_name = budget.map(|b| b.name.as_str());
    let remaining = budget.map(|b| b.remaining);
    let utilization = budget.map(|b| b.utilization);

    // On the stack for any call site of up to `ON_STACK` fields: the tracked ones and a few of
    // the user's own.
    const ON_STACK: usize = TRACKED_FIELDS.len() + 12;
    let mut on_stack: [Option<&dyn Value>; ON_STACK] = [None; ON_STACK];
    let mut on_heap;
    let values = match on_stack.get_mut(..fields.len()) {
        Some(values) => values,
        None => {
            on_heap = vec![None; fields.len()];
            &mut on_heap[..]
        }
    };
    let Some((tracked, _)) = values.split_first_chunk_mut() else {
        return;
    };
    let mut v = Values { values: tracked };
    if let Some(usage) = &usage {
        v.set(index::INPUT_TOKENS, &usage[0]);
        v.set(index::OUTPUT_TOKENS, &usage[1]);
        for (i, field) in [index::CACHE_READ, index::CACHE_CREATION, index::REASONING]
            .into_iter()
            .enumerate()
        {
            if usage[2 + i] > 0 {
                v.set(field, &usage[2 + i]);
            }
        }
    }
    v.set(index::COST, &own);
    v.set(index::COST_SELF, &own);
    v.set(index::COST_TOTAL, &total);
    v.set(index::CURRENCY, &semconv::CURRENCY_USD);
    v.flag(index::UNKNOWN_MODEL, done.unknown_model);
    v.flag(index::REJECTED, done.rejected);
    v.set_some(index::COST_TIER, &done.cost_tier);
    v.set_some(index::SERVICE_TIER, &service_tier);
    v.flag(index::SERVICE_TIER_FALLBACK, done.service_tier_fallback);
    v.flag(index::UNSUPPORTED, done.unsupported.is_some());
    v.flag(index::CANCELLED, done.outcome == Outcome::Cancelled);
    if let Some(error_type) = &error_type {
        v.set(index::ERROR_TYPE, error_type);
        v.set(index::STATUS_CODE, &"error");
    }
    v.set_some(index::RESPONSE_MODEL, &response_model);
    if done.responses.is_some() {
        v.set_some(index::RESPONSE_ID, &response_id);
        v.set_some(index::FINISH_REASONS, &finish_reasons);
    }
    for (i, value) in attribution.iter().enumerate() {
        v.set_some(index::ATTRIBUTION + i, value);
    }
    v.set(index::POLICY_RESULT, &result);
    if verdict.is_some() {
        v.set_some(index::POLICY_NAME, &policy);
        v.set_some(index::POLICY_REASON, &reason);
        v.set_some(index::BUDGET_NAME, &budget_name);
        v.set_some(index::BUDGET_REMAINING, &remaining);
        v.set_some(index::BUDGET_UTILIZATION, &utilization);
    }
    if let Some(stream) = stream {
        v.set(index::REQUEST_STREAM, &true);
        v.set_some(index::TIME_TO_FIRST_CHUNK, &first_chunk);
        v.set_some(index::STREAM_CHUNKS, &chunks);
        v.set_some(index::STREAM_END, &stream_end);
        v.flag(index::USAGE_MISSING, stream.usage_missing);
    }
    v.set_some(index::USAGE_IMPLAUSIBLE, &implausible);
    let _recording = RecordingResults::start(id);
    span.record_all(&fields.value_set_all(values));
}

/// Whether this thread is recording the result fields of the finished span `id`: the layer's
/// `on_record` has nothing to read in them.
pub(crate) fn recording_results(id: &Id) -> bool {
    RECORDING_RESULTS
        .try_with(|current| current.get() == id.into_u64())
        .unwrap_or(false)
}

/// Marks the span whose result fields are being recorded, until dropped (even by a panicking
/// layer, since span ids are reused).
struct RecordingResults(u64);

impl RecordingResults {
    fn start(id: &Id) -> Self {
        let previous = RECORDING_RESULTS
            .try_with(|current| current.replace(id.into_u64()))
            .unwrap_or(0);
        RecordingResults(previous)
    }
}

impl Drop for RecordingResults {
    fn drop(&mut self) {
        let _ = RECORDING_RESULTS.try_with(|current| current.set(self.0));
    }
}
