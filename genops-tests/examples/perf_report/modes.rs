//! The instrumentation modes measured side by side, the subscribers they run under, and the
//! timed loops that run them.

use std::future::Future;
use std::hint::black_box;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::{Duration, Instant};

use genops::Ledger;
use tracing::Dispatch;

use crate::common::*;

/// What runs in a mode's loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Body {
    Bare,
    Instrumented,
    Tracked,
    TrackedPriced,
    BareAsync,
    InstrumentedAsync,
    TrackedAsync,
    TrackedPricedAsync,
    FastraceRootPerCall,
    FastraceSharedRoot,
    InstrumentedChain,
    TrackedChain,
}

/// Which subscriber it runs under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stack {
    None,
    Noop,
    CostSum,
    Genops,
    /// What `init()` installs, with its default log output.
    Init,
    /// What `init().log_output(false)` installs.
    InitNoLog,
    Otel,
    GenopsOtel,
    Fastrace,
}

/// One row of the latency table: what runs, under which subscriber.
pub(crate) struct Mode {
    pub(crate) key: &'static str,
    pub(crate) label: &'static str,
    pub(crate) body: Body,
    pub(crate) stack: Stack,
}

/// Every measured mode, anchors and genops side by side, in the order of the report.
pub(crate) const MODES: &[Mode] = &[
    Mode {
        key: "instrument_nosub",
        label: "`#[tracing::instrument]`, no subscriber",
        body: Body::Instrumented,
        stack: Stack::None,
    },
    Mode {
        key: "genops_nosub",
        label: "`#[genops::track]`, no subscriber",
        body: Body::Tracked,
        stack: Stack::None,
    },
    Mode {
        key: "genops_nosub_priced",
        label: "`#[genops::track]` + `record_usage`, no subscriber",
        body: Body::TrackedPriced,
        stack: Stack::None,
    },
    Mode {
        key: "instrument_nosub_async",
        label: "`#[tracing::instrument]` async, no subscriber",
        body: Body::InstrumentedAsync,
        stack: Stack::None,
    },
    Mode {
        key: "genops_nosub_async",
        label: "`#[genops::track]` async, no subscriber",
        body: Body::TrackedAsync,
        stack: Stack::None,
    },
    Mode {
        key: "instrument_noop",
        label: "`#[tracing::instrument]` + Registry + no-op layer",
        body: Body::Instrumented,
        stack: Stack::Noop,
    },
    Mode {
        key: "instrument_costsum",
        label: "`#[tracing::instrument]` + Registry + minimal cost-summing layer",
        body: Body::Instrumented,
        stack: Stack::CostSum,
    },
    Mode {
        key: "genops_noop",
        label: "`#[genops::track]` + Registry + no-op layer (no GenOps layer)",
        body: Body::Tracked,
        stack: Stack::Noop,
    },
    Mode {
        key: "genops_layer",
        label: "`#[genops::track]` + GenOps layer, no usage",
        body: Body::Tracked,
        stack: Stack::Genops,
    },
    Mode {
        key: "genops_layer_priced",
        label: "`#[genops::track]` + GenOps layer, priced call",
        body: Body::TrackedPriced,
        stack: Stack::Genops,
    },
    Mode {
        key: "genops_init_priced",
        label:
            "`#[genops::track]` + `init()` with its default log output, priced call (logs nothing)",
        body: Body::TrackedPriced,
        stack: Stack::Init,
    },
    Mode {
        key: "genops_init_no_log_priced",
        label: "`#[genops::track]` + `init().log_output(false)`, priced call",
        body: Body::TrackedPriced,
        stack: Stack::InitNoLog,
    },
    Mode {
        key: "instrument_noop_async",
        label: "`#[tracing::instrument]` async + Registry + no-op layer",
        body: Body::InstrumentedAsync,
        stack: Stack::Noop,
    },
    Mode {
        key: "genops_layer_priced_async",
        label: "`#[genops::track]` async + GenOps layer, priced call",
        body: Body::TrackedPricedAsync,
        stack: Stack::Genops,
    },
    Mode {
        key: "instrument_otel",
        label: "`#[tracing::instrument]` + tracing-opentelemetry + batch → dropping exporter",
        body: Body::Instrumented,
        stack: Stack::Otel,
    },
    Mode {
        key: "genops_otel_priced",
        label: "`#[genops::track]` + GenOps layer + the same OTel pipeline, priced call",
        body: Body::TrackedPriced,
        stack: Stack::GenopsOtel,
    },
    Mode {
        key: "fastrace_root_per_call",
        label: "fastrace `#[trace]`, a root span per call, dropping reporter (paced)",
        body: Body::FastraceRootPerCall,
        stack: Stack::Fastrace,
    },
    Mode {
        key: "fastrace_shared_root",
        label: "fastrace `#[trace]`, one root span per 100 calls, dropping reporter (paced)",
        body: Body::FastraceSharedRoot,
        stack: Stack::Fastrace,
    },
    Mode {
        key: "instrument_chain10_noop",
        label: "10-deep `#[tracing::instrument]` chain + Registry + no-op layer (per chain)",
        body: Body::InstrumentedChain,
        stack: Stack::Noop,
    },
    Mode {
        key: "genops_chain10_priced",
        label: "10-deep `#[genops::track]` chain + GenOps layer, priced leaf (per chain)",
        body: Body::TrackedChain,
        stack: Stack::Genops,
    },
];

/// The bare calls, sync and async, that the modes are compared with, as modes of their own for
/// `--profile` and the instruction counts.
pub(crate) const BARE: &[Mode] = &[
    Mode {
        key: "bare",
        label: "bare call",
        body: Body::Bare,
        stack: Stack::None,
    },
    Mode {
        key: "bare_async",
        label: "bare async call",
        body: Body::BareAsync,
        stack: Stack::None,
    },
];

/// The mode, or bare call, named `key`.
pub(crate) fn find_mode(key: &str) -> Option<&'static Mode> {
    MODES.iter().chain(BARE).find(|m| m.key == key)
}

/// The bare call of `BARE` a mode is compared with.
pub(crate) fn bare_of(mode: &Mode) -> &'static Mode {
    let body = reference(mode.body);
    BARE.iter()
        .find(|m| m.body == body)
        .expect("a bare call for each reference body")
}

fn is_async(body: Body) -> bool {
    matches!(
        body,
        Body::BareAsync | Body::InstrumentedAsync | Body::TrackedAsync | Body::TrackedPricedAsync
    )
}

/// The bare call a mode is compared with: sync or async like the mode.
pub(crate) fn reference(body: Body) -> Body {
    match body {
        _ if is_async(body) => Body::BareAsync,
        _ => Body::Bare,
    }
}

/// Subscribers, built only after the no-subscriber modes are measured: the first dispatcher
/// created in a process changes how every callsite looks for a subscriber.
pub(crate) struct Stacks {
    noop: Dispatch,
    cost_sum: Dispatch,
    pub(crate) genops: Dispatch,
    pub(crate) genops_ledger: Ledger,
    pub(crate) pipeline: OtelPipeline,
    otel: Dispatch,
    genops_otel: Dispatch,
    /// `init()`'s subscribers, with and without log output, and the guards that keep them.
    init: (Dispatch, genops::Guard),
    init_no_log: (Dispatch, genops::Guard),
}

impl Stacks {
    fn new() -> Stacks {
        let (genops, genops_ledger) = genops_dispatch();
        let pipeline = OtelPipeline::new();
        let otel = pipeline.dispatch();
        let (genops_otel, _) = pipeline.genops_dispatch();
        Stacks {
            noop: noop_dispatch(),
            cost_sum: cost_sum_dispatch(),
            genops,
            genops_ledger,
            pipeline,
            otel,
            genops_otel,
            init: init_dispatch(true),
            init_no_log: init_dispatch(false),
        }
    }
}

/// The runtime and subscribers the modes run under.
pub(crate) struct Ctx {
    pub(crate) rt: tokio::runtime::Runtime,
    stacks: Option<Stacks>,
    pub(crate) fastrace: Option<Arc<AtomicU64>>,
}

impl Ctx {
    /// A current-thread runtime; subscribers are built on first use.
    pub(crate) fn new() -> Ctx {
        Ctx {
            rt: current_thread_runtime(),
            stacks: None,
            fastrace: None,
        }
    }

    pub(crate) fn prepare(&mut self, stack: Stack) {
        match stack {
            Stack::None => {}
            Stack::Fastrace => {
                if self.fastrace.is_none() {
                    self.fastrace = Some(install_fastrace());
                }
            }
            _ => {
                if self.stacks.is_none() {
                    self.stacks = Some(Stacks::new());
                }
            }
        }
    }

    pub(crate) fn stacks(&self) -> &Stacks {
        self.stacks.as_ref().expect("stacks are prepared")
    }

    pub(crate) fn dispatch(&self, stack: Stack) -> Option<&Dispatch> {
        let s = || self.stacks();
        match stack {
            Stack::None | Stack::Fastrace => None,
            Stack::Noop => Some(&s().noop),
            Stack::CostSum => Some(&s().cost_sum),
            Stack::Genops => Some(&s().genops),
            Stack::Init => Some(&s().init.0),
            Stack::InitNoLog => Some(&s().init_no_log.0),
            Stack::Otel => Some(&s().otel),
            Stack::GenopsOtel => Some(&s().genops_otel),
        }
    }

    /// Drains what a pipeline queued (outside any timed region).
    pub(crate) fn drain(&self, stack: Stack) {
        match stack {
            Stack::Fastrace => fastrace::flush(),
            Stack::Otel | Stack::GenopsOtel => self.stacks().pipeline.flush(),
            _ => {}
        }
    }
}

/// Runs `f` under `dispatch`, or with no subscriber.
pub(crate) fn in_dispatch<R>(dispatch: Option<&Dispatch>, f: impl FnOnce() -> R) -> R {
    match dispatch {
        Some(d) => tracing::dispatcher::with_default(d, f),
        None => f(),
    }
}

fn time_sync(n: u64, call: impl Fn(&[u8]) -> u64) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        black_box(call(black_box(PROMPT)));
        serialize();
    }
    start.elapsed()
}

fn time_async<Fut: Future<Output = u64>>(
    rt: &tokio::runtime::Runtime,
    n: u64,
    call: impl Fn() -> Fut,
) -> Duration {
    rt.block_on(async {
        let start = Instant::now();
        for _ in 0..n {
            black_box(call().await);
            serialize();
        }
        start.elapsed()
    })
}

fn sample_sync(n: usize, out: &mut Vec<f64>, call: impl Fn(&[u8]) -> u64) {
    for _ in 0..n {
        let start = Instant::now();
        black_box(call(black_box(PROMPT)));
        out.push(start.elapsed().as_nanos() as f64);
    }
}

fn sample_async<Fut: Future<Output = u64>>(
    rt: &tokio::runtime::Runtime,
    n: usize,
    out: &mut Vec<f64>,
    call: impl Fn() -> Fut,
) {
    rt.block_on(async {
        for _ in 0..n {
            let start = Instant::now();
            black_box(call().await);
            out.push(start.elapsed().as_nanos() as f64);
        }
    })
}

/// Times `n` back-to-back calls of `body`.
pub(crate) fn run_batch(rt: &tokio::runtime::Runtime, body: Body, n: u64) -> Duration {
    match body {
        Body::Bare => time_sync(n, bare),
        Body::Instrumented => time_sync(n, instrumented),
        Body::Tracked => time_sync(n, tracked),
        Body::TrackedPriced => time_sync(n, tracked_priced),
        Body::FastraceRootPerCall => time_sync(n, fastraced_root_per_call),
        Body::InstrumentedChain => time_sync(n, instrumented_chain10),
        Body::TrackedChain => time_sync(n, tracked_chain10),
        Body::FastraceSharedRoot => {
            let start = Instant::now();
            black_box(fastrace_shared_root(n, 100));
            start.elapsed()
        }
        Body::BareAsync => time_async(rt, n, || bare_async(black_box(PROMPT))),
        Body::InstrumentedAsync => time_async(rt, n, || instrumented_async(black_box(PROMPT))),
        Body::TrackedAsync => time_async(rt, n, || tracked_async(black_box(PROMPT))),
        Body::TrackedPricedAsync => time_async(rt, n, || tracked_priced_async(black_box(PROMPT))),
    }
}

/// Times `n` calls of `body` one by one (the guide's method), appending nanoseconds to `out`.
pub(crate) fn run_samples(rt: &tokio::runtime::Runtime, body: Body, n: usize, out: &mut Vec<f64>) {
    match body {
        Body::Bare => sample_sync(n, out, bare),
        Body::Instrumented => sample_sync(n, out, instrumented),
        Body::Tracked => sample_sync(n, out, tracked),
        Body::TrackedPriced => sample_sync(n, out, tracked_priced),
        Body::FastraceRootPerCall => sample_sync(n, out, fastraced_root_per_call),
        Body::InstrumentedChain => sample_sync(n, out, instrumented_chain10),
        Body::TrackedChain => sample_sync(n, out, tracked_chain10),
        Body::FastraceSharedRoot => {
            // One root per 100 calls: time each call, and charge each root's cost to the call
            // that opens it.
            let mut done = 0;
            while done < n {
                let start = Instant::now();
                let root =
                    fastrace::Span::root("request", fastrace::collector::SpanContext::random());
                let guard = root.set_local_parent();
                black_box(fastraced(black_box(PROMPT)));
                out.push(start.elapsed().as_nanos() as f64);
                for _ in 1..100.min(n - done) {
                    let start = Instant::now();
                    black_box(fastraced(black_box(PROMPT)));
                    out.push(start.elapsed().as_nanos() as f64);
                }
                let start = Instant::now();
                drop(guard);
                drop(root);
                if let Some(last) = out.last_mut() {
                    *last += start.elapsed().as_nanos() as f64;
                }
                done += 100.min(n - done);
            }
        }
        Body::BareAsync => sample_async(rt, n, out, || bare_async(black_box(PROMPT))),
        Body::InstrumentedAsync => {
            sample_async(rt, n, out, || instrumented_async(black_box(PROMPT)))
        }
        Body::TrackedAsync => sample_async(rt, n, out, || tracked_async(black_box(PROMPT))),
        Body::TrackedPricedAsync => {
            sample_async(rt, n, out, || tracked_priced_async(black_box(PROMPT)))
        }
    }
}
