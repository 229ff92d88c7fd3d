//! The Prometheus text exposition of one scrape: a table of the metrics (name, type, help) and
//! one writer of samples per metric. It is rendered from the ledger and the export counters at
//! scrape time: a tracked call pays nothing extra for its metrics.

use std::fmt::{Display, Write as _};
use std::time::Duration;

use super::labels::labels;
use super::scrape::{BudgetFigures, Calls, Histograms, Scrape, TOKEN_TYPES};
use super::source::MetricsSource;
use crate::attribution::Dimension;
use crate::governance::BudgetStatus;
use crate::ledger::DURATION_BUCKETS;

/// One line of a metric: the suffix of its name (`_bucket`, `_sum`, `_count`, or none), its
/// label set and its value.
struct Sample {
    suffix: &'static str,
    labels: String,
    value: String,
}

/// A sample of the metric itself, with no suffix.
fn sample(labels: String, value: impl Display) -> Sample {
    Sample {
        suffix: "",
        labels,
        value: value.to_string(),
    }
}

/// One metric of the exposition.
struct Metric {
    name: &'static str,
    /// `counter`, `gauge` or `histogram`.
    kind: &'static str,
    help: &'static str,
    /// Its samples in this scrape; `None` when the scrape has no such metric (no budgets, no
    /// memory reading), and then not even its header is written.
    samples: fn(&Scrape<'_>) -> Option<Vec<Sample>>,
}

/// Every metric, in the order the exposition writes them.
const METRICS: [Metric; 21] = [
    Metric {
        name: "genops_operation_duration_seconds",
        kind: "histogram",
        help: "Duration of tracked calls.",
        samples: |s| Some(histogram(&s.durations)),
    },
    Metric {
        name: "genops_time_to_first_chunk_seconds",
        kind: "histogram",
        help: "Time from a streamed call's start to its first chunk.",
        samples: |s| Some(histogram(&s.first_chunks)),
    },
    Metric {
        name: "genops_operations_total",
        kind: "counter",
        help: "Tracked calls.",
        samples: |s| Some(by_provider_and_team(s, |c| c.calls)),
    },
    Metric {
        name: "genops_operation_errors_total",
        kind: "counter",
        help: "Tracked calls that failed or panicked (denied calls are not errors).",
        samples: |s| Some(by_provider_and_team(s, |c| c.errors)),
    },
    Metric {
        name: "genops_operation_denied_total",
        kind: "counter",
        help: "Gated calls that a budget or policy denied before they ran.",
        samples: |s| Some(by_provider_and_team(s, |c| c.denied)),
    },
    Metric {
        name: "genops_cost_usd_total",
        kind: "counter",
        help: "Own cost of tracked calls, in USD.",
        samples: |s| Some(costs(s)),
    },
    Metric {
        name: "genops_tokens_total",
        kind: "counter",
        help: "Tokens of tracked calls, by type.",
        samples: |s| Some(tokens(s)),
    },
    Metric {
        name: "genops_unknown_model_total",
        kind: "counter",
        help: "Calls whose model had no known price (booked at $0).",
        samples: |s| Some(vec![sample(String::new(), s.unknown_models)]),
    },
    Metric {
        name: "genops_missing_usage_total",
        kind: "counter",
        help: "Streamed calls that completed without recorded usage (their tokens are not booked).",
        samples: |s| Some(vec![sample(String::new(), s.missing_usage)]),
    },
    Metric {
        name: "genops_usage_implausible_total",
        kind: "counter",
        help: "Calls with a response whose usage could not be true (booked at its bound instead).",
        samples: |s| Some(implausible(s)),
    },
    Metric {
        name: "genops_export_dropped_spans_total",
        kind: "counter",
        help: "Spans that never reached the trace backend.",
        samples: |s| Some(vec![sample(String::new(), s.dropped_spans)]),
    },
    Metric {
        name: "genops_budget_remaining_usd",
        kind: "gauge",
        help: "What is left of each budget in its current window, in USD.",
        samples: |s| by_budget(s, remaining),
    },
    Metric {
        name: "genops_budget_utilization_ratio",
        kind: "gauge",
        help: "Spent share of each budget in its current window.",
        samples: |s| by_budget(s, BudgetStatus::utilization),
    },
    Metric {
        name: "genops_budget_exhaustion_seconds",
        kind: "gauge",
        help: "Seconds until each budget runs out at its recent burn rate (+Inf when nothing \
               was spent in the interval).",
        samples: |s| s.budgets.as_ref().map(exhaustion),
    },
    Metric {
        name: "genops_budget_alerts_total",
        kind: "counter",
        help: "Budget thresholds crossed, once per window.",
        samples: |s| s.budgets.as_ref().map(alerts),
    },
    Metric {
        name: "genops_model_step_downs_total",
        kind: "counter",
        help: "Gated calls a step-down policy admitted on a cheaper model than they asked for.",
        samples: |s| s.budgets.as_ref().map(step_downs),
    },
    Metric {
        name: "genops_budget_store_errors_total",
        kind: "counter",
        help: "Errors talking to a shared budget store (always 0 in memory).",
        samples: |s| {
            let budgets = s.budgets.as_ref()?;
            Some(vec![sample(String::new(), budgets.store_errors)])
        },
    },
    Metric {
        name: "genops_rate_limit_denials_total",
        kind: "counter",
        help: "Gated calls a rate limit denied.",
        samples: |s| by_limit(s, |(_, denials, _)| denials.to_string()),
    },
    Metric {
        name: "genops_rate_limit_utilization_ratio",
        kind: "gauge",
        help: "Used share of each rate limit in its window now (a per-value limit: its busiest value's).",
        samples: |s| by_limit(s, |(_, _, used)| used.to_string()),
    },
    Metric {
        name: "genops_killed",
        kind: "gauge",
        help: "1 for each scope stopped by the kill switch.",
        samples: |s| {
            let budgets = s.budgets.as_ref()?;
            let kills = &budgets.kills;
            Some(
                kills
                    .iter()
                    .map(|scope| sample(labels(&[("scope", scope)]), 1))
                    .collect(),
            )
        },
    },
    Metric {
        name: "process_resident_memory_bytes",
        kind: "gauge",
        help: "Resident memory size in bytes.",
        samples: |s| Some(vec![sample(String::new(), s.resident_memory?)]),
    },
];

impl MetricsSource {
    /// The Prometheus text exposition of every genops metric.
    pub(crate) fn render(&self) -> String {
        let scrape = Scrape::read(self);
        let mut out = String::new();
        for metric in &METRICS {
            let Some(samples) = (metric.samples)(&scrape) else {
                continue;
            };
            let Metric {
                name, kind, help, ..
            } = metric;
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} {kind}");
            for Sample {
                suffix,
                labels,
                value,
            } in samples
            {
                let _ = writeln!(out, "{name}{suffix}{labels} {value}");
            }
        }
        out
    }
}

/// One histogram per (provider, operation_type, team), with the duration buckets.
fn histogram(series: &Histograms) -> Vec<Sample> {
    let mut samples = Vec::new();
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
            samples.push(Sample {
                suffix: "_bucket",
                labels: labels(&with_le),
                value: cumulative.to_string(),
            });
        }
        samples.push(Sample {
            suffix: "_sum",
            labels: labels(&base),
            value: (d.sum_nanos as f64 / 1e9).to_string(),
        });
        samples.push(Sample {
            suffix: "_count",
            labels: labels(&base),
            value: cumulative.to_string(),
        });
    }
    samples
}

/// One of the call counts per (provider, team).
fn by_provider_and_team(s: &Scrape<'_>, count: fn(&Calls) -> u64) -> Vec<Sample> {
    s.calls
        .iter()
        .map(|((provider, team), calls)| {
            sample(
                labels(&[("provider", provider), ("team", team)]),
                count(calls),
            )
        })
        .collect()
}

/// The label pairs of a cost key: team, provider, model, then the extra labels.
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

/// Calls with usage that could not be true, per (provider, model).
fn implausible(s: &Scrape<'_>) -> Vec<Sample> {
    s.implausible
        .iter()
        .map(|((provider, model), n)| {
            sample(labels(&[("provider", provider), ("model", model)]), n)
        })
        .collect()
}

/// Own cost in USD per cost key.
fn costs(s: &Scrape<'_>) -> Vec<Sample> {
    s.costs
        .iter()
        .map(|(key, ct)| sample(labels(&cost_labels(s.extra_labels, key)), ct.cost.as_usd()))
        .collect()
}

/// Tokens per cost key and token type.
fn tokens(s: &Scrape<'_>) -> Vec<Sample> {
    let mut samples = Vec::new();
    for (key, ct) in &s.costs {
        for (kind, n) in TOKEN_TYPES.iter().zip(ct.tokens) {
            let mut pairs = cost_labels(s.extra_labels, key);
            pairs.push(("type", kind));
            samples.push(sample(labels(&pairs), n));
        }
    }
    samples
}

/// One figure per budget; `None` without governance.
fn by_budget(s: &Scrape<'_>, figure: fn(&BudgetStatus) -> f64) -> Option<Vec<Sample>> {
    let budgets = s.budgets.as_ref()?;
    let samples = budgets
        .statuses
        .iter()
        .map(|b| sample(labels(&[("budget", &b.name)]), figure(b)))
        .collect();
    Some(samples)
}

/// One figure per rate limit; `None` without governance.
fn by_limit(s: &Scrape<'_>, figure: fn(&(String, u64, f64)) -> String) -> Option<Vec<Sample>> {
    let limits = &s.budgets.as_ref()?.limits;
    Some(
        limits
            .iter()
            .map(|l| sample(labels(&[("limit", &l.0)]), figure(l)))
            .collect(),
    )
}

/// What is left of a budget in USD, never below 0.
fn remaining(b: &BudgetStatus) -> f64 {
    (b.limit - b.spent - b.reserved).max(0.0)
}

/// When each budget runs out at its recent burn rate, in seconds: for a per-value budget,
/// the first of its metered values to run out.
fn exhaustion(budgets: &BudgetFigures) -> Vec<Sample> {
    let mut soonest: Vec<(&str, Option<Duration>)> = Vec::new();
    for f in &budgets.forecasts {
        match soonest.iter_mut().find(|(budget, _)| *budget == f.budget) {
            Some((_, left)) => {
                *left = match (*left, f.exhausted_in) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    // A value with nothing spent never runs out.
                    (a, b) => a.or(b),
                }
            }
            None => soonest.push((&f.budget, f.exhausted_in)),
        }
    }
    soonest
        .into_iter()
        .map(|(budget, left)| {
            let labels = labels(&[("budget", budget)]);
            match left {
                Some(left) => sample(labels, left.as_secs_f64()),
                None => sample(labels, "+Inf"),
            }
        })
        .collect()
}

/// Step-downs per (policy, from, to).
fn step_downs(budgets: &BudgetFigures) -> Vec<Sample> {
    budgets
        .step_downs
        .iter()
        .map(|((policy, from, to), n)| {
            sample(labels(&[("policy", policy), ("from", from), ("to", to)]), n)
        })
        .collect()
}

/// Alerts fired per (budget, threshold, or `forecast`).
fn alerts(budgets: &BudgetFigures) -> Vec<Sample> {
    budgets
        .alerts
        .iter()
        .map(|((budget, threshold), n)| {
            sample(labels(&[("budget", budget), ("threshold", threshold)]), n)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribution::Dimension;
    use crate::ledger::{Entry, Ledger, LedgerKey};
    use crate::test_support::tracked_call;
    use std::time::Duration;
    use tracing_subscriber::prelude::*;

    /// One tracked call for `team` on `model`: 1,000,000 input tokens, in ten responses of
    /// 100,000 (a response's input is within gpt-4o-mini's context window).
    fn call(team: &str, model: &str) {
        let call = tracked_call(team, model, crate::Usage::new(100_000, 0));
        let _entered = call.enter();
        for _ in 1..10 {
            crate::record_usage(crate::Usage::new(100_000, 0));
        }
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
    fn rate_limit_denials_and_utilisation_and_a_gauge_per_killed_scope() {
        use crate::governance::{RateLimit, Scope};
        let layer = crate::GenOpsLayer::builder()
            .rate_limit(RateLimit::requests(2).named("rpm").enforced())
            .rate_limit(RateLimit::tokens(1_000).named("tpm"))
            .build();
        let mut metrics = source(layer.ledger(), 100, vec![]);
        metrics.governance = layer.governance();
        let governance = layer.governance().unwrap();
        let key = LedgerKey::default();
        let admitted = [
            governance.admit(&key, None, None),
            governance.admit(&key, None, None),
        ];
        assert!(admitted.iter().all(Result::is_ok));
        assert!(governance.admit(&key, None, None).is_err());
        layer.kill(Scope::team("search"), "runaway").unwrap();
        let text = metrics.render();
        for line in [
            "genops_rate_limit_denials_total{limit=\"rpm\"} 1\n",
            "genops_rate_limit_denials_total{limit=\"tpm\"} 0\n",
            "genops_rate_limit_utilization_ratio{limit=\"rpm\"} 1\n",
            "genops_rate_limit_utilization_ratio{limit=\"tpm\"} 0\n",
            "genops_killed{scope=\"team=search\"} 1\n",
        ] {
            assert!(text.contains(line), "{line} in {text}");
        }
    }

    #[test]
    fn budget_exhaustion_at_the_recent_burn_rate() {
        use crate::governance::{Budget, ManualClock, Scope, Usd};
        let clock = ManualClock::at(std::time::UNIX_EPOCH + Duration::from_secs(86_400));
        let layer = crate::GenOpsLayer::builder()
            .clock(clock.clone())
            .budget(Budget::daily("team-a", Scope::team("a"), Usd(0.5)))
            .budget(Budget::daily("idle", Scope::team("b"), Usd(0.5)))
            .build();
        let mut metrics = source(layer.ledger(), 100, vec![]);
        metrics.governance = layer.governance();
        tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
            call("a", "gpt-4o-mini"); // $0.15
            clock.advance(Duration::from_secs(60));
            call("a", "gpt-4o-mini"); // $0.30 in the hour: $0.20 lasts 40 minutes
        });
        let text = metrics.render();
        assert!(
            text.contains("genops_budget_exhaustion_seconds{budget=\"team-a\"} 2400\n"),
            "{text}"
        );
        assert!(text.contains("genops_budget_exhaustion_seconds{budget=\"idle\"} +Inf\n"));
    }

    #[test]
    fn a_per_value_budget_shows_the_first_of_its_values_to_run_out() {
        use crate::governance::{Budget, ManualClock, Usd};
        let clock = ManualClock::at(std::time::UNIX_EPOCH + Duration::from_secs(86_400));
        let layer = crate::GenOpsLayer::builder()
            .clock(clock.clone())
            .budget(Budget::daily_per(Dimension::Team, Usd(0.5)).named("per-team"))
            .build();
        let mut metrics = source(layer.ledger(), 100, vec![]);
        metrics.governance = layer.governance();
        tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
            call("b", "gpt-4o-mini"); // b: $0.35 left at $0.15 an hour, 8,400 s
            call("a", "gpt-4o-mini");
            clock.advance(Duration::from_secs(60));
            call("a", "gpt-4o-mini"); // a: $0.20 left at $0.30 an hour, 2,400 s
        });
        let text = metrics.render();
        let series: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("genops_budget_exhaustion_seconds{"))
            .collect();
        assert_eq!(
            series,
            ["genops_budget_exhaustion_seconds{budget=\"per-team\"} 2400"]
        );
    }

    #[test]
    fn step_downs_by_policy_and_models() {
        use crate::governance::{Budget, Scope, StepDown, Usd};
        let layer = crate::GenOpsLayer::builder()
            .budget(Budget::daily("team-a", Scope::team("a"), Usd(0.5)).hard())
            .step_down(StepDown::new("degrade", Scope::all()).at(0.5, "gpt-4o", "gpt-4o-mini"))
            .build();
        let mut metrics = source(layer.ledger(), 100, vec![]);
        metrics.governance = layer.governance();
        tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
            call("a", "gpt-4o-mini"); // $0.15
            call("a", "gpt-4o-mini"); // $0.30: 60%
            let gated = crate::test_support::tracked_call("a", "gpt-4o", crate::Usage::default());
            assert_eq!(crate::call::admit(gated.span(), Some(&0.01)), Ok(()));
        });
        let text = metrics.render();
        assert!(
            text.contains(
                "genops_model_step_downs_total{policy=\"degrade\",from=\"gpt-4o\",to=\"gpt-4o-mini\"} 1\n"
            ),
            "{text}"
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

    /// A ledger with one free gpt-4o-mini call of team `a` booked per entry of `calls`, each
    /// lasting 1 s, built by `entry` from a template.
    fn booked(calls: usize, entry: impl Fn(usize, Entry<'_>) -> Entry<'_>) -> Ledger {
        use crate::intern::intern;
        let ledger = Ledger::new();
        let mut key = LedgerKey {
            attribution: Default::default(),
            provider: Some(intern("openai")),
            operation: Some(intern("chat")),
            model: Some(intern("gpt-4o-mini")),
        };
        key.attribution.set(Dimension::Team, intern("a"));
        for i in 0..calls {
            ledger.book(entry(
                i,
                Entry {
                    key: &key,
                    usage: crate::Usage::default(),
                    cost: crate::Cost::ZERO,
                    error: false,
                    denied: false,
                    unknown_model: false,
                    duration: Duration::from_secs(1),
                    first_chunk: None,
                    usage_missing: false,
                    implausible: false,
                    classes: &Default::default(),
                },
            ));
        }
        ledger
    }

    #[test]
    fn streamed_calls_have_a_first_chunk_histogram_and_a_missing_usage_count() {
        let streams = [
            (Some(Duration::from_millis(300)), false),
            (Some(Duration::from_millis(3)), true),
            (None, false),
        ];
        let ledger = booked(streams.len(), |i, entry| Entry {
            first_chunk: streams[i].0,
            usage_missing: streams[i].1,
            ..entry
        });
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
    fn denied_calls_are_counted_apart_from_errors() {
        // One success, one provider error, two denials.
        let outcomes = [(false, false), (true, false), (false, true), (false, true)];
        let ledger = booked(outcomes.len(), |i, entry| Entry {
            error: outcomes[i].0,
            denied: outcomes[i].1,
            ..entry
        });
        let text = source(ledger, 100, vec![]).render();
        let labels = "{provider=\"openai\",team=\"a\"}";
        assert!(
            text.contains(&format!("genops_operations_total{labels} 4\n")),
            "{text}"
        );
        assert!(text.contains(&format!("genops_operation_errors_total{labels} 1\n")));
        assert!(text.contains(&format!("genops_operation_denied_total{labels} 2\n")));
        assert!(text.contains("# TYPE genops_operation_denied_total counter\n"));
    }
}
