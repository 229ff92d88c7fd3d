//! Usage that a sync tracked call's own body records, held on its thread until the call
//! finishes.
//!
//! `record_usage` in the body of a `#[genops::track]` function is how most calls report what
//! they used, and reaching the call's state costs two span lookups: the current span, then its
//! extensions. The call's scope finishes the call with one lookup anyway. So while no span has
//! been entered or exited on this thread since the scope entered its span, and the thread's
//! subscriber is still the scope's, the current span is the call's own: the usage waits here
//! and is added, as `record_usage` would have added it, just before the call finishes.
//!
//! Anything else takes the ordinary path, which first hands held usage to its call, so
//! recordings reach a call in the order they were made. One recording is held at most; a
//! second goes the ordinary way, after the first.

use std::cell::{Cell, RefCell};

use tracing::Dispatch;
use tracing_core::span::Id;

use super::layer_handle::LayerHandle;
use crate::usage::Usage;

thread_local! {
    /// Spans entered or exited on this thread through a genops layer so far.
    static MOVES: Cell<u64> = const { Cell::new(0) };
    /// The span this thread last entered through a genops layer, and that layer's handle.
    static ENTERED: Cell<(u64, usize)> = const { Cell::new((0, 0)) };
    static HELD: RefCell<Held> = const {
        RefCell::new(Held {
            span: 0,
            handle: 0,
            moves: 0,
            usage: None,
        })
    };
}

/// The sync call whose scope is innermost on this thread, and what its body recorded.
struct Held {
    /// Its span's id (0: no call).
    span: u64,
    /// The address of its subscriber's [`LayerHandle`].
    handle: usize,
    /// [`MOVES`] when its scope entered the span: while unchanged, that span is current.
    moves: u64,
    usage: Option<Usage>,
}

fn address(handle: &LayerHandle) -> usize {
    handle as *const LayerHandle as usize
}

/// A genops layer entered span `id` (its `on_enter`).
#[inline]
pub(crate) fn entered(id: &Id, handle: &LayerHandle) {
    moved();
    let _ = ENTERED.try_with(|entered| entered.set((id.into_u64(), address(handle))));
}

/// A genops layer entered or exited a span.
#[inline]
pub(crate) fn moved() {
    let _ = MOVES.try_with(|moves| moves.set(moves.get().wrapping_add(1)));
}

/// A sync call's scope has just entered span `id` through `dispatch`: its body's usage may be
/// held from now on. Usage held for an enclosing call is handed to it first.
pub(super) fn claim(id: &Id, dispatch: &Dispatch) {
    let Ok((entered, handle)) = ENTERED.try_with(Cell::get) else {
        return;
    };
    // Entered through no genops layer: the span has no call state to hold for.
    if entered != id.into_u64() {
        return;
    }
    let outer = HELD.try_with(|held| {
        let mut held = held.try_borrow_mut().ok()?;
        let outer = match held.usage {
            // Another subscriber's call: leave it be, and hold nothing for this one.
            Some(_) if held.handle != handle => return None,
            Some(usage) => Some((held.span, usage)),
            None => None,
        };
        *held = Held {
            span: id.into_u64(),
            handle,
            moves: MOVES.try_with(Cell::get).unwrap_or(0),
            usage: None,
        };
        Some(outer)
    });
    if let Ok(Some(Some((span, usage)))) = outer {
        add(dispatch, span, usage);
    }
}

/// Holds `usage` for the call whose span is current, if that is the innermost sync call's;
/// else gives it back, for the ordinary path.
#[inline]
pub(super) fn hold(usage: Usage) -> Result<(), Usage> {
    let held = HELD.try_with(|held| {
        let mut held = held.try_borrow_mut().ok()?;
        let moves = MOVES.try_with(Cell::get).ok()?;
        if held.span == 0 || held.usage.is_some() || held.moves != moves {
            return None;
        }
        let same = tracing::dispatcher::get_default(|dispatch| {
            LayerHandle::of(dispatch).map(address) == Some(held.handle)
        });
        if !same {
            return None;
        }
        held.usage = Some(usage);
        Some(())
    });
    held.ok().flatten().ok_or(usage)
}

/// Hands usage held for a call of `handle`'s subscriber to its call: the ordinary path calls
/// this before it reaches any call, so recordings keep their order.
pub(super) fn hand_over(dispatch: &Dispatch, handle: &LayerHandle) {
    let held = HELD.try_with(|held| {
        let mut held = held.try_borrow_mut().ok()?;
        if held.usage.is_none() || held.handle != address(handle) {
            return None;
        }
        Some((held.span, held.usage.take()?))
    });
    if let Ok(Some((span, usage))) = held {
        add(dispatch, span, usage);
    }
}

/// The call of span `id` finishes: what its body's usage held, if anything. Nothing is held
/// for it afterwards.
pub(super) fn release(id: &Id) -> Option<Usage> {
    HELD.try_with(|held| {
        let mut held = held.try_borrow_mut().ok()?;
        if held.span != id.into_u64() {
            return None;
        }
        held.span = 0;
        held.usage.take()
    })
    .ok()
    .flatten()
}

/// Adds `usage` to the call of span `span`, as `record_usage` does.
fn add(dispatch: &Dispatch, span: u64, usage: Usage) {
    let Some(handle) = LayerHandle::of(dispatch) else {
        return;
    };
    let Some(span) = std::num::NonZeroU64::new(span) else {
        return;
    };
    handle.nearest_call(dispatch, &Id::from_non_zero_u64(span), |state, engine| {
        state.add_usage(engine, usage);
    });
}
