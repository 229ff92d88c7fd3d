//! The runtime of [genops](https://docs.rs/genops): semantic conventions, pricing, the ledger and
//! the tracing layer. Use it through the `genops` crate, which re-exports all of this.
#![deny(missing_docs)]

mod attribution;
mod export;
mod finish;
mod future;
mod governance;
mod handle;
mod init;
mod layer;
mod ledger;
mod metrics;
mod money;
mod outcome;
mod pricing;
mod record;
pub mod semconv;
mod site;
mod span_macro;
mod state;
mod usage;

#[doc(hidden)]
pub mod __private;

#[cfg(test)]
mod test_support;

pub use attribution::Dimension;
pub use export::{sampler, Protocol, TracesExporter};
pub use future::Tracked;
pub use governance::{
    AllowedModels, Budget, BudgetAlert, BudgetStatus, CallInfo, Clock, Enforcement,
    GovernanceError, ManualClock, MaxCostPerCall, Phase, Policy, RateLimit, RequiredAttribution,
    Scope, SystemClock, Usd, Window,
};
pub use handle::TrackedSpan;
pub use init::{
    init, Config, Guard, InitError, DAILY_BUDGET_VAR, LOG_LEVEL_VAR, METRICS_ADDR_VAR,
    PRICING_FILE_VAR, SAMPLING_RATE_VAR,
};
pub use layer::{layer, GenOpsLayer, LayerBuilder};
pub use ledger::{Ledger, Snapshot, Totals, UNATTRIBUTED};
pub use metrics::OTHER;
pub use money::{Cost, PICOS_PER_USD};
pub use outcome::TrackedResult;
pub use pricing::{Price, PriceEntry, PriceTable, PricingError};
pub use record::{record_cost, record_response_model, record_usage};
pub use state::Outcome;
pub use usage::Usage;
