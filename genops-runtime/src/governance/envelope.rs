//! Run envelopes: a budget for everything beneath one tracked span (an agent's run), kept in
//! this process with the span tree.
//!
//! An envelope is shared by the states of the calls in its span's tree (each holds an `Arc` of
//! the innermost envelope it is under; an envelope holds its enclosing one), so it lives exactly
//! as long as the run's calls: it is freed when the last of them closes.

use std::sync::{Arc, Mutex};

use super::error::GovernanceError;
use super::store::lock;
use crate::money::Cost;

/// What an envelope has booked: settled spend, and the holds of gated calls in flight.
#[derive(Default)]
struct Books {
    spent: Cost,
    reserved: Cost,
}

/// The budget of one run: its span's name and trace id, its limit, and its books.
pub(crate) struct Envelope {
    run: Box<str>,
    trace_id: Option<Box<str>>,
    limit: Cost,
    books: Mutex<Books>,
    /// The envelope of an enclosing run: calls beneath both are held in both.
    parent: Option<Arc<Envelope>>,
}

/// What a gated call holds in an envelope when it names no reservation.
pub(crate) const ENVELOPE_RESERVATION: Cost = Cost::from_picos(10_000_000_000);

/// A call's part in the envelopes it is beneath, settled when it closes.
pub(crate) struct EnvelopeCall {
    /// The innermost envelope: the call's own, when it opened one.
    pub(crate) envelope: Arc<Envelope>,
    /// What the call holds in the envelopes it was admitted against.
    pub(crate) hold: Cost,
    /// The call opened `envelope`: it is the run.
    pub(crate) opened: bool,
}

impl EnvelopeCall {
    /// Settles the call's `cost`; for the run itself, its figures to record.
    pub(crate) fn close(&self, cost: Cost) -> Option<RunFigures> {
        self.envelope.settle(self.hold, cost, self.opened);
        self.opened.then(|| self.envelope.figures())
    }
}

/// A run's figures, as its span records them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RunFigures {
    pub(crate) limit: Cost,
    pub(crate) spent: Cost,
    pub(crate) remaining: Cost,
}

impl Envelope {
    /// The envelope of run `run` (its span's name, with its trace id if any) of `limit`, inside
    /// `parent`'s.
    pub(crate) fn new(
        run: &str,
        trace_id: Option<String>,
        limit: Cost,
        parent: Option<Arc<Envelope>>,
    ) -> Arc<Self> {
        Arc::new(Envelope {
            run: run.into(),
            trace_id: trace_id.map(String::into_boxed_str),
            limit,
            books: Mutex::new(Books::default()),
            parent,
        })
    }

    /// This envelope and every enclosing one, innermost first.
    fn chain(&self) -> impl Iterator<Item = &Envelope> {
        std::iter::successors(Some(self), |e| e.parent.as_deref())
    }

    /// Holds `amount` in this envelope and every enclosing one, or none of them when one has
    /// no room: the denial names that run and its figures.
    pub(crate) fn reserve(&self, amount: Cost) -> Result<(), GovernanceError> {
        for (taken, envelope) in self.chain().enumerate() {
            let mut books = lock(&envelope.books);
            if books.spent + books.reserved + amount > envelope.limit {
                let denied = GovernanceError::EnvelopeExceeded {
                    run: envelope.run.to_string(),
                    trace_id: envelope.trace_id.as_deref().map(str::to_owned),
                    limit: envelope.limit.as_usd(),
                    spent: books.spent.as_usd(),
                    reserved: books.reserved.as_usd(),
                    reservation: amount.as_usd(),
                };
                drop(books);
                self.chain().take(taken).for_each(|e| {
                    let mut books = lock(&e.books);
                    books.reserved = books.reserved.saturating_sub(amount);
                });
                return Err(denied);
            }
            books.reserved += amount;
        }
        Ok(())
    }

    /// The envelope of the enclosing run, if any.
    pub(crate) fn enclosing(&self) -> Option<&Arc<Envelope>> {
        self.parent.as_ref()
    }

    /// Gives back `hold` (zero for an ungated call) and books `cost` in this envelope and every
    /// enclosing one; `own`: the call opened this envelope, and is held only in the enclosing
    /// ones.
    pub(crate) fn settle(&self, hold: Cost, cost: Cost, own: bool) {
        for (i, envelope) in self.chain().enumerate() {
            let mut books = lock(&envelope.books);
            if !(own && i == 0) {
                books.reserved = books.reserved.saturating_sub(hold);
            }
            books.spent += cost;
        }
    }

    /// The run's limit, spend and what is left of it.
    pub(crate) fn figures(&self) -> RunFigures {
        let spent = lock(&self.books).spent;
        RunFigures {
            limit: self.limit,
            spent,
            remaining: self.limit.saturating_sub(spent),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(usd: f64) -> Cost {
        Cost::from_usd(usd).unwrap()
    }

    #[test]
    fn a_call_is_held_in_every_enclosing_envelope_or_in_none() {
        let run = Envelope::new("run", Some("abc".into()), usd(0.50), None);
        let sub = Envelope::new("sub-agent", None, usd(0.10), Some(Arc::clone(&run)));
        sub.reserve(usd(0.06)).unwrap();
        // The sub-agent's envelope is full; the run's is untouched by the denial.
        let denied = sub.reserve(usd(0.05)).unwrap_err();
        assert_eq!(
            denied,
            GovernanceError::EnvelopeExceeded {
                run: "sub-agent".into(),
                trace_id: None,
                limit: 0.10,
                spent: 0.0,
                reserved: 0.06,
                reservation: 0.05,
            }
        );
        assert_eq!(lock(&run.books).reserved, usd(0.06));
        sub.settle(usd(0.06), usd(0.04), false);
        assert_eq!(
            run.figures(),
            RunFigures {
                limit: usd(0.50),
                spent: usd(0.04),
                remaining: usd(0.46),
            }
        );
        assert_eq!(lock(&sub.books).reserved, Cost::ZERO);
        // The run's envelope denies a call that fits the sub-agent's but not its own.
        run.reserve(usd(0.45)).unwrap();
        let denied = sub.reserve(usd(0.02)).unwrap_err();
        assert!(
            matches!(denied, GovernanceError::EnvelopeExceeded { ref run, .. } if run == "run")
        );
        assert_eq!(lock(&sub.books).reserved, Cost::ZERO, "released on denial");
    }
}
