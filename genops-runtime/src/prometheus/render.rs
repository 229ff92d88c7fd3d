//! The Prometheus text exposition, rendered from the ledger and the export counters at scrape
//! time: a tracked call pays nothing extra for its metrics.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::Arc;

use super::process::resident_memory_bytes;
use super::OVERFLOW_LABEL_VALUE;
use crate::attribution::Dimension;
#[cfg(feature = "otlp")]
use crate::export::ExportStats;
use crate::governance::Governance;
use crate::intern::Sym;
use crate::ledger::{Durations, Ledger, LedgerKey, DURATION_BUCKETS, UNATTRIBUTED};
use crate::money::Cost;

/// What the metrics are read from, and how labels are bounded.
#[derive(Clone)]
pub(crate) struct MetricsSource {
    pub(crate) ledger: Ledger,
    /// The trace pipeline's counters, when traces are exported.
    #[cfg(feature = "otlp")]
    pub(crate) export: Option<Arc<ExportStats>>,
    /// At most this many distinct values per label; the rest become `other`.
    pub(crate) label_cap: usize,
    /// Attribution dimensions besides `team` that label cost and tokens (opt-in: `customer`
    /// and `user` are unbounded in most services).
    pub(crate) extra_labels: Vec<Dimension>,
    /// Budgets, for their gauges and alert counts.
    pub(crate) governance: Option<Arc<Governance>>,
}

/// One label per kind of value, capped.
struct Labels {
    kept: BTreeMap<&'static str, BTreeSet<String>>,
}

impl Labels {
    fn value(&self, kind: &'static str, value: Option<&Sym>) -> String {
        let value = value.map_or(UNATTRIBUTED, Sym::as_str);
        match self.kept.get(kind) {
            Some(kept) if kept.contains(value) => value.to_owned(),
            _ => OVERFLOW_LABEL_VALUE.to_owned(),
        }
    }
}

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn labels(pairs: &[(&str, &str)]) -> String {
    let inner: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
        .collect();
    format!("{{{}}}", inner.join(","))
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// Histograms by (provider, operation_type, team).
type Histograms = BTreeMap<(String, String, String), Durations>;

/// Writes one histogram per series, with the duration buckets.
fn histograms(out: &mut String, name: &str, help: &str, series: &Histograms) {
    header(out, name, "histogram", help);
    for ((provider, operation, team), d) in series {
        let base = [
            ("provider", provider.as_str()),
            ("operation_type", operation.as_str()),
            ("team", team.as_str()),
        ];
        let mut cumulative = 0u64;
        for (i, bound) in DURATION_BUCKETS
            .iter()
            .map(|b| b.to_string())
            .chain(["+Inf".to_owned()])
            .enumerate()
        {
            cumulative = cumulative.saturating_add(d.buckets[i]);
            let mut with_le = base.to_vec();
            with_le.push(("le", &bound));
            let _ = writeln!(out, "{name}_bucket{} {cumulative}", labels(&with_le));
        }
        let _ = writeln!(
            out,
            "{name}_sum{} {}",
            labels(&base),
            d.sum_nanos as f64 / 1e9
        );
        let _ = writeln!(out, "{name}_count{} {cumulative}", labels(&base));
    }
}

#[derive(Default)]
struct CostTokens {
    cost: Cost,
    tokens: [u64; 5],
}

impl MetricsSource {
    fn cap(&self) -> Labels {
        let mut seen: BTreeMap<&'static str, BTreeSet<String>> = BTreeMap::new();
        let mut note = |kind: &'static str, value: Option<&Sym>| {
            seen.entry(kind)
                .or_default()
                .insert(value.map_or(UNATTRIBUTED, Sym::as_str).to_owned());
        };
        self.ledger.for_each(|key, _| {
            note("team", key.attribution.get(Dimension::Team));
            note("provider", key.provider.as_ref());
            note("model", key.model.as_ref());
            note("operation_type", key.operation.as_ref());
            for dim in &self.extra_labels {
                note(dim.name(), key.attribution.get(*dim));
            }
        });
        let kept = seen
            .into_iter()
            .map(|(kind, values)| (kind, values.into_iter().take(self.label_cap).collect()))
            .collect();
        Labels { kept }
    }

    /// The Prometheus text exposition of every genops metric.
    pub(crate) fn render(&self) -> String {
        let caps = self.cap();
        let mut durations = Histograms::new();
        let mut first_chunks = Histograms::new();
        let mut missing_usage = 0u64;
        let mut calls: BTreeMap<(String, String), (u64, u64)> = BTreeMap::new();
        let mut costs: BTreeMap<Vec<String>, CostTokens> = BTreeMap::new();
        let mut unknown = 0u64;
        self.ledger.for_each(|key: &LedgerKey, books| {
            let team = caps.value("team", key.attribution.get(Dimension::Team));
            let provider = caps.value("provider", key.provider.as_ref());
            let model = caps.value("model", key.model.as_ref());
            let operation = caps.value("operation_type", key.operation.as_ref());
            let t = &books.totals;
            let series = (provider.clone(), operation, team.clone());
            if let Some(first_chunk) = &books.first_chunk {
                first_chunks
                    .entry(series.clone())
                    .or_default()
                    .add(first_chunk);
            }
            durations.entry(series).or_default().add(&books.durations);
            missing_usage = missing_usage.saturating_add(books.totals.missing_usage_calls);
            let c = calls.entry((provider.clone(), team.clone())).or_default();
            c.0 = c.0.saturating_add(t.calls);
            c.1 = c.1.saturating_add(t.errors);
            let mut cost_key = vec![team, provider, model];
            for dim in &self.extra_labels {
                cost_key.push(caps.value(dim.name(), key.attribution.get(*dim)));
            }
            let ct = costs.entry(cost_key).or_default();
            ct.cost += t.cost;
            let tokens = [
                t.input_tokens,
                t.output_tokens,
                t.cache_read_tokens,
                t.cache_creation_tokens,
                t.reasoning_tokens,
            ];
            for (sum, n) in ct.tokens.iter_mut().zip(tokens) {
                *sum = sum.saturating_add(n);
            }
            unknown = unknown.saturating_add(t.unknown_model_calls);
        });

        let mut out = String::new();
        histograms(
            &mut out,
            "genops_operation_duration_seconds",
            "Duration of tracked calls.",
            &durations,
        );
        histograms(
            &mut out,
            "genops_time_to_first_chunk_seconds",
            "Time from a streamed call's start to its first chunk.",
            &first_chunks,
        );
        header(
            &mut out,
            "genops_operations_total",
            "counter",
            "Tracked calls.",
        );
        for ((provider, team), (n, _)) in &calls {
            let _ = writeln!(
                out,
                "genops_operations_total{} {n}",
                labels(&[("provider", provider), ("team", team)])
            );
        }
        header(
            &mut out,
            "genops_operation_errors_total",
            "counter",
            "Tracked calls that failed or panicked.",
        );
        for ((provider, team), (_, errors)) in &calls {
            let _ = writeln!(
                out,
                "genops_operation_errors_total{} {errors}",
                labels(&[("provider", provider), ("team", team)])
            );
        }
        fn cost_labels<'a>(extra: &[Dimension], key: &'a [String]) -> Vec<(&'static str, &'a str)> {
            let mut pairs = vec![
                ("team", key[0].as_str()),
                ("provider", key[1].as_str()),
                ("model", key[2].as_str()),
            ];
            for (dim, value) in extra.iter().zip(&key[3..]) {
                pairs.push((dim.name(), value.as_str()));
            }
            pairs
        }
        let cost_labels = |key| cost_labels(&self.extra_labels, key);
        header(
            &mut out,
            "genops_cost_usd_total",
            "counter",
            "Own cost of tracked calls, in USD.",
        );
        for (key, ct) in &costs {
            let _ = writeln!(
                out,
                "genops_cost_usd_total{} {}",
                labels(&cost_labels(key)),
                ct.cost.as_usd()
            );
        }
        header(
            &mut out,
            "genops_tokens_total",
            "counter",
            "Tokens of tracked calls, by type.",
        );
        for (key, ct) in &costs {
            for (kind, n) in [
                "input",
                "output",
                "cache_read",
                "cache_creation",
                "reasoning",
            ]
            .iter()
            .zip(ct.tokens)
            {
                let mut pairs = cost_labels(key);
                pairs.push(("type", kind));
                let _ = writeln!(out, "genops_tokens_total{} {n}", labels(&pairs));
            }
        }
        header(
            &mut out,
            "genops_unknown_model_total",
            "counter",
            "Calls whose model had no known price (booked at $0).",
        );
        let _ = writeln!(out, "genops_unknown_model_total {unknown}");
        header(
            &mut out,
            "genops_missing_usage_total",
            "counter",
            "Streamed calls that completed without recorded usage (their tokens are not booked).",
        );
        let _ = writeln!(out, "genops_missing_usage_total {missing_usage}");
        header(
            &mut out,
            "genops_export_dropped_spans_total",
            "counter",
            "Spans that never reached the trace backend.",
        );
        #[cfg(feature = "otlp")]
        let dropped = self.export.as_ref().map_or(0, |e| e.dropped());
        #[cfg(not(feature = "otlp"))]
        let dropped = 0;
        let _ = writeln!(out, "genops_export_dropped_spans_total {dropped}");
        if let Some(governance) = &self.governance {
            let statuses = governance.statuses();
            header(
                &mut out,
                "genops_budget_remaining_usd",
                "gauge",
                "What is left of each budget in its current window, in USD.",
            );
            for b in &statuses {
                let remaining = (b.limit - b.spent - b.reserved).max(0.0);
                let _ = writeln!(
                    out,
                    "genops_budget_remaining_usd{} {remaining}",
                    labels(&[("budget", &b.name)])
                );
            }
            header(
                &mut out,
                "genops_budget_utilization_ratio",
                "gauge",
                "Spent share of each budget in its current window.",
            );
            for b in &statuses {
                let ratio = b.utilization();
                let _ = writeln!(
                    out,
                    "genops_budget_utilization_ratio{} {ratio}",
                    labels(&[("budget", &b.name)])
                );
            }
            header(
                &mut out,
                "genops_budget_alerts_total",
                "counter",
                "Budget thresholds crossed, once per window.",
            );
            for ((budget, threshold), n) in governance.alert_counts() {
                let _ = writeln!(
                    out,
                    "genops_budget_alerts_total{} {n}",
                    labels(&[("budget", &budget), ("threshold", &threshold)])
                );
            }
            header(
                &mut out,
                "genops_budget_store_errors_total",
                "counter",
                "Errors talking to a shared budget store (always 0 in memory).",
            );
            let _ = writeln!(
                out,
                "genops_budget_store_errors_total {}",
                governance.store_errors()
            );
        }
        if let Some(rss) = resident_memory_bytes() {
            header(
                &mut out,
                "process_resident_memory_bytes",
                "gauge",
                "Resident memory size in bytes.",
            );
            let _ = writeln!(out, "process_resident_memory_bytes {rss}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::tracked_call;
    use tracing_subscriber::prelude::*;

    /// One tracked call for `team` on `model`: 1,000,000 input tokens.
    fn call(team: &str, model: &str) {
        drop(tracked_call(team, model, crate::Usage::new(1_000_000, 0)));
    }

    fn source(ledger: Ledger, cap: usize, extra: Vec<Dimension>) -> MetricsSource {
        MetricsSource {
            ledger,
            #[cfg(feature = "otlp")]
            export: None,
            label_cap: cap,
            extra_labels: extra,
            governance: None,
        }
    }

    #[test]
    fn budget_gauges_and_alerts() {
        use crate::governance::{Budget, Scope, Usd};
        let layer = crate::GenOpsLayer::builder()
            .budget(Budget::daily("team-a", Scope::team("a"), Usd(0.5)).alert_at([0.5]))
            .build();
        let mut metrics = source(layer.ledger(), 100, vec![]);
        metrics.governance = layer.governance();
        tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
            call("a", "gpt-4o-mini"); // $0.15
            call("a", "gpt-4o-mini"); // $0.30: crosses 50%
        });
        let text = metrics.render();
        assert!(
            text.contains("genops_budget_remaining_usd{budget=\"team-a\"} 0.2\n"),
            "{text}"
        );
        assert!(text.contains("genops_budget_utilization_ratio{budget=\"team-a\"} 0.6\n"));
        assert!(
            text.contains("genops_budget_store_errors_total 0\n"),
            "{text}"
        );
        assert!(
            text.contains("genops_budget_alerts_total{budget=\"team-a\",threshold=\"0.5\"} 1\n")
        );
    }

    #[test]
    fn renders_the_guide_names_with_bounded_labels() {
        let layer = crate::layer();
        let ledger = layer.ledger();
        tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
            for team in ["a", "b", "c", "d"] {
                call(team, "gpt-4o-mini");
            }
            call("a", "gpt-4o-mini");
        });
        let text = source(ledger.clone(), 2, vec![]).render();
        // Teams past the cap of 2 are counted under `other`; nothing is lost.
        assert!(
            text.contains("genops_operations_total{provider=\"openai\",team=\"a\"} 2\n"),
            "{text}"
        );
        assert!(text.contains("genops_operations_total{provider=\"openai\",team=\"b\"} 1\n"));
        assert!(text.contains("genops_operations_total{provider=\"openai\",team=\"other\"} 2\n"));
        // 1,000,000 input tokens of gpt-4o-mini at $0.15/M is $0.15 a call.
        assert!(text.contains(
            "genops_cost_usd_total{team=\"a\",provider=\"openai\",model=\"gpt-4o-mini\"} 0.3\n"
        ));
        assert!(text.contains(
            "genops_tokens_total{team=\"other\",provider=\"openai\",model=\"gpt-4o-mini\",type=\"input\"} 2000000\n"
        ));
        assert!(text.contains("genops_operation_duration_seconds_count{provider=\"openai\",operation_type=\"chat\",team=\"a\"} 2\n"));
        assert!(text.contains("genops_operation_duration_seconds_bucket{provider=\"openai\",operation_type=\"chat\",team=\"a\",le=\"+Inf\"} 2\n"));
        assert!(text.contains("genops_unknown_model_total 0\n"));
        assert!(text.contains("genops_export_dropped_spans_total 0\n"));
        assert!(text.contains("# TYPE process_resident_memory_bytes gauge\n"));
        // No customer label unless asked for.
        assert!(!text.contains("customer"));
        let text = source(ledger, 100, vec![Dimension::Customer]).render();
        assert!(text.contains("genops_cost_usd_total{team=\"a\",provider=\"openai\",model=\"gpt-4o-mini\",customer=\"cust-1\"} 0.3\n"), "{text}");
    }

    #[test]
    fn streamed_calls_have_a_first_chunk_histogram_and_a_missing_usage_count() {
        use crate::intern::intern;
        use crate::ledger::{Entry, LedgerKey};
        use std::time::Duration;
        let ledger = Ledger::new();
        let mut key = LedgerKey {
            attribution: Default::default(),
            provider: Some(intern("openai")),
            operation: Some(intern("chat")),
            model: Some(intern("gpt-4o-mini")),
        };
        key.attribution.set(Dimension::Team, intern("a"));
        for (first_chunk, usage_missing) in [
            (Some(Duration::from_millis(300)), false),
            (Some(Duration::from_millis(3)), true),
            (None, false),
        ] {
            ledger.book(Entry {
                key: &key,
                usage: crate::Usage::default(),
                cost: crate::Cost::ZERO,
                error: false,
                unknown_model: false,
                duration: Duration::from_secs(1),
                first_chunk,
                usage_missing,
            });
        }
        let text = source(ledger, 100, vec![]).render();
        let series = "provider=\"openai\",operation_type=\"chat\",team=\"a\"";
        // Two streamed calls of three: 3 ms and 300 ms.
        assert!(
            text.contains(&format!(
                "genops_time_to_first_chunk_seconds_count{{{series}}} 2\n"
            )),
            "{text}"
        );
        assert!(text.contains(&format!(
            "genops_time_to_first_chunk_seconds_bucket{{{series},le=\"0.01\"}} 1\n"
        )));
        assert!(text.contains(&format!(
            "genops_time_to_first_chunk_seconds_sum{{{series}}} 0.303\n"
        )));
        assert!(text.contains("# TYPE genops_time_to_first_chunk_seconds histogram\n"));
        assert!(text.contains("genops_missing_usage_total 1\n"), "{text}");
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(
            labels(&[("team", "a\"b\\c\nd")]),
            "{team=\"a\\\"b\\\\c\\nd\"}"
        );
    }
}
