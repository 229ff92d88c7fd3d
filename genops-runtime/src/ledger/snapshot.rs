//! Ledger totals at one moment, by every breakdown: as data, as JSON and as a text table.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::books::{LedgerKey, Totals};
use super::rows::LedgerRow;
use crate::attribution::Dimension;
use crate::intern::Sym;

/// The label of calls that carry no value for a dimension.
pub const UNATTRIBUTED: &str = "(unattributed)";

/// Ledger totals at one moment. Serialises to JSON (costs as integer pico-dollars) and renders as
/// a text table with `Display`.
///
/// ```
/// let snapshot = genops::Ledger::new().snapshot();
/// let json = serde_json::to_string(&snapshot).unwrap();
/// assert!(json.contains("\"total\""));
/// assert!(snapshot.to_string().contains("TOTAL"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Snapshot {
    /// Everything.
    pub total: Totals,
    /// By `genops.team`.
    pub by_team: BTreeMap<String, Totals>,
    /// By `genops.project`.
    pub by_project: BTreeMap<String, Totals>,
    /// By `genops.feature`.
    pub by_feature: BTreeMap<String, Totals>,
    /// By `genops.customer_id`.
    pub by_customer: BTreeMap<String, Totals>,
    /// By `genops.environment`.
    pub by_environment: BTreeMap<String, Totals>,
    /// By `genops.cost_center`.
    pub by_cost_center: BTreeMap<String, Totals>,
    /// By `genops.user_id`.
    pub by_user: BTreeMap<String, Totals>,
    /// By `gen_ai.provider.name`.
    pub by_provider: BTreeMap<String, Totals>,
    /// By the priced model (the response model when one was recorded, else the requested one).
    pub by_model: BTreeMap<String, Totals>,
    /// For each dimension that reached its cap: about how many distinct values its
    /// [`OVERFLOW`](crate::OVERFLOW) row holds (a HyperLogLog estimate, exact up to a few hundred values and
    /// within about 2% beyond).
    pub folded: BTreeMap<Dimension, u64>,
    /// By full key, with usage and cost by token class: filled by
    /// [`Ledger::drain`](crate::Ledger::drain) (empty in [`Ledger::snapshot`](crate::Ledger::snapshot)),
    /// and not serialised. The FOCUS writer reads these.
    #[serde(skip)]
    pub rows: Vec<LedgerRow>,
}

impl Snapshot {
    /// The totals of one dimension's breakdown.
    pub fn by(&self, dim: Dimension) -> &BTreeMap<String, Totals> {
        match dim {
            Dimension::Team => &self.by_team,
            Dimension::Project => &self.by_project,
            Dimension::Feature => &self.by_feature,
            Dimension::Customer => &self.by_customer,
            Dimension::Environment => &self.by_environment,
            Dimension::CostCenter => &self.by_cost_center,
            Dimension::User => &self.by_user,
        }
    }

    fn by_mut(&mut self, dim: Dimension) -> &mut BTreeMap<String, Totals> {
        match dim {
            Dimension::Team => &mut self.by_team,
            Dimension::Project => &mut self.by_project,
            Dimension::Feature => &mut self.by_feature,
            Dimension::Customer => &mut self.by_customer,
            Dimension::Environment => &mut self.by_environment,
            Dimension::CostCenter => &mut self.by_cost_center,
            Dimension::User => &mut self.by_user,
        }
    }

    pub(super) fn add(&mut self, key: &LedgerKey, totals: &Totals) {
        fn label(value: Option<&Sym>) -> String {
            value.map_or(UNATTRIBUTED, Sym::as_str).to_owned()
        }
        self.total.add(totals);
        for dim in Dimension::ALL {
            let name = label(key.attribution.get(dim));
            self.by_mut(dim).entry(name).or_default().add(totals);
        }
        let provider = label(key.provider.as_ref());
        self.by_provider.entry(provider).or_default().add(totals);
        let model = label(key.model.as_ref());
        self.by_model.entry(model).or_default().add(totals);
    }
}

impl fmt::Display for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sections: [(&str, &BTreeMap<String, Totals>); 3] = [
            ("team", &self.by_team),
            ("provider", &self.by_provider),
            ("model", &self.by_model),
        ];
        for (title, rows) in sections {
            writeln!(
                f,
                "{title:<NAME$} {:>CALLS$} {:>ERRORS$} {:>DENIED$} {:>TOKENS$} {:>TOKENS$} {:>COST$}",
                "calls", "errors", "denied", "input", "output", "cost (USD)"
            )?;
            for (name, totals) in rows {
                write_row(f, name, totals)?;
            }
            write_row(f, "TOTAL", &self.total)?;
            writeln!(f)?;
        }
        if self.total.unknown_model_calls > 0 {
            writeln!(
                f,
                "{} call(s) used a model with no known price and were booked at $0",
                self.total.unknown_model_calls
            )?;
        }
        if self.total.implausible_usage_calls > 0 {
            writeln!(
                f,
                "{} call(s) claimed usage that cannot be true and were booked at their bound",
                self.total.implausible_usage_calls
            )?;
        }
        Ok(())
    }
}

/// The width of the text table's name column.
const NAME: usize = 34;
/// The width of the calls column.
const CALLS: usize = 7;
/// The width of the errors column.
const ERRORS: usize = 6;
/// The width of the denied column.
const DENIED: usize = 6;
/// The width of the input and output token columns.
const TOKENS: usize = 10;
/// The width of the cost column.
const COST: usize = 14;
/// The decimals of a cost in USD: to the nano-dollar.
const COST_DECIMALS: usize = 9;

/// One row of the text table.
fn write_row(f: &mut fmt::Formatter<'_>, name: &str, t: &Totals) -> fmt::Result {
    writeln!(
        f,
        "{name:<NAME$} {:>CALLS$} {:>ERRORS$} {:>DENIED$} {:>TOKENS$} {:>TOKENS$} {:>COST$.COST_DECIMALS$}",
        t.calls,
        t.errors,
        t.denied,
        t.input_tokens,
        t.output_tokens,
        t.cost.as_usd()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Cost;

    #[test]
    fn the_text_table_has_fixed_columns_and_costs_to_the_nano_dollar() {
        let totals = Totals {
            calls: 3,
            errors: 1,
            denied: 1,
            input_tokens: 1_000,
            output_tokens: 100,
            cost: Cost::from_picos(3_500_000_000),
            ..Totals::default()
        };
        let mut snapshot = Snapshot {
            total: totals,
            ..Snapshot::default()
        };
        snapshot.by_team.insert("search".into(), totals);
        let text = snapshot.to_string();
        let lines: Vec<&str> = text.lines().take(3).collect();
        assert_eq!(
            lines,
            [
                "team                                 calls errors denied      input     output     cost (USD)",
                "search                                   3      1      1       1000        100    0.003500000",
                "TOTAL                                    3      1      1       1000        100    0.003500000",
            ]
        );
    }
}
