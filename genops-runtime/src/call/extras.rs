//! What only some tracked calls have: a manual cost, a gate, a run envelope, a step-down, a
//! claim that cannot be true. Boxed in the call's state, since a plain call has none of it and
//! the state of every call is allocated, and handed whole to what it records once finished.

use std::sync::Arc;

use crate::governance::{Admission, Envelope, EnvelopeCall, GovernanceError, SteppedDown};
use crate::money::Cost;

/// What only some tracked calls have.
#[derive(Default)]
pub(crate) struct Extras {
    pub(crate) manual_cost: Cost,
    /// Reservations of an admitted gated call.
    pub(crate) admission: Option<Admission>,
    /// The (input, output) token caps of the worst case an admitted call holds.
    pub(crate) held: Option<(u64, u64)>,
    /// Why a gated call was denied.
    pub(crate) blocked: Option<Box<GovernanceError>>,
    /// The first count a response claimed that cannot be true (`genops.usage.implausible`).
    pub(crate) implausible: Option<Box<str>>,
    /// The innermost run envelope the call is beneath (its own, when it opened one), with what
    /// the call holds in it: inherited from the tracked parent, so a run's calls share it
    /// without a lookup.
    pub(crate) envelope: Option<EnvelopeCall>,
    /// The cheaper model a step-down policy admitted the call on.
    pub(crate) stepped: Option<SteppedDown>,
}

impl Extras {
    /// The extras of a call beneath the run envelope `envelope`.
    pub(crate) fn beneath(envelope: Arc<Envelope>) -> Self {
        Extras {
            envelope: Some(EnvelopeCall {
                envelope,
                hold: Cost::ZERO,
                opened: false,
            }),
            ..Extras::default()
        }
    }
}
