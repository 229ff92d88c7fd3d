//! Export fault: a collector that is down from the start never blocks or crashes the
//! application, costs it no latency, and every span that does not arrive is counted.

mod support;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use support::backend::run_example;

fn field(stdout: &str, key: &str) -> u64 {
    stdout
        .split_whitespace()
        .find_map(|w| w.strip_prefix(&format!("{key}=")))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {key}= in {stdout}"))
}

/// A local port nothing listens on.
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn an_endpoint_down_from_the_start_costs_no_latency_and_every_drop_is_counted() {
    let rounds = 1_000;
    let common = |extra: Vec<(&'static str, String)>| {
        // Each round wraps a simulated 1 ms provider call, as a real tracked call does.
        let mut envs = vec![
            ("EXPORT_DEMO_ROUNDS", rounds.to_string()),
            ("EXPORT_DEMO_PROVIDER_US", "1000".to_owned()),
        ];
        envs.extend(extra);
        envs
    };
    // p99 is a tail: noise from other processes only inflates it, so each side takes the best
    // of three runs.
    let best_p99 = |envs: &[(&'static str, String)]| {
        (0..3)
            .map(|_| {
                let out = run_example("export", envs);
                assert!(out.status.success());
                field(&String::from_utf8_lossy(&out.stdout), "p99_ns")
            })
            .min()
            .unwrap()
    };
    let p99_none = best_p99(&common(vec![]));
    for protocol in ["grpc", "http/protobuf"] {
        let down_envs = common(vec![
            (
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                format!("http://127.0.0.1:{}", closed_port()),
            ),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol.to_owned()),
            ("OTEL_BSP_SCHEDULE_DELAY", "100".to_owned()),
        ]);
        let started = Instant::now();
        let down = run_example("export", &down_envs);
        let out = String::from_utf8_lossy(&down.stdout).into_owned();
        assert!(
            down.status.success(),
            "{out}\n{}",
            String::from_utf8_lossy(&down.stderr)
        );
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "exited cleanly and in time"
        );
        assert_eq!(
            field(&out, "calls"),
            4 * rounds,
            "every tracked call returned and was booked"
        );
        assert_eq!(field(&out, "exported"), 0);
        // All spans ended before the final flush; none reached a collector, and each is counted.
        assert_eq!(field(&out, "dropped"), 4 * rounds, "{out}");
        let p99_down = field(&out, "p99_ns").min(best_p99(&down_envs));
        assert!(
            p99_down <= 2 * p99_none,
            "{protocol}: p99 {p99_down} ns with the endpoint down vs {p99_none} ns without export"
        );
    }
}

#[test]
fn the_console_exporter_prints_spans_and_the_sampler_limits_what_is_exported() {
    let out = run_example("export", &[("OTEL_TRACES_EXPORTER", "console".to_owned())]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("rag.answer") && stdout.contains("gen_ai.usage.cost"),
        "{stdout}"
    );
    assert_eq!(field(&stdout, "exported"), 4);

    // A ratio of 0 exports nothing; the ledger still books every call.
    let out = run_example(
        "export",
        &[
            ("OTEL_TRACES_EXPORTER", "console".to_owned()),
            ("OTEL_TRACES_SAMPLER", "traceidratio".to_owned()),
            ("OTEL_TRACES_SAMPLER_ARG", "0".to_owned()),
            ("EXPORT_DEMO_ROUNDS", "10".to_owned()),
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{stdout}");
    assert!(!stdout.contains("rag.answer"), "{stdout}");
    assert_eq!(field(&stdout, "exported"), 0);
    assert_eq!(field(&stdout, "dropped"), 0);
    assert_eq!(field(&stdout, "calls"), 40);
}
