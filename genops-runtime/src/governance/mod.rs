//! The governance engine: budgets with windows and alerts, policies, and the admission gate of
//! `#[genops::track(enforce)]`.
//!
//! Spend is booked from the same exact integer amounts as the ledger, each call on its own cost.
//! A gated call reserves an amount at admission, which counts against its hard budgets until the
//! call closes; then the reservation is released and the actual cost booked, whatever the
//! outcome (success, `Err`, panic or cancellation).
//!
//! Rate limits are counted in the same store, and the kill switch's scopes are kept there.
//! Run envelopes (`envelope`) hold a gated call's reservation the same way in every run it is
//! beneath, in this process; step-down policies (`step_down`) choose the model a gated call is
//! admitted on; each budget meters its recent spend (`burn_rate`) to forecast when it runs out
//! (`forecast`).

mod alerts;
mod budget;
mod burn_rate;
mod call_info;
mod clock;
mod compiled;
mod compiled_limit;
mod engine;
mod envelope;
mod error;
mod forecast;
mod kill;
mod policy;
mod rate_limit;
mod settings;
mod status;
mod step_down;
mod store;
mod template;
mod verdict;

pub use budget::{Budget, BudgetAlert, FailMode, Scope, Usd, Window};
pub use call_info::{CallInfo, Phase};
pub use clock::{Clock, ManualClock, SystemClock};
pub(crate) use engine::{Admission, Governance, Refusal};
pub(crate) use envelope::{Envelope, EnvelopeCall, ENVELOPE_RESERVATION};
pub use error::GovernanceError;
pub use forecast::BudgetForecast;
pub(crate) use kill::parse_scopes as parse_kill_scopes;
pub use kill::Kill;
pub use policy::{AllowedModels, Enforcement, MaxCostPerCall, Policy, RequiredAttribution};
pub use rate_limit::{Counted, RateLimit, DEFAULT_TOKEN_HOLD};
pub(crate) use settings::GovernanceSettings;
pub use status::BudgetStatus;
pub use step_down::StepDown;
pub(crate) use step_down::SteppedDown;
pub use store::BudgetStore;
pub(crate) use verdict::{PolicyResult, Verdict};
