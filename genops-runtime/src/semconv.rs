//! Field names of a tracked span: the OpenTelemetry GenAI semantic conventions (v1.41) and the
//! `genops.*` attribution and cost namespace.
//!
//! Every name is defined here, once. The `#[genops::track]` attribute and `genops::span!` both
//! expand into [`__tracked_span!`](crate::__tracked_span), which declares [`TRACKED_FIELDS`] in this
//! order, so every layer can record into any of them later.
//!
//! ```
//! use genops::semconv;
//! assert_eq!(semconv::GEN_AI_USAGE_INPUT_TOKENS, "gen_ai.usage.input_tokens");
//! assert_eq!(semconv::TRACKED_FIELDS[0], semconv::GEN_AI_OPERATION_NAME);
//! ```

/// The currency every cost field is in.
pub const CURRENCY_USD: &str = "USD";

/// The table of every field a tracked span declares, in declaration order: its constant, its
/// name, the macro argument that gives its value when the span is created (`-` for the fields
/// recorded later) and its documentation. **This is the one place to extend the field set:** the
/// constants above, [`TRACKED_FIELDS`], and the declaration in
/// [`__tracked_span!`](crate::__tracked_span) are all generated from it.
///
/// The first entry is always `gen_ai.operation.name` and the last `genops.sample_rate`: together
/// they are how the layer recognises a tracked span (no other library declares the `genops.`
/// namespace, and `fields(...)` refuses it).
#[doc(hidden)]
#[macro_export]
macro_rules! __genops_field_table {
    (($($callback:tt)*) { $($args:tt)* }) => {
        $($callback)*! { { $($args)* }
            GEN_AI_OPERATION_NAME = "gen_ai.operation.name", operation, "The kind of GenAI operation (`chat`, `embeddings`, ...).";
            GEN_AI_PROVIDER_NAME = "gen_ai.provider.name", provider, "The GenAI provider (`openai`, `aws.bedrock`, ...).";
            GEN_AI_REQUEST_MODEL = "gen_ai.request.model", model, "The model the caller asked for.";
            GEN_AI_RESPONSE_MODEL = "gen_ai.response.model", -, "The model that answered, when the provider reports it.";
            GEN_AI_RESPONSE_ID = "gen_ai.response.id", -, "The provider's id of the response (of the last one, when the call made several).";
            GEN_AI_RESPONSE_FINISH_REASONS = "gen_ai.response.finish_reasons", -, "Why the model stopped, one reason per choice and response, as a JSON array of strings (`[\"stop\"]`): tracing records no arrays, and OpenTelemetry represents an array as JSON where only a string fits.";
            GEN_AI_USAGE_INPUT_TOKENS = "gen_ai.usage.input_tokens", -, "Input tokens, including cache reads and cache writes (`i64`).";
            GEN_AI_USAGE_OUTPUT_TOKENS = "gen_ai.usage.output_tokens", -, "Output tokens, including reasoning tokens (`i64`).";
            GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = "gen_ai.usage.cache_read.input_tokens", -, "Input tokens served from the provider's prompt cache (`i64`).";
            GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS = "gen_ai.usage.cache_creation.input_tokens", -, "Input tokens written to the provider's prompt cache (`i64`).";
            GEN_AI_USAGE_REASONING_OUTPUT_TOKENS = "gen_ai.usage.reasoning.output_tokens", -, "Output tokens spent on reasoning (`i64`).";
            GEN_AI_USAGE_COST = "gen_ai.usage.cost", -, "The span's own cost in USD (`f64`), as Langfuse, OpenLIT and LiteLLM read it.";
            GENOPS_TEAM = "genops.team", team, "Attribution: the team that spent.";
            GENOPS_PROJECT = "genops.project", project, "Attribution: the project.";
            GENOPS_FEATURE = "genops.feature", feature, "Attribution: the product feature.";
            GENOPS_CUSTOMER_ID = "genops.customer_id", customer, "Attribution: the customer the call served.";
            GENOPS_ENVIRONMENT = "genops.environment", environment, "Attribution: the deployment environment.";
            GENOPS_COST_CENTER = "genops.cost_center", cost_center, "Attribution: the cost center that pays.";
            GENOPS_USER_ID = "genops.user_id", user, "Attribution: the end user.";
            GENOPS_COST_TOTAL = "genops.cost.total", -, "The span's cost including its tracked descendants, in USD (`f64`).";
            GENOPS_COST_SELF = "genops.cost.self", -, "The span's own cost, in USD (`f64`).";
            GENOPS_COST_CURRENCY = "genops.cost.currency", -, "The currency of the cost fields (always `USD`).";
            GENOPS_COST_UNKNOWN_MODEL = "genops.cost.unknown_model", -, "`true` when usage was recorded for a model with no known price.";
            GENOPS_COST_REJECTED = "genops.cost.rejected", -, "`true` when a manual cost was rejected (NaN, infinite or negative).";
            GENOPS_COST_TIER = "genops.cost.tier", -, "The long-context price tier that applied (`above_200k`, or `tiered_<start>_<end>` for a `tiered_pricing` range); absent for flat prices.";
            GENOPS_SERVICE_TIER = "genops.service_tier", -, "The service tier of the call (`flex`, `priority` or `batch`); absent for the standard tier.";
            GENOPS_COST_SERVICE_TIER_FALLBACK = "genops.cost.service_tier_fallback", -, "`true` when the model has no prices of its own for the call's service tier, so its standard prices were booked.";
            GENOPS_COST_UNSUPPORTED = "genops.cost.unsupported", -, "`true` when the model's price has a mode genops cannot apply (`off_peak_pricing`, which depends on the time of day, or per-second prices), so the cost may differ from the bill; warned once per model.";
            GENOPS_CANCELLED = "genops.cancelled", -, "`true` when a tracked future was dropped after it started and before it completed.";
            ERROR_TYPE = "error.type", -, "The short type name of the error, or `panic`.";
            OTEL_NAME = "otel.name", otel_name, "The span name tracing-opentelemetry exports.";
            OTEL_KIND = "otel.kind", kind, "The span kind tracing-opentelemetry exports (`client` or `internal`).";
            OTEL_STATUS_CODE = "otel.status_code", -, "The span status tracing-opentelemetry exports (`error` on failure).";
            GENOPS_POLICY_RESULT = "genops.policy.result", -, "The governance verdict: `allowed`, `warned` or `blocked`.";
            GENOPS_POLICY_NAME = "genops.policy.name", -, "The policy (or budget) behind a `warned` or `blocked` verdict.";
            GENOPS_POLICY_REASON = "genops.policy.reason", -, "Why the call was warned about or blocked.";
            GENOPS_BUDGET_NAME = "genops.budget.name", -, "The tightest budget matching the call.";
            GENOPS_BUDGET_REMAINING = "genops.budget.remaining", -, "What is left of that budget in its window, in USD (`f64`).";
            GENOPS_BUDGET_UTILIZATION = "genops.budget.utilization", -, "How much of that budget is used, as a ratio (`f64`, 1.0 = all).";
            GENOPS_BUDGET_HOLD = "genops.budget.hold", -, "The worst case a gated call held on its hard budgets at admission, read from its request (`enforce(reserve = request)`), in USD (`f64`).";
            GEN_AI_REQUEST_STREAM = "gen_ai.request.stream", -, "`true` when the call streamed its response.";
            GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK = "gen_ai.response.time_to_first_chunk", -, "Seconds from a streamed call's start to the first item its stream yielded (`f64`).";
            GENOPS_STREAM_CHUNKS = "genops.stream.chunks", -, "The items a streamed call yielded (`i64`).";
            GENOPS_STREAM_END = "genops.stream.end", -, "How a streamed call ended: `completed`, `error` or `cancelled`.";
            GENOPS_USAGE_MISSING = "genops.usage.missing", -, "`true` when a streamed call completed without any recorded usage: its tokens were not booked.";
            GENOPS_USAGE_IMPLAUSIBLE = "genops.usage.implausible", -, "The count a response claimed that cannot be true, and why (`input=18446744073709551615 (above the context window, 128000)`, `prompt_tokens=-5 (not a token count)`): the response was booked at its bound instead (the first such claim of the call).";
            GENOPS_RUN_BUDGET = "genops.run.budget", -, "A run's envelope (`budget = ...`): what the calls beneath its span may spend, in USD (`f64`).";
            GENOPS_RUN_SPENT = "genops.run.spent", -, "What the calls beneath a run's span spent, in USD (`f64`), as its envelope booked it.";
            GENOPS_RUN_REMAINING = "genops.run.remaining", -, "What was left of a run's envelope when its span closed, in USD (`f64`).";
            GENOPS_MODEL_ADMITTED = "genops.model.admitted", -, "The model a step-down policy admitted a gated call on, when cheaper than the one it asked for (`gen_ai.request.model`).";
            GENOPS_STEP_DOWN_POLICY = "genops.step_down.policy", -, "The step-down policy that admitted the call on `genops.model.admitted`.";
            GENOPS_SAMPLE_RATE = "genops.sample_rate", sample_rate, "The export sampling rate of a call site (`sample = ...`), read by the trace sampler.";
        }
    };
}

macro_rules! define_fields {
    ({} $( $konst:ident = $name:literal, $role:tt, $doc:literal; )*) => {
        $(
            #[doc = $doc]
            pub const $konst: &str = $name;
        )*

        /// Every field a tracked span declares, in declaration order. Fields a user adds with
        /// `fields(...)` come after these.
        pub const TRACKED_FIELDS: &[&str] = &[$($konst),*];
    };
}

crate::__genops_field_table!((define_fields) {});

/// The position of `name` in [`TRACKED_FIELDS`] (and so in every tracked span's field set).
const fn position(name: &str) -> usize {
    let mut i = 0;
    while i < TRACKED_FIELDS.len() {
        if eq(TRACKED_FIELDS[i], name) {
            return i;
        }
        i += 1;
    }
    panic!("not a tracked field")
}

const fn eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Position of each field in [`TRACKED_FIELDS`] (and so in every tracked span's field set).
pub(crate) mod index {
    pub const OPERATION: usize = super::position(super::GEN_AI_OPERATION_NAME);
    pub const PROVIDER: usize = super::position(super::GEN_AI_PROVIDER_NAME);
    pub const REQUEST_MODEL: usize = super::position(super::GEN_AI_REQUEST_MODEL);
    pub const RESPONSE_MODEL: usize = super::position(super::GEN_AI_RESPONSE_MODEL);
    pub const RESPONSE_ID: usize = super::position(super::GEN_AI_RESPONSE_ID);
    pub const FINISH_REASONS: usize = super::position(super::GEN_AI_RESPONSE_FINISH_REASONS);
    pub const INPUT_TOKENS: usize = super::position(super::GEN_AI_USAGE_INPUT_TOKENS);
    pub const OUTPUT_TOKENS: usize = super::position(super::GEN_AI_USAGE_OUTPUT_TOKENS);
    pub const CACHE_READ: usize = super::position(super::GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS);
    pub const CACHE_CREATION: usize =
        super::position(super::GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS);
    pub const REASONING: usize = super::position(super::GEN_AI_USAGE_REASONING_OUTPUT_TOKENS);
    pub const COST: usize = super::position(super::GEN_AI_USAGE_COST);
    /// The first of the seven attribution fields, which follow in [`crate::Dimension`] order.
    pub const ATTRIBUTION: usize = super::position(super::GENOPS_TEAM);
    pub const COST_TOTAL: usize = super::position(super::GENOPS_COST_TOTAL);
    pub const COST_SELF: usize = super::position(super::GENOPS_COST_SELF);
    pub const CURRENCY: usize = super::position(super::GENOPS_COST_CURRENCY);
    pub const UNKNOWN_MODEL: usize = super::position(super::GENOPS_COST_UNKNOWN_MODEL);
    pub const REJECTED: usize = super::position(super::GENOPS_COST_REJECTED);
    pub const COST_TIER: usize = super::position(super::GENOPS_COST_TIER);
    pub const SERVICE_TIER: usize = super::position(super::GENOPS_SERVICE_TIER);
    pub const SERVICE_TIER_FALLBACK: usize =
        super::position(super::GENOPS_COST_SERVICE_TIER_FALLBACK);
    pub const UNSUPPORTED: usize = super::position(super::GENOPS_COST_UNSUPPORTED);
    pub const CANCELLED: usize = super::position(super::GENOPS_CANCELLED);
    pub const ERROR_TYPE: usize = super::position(super::ERROR_TYPE);
    pub const STATUS_CODE: usize = super::position(super::OTEL_STATUS_CODE);
    pub const POLICY_RESULT: usize = super::position(super::GENOPS_POLICY_RESULT);
    pub const POLICY_NAME: usize = super::position(super::GENOPS_POLICY_NAME);
    pub const POLICY_REASON: usize = super::position(super::GENOPS_POLICY_REASON);
    pub const BUDGET_NAME: usize = super::position(super::GENOPS_BUDGET_NAME);
    pub const BUDGET_REMAINING: usize = super::position(super::GENOPS_BUDGET_REMAINING);
    pub const BUDGET_UTILIZATION: usize = super::position(super::GENOPS_BUDGET_UTILIZATION);
    pub const REQUEST_STREAM: usize = super::position(super::GEN_AI_REQUEST_STREAM);
    pub const TIME_TO_FIRST_CHUNK: usize =
        super::position(super::GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK);
    pub const STREAM_CHUNKS: usize = super::position(super::GENOPS_STREAM_CHUNKS);
    pub const STREAM_END: usize = super::position(super::GENOPS_STREAM_END);
    pub const USAGE_MISSING: usize = super::position(super::GENOPS_USAGE_MISSING);
    pub const USAGE_IMPLAUSIBLE: usize = super::position(super::GENOPS_USAGE_IMPLAUSIBLE);
    /// The `genops.` field that marks a tracked span's field set (the table's last entry).
    pub const MARKER: usize = super::position(super::GENOPS_SAMPLE_RATE);
    const _: () = assert!(MARKER == super::TRACKED_FIELDS.len() - 1);
}

pub use genops_names::{
    is_local_provider, LOCAL_PROVIDERS, OPERATIONS, PROVIDERS, PROVIDER_ALIASES,
};
