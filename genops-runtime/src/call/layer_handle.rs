//! How code outside the layer's callbacks reaches a tracked call: the generated code, the
//! `record_*` functions, a handle's drop, the log formatter.
//!
//! The layer answers `downcast_raw` for [`LayerHandle`] with its engine and a function that walks
//! its subscriber's span scopes, made for that subscriber's type when the layer was composed into
//! it. This is how `tracing-error` finds its `WithContext`: it works with any `LookupSpan`
//! subscriber, not only tracing-subscriber's `Registry`, and wherever the layer sits in the
//! stack.

use std::ops::ControlFlow;
use std::sync::Arc;

use tracing::Dispatch;
use tracing_core::span::Id;
use tracing_core::{Metadata, Subscriber};
use tracing_subscriber::registry::{Extensions, ExtensionsMut, LookupSpan, SpanRef};

use super::engine::Engine;
use super::state::TrackedState;

/// Visits the extensions of a span and then of each of its ancestors, nearest first, until the
/// visitor breaks.
type Visitor<'v> = &'v mut dyn FnMut(&mut ExtensionsMut<'_>) -> ControlFlow<()>;

/// Like [`Visitor`], reading: each span's metadata and its extensions, shared.
type Reader<'v> = &'v mut dyn FnMut(&'static Metadata<'static>, &Extensions<'_>) -> ControlFlow<()>;

/// How a walk visits each span: writing its extensions, or reading them.
enum Visit<'v> {
    Write(Visitor<'v>),
    Read(Reader<'v>),
}

/// What a GenOps layer hands out through `downcast_raw`: its engine, and the walk over the
/// span scopes of the subscriber it was composed into.
#[derive(Clone)]
pub(crate) struct LayerHandle {
    pub(crate) engine: Arc<Engine>,
    walk: fn(&Dispatch, &Id, Visit<'_>),
}

impl LayerHandle {
    /// A handle that finds no span until [`LayerHandle::compose`] says which subscriber it is in.
    pub(crate) fn new(engine: Arc<Engine>) -> Self {
        LayerHandle {
            engine,
            walk: |_, _, _| {},
        }
    }

    /// The layer was composed into a subscriber of type `S`.
    pub(crate) fn compose<S>(&mut self)
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        self.walk = walk::<S>;
    }

    /// The handle of the GenOps layer in `dispatch`'s subscriber, if it has one.
    #[inline]
    pub(crate) fn of(dispatch: &Dispatch) -> Option<&LayerHandle> {
        dispatch.downcast_ref::<LayerHandle>()
    }

    /// Visits span `id` and then its ancestors, nearest first, until `visit` breaks.
    pub(crate) fn walk(
        &self,
        dispatch: &Dispatch,
        id: &Id,
        mut visit: impl FnMut(&mut ExtensionsMut<'_>) -> ControlFlow<()>,
    ) {
        (self.walk)(dispatch, id, Visit::Write(&mut visit));
    }

    /// Reads span `id` and then its ancestors, nearest first, until `visit` breaks. Only shared
    /// locks are taken, so it is safe inside another layer's callback.
    pub(crate) fn read(
        &self,
        dispatch: &Dispatch,
        id: &Id,
        mut visit: impl FnMut(&'static Metadata<'static>, &Extensions<'_>) -> ControlFlow<()>,
    ) {
        (self.walk)(dispatch, id, Visit::Read(&mut visit));
    }

    /// Runs `f` on the nearest open call at or above span `id`: the span's own call, or the
    /// call it runs inside.
    pub(crate) fn nearest_call<R>(
        &self,
        dispatch: &Dispatch,
        id: &Id,
        f: impl FnOnce(&mut TrackedState, &Engine) -> R,
    ) -> Option<R> {
        let mut f = Some(f);
        let mut result = None;
        self.walk(dispatch, id, |extensions| match open_call(extensions) {
            Some(state) => {
                result = f.take().map(|f| f(state, &self.engine));
                ControlFlow::Break(())
            }
            None => ControlFlow::Continue(()),
        });
        result
    }
}

/// The state of the tracked call in a span's extensions, if it is still open (not finished).
pub(crate) fn open_call<'e>(extensions: &'e mut ExtensionsMut<'_>) -> Option<&'e mut TrackedState> {
    extensions
        .get_mut::<TrackedState>()
        .filter(|state| !state.is_finished())
}

/// The walk of a subscriber of type `S`: span `id` and its ancestors, nearest first.
fn walk<S>(dispatch: &Dispatch, id: &Id, mut visit: Visit<'_>)
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let Some(subscriber) = dispatch.downcast_ref::<S>() else {
        return;
    };
    // Not `SpanRef::scope()`, which looks the first span up a second time.
    for span in std::iter::successors(subscriber.span(id), SpanRef::parent) {
        let flow = match &mut visit {
            Visit::Write(visit) => visit(&mut span.extensions_mut()),
            Visit::Read(visit) => visit(span.metadata(), &span.extensions()),
        };
        if flow.is_break() {
            return;
        }
    }
}
