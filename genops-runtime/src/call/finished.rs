//! What a finished call is: how its stream ended and what it records and reports once its books
//! are closed. Plain data, shared by the call's state, its close and its stream.

use std::borrow::Cow;
use std::time::{Duration, Instant};

use super::extras::Extras;
use super::responses::Responses;
use crate::governance::{Admission, EnvelopeCall, GovernanceError, SteppedDown};
use crate::intern::Sym;
use crate::ledger::LedgerKey;
use crate::money::Cost;
use crate::outcome::Outcome;
use crate::usage::{ServiceTier, Usage};

/// How a streamed call ended (`genops.stream.end`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StreamEnd {
    /// The stream yielded its last item and no item was an error.
    Completed,
    /// The stream ended after an item that was an `Err`, or its function returned an `Err`.
    Error,
    /// The stream was dropped before its end.
    Cancelled,
}

impl StreamEnd {
    /// The field value.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            StreamEnd::Completed => "completed",
            StreamEnd::Error => "error",
            StreamEnd::Cancelled => "cancelled",
        }
    }
}

/// What the wrapper saw of a stream, for the call's result fields. Only the first item is
/// timed: the clock is read once more when the stream ends, never per item.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StreamReport {
    pub(crate) first_item: Option<Instant>,
    pub(crate) items: u64,
    pub(crate) end: StreamEnd,
}

/// What a finished call records on its span and reports, after the books are closed.
pub(crate) struct Finished {
    /// The call's ledger key, with the model it was priced as (its call site's, shared, when
    /// the call kept the site's literal values).
    pub(crate) key: Cow<'static, LedgerKey>,
    /// Dimensions the span carried itself.
    pub(crate) own: u8,
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
    /// What a streamed call's stream reported.
    pub(crate) stream: Option<StreamFinished>,
    /// What the call's responses reported, if it recorded any: moved whole, not unpacked, since
    /// most calls have none.
    pub(crate) responses: Option<Box<Responses>>,
    /// What only some calls have (a gate, a run, a step-down, a claim that cannot be true):
    /// moved whole likewise.
    pub(crate) extras: Option<Box<Extras>>,
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
    /// What `report` says of a stream whose call started at `start`.
    pub(crate) fn new(report: StreamReport, start: Instant, usage_recorded: bool) -> Self {
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
    /// The id of the last response.
    pub(crate) fn response_id(&self) -> Option<&str> {
        self.responses.as_ref()?.response_id.as_deref()
    }

    /// The finish reasons, a JSON array of strings.
    pub(crate) fn finish_reasons(&self) -> Option<&str> {
        self.responses.as_ref()?.finish_reasons()
    }

    /// What to tell the user if the call's stream ended without usage.
    pub(crate) fn usage_hint(&self) -> Option<&'static str> {
        self.responses.as_ref()?.usage_hint
    }

    /// The first count a response claimed that cannot be true, and why
    /// (`genops.usage.implausible`): the response was booked at its bound.
    pub(crate) fn implausible(&self) -> Option<&str> {
        self.extras.as_ref()?.implausible.as_deref()
    }

    /// Reservations of an admitted gated call, to settle.
    pub(crate) fn admission(&self) -> Option<&Admission> {
        self.extras.as_ref()?.admission.as_ref()
    }

    /// Why a gated call was denied.
    pub(crate) fn blocked(&self) -> Option<&GovernanceError> {
        self.extras.as_ref()?.blocked.as_deref()
    }

    /// The run envelopes the call is beneath, to settle.
    pub(crate) fn envelope(&self) -> Option<&EnvelopeCall> {
        self.extras.as_ref()?.envelope.as_ref()
    }

    /// A call stepped down but answered by another model (booked on it): the step-down and the
    /// model that answered, to warn of.
    pub(crate) fn step_down_ignored(&self) -> Option<(&SteppedDown, &Sym)> {
        let stepped = self.extras.as_ref()?.stepped.as_ref()?;
        let answered = self.response_model.as_ref()?;
        (!answered.as_str().starts_with(stepped.to.as_str())).then_some((stepped, answered))
    }
}
