//! Secrets never leave: a recognisable secret is planted in every variable and `Config` method
//! that can carry one (headers, endpoint user-info, endpoint query), and every error path and
//! log path that can mention them is driven: malformed headers, malformed URLs, an unreachable
//! endpoint's export-failure warnings, the console exporter, `Debug` of the config, and a
//! Prometheus scrape. The secret must appear nowhere in what the process printed, in the span
//! fields the console exporter wrote, or in the scrape. Each case runs in a process of its own.

mod support;

use std::time::Duration;

use support::child::{closed_port, run_child, run_if_child, transcript};

const SECRET: &str = "sk-PLANTED-7f3a9";

#[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini")]
fn call() {
    genops::record_usage(genops::Usage::new(1_000, 100));
}

/// A config with the secret in every method that takes one.
fn planted(port: u16) -> genops::Config {
    genops::init()
        .otlp_header("authorization", format!("Bearer {SECRET}"))
        .otlp_header("x-api-key", SECRET)
        .otlp_endpoint(format!(
            "http://svc:{SECRET}@127.0.0.1:{port}/v1/traces?api_key={SECRET}"
        ))
        .otlp_metrics_endpoint(format!(
            "http://svc:{SECRET}@127.0.0.1:{port}/v1/metrics?token={SECRET}"
        ))
}

/// Set-up errors of malformed headers and endpoints (a child of `a_planted_secret_never_leaves`).
fn child_errors() {
    // Malformed headers, from either variable, in each way a header can be malformed.
    for (var, value) in [
        (
            "OTEL_EXPORTER_OTLP_HEADERS",
            format!("Authorization Bearer {SECRET}"),
        ),
        ("OTEL_EXPORTER_OTLP_HEADERS", format!("x api key={SECRET}")),
        (
            "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
            format!("api-key={SECRET}%zz"),
        ),
    ] {
        std::env::set_var(var, &value);
        let err = genops::init().install().expect_err("a malformed header");
        println!("header error: {err}\nheader error debug: {err:?}");
        std::env::remove_var(var);
    }
    // Malformed URLs, from the variables and from code.
    for var in [
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
    ] {
        std::env::set_var(var, format!("ht!tp://user:{SECRET}@127.0.0.1:9"));
        let err = genops::init().install().expect_err("a malformed URL");
        println!("url error: {err}\nurl error debug: {err:?}");
        std::env::remove_var(var);
    }
    let err = genops::init()
        .otlp_endpoint(format!("ftp://user:{SECRET}@host/?key={SECRET}"))
        .install()
        .expect_err("not an http URL");
    println!("url error: {err}");
    // An invalid header value given in code.
    let err = genops::init()
        .otlp_endpoint("http://127.0.0.1:9")
        .otlp_protocol(genops::Protocol::Grpc)
        .otlp_header("authorization", format!("Bearer {SECRET}\n"))
        .install()
        .expect_err("a header value with a newline");
    println!("value error: {err}");
    // The whole config, as `{:?}` and `{:#?}` show it.
    let config = planted(9);
    println!("config: {config:?}\nconfig pretty: {config:#?}");
}

/// Export to a collector that is not there (a child of `a_planted_secret_never_leaves`).
fn child_unreachable() {
    std::env::set_var(
        "OTEL_EXPORTER_OTLP_HEADERS",
        format!("x-tenant-key={SECRET}"),
    );
    let port: u16 = std::env::var("SECRET_PORT").unwrap().parse().unwrap();
    let guard = planted(port)
        .metrics_addr("127.0.0.1:0")
        .export_schedule_delay(Duration::from_millis(50))
        .export_timeout(Duration::from_millis(300))
        .shutdown_timeout(Duration::from_secs(1))
        .install()
        .expect("install");
    for _ in 0..20 {
        call();
        std::thread::sleep(Duration::from_millis(20));
    }
    guard.flush();
    let scrape = support::http_get(guard.metrics_addr().expect("metrics on"), "/metrics");
    println!("scrape:\n{scrape}");
    println!("guard: {guard:?}");
}

/// Export to the console (a child of `a_planted_secret_never_leaves`).
fn child_console() {
    std::env::set_var(
        "OTEL_EXPORTER_OTLP_HEADERS",
        format!("authorization=Bearer%20{SECRET}"),
    );
    let guard = planted(9)
        .traces_exporter(genops::TracesExporter::Console)
        .install()
        .expect("install");
    call();
    guard.flush();
}

#[test]
fn a_planted_secret_never_leaves() {
    run_if_child(&[
        ("child_errors", child_errors),
        ("child_unreachable", child_unreachable),
        ("child_console", child_console),
    ]);
    let port = closed_port();
    for (child, must_show) in [
        (
            "child_errors",
            vec![
                "OTEL_EXPORTER_OTLP_HEADERS: entry 1 is not `key=value`",
                "entry 1 has an invalid header name",
                "OTEL_EXPORTER_OTLP_TRACES_HEADERS: entry 1 (`api-key`) has a malformed %-escape",
                "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: invalid endpoint URL \"ht!tp://***@127.0.0.1:9\"",
                "otlp_endpoint: invalid endpoint URL \"ftp://***@host/?key=***\"",
                "header `authorization`: its value is not valid",
                "authorization: ***",
                "http://***@127.0.0.1:9/v1/traces?api_key=***",
            ],
        ),
        (
            "child_unreachable",
            vec!["OTLP export failed", "genops_operations_total"],
        ),
        ("child_console", vec!["gen_ai.usage.input_tokens", "genops.team"]),
    ] {
        let output = run_child(child, &[("SECRET_PORT", port.to_string())]);
        let text = transcript(&output);
        assert!(output.status.success(), "{child}:\n{text}");
        for shown in must_show {
            assert!(text.contains(shown), "{child} does not show {shown:?}:\n{text}");
        }
        assert!(
            !text.contains(SECRET) && !text.contains("PLANTED"),
            "{child} leaked the secret:\n{text}"
        );
    }
}
