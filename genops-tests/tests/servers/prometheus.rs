//! Against a real Prometheus started by `.ci/run`, scraping `GENOPS_PROMETHEUS_TARGET` every
//! second: the `export` example's metrics arrive with the guide's names and the right values.

use std::time::Duration;

use crate::support::backend::{example, get, poll, server};
use crate::support::child::command;
use serde_json::Value;

/// The value of the single series `query` returns, once there is one.
fn query(base: &str, query: &str) -> Option<f64> {
    let encoded: String = query
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'.' | b'-' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    let (status, body) = get(&format!("{base}/api/v1/query?query={encoded}")).ok()?;
    if status != 200 {
        return None;
    }
    let json: Value = serde_json::from_str(&body).ok()?;
    let result = json["data"]["result"].as_array()?;
    match result.as_slice() {
        [series] => series["value"][1].as_str()?.parse().ok(),
        _ => None,
    }
}

#[test]
#[ignore = "needs Prometheus: set GENOPS_PROMETHEUS_URL and GENOPS_PROMETHEUS_TARGET (.ci/run starts one)"]
fn prometheus_scrapes_the_guides_metrics() {
    let base = server("GENOPS_PROMETHEUS_URL");
    let target = std::env::var("GENOPS_PROMETHEUS_TARGET").expect("the address Prometheus scrapes");
    let rounds = 5;
    let mut app = command(example("export"))
        .env("GENOPS_METRICS_ADDR", &target)
        .env("EXPORT_DEMO_ROUNDS", rounds.to_string())
        .env("EXPORT_DEMO_LINGER_MS", "60000")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("the example starts");

    // Each round: one embedding and one failing fallback on openai, one chat on anthropic.
    let openai = poll(
        "genops_operations_total in Prometheus",
        Duration::from_secs(60),
        || {
            query(
                &base,
                r#"genops_operations_total{provider="openai",team="support"}"#,
            )
            .filter(|&v| v == 2.0 * rounds as f64)
        },
    );
    assert_eq!(openai, 10.0);
    let errors = query(
        &base,
        r#"genops_operation_errors_total{provider="openai",team="support"}"#,
    );
    assert_eq!(errors, Some(5.0));
    // claude-sonnet-4-6 per call: 500 × $3/M + 3,000 cached × $0.30/M + 400 × $15/M = $0.0084.
    let cost = query(
        &base,
        r#"genops_cost_usd_total{team="support",model="claude-sonnet-4-6"}"#,
    )
    .expect("genops_cost_usd_total");
    assert_eq!((cost * 1e9).round() as i64, 42_000_000, "5 × $0.0084");
    let tokens = query(
        &base,
        r#"genops_tokens_total{model="claude-sonnet-4-6",type="cache_read"}"#,
    );
    assert_eq!(tokens, Some(15_000.0));
    let count = query(
        &base,
        r#"sum(genops_operation_duration_seconds_count{team="support"})"#,
    );
    assert_eq!(count, Some(20.0));
    assert!(query(&base, "process_resident_memory_bytes").is_some_and(|v| v > 0.0));
    assert_eq!(query(&base, "genops_unknown_model_total"), Some(0.0));
    app.kill().ok();
    app.wait().ok();
}
