//! The OTLP clients: span and metric exporters over gRPC or HTTP/protobuf, their headers, and
//! the tokio runtime they run on.

use std::collections::HashMap;
use std::future::Future;

use opentelemetry_otlp::{WithExportConfig, WithHttpConfig, WithTonicConfig};

use super::settings::{ExportSettings, Protocol};
use crate::error::InitError;
use crate::redact;

/// An export problem as an [`InitError`].
pub(crate) fn export_error(problem: impl std::fmt::Display) -> InitError {
    InitError::Export {
        problem: problem.to_string(),
    }
}

/// A current-thread tokio runtime of genops's own, on which the OTLP clients run. It is only
/// driven from genops's export threads, never from the application's. Dropping it never blocks,
/// so the guard may be dropped anywhere, even inside the application's own tokio runtime, where
/// dropping a runtime normally panics.
pub(crate) struct ExportRuntime(Option<tokio::runtime::Runtime>);

impl ExportRuntime {
    pub(crate) fn new() -> Result<Self, InitError> {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map(|runtime| ExportRuntime(Some(runtime)))
            .map_err(export_error)
    }

    /// Runs `future` to completion. Call it from an export thread only.
    pub(crate) fn block_on<F: Future>(&self, future: F) -> F::Output {
        match &self.0 {
            Some(runtime) => runtime.block_on(future),
            None => unreachable!("the runtime is only taken by drop"),
        }
    }

    /// Builds with this runtime as the current one: tonic's lazy channel binds to it.
    fn build<T>(&self, build: impl FnOnce() -> T) -> T {
        let _entered = self.0.as_ref().map(tokio::runtime::Runtime::enter);
        build()
    }
}

impl Drop for ExportRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

/// Builds an OTLP exporter from its `builder` (spans or metrics share every option) for
/// `endpoint`, on `runtime`.
macro_rules! otlp_exporter {
    ($builder:expr, $kind:literal, $settings:expr, $endpoint:expr, $runtime:expr) => {{
        let (settings, endpoint): (&ExportSettings, &str) = ($settings, $endpoint);
        let built = $runtime.build(|| match settings.protocol {
            Protocol::Grpc => grpc_metadata(&settings.headers).map(|metadata| {
                $builder
                    .with_tonic()
                    .with_endpoint(endpoint)
                    .with_timeout(settings.export_timeout)
                    .with_metadata(metadata)
                    .build()
            }),
            Protocol::HttpProtobuf => Ok($builder
                .with_http()
                .with_endpoint(endpoint)
                .with_timeout(settings.export_timeout)
                .with_headers(settings.headers.iter().cloned().collect::<HashMap<_, _>>())
                .build()),
        })?;
        built.map_err(|e| {
            export_error(format!(
                concat!(
                    "the OTLP ",
                    $kind,
                    " exporter for {} could not be built: {}"
                ),
                redact::url(endpoint),
                redact::urls_in(&e.to_string())
            ))
        })
    }};
}

/// The OTLP span exporter to `endpoint`.
pub(crate) fn span_exporter(
    settings: &ExportSettings,
    endpoint: &str,
    runtime: &ExportRuntime,
) -> Result<opentelemetry_otlp::SpanExporter, InitError> {
    otlp_exporter!(
        opentelemetry_otlp::SpanExporter::builder(),
        "span",
        settings,
        endpoint,
        runtime
    )
}

/// The OTLP metric exporter to `endpoint`.
pub(crate) fn metric_exporter(
    settings: &ExportSettings,
    endpoint: &str,
    runtime: &ExportRuntime,
) -> Result<opentelemetry_otlp::MetricExporter, InitError> {
    otlp_exporter!(
        opentelemetry_otlp::MetricExporter::builder(),
        "metric",
        settings,
        endpoint,
        runtime
    )
}

/// Headers as gRPC metadata.
fn grpc_metadata(
    headers: &[(String, String)],
) -> Result<opentelemetry_otlp::tonic_types::metadata::MetadataMap, InitError> {
    let mut map = http::HeaderMap::new();
    for (key, value) in headers {
        let name = http::HeaderName::from_bytes(key.to_ascii_lowercase().as_bytes())
            .map_err(|e| export_error(format!("header `{key}`: {e}")))?;
        // The value's error says what is wrong without quoting the value.
        let value = http::HeaderValue::from_str(value)
            .map_err(|e| export_error(format!("header `{key}`: its value is not valid: {e}")))?;
        map.insert(name, value);
    }
    Ok(opentelemetry_otlp::tonic_types::metadata::MetadataMap::from_headers(map))
}
