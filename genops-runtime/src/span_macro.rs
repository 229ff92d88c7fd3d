//! The one declaration of a tracked span's field set.

/// Declares a tracked span with every field of [`semconv::TRACKED_FIELDS`](crate::semconv::TRACKED_FIELDS),
/// in that order, followed by the user's extra fields. `#[genops::track]` and `genops::span!` both
/// expand into this macro, so the field set is defined here once; add a field to both this list
/// and `TRACKED_FIELDS`, and every tracked span declares it.
///
/// Not public API: use `#[genops::track]` or `genops::span!`.
#[doc(hidden)]
#[macro_export]
macro_rules! __tracked_span {
    (
        level: $level:expr,
        name: $name:expr,
        operation: $operation:expr,
        provider: $provider:expr,
        kind: $kind:expr,
        model: $model:expr,
        otel_name: $otel_name:expr,
        sample_rate: $sample_rate:expr,
        attribution: [
            $team:expr, $project:expr, $feature:expr, $customer:expr,
            $environment:expr, $cost_center:expr, $user:expr $(,)?
        ],
        fields: { $($fields:tt)* } $(,)?
    ) => {
        $crate::__private::tracing::span!(
            $level,
            $name,
            { $crate::semconv::GEN_AI_OPERATION_NAME } = $operation,
            { $crate::semconv::GEN_AI_PROVIDER_NAME } = $provider,
            { $crate::semconv::GEN_AI_REQUEST_MODEL } = $model,
            { $crate::semconv::GEN_AI_RESPONSE_MODEL } = $crate::__private::Empty,
            { $crate::semconv::GEN_AI_USAGE_INPUT_TOKENS } = $crate::__private::Empty,
            { $crate::semconv::GEN_AI_USAGE_OUTPUT_TOKENS } = $crate::__private::Empty,
            { $crate::semconv::GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS } = $crate::__private::Empty,
            { $crate::semconv::GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS } = $crate::__private::Empty,
            { $crate::semconv::GEN_AI_USAGE_REASONING_OUTPUT_TOKENS } = $crate::__private::Empty,
            { $crate::semconv::GEN_AI_USAGE_COST } = $crate::__private::Empty,
            { $crate::semconv::GENOPS_TEAM } = $team,
            { $crate::semconv::GENOPS_PROJECT } = $project,
            { $crate::semconv::GENOPS_FEATURE } = $feature,
            { $crate::semconv::GENOPS_CUSTOMER_ID } = $customer,
            { $crate::semconv::GENOPS_ENVIRONMENT } = $environment,
            { $crate::semconv::GENOPS_COST_CENTER } = $cost_center,
            { $crate::semconv::GENOPS_USER_ID } = $user,
            { $crate::semconv::GENOPS_COST_TOTAL } = $crate::__private::Empty,
            { $crate::semconv::GENOPS_COST_SELF } = $crate::__private::Empty,
            { $crate::semconv::GENOPS_COST_CURRENCY } = $crate::__private::Empty,
            { $crate::semconv::GENOPS_COST_UNKNOWN_MODEL } = $crate::__private::Empty,
            { $crate::semconv::GENOPS_COST_REJECTED } = $crate::__private::Empty,
            { $crate::semconv::GENOPS_CANCELLED } = $crate::__private::Empty,
            { $crate::semconv::ERROR_TYPE } = $crate::__private::Empty,
            { $crate::semconv::OTEL_NAME } = $otel_name,
            { $crate::semconv::OTEL_KIND } = $kind,
            { $crate::semconv::OTEL_STATUS_CODE } = $crate::__private::Empty,
            { $crate::semconv::GENOPS_POLICY_RESULT } = $crate::__private::Empty,
            { $crate::semconv::GENOPS_POLICY_NAME } = $crate::__private::Empty,
            { $crate::semconv::GENOPS_POLICY_REASON } = $crate::__private::Empty,
            { $crate::semconv::GENOPS_BUDGET_NAME } = $crate::__private::Empty,
            { $crate::semconv::GENOPS_BUDGET_REMAINING } = $crate::__private::Empty,
            { $crate::semconv::GENOPS_BUDGET_UTILIZATION } = $crate::__private::Empty,
            { $crate::semconv::GENOPS_SAMPLE_RATE } = $sample_rate,
            $($fields)*
        )
    };
}
