//! A failing exporter is visible: a WARN with the cause, once per exporter per minute however
//! many exports fail, and an INFO when it recovers. Runs `init()` in a child process with its
//! log output on, as a service would, and reads that output.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use support::child::{closed_port, run_child, run_if_child, transcript};

#[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini")]
fn call() {
    genops::record_usage(genops::Usage::new(1_000, 100));
}

/// Answers every OTLP/HTTP request on `stream` with an empty 200, as a collector does.
fn serve(stream: TcpStream) {
    let mut reader = BufReader::new(stream.try_clone().expect("a clone"));
    let mut writer = stream;
    loop {
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let lower = line.to_ascii_lowercase();
            if let Some(value) = lower.strip_prefix("content-length:") {
                length = value.trim().parse().unwrap_or(0);
            }
            if line == "\r\n" {
                break;
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let answer =
            "HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n";
        if writer.write_all(answer.as_bytes()).is_err() {
            return;
        }
    }
}

/// Tracked calls for `period`, one every 20 ms, so that several exports run.
fn calls_for(period: Duration) {
    let start = Instant::now();
    while start.elapsed() < period {
        call();
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Exports to a collector that is down, then comes up (the child of
/// `a_failing_exporter_warns_once_and_says_when_it_recovers`).
fn child_collector_down_then_up() {
    let port: u16 = std::env::var("HEALTH_PORT").unwrap().parse().unwrap();
    let guard = genops::init().install().expect("install");
    // The collector is down: every export fails, after the exporter's own retries (which the
    // 500 ms export timeout bounds).
    calls_for(Duration::from_millis(2_500));
    // It comes up on the same port.
    let listener = TcpListener::bind(("127.0.0.1", port)).expect("the port again");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve(stream));
        }
    });
    calls_for(Duration::from_millis(800));
    guard.flush();
    println!(
        "exported={} dropped={}",
        guard.exported_spans(),
        guard.dropped_spans()
    );
}

/// `text` without ANSI colour codes.
fn plain(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn a_failing_exporter_warns_once_and_says_when_it_recovers() {
    run_if_child(&[("child_collector_down_then_up", child_collector_down_then_up)]);
    let port = closed_port();
    let output = run_child(
        "child_collector_down_then_up",
        &[
            ("HEALTH_PORT", port.to_string()),
            (
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                format!("http://127.0.0.1:{port}"),
            ),
            ("OTEL_METRICS_EXPORTER", "none".to_owned()),
            ("OTEL_BSP_SCHEDULE_DELAY", "100".to_owned()),
            ("OTEL_BSP_EXPORT_TIMEOUT", "500".to_owned()),
        ],
    );
    let text = transcript(&output);
    assert!(output.status.success(), "{text}");
    let stderr = plain(&String::from_utf8_lossy(&output.stderr));
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("OTLP export failed"))
        .collect();
    // Several exports failed in 2.5 s: one warning says so, with its cause.
    assert_eq!(warnings.len(), 1, "{text}");
    assert!(warnings[0].contains("WARN"), "{}", warnings[0]);
    assert!(
        warnings[0].contains("exporter=\"traces\""),
        "{}",
        warnings[0]
    );
    let cause = warnings[0]
        .split("cause=")
        .nth(1)
        .unwrap_or_else(|| panic!("no cause in {}", warnings[0]));
    assert!(!cause.trim().is_empty(), "{}", warnings[0]);
    let recovered: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("OTLP export recovered"))
        .collect();
    assert_eq!(recovered.len(), 1, "{text}");
    assert!(recovered[0].contains("INFO"), "{}", recovered[0]);
    assert!(
        stderr.find("OTLP export failed") < stderr.find("OTLP export recovered"),
        "{text}"
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let count = |key: &str| -> u64 {
        stdout
            .split_whitespace()
            .find_map(|w| w.strip_prefix(key))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no {key} in {text}"))
    };
    assert!(count("exported=") > 0, "{text}");
    assert!(count("dropped=") > 0, "{text}");
}
