//! `genops::init().install()` works, and dropping its guard neither panics nor waits past the
//! shutdown timeout, from a plain `main`, inside `#[tokio::main]` (both flavours) and inside
//! `#[tokio::test]`, in every export mode: the offline default, `none`, `console`, OTLP gRPC and
//! OTLP HTTP to a collector that accepts but never answers, and an endpoint where nothing
//! listens. Each combination runs in a process of its own, since the subscriber is global.

mod support;

use std::time::{Duration, Instant};

use support::child::{closed_port, run_child, run_if_child, silent_listener, transcript};

/// The shutdown timeout every child sets.
const SHUTDOWN: Duration = Duration::from_millis(1_500);

#[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini")]
fn sync_call() {
    genops::record_usage(genops::Usage::new(1_000, 100));
}

#[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini")]
async fn async_call() {
    tokio::task::yield_now().await;
    genops::record_usage(genops::Usage::new(1_000, 100));
}

fn install() -> genops::Guard {
    genops::init()
        .service_name("install-in-tokio")
        .shutdown_timeout(SHUTDOWN)
        .export_timeout(SHUTDOWN)
        .install()
        .expect("install")
}

/// Drops the guard and reports how long it took, for the parent to check.
fn drop_timed(guard: genops::Guard) {
    // gpt-4o-mini: 1,000 × $0.15/M + 100 × $0.60/M = $0.00021 a call.
    let snapshot = guard.ledger().snapshot();
    assert_eq!(snapshot.total.calls, 2);
    assert_eq!(snapshot.total.cost.picos(), 420_000_000);
    let start = Instant::now();
    drop(guard);
    println!("CHILD-OK drop_ms={}", start.elapsed().as_millis());
}

async fn child_async() {
    let guard = install();
    async_call().await;
    // A tracked call on another task of the runtime is booked too.
    tokio::spawn(async_call()).await.expect("the task");
    drop_timed(guard);
}

/// A plain `main` (a child of `every_runtime_and_export_mode`).
fn child_plain_main() {
    let guard = install();
    sync_call();
    std::thread::spawn(sync_call).join().expect("the thread");
    drop_timed(guard);
}

#[tokio::main]
async fn multi_thread_main() {
    child_async().await;
}

/// `#[tokio::main]` (a child of `every_runtime_and_export_mode`).
fn child_tokio_main() {
    multi_thread_main();
}

#[tokio::main(flavor = "current_thread")]
async fn current_thread_main() {
    child_async().await;
}

/// `#[tokio::main(flavor = "current_thread")]` (a child of `every_runtime_and_export_mode`).
fn child_tokio_main_current_thread() {
    current_thread_main();
}

/// A `#[tokio::test]`: the runtime that attribute builds around a test's body, on the test's
/// thread (a child of `every_runtime_and_export_mode`).
fn child_tokio_test() {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("Failed building the Runtime")
        .block_on(child_async());
}

/// An export mode: its name and the variables that select it.
fn modes() -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    let endpoint = |port: u16| format!("http://127.0.0.1:{port}");
    vec![
        ("offline default", vec![]),
        ("none", vec![("OTEL_TRACES_EXPORTER", "none".to_owned())]),
        (
            "console",
            vec![("OTEL_TRACES_EXPORTER", "console".to_owned())],
        ),
        (
            "gRPC, no answer",
            vec![
                ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint(silent_listener())),
                ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc".to_owned()),
            ],
        ),
        (
            "HTTP, no answer",
            vec![
                ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint(silent_listener())),
                ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf".to_owned()),
            ],
        ),
        (
            "nothing listens",
            vec![("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint(closed_port()))],
        ),
    ]
}

#[test]
fn every_runtime_and_export_mode() {
    run_if_child(&[
        ("child_plain_main", child_plain_main),
        ("child_tokio_main", child_tokio_main),
        (
            "child_tokio_main_current_thread",
            child_tokio_main_current_thread,
        ),
        ("child_tokio_test", child_tokio_test),
    ]);
    let flavours = [
        "child_plain_main",
        "child_tokio_main",
        "child_tokio_main_current_thread",
        "child_tokio_test",
    ];
    for (mode, envs) in modes() {
        for flavour in flavours {
            let output = run_child(flavour, &envs);
            let text = transcript(&output);
            assert!(output.status.success(), "{flavour} / {mode}:\n{text}");
            let stdout = String::from_utf8_lossy(&output.stdout);
            let drop_ms: u64 = stdout
                .split_whitespace()
                .find_map(|w| w.strip_prefix("drop_ms="))
                .and_then(|ms| ms.parse().ok())
                .unwrap_or_else(|| panic!("{flavour} / {mode}: no drop time:\n{text}"));
            // The bound, plus room for a busy machine to schedule the threads.
            assert!(
                drop_ms <= SHUTDOWN.as_millis() as u64 + 500,
                "{flavour} / {mode}: dropping the guard took {drop_ms} ms\n{text}"
            );
            assert!(!text.contains("panicked"), "{flavour} / {mode}:\n{text}");
        }
    }
}
