//! # genops: AI cost governance for Rust
//!
//! Put [`#[genops::track]`](macro@track) on the functions that call LLM providers and every call
//! becomes a `tracing` span that says *who* spent (team, project, customer, feature, environment,
//! cost center, user), *what* was called (the OpenTelemetry GenAI attributes) and *what it cost*,
//! to the pico-dollar. A layer prices the usage, keeps exact ledgers, enforces budgets and
//! policies, and exports over OTLP and Prometheus.
//!
//! ```
//! #[derive(Debug)]
//! struct AppError;
//!
//! #[genops::track(team = "search", provider = "openai", model = "gpt-4o-mini", err)]
//! async fn answer(question: &str) -> Result<String, AppError> {
//!     // let resp = client.chat(question).await?;                 // your provider call
//!     genops::record_usage(genops::Usage::new(1_200, 300));       // resp.usage
//!     Ok(format!("answer to {question}"))
//! }
//!
//! fn main() -> Result<(), genops::InitError> {
//!     // Registry, log output on stderr, the GenOps layer, export when configured.
//!     let guard = genops::init().service_name("checkout").install()?;
//!     futures::executor::block_on(answer("what is genops?")).expect("answered");
//!     println!("{}", guard.ledger().snapshot()); // per team, provider and model
//!     # assert_eq!(guard.ledger().snapshot().total.calls, 1);
//!     Ok(())
//! }
//! ```
//!
//! # How a tracked call flows
//!
//! 1. The attribute (or [`span!`]) declares a span with every field of
//!    [`semconv::TRACKED_FIELDS`] and fills what it knows: operation, provider, model,
//!    attribution. Nothing else is captured.
//! 2. [`GenOpsLayer`] recognises the span by its field set and keeps the call's state in it.
//! 3. While the call runs, [`record`], [`record_usage`], [`record_response_model`] and
//!    [`record_cost`] reach the nearest tracked span, and the usage is priced from the
//!    [`PriceTable`]. A call marked `enforce` is first admitted by the [`Budget`]s and
//!    [`Policy`]s.
//! 4. When the call returns, fails, panics or is dropped (a streamed call: when its stream ends),
//!    its own cost is booked once in the [`Ledger`], its total rolls up to its tracked parent,
//!    budgets are settled and the result fields are recorded once.
//! 5. The span is exported over OTLP, and Prometheus renders the ledger at scrape time.
//!    [`init()`] assembles all of it; the [`Guard`] it returns flushes it.
//!
//! # The guide
//!
//! - [Setting up](guide::setup): [`init()`], log output, composing [`layer()`] into your own
//!   subscriber, the cargo features, the environment variables.
//! - [The attribute](guide::attribute): every argument of `#[genops::track]` and [`span!`]
//!   (`enforce(reserve = ...)`, `stream` and `sample` included) and the span contract.
//! - [Recording and integrations](guide::recording): raw JSON, async-openai, genai, AWS Bedrock,
//!   rig and your own [`Recordable`] types.
//! - [Streaming](guide::streaming), [Pricing](guide::pricing),
//!   [Budgets and policies](guide::budgets), [Holding the worst case](guide::holds),
//!   [Running many replicas](guide::replicas),
//!   [Rate limits and the kill switch](guide::limits),
//!   [Agent runs, step-down and forecasts](guide::runs),
//!   [Export](guide::export), [The ledger and cardinality](guide::ledger),
//!   [Performance](guide::performance), [Security](guide::security), [Layout](guide::layout),
//!   [Chargeback: FOCUS 1.2 files](guide::chargeback).
//!
//! # The main items
//!
//! | item | what it is |
//! |---|---|
//! | [`track`](macro@track), [`span!`] | a tracked call, on a function or by hand ([`TrackedSpan`]) |
//! | [`record`], [`record_usage`], [`record_cumulative_usage`], [`record_response_model`], [`record_cost`] | what a call reports, with [`Usage`] |
//! | [`init()`], [`Config`], [`Guard`], [`InitError`] | one-call set-up |
//! | [`layer()`], [`GenOpsLayer`], [`LayerBuilder`] | the layer, for a subscriber of your own |
//! | [`Ledger`], [`Snapshot`], [`Totals`], [`LedgerCaps`], [`Cost`] | exact spend, by every dimension |
//! | [`Budget`], [`Scope`], [`Usd`], [`BudgetStore`], [`FailMode`], [`GovernanceError`] | budgets and the `enforce` gate |
//! | [`AllowedModels`], [`RequiredAttribution`], [`MaxCostPerCall`], [`Policy`] | policies |
//! | [`RateLimit`], [`Kill`], [`KILL_VAR`] | rate limits and the kill switch |
//! | [`PriceTable`], [`Price`] | pricing |
//! | [`semconv`] | the span's field names |
//!
//! # Cargo features
//!
//! `otlp` and `prometheus` are on by default; `redis`, `redis-tls`, `redis-cluster`,
//! `embedded`, `async-openai`, `genai`, `aws-bedrock` and `rig` are off. The
//! [setting-up chapter](guide::setup#cargo-features) says what each adds.
//!
//! This crate re-exports `genops-macros` and `genops-runtime`; depend on `genops` only.

pub use genops_macros::{span, track};
pub use genops_runtime::*;

pub mod guide {
    #![doc = include_str!("../docs/guide/README.md")]

    pub mod setup {
        #![doc = include_str!("../docs/guide/setup.md")]
    }
    pub mod attribute {
        #![doc = include_str!("../docs/guide/attribute.md")]
    }
    pub mod recording {
        #![doc = include_str!("../docs/guide/recording.md")]
    }
    pub mod streaming {
        #![doc = include_str!("../docs/guide/streaming.md")]
    }
    pub mod pricing {
        #![doc = include_str!("../docs/guide/pricing.md")]
    }
    pub mod budgets {
        #![doc = include_str!("../docs/guide/budgets.md")]
    }
    pub mod holds {
        #![doc = include_str!("../docs/guide/holds.md")]
    }
    pub mod replicas {
        #![doc = include_str!("../docs/guide/replicas.md")]
    }
    pub mod limits {
        #![doc = include_str!("../docs/guide/limits.md")]
    }

    pub mod runs {
        #![doc = include_str!("../docs/guide/runs.md")]
    }
    pub mod export {
        #![doc = include_str!("../docs/guide/export.md")]
    }
    pub mod ledger {
        #![doc = include_str!("../docs/guide/ledger.md")]
    }
    pub mod performance {
        #![doc = include_str!("../docs/guide/performance.md")]
    }
    pub mod security {
        #![doc = include_str!("../docs/guide/security.md")]
    }
    pub mod layout {
        #![doc = include_str!("../docs/guide/layout.md")]
    }
    pub mod chargeback {
        #![doc = include_str!("../docs/guide/chargeback.md")]
    }
}

/// The README's Rust snippets, compiled and run as doctests so that they cannot drift from the
/// code.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
