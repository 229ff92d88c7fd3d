//! The ledger checked independently of the layer's own arithmetic: every tracked call the report
//! makes is counted and priced here, then compared with what the ledger booked.

use genops::{Cost, PriceTable};

/// The price of `model` from the embedded table, for checking the ledger independently of the
/// layer's own arithmetic.
pub(crate) fn price(provider: &str, model: &str) -> genops::Price {
    PriceTable::embedded()
        .resolve(provider, model)
        .unwrap_or_else(|| panic!("{provider}/{model} is in the embedded price table"))
}

/// Tracked calls checked against a ledger, and how many of them were not booked exactly.
#[derive(Default)]
pub(crate) struct Books {
    pub(crate) checked: u64,
    pub(crate) misbooked: u64,
    pub(crate) unknown_or_error: u64,
    pub(crate) checks: u64,
    pub(crate) failed_checks: u64,
}

impl Books {
    /// Checks that `after - before` is exactly `calls` calls costing `cost`.
    pub(crate) fn check(
        &mut self,
        before: &genops::Totals,
        after: &genops::Totals,
        calls: u64,
        cost: Cost,
    ) {
        let booked = after.calls - before.calls;
        let booked_cost = after.cost.picos() - before.cost.picos();
        self.checked += calls;
        self.misbooked += booked.abs_diff(calls);
        self.unknown_or_error += (after.unknown_model_calls - before.unknown_model_calls)
            + (after.errors - before.errors);
        self.checks += 1;
        if booked != calls || booked_cost != cost.picos() {
            self.failed_checks += 1;
            eprintln!(
                "LEDGER MISMATCH: {booked} calls / {booked_cost} p$ booked, \
                 {calls} calls / {} p$ made",
                cost.picos()
            );
        }
    }
}

/// `n` calls at `unit` each, exactly.
pub(crate) fn cost_times(unit: Cost, n: u64) -> Cost {
    Cost::from_picos(unit.picos() * u128::from(n))
}
