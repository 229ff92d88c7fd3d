//! A capturing layer: every span's name, parent and fields with their recorded types, as a
//! subscriber sees them.
#![allow(dead_code)]

pub mod backend;
pub mod bedrock;
pub mod child;
#[cfg(feature = "genai")]
pub mod genai;
pub mod providers;
pub mod redis;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::Subscriber;
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

/// A field value with the type it was recorded as.
#[derive(Clone, Debug, PartialEq)]
pub enum V {
    Str(String),
    I64(i64),
    U64(u64),
    F64(f64),
    Bool(bool),
    Debug(String),
}

impl V {
    pub fn str(&self) -> &str {
        match self {
            V::Str(s) => s,
            other => panic!("expected a string, found {other:?}"),
        }
    }
    pub fn i64(&self) -> i64 {
        match self {
            V::I64(n) => *n,
            other => panic!("expected an i64, found {other:?}"),
        }
    }
    pub fn f64(&self) -> f64 {
        match self {
            V::F64(n) => *n,
            other => panic!("expected an f64, found {other:?}"),
        }
    }
    pub fn bool(&self) -> bool {
        match self {
            V::Bool(b) => *b,
            other => panic!("expected a bool, found {other:?}"),
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct SpanRecord {
    pub id: u64,
    pub name: String,
    pub parent: Option<u64>,
    pub declared: Vec<String>,
    /// Every recording of every field, in order.
    pub records: Vec<(String, V)>,
    pub closed: bool,
}

impl SpanRecord {
    /// The field's value; panics if it was recorded more than once.
    pub fn get(&self, name: &str) -> Option<&V> {
        let mut found = self.records.iter().filter(|(k, _)| k == name);
        let first = found.next().map(|(_, v)| v);
        assert!(
            found.next().is_none(),
            "field {name} recorded more than once on span {}",
            self.name
        );
        first
    }
    pub fn field(&self, name: &str) -> &V {
        self.get(name)
            .unwrap_or_else(|| panic!("span {} has no field {name}: {:?}", self.name, self.records))
    }
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

/// An event: its message and its other fields (with `level`).
pub type EventRecord = (String, BTreeMap<String, V>);

#[derive(Clone, Default)]
pub struct Capture {
    spans: Arc<Mutex<Vec<SpanRecord>>>,
    events: Arc<Mutex<Vec<EventRecord>>>,
}

impl Capture {
    pub fn spans(&self) -> Vec<SpanRecord> {
        self.spans.lock().unwrap().clone()
    }
    /// The one span with this name.
    pub fn span(&self, name: &str) -> SpanRecord {
        let spans = self.spans();
        let mut matching = spans.iter().filter(|s| s.name == name);
        let span = matching.next().unwrap_or_else(|| {
            panic!(
                "no span named {name}; have {:?}",
                spans.iter().map(|s| &s.name).collect::<Vec<_>>()
            )
        });
        assert!(matching.next().is_none(), "more than one span named {name}");
        span.clone()
    }
    pub fn by_id(&self, id: u64) -> SpanRecord {
        self.spans()
            .into_iter()
            .find(|s| s.id == id)
            .expect("span id")
    }
    /// Events at WARN level: (message, fields).
    pub fn events(&self) -> Vec<EventRecord> {
        self.events.lock().unwrap().clone()
    }
    /// The WARN events: (message, fields).
    pub fn warning_events(&self) -> Vec<EventRecord> {
        self.events()
            .into_iter()
            .filter(|(_, f)| f["level"] == V::Str("WARN".into()))
            .collect()
    }
    /// The messages of the WARN events.
    pub fn warnings(&self) -> Vec<String> {
        self.warning_events()
            .into_iter()
            .map(|(message, _)| message)
            .collect()
    }
}

struct Collect<'a>(&'a mut Vec<(String, V)>);

impl Visit for Collect<'_> {
    fn record_str(&mut self, f: &Field, v: &str) {
        self.0.push((f.name().into(), V::Str(v.into())));
    }
    fn record_i64(&mut self, f: &Field, v: i64) {
        self.0.push((f.name().into(), V::I64(v)));
    }
    fn record_u64(&mut self, f: &Field, v: u64) {
        self.0.push((f.name().into(), V::U64(v)));
    }
    fn record_f64(&mut self, f: &Field, v: f64) {
        self.0.push((f.name().into(), V::F64(v)));
    }
    fn record_bool(&mut self, f: &Field, v: bool) {
        self.0.push((f.name().into(), V::Bool(v)));
    }
    fn record_debug(&mut self, f: &Field, v: &dyn fmt::Debug) {
        self.0.push((f.name().into(), V::Debug(format!("{v:?}"))));
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut records = Vec::new();
        attrs.record(&mut Collect(&mut records));
        let parent = ctx
            .span(id)
            .and_then(|s| s.parent().map(|p| p.id().into_u64()));
        self.spans.lock().unwrap().push(SpanRecord {
            id: id.into_u64(),
            name: attrs.metadata().name().into(),
            parent,
            declared: attrs
                .metadata()
                .fields()
                .iter()
                .map(|f| f.name().to_owned())
                .collect(),
            records,
            closed: false,
        });
    }
    fn on_record(&self, id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        let mut spans = self.spans.lock().unwrap();
        if let Some(span) = spans
            .iter_mut()
            .rev()
            .find(|s| s.id == id.into_u64() && !s.closed)
        {
            values.record(&mut Collect(&mut span.records));
        }
    }
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        let mut records = Vec::new();
        event.record(&mut Collect(&mut records));
        let mut fields = BTreeMap::new();
        let mut message = String::new();
        for (k, v) in records {
            if k == "message" {
                message = match v {
                    V::Debug(s) | V::Str(s) => s,
                    other => format!("{other:?}"),
                };
            } else {
                fields.insert(k, v);
            }
        }
        fields.insert("level".into(), V::Str(event.metadata().level().to_string()));
        self.events.lock().unwrap().push((message, fields));
    }
    fn on_close(&self, id: Id, _ctx: Context<'_, S>) {
        let mut spans = self.spans.lock().unwrap();
        if let Some(span) = spans
            .iter_mut()
            .rev()
            .find(|s| s.id == id.into_u64() && !s.closed)
        {
            span.closed = true;
        }
    }
}

/// Runs `f` under a scoped subscriber of a GenOps layer and a capture, in the given order.
pub fn capture<R>(genops_first: bool, f: impl FnOnce() -> R) -> (R, Capture, genops::Ledger) {
    capture_with(genops::layer(), genops_first, f)
}

pub fn capture_with<R>(
    layer: genops::GenOpsLayer,
    genops_first: bool,
    f: impl FnOnce() -> R,
) -> (R, Capture, genops::Ledger) {
    use tracing_subscriber::prelude::*;
    let cap = Capture::default();
    let ledger = layer.ledger();
    let out = if genops_first {
        let sub = tracing_subscriber::registry().with(layer).with(cap.clone());
        tracing::subscriber::with_default(sub, f)
    } else {
        let sub = tracing_subscriber::registry().with(cap.clone()).with(layer);
        tracing::subscriber::with_default(sub, f)
    };
    (out, cap, ledger)
}

/// The whole HTTP/1.1 response to a GET of `path` from `addr`, such as the metrics endpoint.
pub fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("the endpoint");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

/// Runs `f` on a current-thread runtime, so the capture's subscriber sees every span.
pub fn run<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(f)
}

/// USD as whole nano-dollars, rounding, for exact comparisons of f64 span fields.
pub fn nanos(usd: f64) -> i128 {
    (usd * 1e9).round() as i128
}

/// An application's error with a variant for a call genops denied, as `enforce` needs.
#[derive(Debug, PartialEq)]
pub enum AppError {
    Denied(genops::GovernanceError),
}

impl From<genops::GovernanceError> for AppError {
    fn from(e: genops::GovernanceError) -> Self {
        AppError::Denied(e)
    }
}

/// 2026-11-28T23:59:00Z: a minute before a daily window ends.
pub fn late_evening() -> std::time::SystemTime {
    std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_795_910_340)
}
