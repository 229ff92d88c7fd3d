//! The shipped dashboard and Kubernetes files use exactly the metric names genops serves.

use std::collections::BTreeSet;

/// Every metric name genops serves (see `genops-runtime/src/prometheus/render.rs`), with the histogram's
/// series suffixes.
const SERVED: [&str; 16] = [
    "genops_operation_duration_seconds_bucket",
    "genops_operation_duration_seconds_sum",
    "genops_operation_duration_seconds_count",
    "genops_operations_total",
    "genops_operation_errors_total",
    "genops_operation_denied_total",
    "genops_cost_usd_total",
    "genops_tokens_total",
    "genops_unknown_model_total",
    "genops_export_dropped_spans_total",
    "process_resident_memory_bytes",
    "genops_operation_duration_seconds",
    "genops_budget_alerts_total",
    "genops_budget_remaining_usd",
    "genops_budget_utilization_ratio",
    "genops_budget_store_errors_total",
];

/// Identifiers in `text` that look like metric names.
fn metric_names(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.starts_with("genops_") || w.starts_with("process_"))
        .map(str::to_owned)
        .collect()
}

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/../{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn the_dashboard_queries_only_served_metrics_and_has_the_guides_panels() {
    let text = read("deploy/grafana/genops-dashboard.json");
    let dashboard: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let exprs: Vec<String> = dashboard["panels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["targets"].as_array().unwrap().iter())
        .map(|t| t["expr"].as_str().unwrap().to_owned())
        .collect();
    let used = metric_names(&exprs.join(" "));
    for name in &used {
        assert!(
            SERVED.contains(&name.as_str()),
            "the dashboard queries {name}, which genops does not serve"
        );
    }
    let titles: Vec<&str> = dashboard["panels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["title"].as_str().unwrap())
        .collect();
    for wanted in [
        "Operation latency (p95)",
        "Memory usage",
        "Throughput",
        "Error rate",
        "Cost per team (USD, last 24h)",
        "Tokens per model",
    ] {
        assert!(titles.contains(&wanted), "missing panel {wanted}");
    }
    for metric in [
        "genops_operation_duration_seconds_bucket",
        "process_resident_memory_bytes",
        "genops_operations_total",
        "genops_operation_errors_total",
        "genops_cost_usd_total",
        "genops_tokens_total",
    ] {
        assert!(used.contains(metric), "no panel uses {metric}");
    }
}

#[test]
fn the_autoscaler_scales_on_metrics_the_adapter_derives_from_served_ones() {
    let hpa = read("deploy/kubernetes/hpa.yaml");
    let rules = read("deploy/kubernetes/prometheus-adapter-rules.yaml");
    for derived in [
        "genops_operation_latency_p95",
        "genops_operations_per_second",
    ] {
        assert!(
            hpa.contains(&format!("name: {derived}")),
            "the HPA scales on {derived}"
        );
        assert!(
            rules.contains(&format!("as: \"{derived}\"")),
            "the adapter derives {derived}"
        );
    }
    for name in metric_names(&rules) {
        let derived = [
            "genops_operation_latency_p95",
            "genops_operations_per_second",
        ];
        assert!(
            SERVED.contains(&name.as_str()) || derived.contains(&name.as_str()),
            "unknown metric {name}"
        );
    }
}

#[test]
fn the_replicas_share_the_budget_store_the_manifests_deploy() {
    let deployment = read("deploy/kubernetes/deployment.yaml");
    let redis = read("deploy/kubernetes/redis.yaml");
    let store: genops::BudgetStore = deployment
        .lines()
        .find_map(|l| l.split("GENOPS_BUDGET_STORE, value: \"").nth(1))
        .and_then(|rest| rest.split('"').next())
        .expect("the deployment names a budget store")
        .parse()
        .expect("a valid GENOPS_BUDGET_STORE");
    assert_eq!(
        store,
        genops::BudgetStore::redis("redis://genops-redis:6379/0")
    );
    assert!(redis.contains("name: genops-redis"), "the store's Service");
    assert!(redis.contains("containerPort: 6379"));
    assert!(
        redis.contains(r#""--appendonly", "yes", "--appendfsync", "always""#),
        "the store persists every write"
    );
}
