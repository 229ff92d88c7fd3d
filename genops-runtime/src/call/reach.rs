//! How code outside the layer's callbacks reaches a tracked call: the generated code, the
//! `record_*` functions, a handle's drop.
//!
//! The layer answers `downcast_raw` for [`Reach`] with its engine and a function that walks its
//! subscriber's span scopes, made for that subscriber's type when the layer was composed into it.
//! This is how `tracing-error` finds its `WithContext`: it works with any `LookupSpan`
//! subscriber, not only tracing-subscriber's `Registry`, and wherever the layer sits in the
//! stack.

use std::ops::ControlFlow;
use std::sync::Arc;

use tracing::Dispatch;
use tracing_core::span::Id;
use tracing_core::{Metadata, Subscriber};
use tracing_subscriber::registry::{Extensions, ExtensionsMut, LookupSpan};

use super::engine::Engine;

/// Visits the extensions of a span and then of each of its ancestors, nearest first, until the
/// visitor breaks.
type Visitor<'v> = &'v mut dyn FnMut(&mut ExtensionsMut<'_>) -> ControlFlow<()>;

/// Like [`Visitor`], reading: each span's metadata and its extensions, shared.
type Reader<'v> = &'v mut dyn FnMut(&'static Metadata<'static>, &Extensions<'_>) -> ControlFlow<()>;

/// What a GenOps layer hands out through `downcast_raw`.
#[derive(Clone)]
pub(crate) struct Reach {
    pub(crate) engine: Arc<Engine>,
    walk: fn(&Dispatch, &Id, Visitor<'_>),
    read: fn(&Dispatch, &Id, Reader<'_>),
}

impl Reach {
    /// A reach that finds no span until [`Reach::compose`] says which subscriber it is in.
    pub(crate) fn new(engine: Arc<Engine>) -> Self {
        Reach {
            engine,
            walk: |_, _, _| {},
            read: |_, _, _| {},
        }
    }

    /// The layer was composed into a subscriber of type `S`.
    pub(crate) fn compose<S>(&mut self)
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        self.walk = walk::<S>;
        self.read = read::<S>;
    }

    /// The reach of the GenOps layer in `dispatch`'s subscriber, if it has one.
    #[inline]
    pub(crate) fn of(dispatch: &Dispatch) -> Option<&Reach> {
        dispatch.downcast_ref::<Reach>()
    }

    /// Visits span `id` and then its ancestors, nearest first, until `visit` breaks.
    pub(crate) fn walk(
        &self,
        dispatch: &Dispatch,
        id: &Id,
        mut visit: impl FnMut(&mut ExtensionsMut<'_>) -> ControlFlow<()>,
    ) {
        (self.walk)(dispatch, id, &mut visit);
    }

    /// Reads span `id` and then its ancestors, nearest first, until `visit` breaks. Only shared
    /// locks are taken, so it is safe inside another layer's callback.
    pub(crate) fn read(
        &self,
        dispatch: &Dispatch,
        id: &Id,
        mut visit: impl FnMut(&'static Metadata<'static>, &Extensions<'_>) -> ControlFlow<()>,
    ) {
        (self.read)(dispatch, id, &mut visit);
    }
}

fn read<S>(dispatch: &Dispatch, id: &Id, visit: Reader<'_>)
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let Some(subscriber) = dispatch.downcast_ref::<S>() else {
        return;
    };
    let mut next = subscriber.span(id);
    while let Some(span) = next {
        if visit(span.metadata(), &span.extensions()).is_break() {
            return;
        }
        next = span.parent();
    }
}

fn walk<S>(dispatch: &Dispatch, id: &Id, visit: Visitor<'_>)
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let Some(subscriber) = dispatch.downcast_ref::<S>() else {
        return;
    };
    let mut next = subscriber.span(id);
    while let Some(span) = next {
        if visit(&mut span.extensions_mut()).is_break() {
            return;
        }
        next = span.parent();
    }
}
