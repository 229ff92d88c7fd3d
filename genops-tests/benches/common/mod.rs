//! What `benches/overhead.rs` and `examples/perf_report/` both measure: one trivial function
//! instrumented every way, and the subscriber stacks they run under.
//!
//! Every variant does the same trivial work (`work`) and declares the same attributes: operation
//! `chat`, provider `openai`, model `gpt-4o-mini`, team `search`, span kind `client`. A tracked
//! span also declares its 22 empty usage, cost and attribution fields: that is part of what it
//! costs.
//!
//! Shared through `#[path]`, so not every item is used by both targets.
#![allow(dead_code)]

use std::future::Future;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData, SpanExporter};
use tracing::span::{Attributes, Id};
use tracing::{Dispatch, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Registry;

/// The prompt every call hashes.
pub const PROMPT: &[u8; 16] = b"What is 2 + 2?!?";

/// Usage the priced calls record: 120 input and 30 output tokens of `gpt-4o-mini`
/// (120 × $0.15/M + 30 × $0.60/M = $0.000036).
pub const USAGE: genops::Usage = genops::Usage::new(120, 30);

/// Tracked spans in one nested chain call.
pub const CHAIN_DEPTH: u32 = 10;

/// The body of every variant: trivial, so nothing hides the instrumentation's cost.
#[inline(always)]
pub fn work(prompt: &[u8]) -> u64 {
    prompt.len() as u64
}

/// Waits until every earlier instruction has completed (`lfence` on x86-64), so consecutive
/// calls in a timing loop do not overlap in the out-of-order core. It makes the bare call a
/// stable yardstick (about 20 cycles, insensitive to code layout) and charges every mode its
/// full latency.
#[inline(always)]
pub fn serialize() {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `lfence` has no memory or register effects; SSE2 is part of x86-64.
    unsafe {
        std::arch::x86_64::_mm_lfence()
    };
    #[cfg(not(target_arch = "x86_64"))]
    std::sync::atomic::compiler_fence(std::sync::atomic::Ordering::SeqCst);
}

// ---------------------------------------------------------------------------------------------
// The function, instrumented every way.

/// No instrumentation.
#[inline(never)]
pub fn bare(prompt: &[u8]) -> u64 {
    work(prompt)
}

/// `#[tracing::instrument]` with the attributes a tracked span carries.
#[inline(never)]
#[tracing::instrument(
    level = "info",
    name = "chat gpt-4o-mini",
    skip_all,
    fields(
        gen_ai.operation.name = "chat",
        gen_ai.provider.name = "openai",
        gen_ai.request.model = "gpt-4o-mini",
        genops.team = "search",
        otel.kind = "client",
    )
)]
pub fn instrumented(prompt: &[u8]) -> u64 {
    work(prompt)
}

/// `#[genops::track]`, recording nothing.
#[inline(never)]
#[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini")]
pub fn tracked(prompt: &[u8]) -> u64 {
    work(prompt)
}

/// `#[genops::track]` on a call that records usage, so the layer prices and books it.
#[inline(never)]
#[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini")]
pub fn tracked_priced(prompt: &[u8]) -> u64 {
    let hash = work(prompt);
    genops::record_usage(USAGE);
    hash
}

/// `fastrace` `#[trace]` with the same attributes as properties.
#[inline(never)]
#[fastrace::trace(
    name = "chat gpt-4o-mini",
    properties = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "genops.team": "search",
        "otel.kind": "client",
    }
)]
pub fn fastraced(prompt: &[u8]) -> u64 {
    work(prompt)
}

/// A `fastrace` call under a root span of its own, as a request handler would make one.
#[inline(never)]
pub fn fastraced_root_per_call(prompt: &[u8]) -> u64 {
    let root = fastrace::Span::root("request", fastrace::collector::SpanContext::random());
    let _guard = root.set_local_parent();
    fastraced(prompt)
}

/// No instrumentation, async.
#[inline(never)]
pub async fn bare_async(prompt: &[u8]) -> u64 {
    work(prompt)
}

/// `#[tracing::instrument]`, async.
#[inline(never)]
#[tracing::instrument(
    level = "info",
    name = "chat gpt-4o-mini",
    skip_all,
    fields(
        gen_ai.operation.name = "chat",
        gen_ai.provider.name = "openai",
        gen_ai.request.model = "gpt-4o-mini",
        genops.team = "search",
        otel.kind = "client",
    )
)]
pub async fn instrumented_async(prompt: &[u8]) -> u64 {
    work(prompt)
}

/// `#[genops::track]`, async, recording nothing.
#[inline(never)]
#[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini")]
pub async fn tracked_async(prompt: &[u8]) -> u64 {
    work(prompt)
}

/// `#[genops::track]`, async, recording usage.
#[inline(never)]
#[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini")]
pub async fn tracked_priced_async(prompt: &[u8]) -> u64 {
    let hash = work(prompt);
    genops::record_usage(USAGE);
    hash
}

/// A chain of `depth + 1` tracked workflow spans around one priced call; its cost rolls up every
/// level.
#[inline(never)]
#[genops::track(team = "search", operation = "invoke_workflow", name = "chain")]
pub fn tracked_chain(depth: u32, prompt: &[u8]) -> u64 {
    if depth == 0 {
        tracked_priced(prompt)
    } else {
        tracked_chain(depth - 1, prompt)
    }
}

/// The same chain with `#[tracing::instrument]`.
#[inline(never)]
#[tracing::instrument(
    level = "info",
    name = "chain",
    skip_all,
    fields(gen_ai.operation.name = "invoke_workflow", genops.team = "search", otel.kind = "internal")
)]
pub fn instrumented_chain(depth: u32, prompt: &[u8]) -> u64 {
    if depth == 0 {
        instrumented(prompt)
    } else {
        instrumented_chain(depth - 1, prompt)
    }
}

/// One 10-deep tracked chain call: 9 workflow spans and the priced call.
pub fn tracked_chain10(prompt: &[u8]) -> u64 {
    tracked_chain(CHAIN_DEPTH - 2, prompt)
}

/// One 10-deep instrumented chain call: 10 spans.
pub fn instrumented_chain10(prompt: &[u8]) -> u64 {
    instrumented_chain(CHAIN_DEPTH - 2, prompt)
}

// ---------------------------------------------------------------------------------------------
// Subscriber stacks.

/// A layer that does nothing. A `Registry` needs at least one layer to free closed spans (on
/// its own it never clears a closed span's slot: tracing-subscriber clears it only from the close
/// guard a `Layered` stack takes), so every stack here has one.
pub struct NoopLayer;

impl<S: Subscriber> Layer<S> for NoopLayer {}

/// `Registry` + [`NoopLayer`].
pub fn noop_dispatch() -> Dispatch {
    Dispatch::new(Registry::default().with(NoopLayer))
}

/// The anchor "minimal custom cost-summing layer": one 8-byte extension per span, summed into a
/// padded atomic when the span closes.
#[derive(Default)]
pub struct CostSumLayer {
    total: Arc<Padded>,
}

/// A cache-line-padded counter.
#[repr(align(128))]
#[derive(Default)]
pub struct Padded(pub AtomicU64);

struct SpanCost(u64);

impl<S> Layer<S> for CostSumLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, _attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(SpanCost(36));
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(&id) {
            if let Some(cost) = span.extensions().get::<SpanCost>() {
                self.total.0.fetch_add(cost.0, Ordering::Relaxed);
            }
        }
    }
}

/// `Registry` + [`CostSumLayer`].
pub fn cost_sum_dispatch() -> Dispatch {
    Dispatch::new(Registry::default().with(CostSumLayer::default()))
}

/// `Registry` + the GenOps layer, and its ledger.
pub fn genops_dispatch() -> (Dispatch, genops::Ledger) {
    let layer = genops::layer();
    let ledger = layer.ledger();
    (Dispatch::new(Registry::default().with(layer)), ledger)
}

/// What `genops::init()` installs, as a dispatch (not installed), with its default log output
/// on or off; the guard keeps it alive. No export: the benches run with no OTLP endpoint.
pub fn init_dispatch(log_output: bool) -> (Dispatch, genops::Guard) {
    genops::init()
        .log_output(log_output)
        .into_dispatch()
        .expect("init() builds with no export configured")
}

/// A span exporter that counts the spans it is given and drops them.
#[derive(Clone, Debug, Default)]
pub struct DropExporter {
    spans: Arc<AtomicU64>,
}

impl SpanExporter for DropExporter {
    fn export(&self, batch: Vec<SpanData>) -> impl Future<Output = OTelSdkResult> + Send {
        self.spans.fetch_add(batch.len() as u64, Ordering::Relaxed);
        drop(batch);
        std::future::ready(Ok(()))
    }
}

/// An OpenTelemetry SDK pipeline: the default batch span processor (its own thread, queue 2,048,
/// batches of 512) into a [`DropExporter`].
pub struct OtelPipeline {
    provider: SdkTracerProvider,
    exported: Arc<AtomicU64>,
}

impl OtelPipeline {
    /// A fresh pipeline.
    pub fn new() -> Self {
        let exporter = DropExporter::default();
        let exported = exporter.spans.clone();
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .build();
        OtelPipeline { provider, exported }
    }

    /// `Registry` + tracing-opentelemetry (default settings) into this pipeline.
    pub fn dispatch(&self) -> Dispatch {
        let otel = tracing_opentelemetry::layer().with_tracer(self.provider.tracer("genops-bench"));
        Dispatch::new(Registry::default().with(otel))
    }

    /// `Registry` + the GenOps layer + tracing-opentelemetry into this pipeline, and the ledger.
    pub fn genops_dispatch(&self) -> (Dispatch, genops::Ledger) {
        let layer = genops::layer();
        let ledger = layer.ledger();
        let otel = tracing_opentelemetry::layer().with_tracer(self.provider.tracer("genops-bench"));
        let dispatch = Dispatch::new(Registry::default().with(layer).with(otel));
        (dispatch, ledger)
    }

    /// Spans the exporter has been given so far.
    pub fn exported(&self) -> u64 {
        self.exported.load(Ordering::Relaxed)
    }

    /// Exports what is queued.
    pub fn flush(&self) {
        let _ = self.provider.force_flush();
    }
}

impl Default for OtelPipeline {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for OtelPipeline {
    fn drop(&mut self) {
        let _ = self.provider.shutdown();
    }
}

/// A fastrace reporter that counts the spans it is given and drops them.
pub struct DropReporter(pub Arc<AtomicU64>);

impl fastrace::collector::Reporter for DropReporter {
    fn report(&mut self, spans: Vec<fastrace::collector::SpanRecord>) {
        self.0.fetch_add(spans.len() as u64, Ordering::Relaxed);
    }
}

/// Installs the dropping fastrace reporter (collecting every 10 ms); returns its span count.
pub fn install_fastrace() -> Arc<AtomicU64> {
    let count = Arc::new(AtomicU64::new(0));
    fastrace::set_reporter(
        DropReporter(count.clone()),
        fastrace::collector::Config::default().report_interval(Duration::from_millis(10)),
    );
    count
}

/// Runs `calls` fastrace calls under one root span per `per_root` calls.
pub fn fastrace_shared_root(calls: u64, per_root: u64) -> u64 {
    let mut acc = 0u64;
    let mut done = 0;
    while done < calls {
        let n = per_root.min(calls - done);
        let root = fastrace::Span::root("request", fastrace::collector::SpanContext::random());
        let _guard = root.set_local_parent();
        for _ in 0..n {
            acc = acc.wrapping_add(fastraced(black_box(PROMPT)));
        }
        done += n;
    }
    acc
}

/// A current-thread tokio runtime.
pub fn current_thread_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}
