//! The runtime of [genops](https://docs.rs/genops): semantic conventions, pricing, the ledger,
//! governance, export and the tracing layer. Use it through the `genops` crate, which re-exports
//! all of this.
//!
//! # How a tracked call flows
//!
//! 1. **The macro.** `#[genops::track(...)]` (or `genops::span!`) declares a `tracing` span with
//!    every field of [`semconv::TRACKED_FIELDS`], in one fixed order, and fills the ones it knows
//!    at creation: operation, provider, model, attribution. A call site whose operation,
//!    provider and model are literals is read once per call site (`call::literal_site`); its attribution
//!    expressions are noted as they are evaluated, and interned (`intern`: reference-counted,
//!    freed when no longer held; literals are permanent).
//! 2. **The layer.** [`GenOpsLayer`] recognises a tracked span by its field set
//!    (`call::declared`: other libraries' GenAI spans are never booked), and keeps the call's
//!    state in the span's extensions (`call::state`), inheriting attribution from tracked
//!    ancestors and the defaults.
//! 3. **The call.** While it runs, [`record_usage`], [`record_response_model`] and
//!    [`record_cost`] find the nearest tracked span through the dispatcher
//!    (`call::layer_handle`) and price the usage (`pricing`, cached per thread by
//!    `call::engine`). A gated call is first admitted by the governance engine (`governance`).
//! 4. **The close.** When the call returns, fails, panics or is dropped (or, for a streamed call,
//!    when its stream ends or is dropped: `call::stream`), `call::finish` books its
//!    own cost in the [`Ledger`] (a row per distinct key, with each dimension's values past its
//!    [`LedgerCaps`] cap folded into an overflow row), rolls its total up to its tracked parent, settles its
//!    reservation and budgets, and records the result fields once (`call::result_fields`).
//! 5. **Out.** tracing-opentelemetry exports the span over OTLP (`export`, the `otlp` feature)
//!    and the Prometheus endpoint renders the ledger at scrape time (`prometheus`, the
//!    `prometheus` feature).
//! 6. **Set-up.** [`init()`] assembles all of it into a global subscriber; [`Guard`] flushes it.
//!
//! # Modules, bottom to top
//!
//! Each module only uses the ones below it.
//!
//! 1. Values: `env`, `redact`, [`semconv`], `money`, `usage`, `token_class` (what a call's
//!    usage and cost are split into), `intern`, `attribution`, `outcome`, `recordable` (what a
//!    provider's response reports: usage, model, id, finish reasons), `plausibility` (usage that
//!    cannot be true) and `request` (what a provider request says about its cost, before the
//!    call).
//! 2. Pricing and the ledger: `pricing`, `ledger`, and `error` (set-up errors, which carry
//!    pricing's).
//! 3. Governance and export: `governance`, `export`, and `focus` (FOCUS 1.2 cost-and-usage
//!    files from the ledger's drained periods).
//! 4. The life of one tracked call: `call`; `bedrock` (feature `aws-bedrock`), which turns a
//!    Bedrock ConverseStream into a stream and records its request id on the call.
//! 5. The layer and the Prometheus endpoint: `layer`, `prometheus`.
//! 6. Set-up: `init` (with its `from_env` and `guard`).
//!
//! `__private` only re-exports what the generated code names.
//!
//! # Cargo features
//!
//! - `otlp` (on by default): trace and metric export over OTLP, with tracing-opentelemetry and a
//!   tokio runtime of genops's own.
//! - `prometheus` (on by default): the `/metrics` endpoint.
//! - `redis`: a budget store in Redis or Valkey shared by every replica
//!   ([`BudgetStore::redis`], or `GENOPS_BUDGET_STORE=redis://...`).
//! - `redis-tls`: `redis` plus `rediss://` (TLS) with rustls and the ring provider, trusting the
//!   system's root certificates or [`BudgetStore::tls_ca_file`].
//! - `redis-cluster`: `redis` plus a Redis Cluster (`redis+cluster://host:port,host:port`).
//! - `embedded`: a budget store in a redb file that survives restarts of one node
//!   (`GENOPS_BUDGET_STORE=/var/lib/app/budgets.redb`).
//! - `focus-parquet`: FOCUS chargeback files in Parquet too, beside the CSV ones
//!   ([`FocusWriter`]), with the parquet crate's core only.
//! - `async-openai`: async-openai's chat completion, Responses API and embeddings types, and
//!   their stream events, implement [`Recordable`]: a tracked function that returns them, or a
//!   tracked stream of them, is recorded by itself.
//! - `genai`: genai's `ChatResponse` and `ChatStreamEvent` implement [`Recordable`].
//! - `aws-bedrock`: the AWS SDK's Bedrock Converse output and ConverseStream events implement
//!   [`Recordable`], and `bedrock::into_stream` turns a ConverseStream into a stream of them.
//!   Bedrock names no model in its responses: the requested `model` prices the call.
//! - `rig`: rig-core's `CompletionRequest` is a [`Request`] (its worst case can be held), and
//!   its `CompletionResponse`, stream items (`StreamedAssistantContent`), terminal record
//!   (`StreamFinal`) and rig-agent's agent stream items (`MultiTurnStreamItem`) implement
//!   [`Recordable`].
//! - `tokenizer`: exact o200k/cl100k input counts of OpenAI requests for worst-case holds
//!   ([`worst_case`], `enforce(reserve = request)`), with bpe-openai's embedded vocabularies.
//!
//! Without any of them, the attribute, the layer, pricing, the ledger and governance all work.
#![deny(missing_docs)]

mod attribution;
mod env;
mod error;
mod intern;
mod money;
mod outcome;
mod plausibility;
mod recordable;
mod redact;
mod request;
pub mod semconv;
mod token_class;
mod usage;

mod ledger;
mod pricing;

#[cfg(feature = "otlp")]
mod export;
mod focus;
mod governance;

#[cfg(feature = "aws-bedrock")]
pub mod bedrock;
mod call;

mod layer;
#[cfg(feature = "prometheus")]
mod prometheus;

mod init;

#[doc(hidden)]
pub mod __private;

#[cfg(test)]
mod test_support;

pub use attribution::Dimension;
pub use call::{
    admitted_model, record, record_cost, record_cumulative_usage, record_response_model,
    record_usage, use_admitted_model, ItemOutcome, Reserve, Tracked, TrackedSpan, TrackedStream,
};
pub use error::InitError;
#[cfg(feature = "otlp")]
pub use export::{sampler, Protocol, TracesExporter, DEFAULT_SHUTDOWN_TIMEOUT};
pub use focus::{focus_csv, read_focus_csv, FocusPeriod, FocusSettings, FocusWriter};
pub use governance::{
    AllowedModels, Budget, BudgetAlert, BudgetForecast, BudgetStatus, BudgetStore, CallInfo, Clock,
    Counted, Enforcement, FailMode, GovernanceError, Kill, ManualClock, MaxCostPerCall, Phase,
    Policy, RateLimit, RequiredAttribution, Scope, StepDown, SystemClock, Usd, Window,
    DEFAULT_TOKEN_HOLD,
};
pub use init::{
    init, Config, Guard, BUDGET_STORE_VAR, DAILY_BUDGET_VAR, FOCUS_DIR_VAR, FOCUS_PERIOD_VAR,
    KILL_VAR, LOG_LEVEL_VAR, METRICS_ADDR_VAR, PRICING_FILE_VAR, SAMPLING_RATE_VAR,
};
pub use layer::{layer, GenOpsLayer, LayerBuilder};
pub use ledger::{
    ClassRow, Ledger, LedgerCaps, LedgerRow, Snapshot, Totals, DRAINED, OVERFLOW, PER_TENANT,
    UNATTRIBUTED,
};
pub use money::{Cost, PICOS_PER_USD};
pub use outcome::{Outcome, TrackedResult};
pub use pricing::{
    worst_case, EntryId, ExtraPrices, Price, PriceEntry, PriceTable, Priced, PricingError, Rates,
    WorstCase,
};
#[cfg(feature = "prometheus")]
pub use prometheus::OVERFLOW_LABEL_VALUE;
pub use recordable::{
    IncludeUsage, Recordable, Report, RequestModel, UsageReport, MAX_FINISH_REASONS,
};
pub use request::{HoldError, Request};
pub use token_class::TokenClass;
pub use usage::{SearchContextSize, ServiceTier, Usage};
