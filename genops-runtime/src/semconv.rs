//! Field names of a tracked span: the OpenTelemetry GenAI semantic conventions (v1.41) and the
//! `genops.*` attribution and cost namespace.
//!
//! Every name is defined here, once. The `#[genops::track]` attribute and `genops::span!` both
//! expand into [`__tracked_span!`](crate::__tracked_span), which declares [`TRACKED_FIELDS`] in this
//! order, so every layer can record into any of them later.
//!
//! ```
//! use genops_runtime::semconv;
//! assert_eq!(semconv::GEN_AI_USAGE_INPUT_TOKENS, "gen_ai.usage.input_tokens");
//! assert_eq!(semconv::TRACKED_FIELDS[0], semconv::GEN_AI_OPERATION_NAME);
//! ```

/// The kind of GenAI operation (`chat`, `embeddings`, ...).
pub const GEN_AI_OPERATION_NAME: &str = "gen_ai.operation.name";
/// The GenAI provider (`openai`, `aws.bedrock`, ...).
pub const GEN_AI_PROVIDER_NAME: &str = "gen_ai.provider.name";
/// The model the caller asked for.
pub const GEN_AI_REQUEST_MODEL: &str = "gen_ai.request.model";
/// The model that answered, when the provider reports it.
pub const GEN_AI_RESPONSE_MODEL: &str = "gen_ai.response.model";
/// Input tokens, including cache reads and cache writes (`i64`).
pub const GEN_AI_USAGE_INPUT_TOKENS: &str = "gen_ai.usage.input_tokens";
/// Output tokens, including reasoning tokens (`i64`).
pub const GEN_AI_USAGE_OUTPUT_TOKENS: &str = "gen_ai.usage.output_tokens";
/// Input tokens served from the provider's prompt cache (`i64`).
pub const GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS: &str = "gen_ai.usage.cache_read.input_tokens";
/// Input tokens written to the provider's prompt cache (`i64`).
pub const GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS: &str =
    "gen_ai.usage.cache_creation.input_tokens";
/// Output tokens spent on reasoning (`i64`).
pub const GEN_AI_USAGE_REASONING_OUTPUT_TOKENS: &str = "gen_ai.usage.reasoning.output_tokens";
/// The span's own cost in USD (`f64`), as Langfuse, OpenLIT and LiteLLM read it.
pub const GEN_AI_USAGE_COST: &str = "gen_ai.usage.cost";

/// Attribution: the team that spent.
pub const GENOPS_TEAM: &str = "genops.team";
/// Attribution: the project.
pub const GENOPS_PROJECT: &str = "genops.project";
/// Attribution: the product feature.
pub const GENOPS_FEATURE: &str = "genops.feature";
/// Attribution: the customer the call served.
pub const GENOPS_CUSTOMER_ID: &str = "genops.customer_id";
/// Attribution: the deployment environment.
pub const GENOPS_ENVIRONMENT: &str = "genops.environment";
/// Attribution: the cost center that pays.
pub const GENOPS_COST_CENTER: &str = "genops.cost_center";
/// Attribution: the end user.
pub const GENOPS_USER_ID: &str = "genops.user_id";

/// The span's cost including its tracked descendants, in USD (`f64`).
pub const GENOPS_COST_TOTAL: &str = "genops.cost.total";
/// The span's own cost, in USD (`f64`).
pub const GENOPS_COST_SELF: &str = "genops.cost.self";
/// The currency of the cost fields (always `USD`).
pub const GENOPS_COST_CURRENCY: &str = "genops.cost.currency";
/// `true` when usage was recorded for a model with no known price.
pub const GENOPS_COST_UNKNOWN_MODEL: &str = "genops.cost.unknown_model";
/// `true` when a manual cost was rejected (NaN, infinite or negative).
pub const GENOPS_COST_REJECTED: &str = "genops.cost.rejected";
/// `true` when a tracked future was dropped after it started and before it completed.
pub const GENOPS_CANCELLED: &str = "genops.cancelled";

/// The short type name of the error, or `panic`.
pub const ERROR_TYPE: &str = "error.type";
/// The span name tracing-opentelemetry exports.
pub const OTEL_NAME: &str = "otel.name";
/// The span kind tracing-opentelemetry exports (`client` or `internal`).
pub const OTEL_KIND: &str = "otel.kind";
/// The span status tracing-opentelemetry exports (`error` on failure).
pub const OTEL_STATUS_CODE: &str = "otel.status_code";

/// The governance verdict: `allowed`, `warned` or `blocked`.
pub const GENOPS_POLICY_RESULT: &str = "genops.policy.result";
/// The policy (or budget) behind a `warned` or `blocked` verdict.
pub const GENOPS_POLICY_NAME: &str = "genops.policy.name";
/// Why the call was warned about or blocked.
pub const GENOPS_POLICY_REASON: &str = "genops.policy.reason";
/// The tightest budget matching the call.
pub const GENOPS_BUDGET_NAME: &str = "genops.budget.name";
/// What is left of that budget in its window, in USD (`f64`).
pub const GENOPS_BUDGET_REMAINING: &str = "genops.budget.remaining";
/// How much of that budget is used, as a ratio (`f64`, 1.0 = all).
pub const GENOPS_BUDGET_UTILIZATION: &str = "genops.budget.utilization";
/// The export sampling rate of a call site (`sample = ...`), read by the trace sampler.
pub const GENOPS_SAMPLE_RATE: &str = "genops.sample_rate";

/// The currency every cost field is in.
pub const CURRENCY_USD: &str = "USD";

/// Every field a tracked span declares, in declaration order.
///
/// The first entry is always [`GEN_AI_OPERATION_NAME`]; that is how the layer recognises a tracked
/// span without a string search. Fields a user adds with `fields(...)` come after these.
pub const TRACKED_FIELDS: [&str; 34] = [
    GEN_AI_OPERATION_NAME,
    GEN_AI_PROVIDER_NAME,
    GEN_AI_REQUEST_MODEL,
    GEN_AI_RESPONSE_MODEL,
    GEN_AI_USAGE_INPUT_TOKENS,
    GEN_AI_USAGE_OUTPUT_TOKENS,
    GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
    GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
    GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
    GEN_AI_USAGE_COST,
    GENOPS_TEAM,
    GENOPS_PROJECT,
    GENOPS_FEATURE,
    GENOPS_CUSTOMER_ID,
    GENOPS_ENVIRONMENT,
    GENOPS_COST_CENTER,
    GENOPS_USER_ID,
    GENOPS_COST_TOTAL,
    GENOPS_COST_SELF,
    GENOPS_COST_CURRENCY,
    GENOPS_COST_UNKNOWN_MODEL,
    GENOPS_COST_REJECTED,
    GENOPS_CANCELLED,
    ERROR_TYPE,
    OTEL_NAME,
    OTEL_KIND,
    OTEL_STATUS_CODE,
    GENOPS_POLICY_RESULT,
    GENOPS_POLICY_NAME,
    GENOPS_POLICY_REASON,
    GENOPS_BUDGET_NAME,
    GENOPS_BUDGET_REMAINING,
    GENOPS_BUDGET_UTILIZATION,
    GENOPS_SAMPLE_RATE,
];

/// Position of each field in [`TRACKED_FIELDS`] (and so in every tracked span's field set).
pub(crate) mod index {
    pub const OPERATION: usize = 0;
    pub const PROVIDER: usize = 1;
    pub const REQUEST_MODEL: usize = 2;
    pub const RESPONSE_MODEL: usize = 3;
    pub const INPUT_TOKENS: usize = 4;
    pub const OUTPUT_TOKENS: usize = 5;
    pub const CACHE_READ: usize = 6;
    pub const CACHE_CREATION: usize = 7;
    pub const REASONING: usize = 8;
    pub const COST: usize = 9;
    /// The first of the seven attribution fields, in [`crate::Dimension`] order.
    pub const ATTRIBUTION: usize = 10;
    pub const COST_TOTAL: usize = 17;
    pub const COST_SELF: usize = 18;
    pub const CURRENCY: usize = 19;
    pub const UNKNOWN_MODEL: usize = 20;
    pub const REJECTED: usize = 21;
    pub const CANCELLED: usize = 22;
    pub const ERROR_TYPE: usize = 23;
    pub const STATUS_CODE: usize = 26;
    pub const POLICY_RESULT: usize = 27;
    pub const POLICY_NAME: usize = 28;
    pub const POLICY_REASON: usize = 29;
    pub const BUDGET_NAME: usize = 30;
    pub const BUDGET_REMAINING: usize = 31;
    pub const BUDGET_UTILIZATION: usize = 32;
}

/// GenAI operation names (`gen_ai.operation.name`) the attribute accepts.
pub const OPERATIONS: [&str; 8] = [
    "chat",
    "text_completion",
    "embeddings",
    "generate_content",
    "execute_tool",
    "invoke_agent",
    "invoke_workflow",
    "retrieval",
];

/// Well-known GenAI provider names (`gen_ai.provider.name`).
pub const PROVIDERS: [&str; 13] = [
    "openai",
    "anthropic",
    "aws.bedrock",
    "gcp.gemini",
    "gcp.vertex_ai",
    "azure.ai.openai",
    "mistral_ai",
    "cohere",
    "groq",
    "deepseek",
    "x_ai",
    "perplexity",
    "ibm.watsonx.ai",
];

/// Local inference runtimes: they cost nothing by default and their spans are `internal`.
pub const LOCAL_PROVIDERS: [&str; 3] = ["ollama", "vllm", "llama_cpp"];

/// Accepted aliases and the provider name each one normalises to.
pub const PROVIDER_ALIASES: [(&str, &str); 4] = [
    ("bedrock", "aws.bedrock"),
    ("gemini", "gcp.gemini"),
    ("mistral", "mistral_ai"),
    ("azure", "azure.ai.openai"),
];

/// Whether `provider` is a local runtime (see [`LOCAL_PROVIDERS`]).
///
/// ```
/// assert!(genops_runtime::semconv::is_local_provider("ollama"));
/// assert!(!genops_runtime::semconv::is_local_provider("openai"));
/// ```
pub fn is_local_provider(provider: &str) -> bool {
    LOCAL_PROVIDERS.contains(&provider)
}
