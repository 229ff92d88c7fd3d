//! Recording a finished call's result fields: usage, cost, attribution it inherited, outcome and
//! the governance verdict, all in one `record_all`, so each is recorded exactly once (an OTel
//! layer appends on every record).

use std::cell::{Cell, RefCell};
use std::sync::{Mutex, PoisonError};

use rustc_hash::FxHashMap;
use tracing::field::{Field, Value};
use tracing::{Metadata, Span};
use tracing_core::span::Id;

use super::finished::Finished;
use crate::attribution::Dimension;
use crate::governance::{PolicyResult, Verdict};
use crate::intern::Sym;
use crate::outcome::Outcome;
use crate::semconv::{self, index, TRACKED_FIELDS};
use crate::usage::ServiceTier;

/// The handles of a tracked call site's fields, by position.
type SiteFields = [Field; TRACKED_FIELDS.len()];

/// Every tracked call site's field handles, looked up once per process and call site.
static SITES: Mutex<Option<FxHashMap<usize, &'static SiteFields>>> = Mutex::new(None);

thread_local! {
    /// The span whose result fields this thread is recording (0: none).
    static RECORDING_RESULTS: Cell<u64> = const { Cell::new(0) };
    /// This thread's shortcut to [`SITES`], so finishing a call takes no lock.
    static SEEN_SITES: RefCell<FxHashMap<usize, &'static SiteFields>> =
        RefCell::new(FxHashMap::default());
    /// The tracked call site this thread finished a call of last, and its field handles: calls
    /// of one site often finish in a row, and then need no map look-up.
    static LAST_SITE: Cell<Option<(usize, &'static SiteFields)>> = const { Cell::new(None) };
}

/// The field handles of `metadata`'s call site, or `None` if it is not a tracked call site.
fn site_fields(metadata: &'static Metadata<'static>) -> Option<&'static SiteFields> {
    let key = metadata as *const Metadata<'static> as usize;
    let lookup = || {
        let mut sites = SITES.lock().unwrap_or_else(PoisonError::into_inner);
        let sites = sites.get_or_insert_with(FxHashMap::default);
        if let Some(&fields) = sites.get(&key) {
            return Some(fields);
        }
        let mut iter = metadata.fields().iter();
        let slots: [Option<Field>; TRACKED_FIELDS.len()] = std::array::from_fn(|_| iter.next());
        if slots.iter().any(Option::is_none) {
            return None;
        }
        // One allocation per call site, for the life of the process, like the call site itself.
        let fields: &'static SiteFields = Box::leak(Box::new(slots.map(Option::unwrap)));
        sites.insert(key, fields);
        Some(fields)
    };
    if let Ok(Some((last, fields))) = LAST_SITE.try_with(Cell::get) {
        if last == key {
            return Some(fields);
        }
    }
    let fields = SEEN_SITES
        .try_with(|cell| {
            if let Some(&fields) = cell.borrow().get(&key) {
                return Some(fields);
            }
            let fields = lookup()?;
            cell.borrow_mut().insert(key, fields);
            Some(fields)
        })
        .unwrap_or_else(|_| lookup())?;
    let _ = LAST_SITE.try_with(|last| last.set(Some((key, fields))));
    Some(fields)
}

fn opt<T: Value>(value: &Option<T>) -> Option<&dyn Value> {
    value.as_ref().map(|v| v as &dyn Value)
}

fn tokens(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Records every result field in one `record_all`, so each is recorded exactly once.
pub(crate) fn record(span: &Span, id: &Id, done: &Finished, verdict: Option<&Verdict>) {
    let Some(metadata) = span.metadata() else {
        return;
    };
    let Some(f) = site_fields(metadata) else {
        return;
    };
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
    let total = done.total_cost.as_usd();
    let response_model = done.response_model.as_ref().map(|m| m.as_str());
    let response_id = done.response_id.as_deref();
    let finish_reasons = done.finish_reasons.as_deref();
    let cost_tier = done.cost_tier;
    let service_tier = done.service_tier.map(ServiceTier::as_str);
    let error_type = done.outcome.error_type();
    let cancelled = done.outcome == Outcome::Cancelled;
    let stream = done.stream.as_ref();
    let first_chunk = stream.and_then(|s| s.first_chunk).map(|d| d.as_secs_f64());
    let chunks = stream.map(|s| tokens(s.chunks));
    let stream_end = stream.map(|s| s.end.as_str());
    let usage_missing = stream.is_some_and(|s| s.usage_missing);
    let implausible = done.implausible.as_deref();

    fn some<T: Value>(value: &T) -> Option<&dyn Value> {
        Some(value as &dyn Value)
    }
    let when = |cond: bool, value: &'static dyn Value| cond.then_some(value);
    let usage_field = |i: usize, always: bool| {
        usage
            .as_ref()
            .map(|u| &u[i])
            .filter(|&&n| always || n > 0)
            .map(|n| n as &dyn Value)
    };
    let attribution: [Option<&str>; Dimension::COUNT] =
        Dimension::ALL.map(|dim| done.inherited(dim).map(Sym::as_str));
    let attr_value = |i: usize| attribution[i].as_ref().map(|v| v as &dyn Value);
    let result = verdict.map_or(PolicyResult::Allowed, |v| v.result).as_str();
    let policy = verdict.and_then(|v| v.policy.as_deref());
    let reason = verdict.and_then(|v| v.reason.as_deref());
    let budget = verdict.and_then(|v| v.budget.as_ref());
    let budget_name = budget.map(|b| b.name.as_str());
    let remaining = budget.map(|b| b.remaining);
    let utilization = budget.map(|b| b.utilization);

    let values = [
        (&f[index::INPUT_TOKENS], usage_field(0, true)),
        (&f[index::OUTPUT_TOKENS], usage_field(1, true)),
        (&f[index::CACHE_READ], usage_field(2, false)),
        (&f[index::CACHE_CREATION], usage_field(3, false)),
        (&f[index::REASONING], usage_field(4, false)),
        (&f[index::COST], some(&own)),
        (&f[index::COST_SELF], some(&own)),
        (&f[index::COST_TOTAL], some(&total)),
        (&f[index::CURRENCY], some(&semconv::CURRENCY_USD)),
        (&f[index::UNKNOWN_MODEL], when(done.unknown_model, &true)),
        (&f[index::REJECTED], when(done.rejected, &true)),
        (&f[index::COST_TIER], opt(&cost_tier)),
        (&f[index::SERVICE_TIER], opt(&service_tier)),
        (
            &f[index::SERVICE_TIER_FALLBACK],
            when(done.service_tier_fallback, &true),
        ),
        (
            &f[index::UNSUPPORTED],
            when(done.unsupported.is_some(), &true),
        ),
        (&f[index::CANCELLED], when(cancelled, &true)),
        (
            &f[index::ERROR_TYPE],
            error_type.as_ref().map(|e| e as &dyn Value),
        ),
        (&f[index::STATUS_CODE], when(error_type.is_some(), &"error")),
        (
            &f[index::RESPONSE_MODEL],
            response_model.as_ref().map(|m| m as &dyn Value),
        ),
        (&f[index::RESPONSE_ID], opt(&response_id)),
        (&f[index::FINISH_REASONS], opt(&finish_reasons)),
        (&f[index::ATTRIBUTION], attr_value(0)),
        (&f[index::ATTRIBUTION + 1], attr_value(1)),
        (&f[index::ATTRIBUTION + 2], attr_value(2)),
        (&f[index::ATTRIBUTION + 3], attr_value(3)),
        (&f[index::ATTRIBUTION + 4], attr_value(4)),
        (&f[index::ATTRIBUTION + 5], attr_value(5)),
        (&f[index::ATTRIBUTION + 6], attr_value(6)),
        (&f[index::POLICY_RESULT], some(&result)),
        (&f[index::POLICY_NAME], opt(&policy)),
        (&f[index::POLICY_REASON], opt(&reason)),
        (&f[index::BUDGET_NAME], opt(&budget_name)),
        (&f[index::BUDGET_REMAINING], opt(&remaining)),
        (&f[index::BUDGET_UTILIZATION], opt(&utilization)),
        (&f[index::REQUEST_STREAM], when(stream.is_some(), &true)),
        (&f[index::TIME_TO_FIRST_CHUNK], opt(&first_chunk)),
        (&f[index::STREAM_CHUNKS], opt(&chunks)),
        (&f[index::STREAM_END], opt(&stream_end)),
        (&f[index::USAGE_MISSING], when(usage_missing, &true)),
        (&f[index::USAGE_IMPLAUSIBLE], opt(&implausible)),
    ];
    let _recording = RecordingResults::start(id);
    span.record_all(&metadata.fields().value_set(&values));
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
