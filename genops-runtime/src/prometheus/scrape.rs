//! One scrape's figures: the ledger's rows summed under the label values they show as (each
//! label capped), the export and budget counters, and the process's memory.

use std::collections::{BTreeMap, BTreeSet};

use super::labels::{shown, Labels};
use super::process::resident_memory_bytes;
use super::source::MetricsSource;
use crate::attribution::Dimension;
use crate::governance::{BudgetForecast, BudgetStatus};
use crate::intern::Sym;
use crate::ledger::{Durations, LedgerKey};
use crate::money::Cost;

/// Histograms by (provider, operation_type, team).
pub(super) type Histograms = BTreeMap<(String, String, String), Durations>;

/// The token types of `genops_tokens_total`, in the order of [`CostTokens::tokens`].
pub(super) const TOKEN_TYPES: [&str; 5] = [
    "input",
    "output",
    "cache_read",
    "cache_creation",
    "reasoning",
];

/// Calls, failed calls and denied calls of one (provider, team).
#[derive(Default)]
pub(super) struct Calls {
    pub(super) calls: u64,
    pub(super) errors: u64,
    pub(super) denied: u64,
}

/// Own cost and tokens (by [`TOKEN_TYPES`]) of one cost label set.
#[derive(Default)]
pub(super) struct CostTokens {
    pub(super) cost: Cost,
    pub(super) tokens: [u64; TOKEN_TYPES.len()],
}

/// What the budgets report.
pub(super) struct BudgetFigures {
    pub(super) statuses: Vec<BudgetStatus>,
    pub(super) forecasts: Vec<BudgetForecast>,
    /// Calls stepped down, by (policy, from, to).
    pub(super) step_downs: BTreeMap<(String, String, String), u64>,
    /// Alerts fired, by (budget, threshold).
    pub(super) alerts: BTreeMap<(String, String), u64>,
    pub(super) store_errors: u64,
    /// Each rate limit: (name, denials, utilisation).
    pub(super) limits: Vec<(String, u64, f64)>,
    /// The scopes killed, as `team=search`.
    pub(super) kills: Vec<String>,
}

/// Everything one scrape shows, aggregated.
pub(super) struct Scrape<'a> {
    pub(super) durations: Histograms,
    pub(super) first_chunks: Histograms,
    /// By (provider, team).
    pub(super) calls: BTreeMap<(String, String), Calls>,
    /// By (team, provider, model, then one value per extra label).
    pub(super) costs: BTreeMap<Vec<String>, CostTokens>,
    /// The attribution dimensions of the extra cost labels.
    pub(super) extra_labels: &'a [Dimension],
    pub(super) unknown_models: u64,
    pub(super) missing_usage: u64,
    /// Calls with usage that could not be true, by (provider, model).
    pub(super) implausible: BTreeMap<(String, String), u64>,
    pub(super) dropped_spans: u64,
    /// `None` without governance.
    pub(super) budgets: Option<BudgetFigures>,
    /// `None` where the process's memory cannot be read.
    pub(super) resident_memory: Option<u64>,
}

impl<'a> Scrape<'a> {
    /// Reads and sums everything `source` shows.
    pub(super) fn read(source: &'a MetricsSource) -> Self {
        let caps = capped_labels(source);
        let mut scrape = Scrape {
            durations: Histograms::new(),
            first_chunks: Histograms::new(),
            calls: BTreeMap::new(),
            costs: BTreeMap::new(),
            extra_labels: &source.extra_labels,
            unknown_models: 0,
            missing_usage: 0,
            implausible: BTreeMap::new(),
            dropped_spans: 0,
            budgets: None,
            resident_memory: None,
        };
        source.ledger.for_each(|key: &LedgerKey, t, books| {
            let team = caps.value("team", key.attribution.get(Dimension::Team));
            let provider = caps.value("provider", key.provider.as_ref());
            let model = caps.value("model", key.model.as_ref());
            let operation = caps.value("operation_type", key.operation.as_ref());
            let series = (provider.clone(), operation, team.clone());
            if let Some(first_chunk) = &books.first_chunk {
                scrape
                    .first_chunks
                    .entry(series.clone())
                    .or_default()
                    .add(first_chunk);
            }
            scrape
                .durations
                .entry(series)
                .or_default()
                .add(&books.durations);
            scrape.missing_usage = scrape.missing_usage.saturating_add(t.missing_usage_calls);
            let implausible = scrape
                .implausible
                .entry((provider.clone(), model.clone()))
                .or_default();
            *implausible = implausible.saturating_add(t.implausible_usage_calls);
            let c = scrape
                .calls
                .entry((provider.clone(), team.clone()))
                .or_default();
            c.calls = c.calls.saturating_add(t.calls);
            c.errors = c.errors.saturating_add(t.errors);
            c.denied = c.denied.saturating_add(t.denied);
            let mut cost_key = vec![team, provider, model];
            for dim in &source.extra_labels {
                cost_key.push(caps.value(dim.name(), key.attribution.get(*dim)));
            }
            let ct = scrape.costs.entry(cost_key).or_default();
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
            scrape.unknown_models = scrape.unknown_models.saturating_add(t.unknown_model_calls);
        });
        #[cfg(feature = "otlp")]
        {
            scrape.dropped_spans = source.export.as_ref().map_or(0, |e| e.dropped());
        }
        scrape.budgets = source.governance.as_ref().map(|governance| BudgetFigures {
            statuses: governance.statuses(),
            forecasts: governance.forecasts(),
            step_downs: governance.step_down_counts(),
            alerts: governance.alert_counts(),
            store_errors: governance.store_errors(),
            limits: governance.limit_figures(),
            kills: governance
                .kills()
                .iter()
                .map(|k| k.scope().text())
                .collect(),
        });
        scrape.resident_memory = resident_memory_bytes();
        scrape
    }
}

/// The values each label keeps this scrape: the first `label_cap` of those the ledger holds.
fn capped_labels(source: &MetricsSource) -> Labels {
    let mut seen: BTreeMap<&'static str, BTreeSet<String>> = BTreeMap::new();
    let mut note = |kind: &'static str, value: Option<&Sym>| {
        seen.entry(kind)
            .or_default()
            .insert(shown(value).to_owned());
    };
    source.ledger.for_each(|key, _, _| {
        note("team", key.attribution.get(Dimension::Team));
        note("provider", key.provider.as_ref());
        note("model", key.model.as_ref());
        note("operation_type", key.operation.as_ref());
        for dim in &source.extra_labels {
            note(dim.name(), key.attribution.get(*dim));
        }
    });
    Labels::capped(seen, source.label_cap)
}
