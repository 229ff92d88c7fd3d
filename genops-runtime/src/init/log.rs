//! The log output of `init()`: tracing-subscriber's fmt layer, with two changes that keep it
//! from costing tracked calls anything while it prints nothing.
//!
//! The fmt layer formats a span's fields into a string when the span is created and again each
//! time fields are recorded, whether or not a line is ever written. For a tracked span that is
//! every declared field at creation and every result field at close: several times the cost of
//! the GenOps layer itself, for output nobody reads. So:
//!
//! 1. A per-layer filter keeps tracked spans away from the fmt layer (decided once per call
//!    site), so it never formats their fields.
//! 2. The event format ([`CallLines`]) writes the span scope itself. When an event is actually
//!    written inside a tracked call, it reads that call's attribution, provider and model from
//!    the call's state, lazily, and shows them as the span's segment of the line. Other spans
//!    show the fields the fmt layer formatted for them, as usual.
//!
//! Filtering tracked spans alone would have hidden which call an event came from; a field
//! formatter that skips result fields would still have formatted the declared ones for every
//! call. Lazy context costs a tracked call nothing and an event line one scope walk.
//!
//! Lines go to stderr, so a program's stdout stays its own, and carry ANSI colours only when
//! stderr is a terminal and `NO_COLOR` is not set.

use std::fmt::{self, Write as _};
use std::io::IsTerminal;
use std::ops::ControlFlow;
use std::sync::{Arc, OnceLock};

use tracing::dispatcher::WeakDispatch;
use tracing::{Dispatch, Event, Level, Subscriber};
use tracing_subscriber::filter::{EnvFilter, FilterExt};
use tracing_subscriber::fmt::format::{FormatEvent, FormatFields, Writer};
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
use tracing_subscriber::fmt::{FmtContext, FormattedFields};
use tracing_subscriber::layer::Layer;
use tracing_subscriber::registry::LookupSpan;

use crate::attribution::Dimension;
use crate::call::{tracked_filter, LayerHandle, TrackedState};
use crate::intern::Sym;
use crate::ledger::LedgerKey;

/// The log output layer, filtered by `filter`; `home` must be in the same subscriber.
pub(crate) fn layer<S>(filter: EnvFilter, home: &Home) -> impl Layer<S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(colour())
        .event_format(CallLines { home: home.clone() })
        .with_filter(tracked_filter(false).and(filter))
}

/// The dispatch the log output is part of, captured when it is registered. An event callback
/// cannot ask for the current default dispatcher: inside one, tracing answers "none" whenever a
/// scoped dispatcher is active anywhere. A layer of its own, outside any `Option` (which does
/// not pass the registration on).
#[derive(Clone, Default)]
pub(crate) struct Home(Arc<OnceLock<WeakDispatch>>);

impl<S: Subscriber> Layer<S> for Home {
    fn on_register_dispatch(&self, dispatch: &Dispatch) {
        let _ = self.0.set(dispatch.downgrade());
    }
}

/// Whether to colour: stderr is a terminal, and `NO_COLOR` is unset or empty (no-color.org).
fn colour() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// The event format of `init()`'s log output: `time LEVEL scope: target: fields`, like
/// tracing-subscriber's default, where a tracked call in the scope shows its attribution,
/// provider and model.
pub(crate) struct CallLines {
    home: Home,
}

/// One span of an event's scope, as its line shows it.
enum Segment {
    /// A span the fmt layer formatted: its name and fields.
    Span(&'static str, String),
    /// A tracked call: its name and who and what it is for.
    Call(&'static str, LedgerKey),
}

/// The dimensions a log line shows of a tracked call; customer and user ids stay in the spans.
const SHOWN: [Dimension; 5] = [
    Dimension::Team,
    Dimension::Project,
    Dimension::Feature,
    Dimension::Environment,
    Dimension::CostCenter,
];

impl<S, N> FormatEvent<S, N> for CallLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'w> FormatFields<'w> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let ansi = writer.has_ansi_escapes();
        if SystemTime.format_time(&mut writer).is_err() {
            writer.write_str("<unknown time>")?;
        }
        write_level(&mut writer, *event.metadata().level(), ansi)?;
        let segments = match self.home.0.get().and_then(WeakDispatch::upgrade) {
            Some(dispatch) => scope::<N>(&dispatch, event),
            None => Vec::new(),
        };
        for segment in segments.iter().rev() {
            let (name, fields) = match segment {
                Segment::Span(name, fields) => (*name, fields.clone()),
                Segment::Call(name, key) => (*name, call_fields(key)),
            };
            if ansi {
                write!(writer, "\x1b[1m{name}\x1b[0m")?;
            } else {
                writer.write_str(name)?;
            }
            if !fields.is_empty() {
                write!(writer, "{{{fields}}}")?;
            }
            writer.write_char(':')?;
        }
        if !segments.is_empty() {
            writer.write_char(' ')?;
        }
        write!(writer, "{}: ", event.metadata().target())?;
        ctx.format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

fn write_level(writer: &mut Writer<'_>, level: Level, ansi: bool) -> fmt::Result {
    let colour = match level {
        Level::ERROR => "31",
        Level::WARN => "33",
        Level::INFO => "32",
        Level::DEBUG => "34",
        Level::TRACE => "35",
    };
    if ansi {
        write!(writer, " \x1b[{colour}m{level:>5}\x1b[0m ")
    } else {
        write!(writer, " {level:>5} ")
    }
}

/// `team=search provider=openai model=gpt-4o-mini`: the dimensions in [`SHOWN`] that have a
/// value, then the provider and the model the call is priced as.
fn call_fields(key: &LedgerKey) -> String {
    let mut out = String::new();
    let mut field = |name: &str, value: Option<&Sym>| {
        if let Some(value) = value {
            if !out.is_empty() {
                out.push(' ');
            }
            let _ = write!(out, "{name}={}", value.as_str());
        }
    };
    for dim in SHOWN {
        field(dim.name(), key.attribution.get(dim));
    }
    field("provider", key.provider.as_ref());
    field("model", key.model.as_ref());
    out
}

/// The spans an event was logged in, nearest first: tracked calls from their state, others
/// from what the fmt layer formatted for them (spans it filtered out are left out, as usual).
fn scope<N: 'static>(dispatch: &Dispatch, event: &Event<'_>) -> Vec<Segment> {
    let mut segments = Vec::new();
    let parent = match event.parent() {
        Some(id) => Some(id.clone()),
        None if event.is_contextual() => dispatch.current_span().id().cloned(),
        None => None,
    };
    let (Some(id), Some(handle)) = (parent, LayerHandle::of(dispatch)) else {
        return segments;
    };
    handle.read(dispatch, &id, |metadata, extensions| {
        if let Some(call) = extensions.get::<TrackedState>() {
            segments.push(Segment::Call(metadata.name(), call.key().clone()));
        } else if let Some(fields) = extensions.get::<FormattedFields<N>>() {
            segments.push(Segment::Span(metadata.name(), fields.fields.clone()));
        }
        ControlFlow::Continue(())
    });
    segments
}
