//! A bounded batch span processor that counts every span it drops.
//!
//! The SDK's batch processor drops silently when its queue is full. This one hands spans to a
//! background worker through a bounded channel (never blocking the caller) and counts each span
//! that does not reach the backend: a full queue, a failed or timed-out export, or a shutdown.
//! A failed export is also logged, rate-limited ([`ExportHealth`]).

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use opentelemetry::Context;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{Span, SpanData, SpanExporter, SpanProcessor};
use opentelemetry_sdk::Resource;

use super::health::ExportHealth;
use super::otlp::ExportRuntime;
use super::stats::ExportStats;

/// How often the worker looks at its control channel while idle.
const CONTROL_POLL: Duration = Duration::from_millis(50);

enum Control {
    Flush(SyncSender<()>),
    Resource(Resource),
    Shutdown(SyncSender<()>),
}

/// The queue's size and timing.
#[derive(Clone, Copy, Debug)]
pub(crate) struct QueueSettings {
    pub(crate) max_queue_size: usize,
    pub(crate) schedule_delay: Duration,
    pub(crate) max_export_batch_size: usize,
    pub(crate) export_timeout: Duration,
    /// How long `force_flush` waits for the worker.
    pub(crate) flush_timeout: Duration,
}

pub(crate) struct ExportQueue {
    settings: QueueSettings,
    spans: SyncSender<SpanData>,
    control: Mutex<mpsc::Sender<Control>>,
    worker: Mutex<Option<JoinHandle<()>>>,
    stats: Arc<ExportStats>,
    shut_down: AtomicBool,
}

impl fmt::Debug for ExportQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExportQueue")
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl ExportQueue {
    /// Starts the worker thread, which owns `exporter` and the tokio runtime it exports on.
    pub(crate) fn start<E: SpanExporter + 'static>(
        exporter: E,
        runtime: ExportRuntime,
        settings: QueueSettings,
        stats: Arc<ExportStats>,
    ) -> std::io::Result<Self> {
        let (spans, span_rx) = mpsc::sync_channel(settings.max_queue_size);
        let (control, control_rx) = mpsc::channel();
        let worker_stats = stats.clone();
        let worker = std::thread::Builder::new()
            .name("genops-export".into())
            .spawn(move || {
                Worker {
                    exporter,
                    runtime,
                    settings,
                    stats: worker_stats,
                    health: ExportHealth::new("traces"),
                    batch: Vec::with_capacity(settings.max_export_batch_size),
                }
                .run(span_rx, control_rx)
            })?;
        Ok(ExportQueue {
            settings,
            spans,
            control: Mutex::new(control),
            worker: Mutex::new(Some(worker)),
            stats,
            shut_down: AtomicBool::new(false),
        })
    }

    /// Sends a control message and waits up to `timeout` for the worker's answer.
    fn ask(
        &self,
        make: impl FnOnce(SyncSender<()>) -> Control,
        timeout: Duration,
    ) -> OTelSdkResult {
        let (ack, done) = mpsc::sync_channel(1);
        let sent = self
            .control
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .send(make(ack));
        if sent.is_err() {
            return Err(OTelSdkError::AlreadyShutdown);
        }
        done.recv_timeout(timeout)
            .map_err(|_| OTelSdkError::Timeout(timeout))
    }
}

impl SpanProcessor for ExportQueue {
    fn on_start(&self, _span: &mut Span, _cx: &Context) {}

    fn on_end(&self, span: SpanData) {
        if !span.span_context.is_sampled() {
            return;
        }
        match self.spans.try_send(span) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.stats.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.ask(Control::Flush, self.settings.flush_timeout)
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        if self.shut_down.swap(true, Ordering::SeqCst) {
            return Err(OTelSdkError::AlreadyShutdown);
        }
        let answer = self.ask(Control::Shutdown, timeout);
        if answer.is_ok() {
            if let Some(worker) = self
                .worker
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take()
            {
                let _ = worker.join();
            }
        }
        // On a timeout the worker is left to finish on its own: a slow collector never holds
        // the process.
        answer
    }

    fn set_resource(&mut self, resource: &Resource) {
        let control = self.control.lock().unwrap_or_else(PoisonError::into_inner);
        let _ = control.send(Control::Resource(resource.clone()));
    }
}

struct Worker<E> {
    exporter: E,
    runtime: ExportRuntime,
    settings: QueueSettings,
    stats: Arc<ExportStats>,
    health: ExportHealth,
    batch: Vec<SpanData>,
}

impl<E: SpanExporter> Worker<E> {
    fn run(mut self, spans: Receiver<SpanData>, control: Receiver<Control>) {
        let mut deadline = Instant::now() + self.settings.schedule_delay;
        loop {
            let wait = deadline
                .saturating_duration_since(Instant::now())
                .min(CONTROL_POLL);
            match spans.recv_timeout(wait) {
                Ok(span) => {
                    self.batch.push(span);
                    if self.batch.len() >= self.settings.max_export_batch_size {
                        self.export();
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    self.export();
                    return;
                }
            }
            if Instant::now() >= deadline {
                self.export();
                deadline = Instant::now() + self.settings.schedule_delay;
            }
            while let Ok(message) = control.try_recv() {
                match message {
                    Control::Resource(resource) => self.exporter.set_resource(&resource),
                    Control::Flush(ack) => {
                        self.drain(&spans);
                        let _ = ack.send(());
                    }
                    Control::Shutdown(ack) => {
                        self.drain(&spans);
                        let _ = self
                            .exporter
                            .shutdown_with_timeout(self.settings.export_timeout);
                        let _ = ack.send(());
                        return;
                    }
                }
            }
        }
    }

    /// Exports what is queued now: at most one queue's worth, so that spans still arriving under
    /// load cannot keep a flush or a shutdown from being answered.
    fn drain(&mut self, spans: &Receiver<SpanData>) {
        for span in spans.try_iter().take(self.settings.max_queue_size) {
            self.batch.push(span);
            if self.batch.len() >= self.settings.max_export_batch_size {
                self.export();
            }
        }
        self.export();
    }

    /// Exports the current batch; spans of a failed or timed-out export count as dropped.
    fn export(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        let batch = std::mem::replace(
            &mut self.batch,
            Vec::with_capacity(self.settings.max_export_batch_size),
        );
        let count = batch.len() as u64;
        let timeout = self.settings.export_timeout;
        let exported = self
            .runtime
            .block_on(async { tokio::time::timeout(timeout, self.exporter.export(batch)).await });
        let counter = match exported {
            Ok(Ok(())) => {
                self.health.succeeded();
                &self.stats.exported
            }
            Ok(Err(error)) => {
                self.health.failed(&error);
                &self.stats.dropped
            }
            Err(_elapsed) => {
                self.health
                    .failed(&format_args!("no answer within {timeout:?}"));
                &self.stats.dropped
            }
        };
        counter.fetch_add(count, Ordering::Relaxed);
    }
}
