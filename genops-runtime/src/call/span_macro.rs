//! The one declaration of a tracked span: every field of the table in
//! [`semconv`](crate::semconv) (`__genops_field_table!`), in order, then the user's own fields.

/// Declares a tracked span with every field of
/// [`semconv::TRACKED_FIELDS`](crate::semconv::TRACKED_FIELDS), in that order, followed by the
/// user's extra fields. `#[genops::track]` and `genops::span!` both expand into this macro, and
/// the field list comes from the table in `semconv`, so a field is added by one edit there.
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
        $crate::__genops_field_table!(($crate::__tracked_span_declare) {
            [$level, $name]
            [$operation, $provider, $kind, $model, $otel_name, $sample_rate,
             $team, $project, $feature, $customer, $environment, $cost_center, $user]
            { $($fields)* }
        })
    };
}

/// Expands the field table into `tracing::span!`. Not public API.
#[doc(hidden)]
#[macro_export]
macro_rules! __tracked_span_declare {
    (
        { [$level:expr, $name:expr] $values:tt { $($fields:tt)* } }
        $( $konst:ident = $field:literal, $role:tt, $doc:literal; )*
    ) => {
        $crate::__private::tracing::span!(
            $level,
            $name,
            $( { $crate::semconv::$konst } = $crate::__tracked_value!($role $values), )*
            $($fields)*
        )
    };
}

/// The value a field gets when the span is created: the macro argument its role names, or
/// `Empty` (`-`) for a field recorded later. Not public API.
#[doc(hidden)]
#[macro_export]
macro_rules! __tracked_value {
    (- $values:tt) => {
        $crate::__private::Empty
    };
    (operation [$v:expr, $($_:expr),*]) => {
        $v
    };
    (provider [$_0:expr, $v:expr, $($_:expr),*]) => {
        $v
    };
    (kind [$_0:expr, $_1:expr, $v:expr, $($_:expr),*]) => {
        $v
    };
    (model [$_0:expr, $_1:expr, $_2:expr, $v:expr, $($_:expr),*]) => {
        $v
    };
    (otel_name [$_0:expr, $_1:expr, $_2:expr, $_3:expr, $v:expr, $($_:expr),*]) => {
        $v
    };
    (sample_rate [$_0:expr, $_1:expr, $_2:expr, $_3:expr, $_4:expr, $v:expr, $($_:expr),*]) => {
        $v
    };
    (team [$_0:expr, $_1:expr, $_2:expr, $_3:expr, $_4:expr, $_5:expr, $v:expr, $($_:expr),*]) => {
        $v
    };
    (project [$_0:expr, $_1:expr, $_2:expr, $_3:expr, $_4:expr, $_5:expr, $_6:expr, $v:expr, $($_:expr),*]) => {
        $v
    };
    (feature [$_0:expr, $_1:expr, $_2:expr, $_3:expr, $_4:expr, $_5:expr, $_6:expr, $_7:expr, $v:expr, $($_:expr),*]) => {
        $v
    };
    (customer [$_0:expr, $_1:expr, $_2:expr, $_3:expr, $_4:expr, $_5:expr, $_6:expr, $_7:expr, $_8:expr, $v:expr, $($_:expr),*]) => {
        $v
    };
    (environment [$_0:expr, $_1:expr, $_2:expr, $_3:expr, $_4:expr, $_5:expr, $_6:expr, $_7:expr, $_8:expr, $_9:expr, $v:expr, $($_:expr),*]) => {
        $v
    };
    (cost_center [$_0:expr, $_1:expr, $_2:expr, $_3:expr, $_4:expr, $_5:expr, $_6:expr, $_7:expr, $_8:expr, $_9:expr, $_10:expr, $v:expr, $($_:expr),*]) => {
        $v
    };
    (user [$_0:expr, $_1:expr, $_2:expr, $_3:expr, $_4:expr, $_5:expr, $_6:expr, $_7:expr, $_8:expr, $_9:expr, $_10:expr, $_11:expr, $v:expr]) => {
        $v
    };
}
