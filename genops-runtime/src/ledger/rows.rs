//! The ledger by full key: what each key booked in a drained period, with its usage and cost
//! by token class, pricing tier and service tier.

use crate::attribution::Dimension;
use crate::intern::Sym;
use crate::money::Cost;
use crate::token_class::TokenClass;
use crate::usage::ServiceTier;

use super::books::{CallClasses, LedgerKey, Totals};

/// Everything one full ledger key (attribution × provider × operation × model) booked in a
/// period handed back by [`Ledger::drain`](crate::Ledger::drain).
///
/// A key booked from several threads has a row per thread: add rows of equal keys to merge them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LedgerRow {
    /// The key's attribution, by [`Dimension`] (in [`Dimension::ALL`]'s order); `None` for a
    /// dimension the calls carried no value for.
    pub attribution: [Option<String>; Dimension::COUNT],
    /// `gen_ai.provider.name`.
    pub provider: Option<String>,
    /// `gen_ai.operation.name`.
    pub operation: Option<String>,
    /// The priced model.
    pub model: Option<String>,
    /// The key's totals: they equal the sums of the same key in the period's breakdowns.
    pub totals: Totals,
    /// Usage and cost by class, pricing tier and service tier: a class with no usage and no
    /// cost has no entry. Their costs add up to `totals.cost` exactly.
    pub classes: Vec<ClassRow>,
}

/// What one key used and cost in one token class, at one pricing tier and service tier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClassRow {
    /// The token class.
    pub class: TokenClass,
    /// The long-context tier of the prices (`above_200k`, ...), `None` for flat prices.
    pub pricing_tier: Option<&'static str>,
    /// The service tier the calls were served in.
    pub service_tier: ServiceTier,
    /// Units used: tokens, web searches, calls that recorded a cost, or nanoseconds of compute.
    pub quantity: u64,
    /// The unit price, in half-pico-dollars (a batch job's half prices are exact); zero for
    /// recorded costs and compute time, which have no price card.
    pub unit_price_half_picos: u64,
    /// The exact cost.
    pub cost: Cost,
}

/// One class of a key's books: units, the last unit price, cost.
#[derive(Clone, Copy, Debug, Default)]
struct Line {
    quantity: u64,
    price: u64,
    cost: Cost,
}

/// A key's books by class at one pricing tier and service tier.
#[derive(Clone, Debug)]
struct Group {
    pricing_tier: Option<&'static str>,
    service_tier: ServiceTier,
    lines: [Line; TokenClass::COUNT],
}

/// A key's books by class since the last drain, one group per pricing and service tier used.
#[derive(Clone, Debug, Default)]
pub(super) struct ClassBooks(Vec<Group>);

impl ClassBooks {
    /// Books one call.
    pub(super) fn book(&mut self, call: &CallClasses) {
        let found = self.0.iter().position(|g| {
            g.service_tier == call.service_tier && g.pricing_tier == call.pricing_tier
        });
        let i = found.unwrap_or_else(|| {
            self.0.push(Group {
                pricing_tier: call.pricing_tier,
                service_tier: call.service_tier,
                lines: [Line::default(); TokenClass::COUNT],
            });
            self.0.len() - 1
        });
        let lines = &mut self.0[i].lines;
        let by_class = &call.by_class;
        // A call uses a few classes: the others add nothing.
        for k in by_class.used() {
            let line = &mut lines[k];
            line.quantity = line.quantity.saturating_add(by_class.quantity[k]);
            line.cost += by_class.cost[k];
            if by_class.quantity[k] > 0 {
                line.price = by_class.price[k];
            }
        }
        if call.recorded > Cost::ZERO {
            let line = &mut lines[TokenClass::Recorded as usize];
            line.quantity = line.quantity.saturating_add(1);
            line.cost += call.recorded;
        }
        let (compute, nanos) = call.compute;
        if compute > Cost::ZERO || nanos > 0 {
            let line = &mut lines[TokenClass::Compute as usize];
            line.quantity = line.quantity.saturating_add(nanos);
            line.cost += compute;
        }
    }

    /// The row of `key`, with these totals and these books.
    pub(super) fn row(&self, key: &LedgerKey, totals: &Totals) -> LedgerRow {
        let text = |sym: Option<&Sym>| sym.map(|s| s.as_str().to_owned());
        let mut classes = Vec::new();
        for group in &self.0 {
            for (class, line) in TokenClass::ALL.into_iter().zip(&group.lines) {
                if line.quantity > 0 || line.cost > Cost::ZERO {
                    classes.push(ClassRow {
                        class,
                        pricing_tier: group.pricing_tier,
                        service_tier: group.service_tier,
                        quantity: line.quantity,
                        unit_price_half_picos: line.price,
                        cost: line.cost,
                    });
                }
            }
        }
        LedgerRow {
            attribution: Dimension::ALL.map(|dim| text(key.attribution.get(dim))),
            provider: text(key.provider.as_ref()),
            operation: text(key.operation.as_ref()),
            model: text(key.model.as_ref()),
            totals: *totals,
            classes,
        }
    }
}
