//! Trace export settings, from builder calls or the OpenTelemetry SDK's standard variables.

use std::fmt;
use std::time::Duration;

use crate::env::otel::{
    OTEL_BSP_EXPORT_TIMEOUT, OTEL_BSP_MAX_EXPORT_BATCH_SIZE, OTEL_BSP_MAX_QUEUE_SIZE,
    OTEL_BSP_SCHEDULE_DELAY, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS,
    OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL,
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_HEADERS,
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, OTEL_METRICS_EXPORTER, OTEL_TRACES_EXPORTER,
    OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG,
};
use crate::env::{self, EnvError};
use crate::error::InitError;
use crate::redact;

/// The export queue's capacity in spans when neither code nor `OTEL_BSP_MAX_QUEUE_SIZE` says
/// (the SDK default).
const DEFAULT_MAX_QUEUE_SIZE: usize = 2_048;
/// The largest batch when neither code nor `OTEL_BSP_MAX_EXPORT_BATCH_SIZE` says (the SDK
/// default).
const DEFAULT_MAX_EXPORT_BATCH_SIZE: usize = 512;
/// The delay between exports when neither code nor `OTEL_BSP_SCHEDULE_DELAY` says (the SDK
/// default).
const DEFAULT_SCHEDULE_DELAY: Duration = Duration::from_millis(5_000);
/// How long one export may take when neither code nor `OTEL_BSP_EXPORT_TIMEOUT` says.
pub(crate) const DEFAULT_EXPORT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a flush or the guard's drop may wait when neither code nor `OTEL_BSP_EXPORT_TIMEOUT`
/// says.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

/// How spans travel to the collector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// OTLP over gRPC (`grpc`).
    Grpc,
    /// OTLP over HTTP with protobuf bodies (`http/protobuf`), the SDK default.
    HttpProtobuf,
}

/// Where finished spans go (`OTEL_TRACES_EXPORTER`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TracesExporter {
    /// OTLP to the configured endpoint; nothing is exported while no endpoint is set.
    Otlp,
    /// Printed to stdout.
    Console,
    /// Not exported.
    None,
}

/// Resolved export settings. Every field has a builder method on [`Config`](crate::Config).
/// `Debug` shows header names only and endpoints without credentials.
#[derive(Clone)]
pub(crate) struct ExportSettings {
    pub(crate) exporter: TracesExporter,
    pub(crate) endpoint: Option<String>,
    /// Where OTLP metrics go; `None` exports none.
    pub(crate) metrics_endpoint: Option<String>,
    pub(crate) protocol: Protocol,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) sampler_ratio: Option<f64>,
    pub(crate) parent_based: bool,
    pub(crate) max_queue_size: usize,
    pub(crate) schedule_delay: Duration,
    pub(crate) max_export_batch_size: usize,
    pub(crate) export_timeout: Duration,
    /// Bounds a flush and the guard's drop, traces and metrics together.
    pub(crate) shutdown_timeout: Duration,
}

/// Settings given in code; `None` falls back to the environment, then to the SDK default.
/// `Debug` shows header names only and endpoints without credentials.
#[derive(Clone, Default)]
pub(crate) struct ExportOverrides {
    pub(crate) exporter: Option<TracesExporter>,
    pub(crate) endpoint: Option<String>,
    pub(crate) metrics_endpoint: Option<String>,
    pub(crate) protocol: Option<Protocol>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) sampler_ratio: Option<f64>,
    pub(crate) max_queue_size: Option<usize>,
    pub(crate) schedule_delay: Option<Duration>,
    pub(crate) max_export_batch_size: Option<usize>,
    pub(crate) export_timeout: Option<Duration>,
    pub(crate) shutdown_timeout: Option<Duration>,
}

fn bad(var: &'static str, problem: impl Into<String>) -> InitError {
    InitError::Env {
        var,
        problem: problem.into(),
    }
}

/// A count from `var`.
fn env_number<T: std::str::FromStr>(var: &'static str) -> Result<Option<T>, EnvError> {
    env::parsed(var, "a whole, non-negative number", |text| {
        text.parse().ok()
    })
}

/// A duration from `var`, in milliseconds.
fn env_millis(var: &'static str) -> Result<Option<Duration>, EnvError> {
    Ok(env_number::<u64>(var)?.map(Duration::from_millis))
}

/// `Protocol` from its specification name.
pub(crate) fn parse_protocol(var: &'static str, value: &str) -> Result<Protocol, InitError> {
    match value {
        "grpc" => Ok(Protocol::Grpc),
        "http/protobuf" => Ok(Protocol::HttpProtobuf),
        other => Err(bad(
            var,
            format!("unsupported protocol {other:?}; expected `grpc` or `http/protobuf`"),
        )),
    }
}

/// Checks an endpoint URL: `http://` or `https://`, a host, and nothing unparsable.
pub(crate) fn check_endpoint(var: &'static str, url: &str) -> Result<(), InitError> {
    let shown = redact::url(url);
    let uri: http::Uri = url
        .parse()
        .map_err(|e| bad(var, format!("invalid endpoint URL {shown:?}: {e}")))?;
    match (uri.scheme_str(), uri.host()) {
        (Some("http" | "https"), Some(host)) if !host.is_empty() => Ok(()),
        _ => Err(bad(
            var,
            format!(
                "invalid endpoint URL {shown:?}: expected http://host:port or https://host:port"
            ),
        )),
    }
}

/// `Debug` for the export settings types: endpoints without credentials, headers by name only,
/// the other fields as they are.
macro_rules! redacted_debug {
    ($ty:ident { $($field:ident),* $(,)? }) => {
        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($ty))
                    .field("exporter", &self.exporter)
                    .field("endpoint", &redact::Url(self.endpoint.as_deref()))
                    .field("metrics_endpoint", &redact::Url(self.metrics_endpoint.as_deref()))
                    .field("protocol", &self.protocol)
                    .field("headers", &redact::HeaderNames(&self.headers))
                    $(.field(stringify!($field), &self.$field))*
                    .finish()
            }
        }
    };
}

redacted_debug!(ExportSettings {
    sampler_ratio,
    parent_based,
    max_queue_size,
    schedule_delay,
    max_export_batch_size,
    export_timeout,
    shutdown_timeout,
});

redacted_debug!(ExportOverrides {
    sampler_ratio,
    max_queue_size,
    schedule_delay,
    max_export_batch_size,
    export_timeout,
    shutdown_timeout,
});

/// Parses `key=value,key2=value2` with percent-encoded values (W3C baggage format). Errors name
/// the entry by its position, and by its header name when the name is valid; a value is never
/// shown, nor is an entry with no `=` (all of it may be a secret).
pub(crate) fn parse_headers(
    var: &'static str,
    text: &str,
) -> Result<Vec<(String, String)>, InitError> {
    text.split(',')
        .filter(|entry| !entry.trim().is_empty())
        .enumerate()
        .map(|(i, entry)| {
            let n = i + 1;
            let (key, value) = entry.split_once('=').ok_or_else(|| {
                bad(
                    var,
                    format!("entry {n} is not `key=value` (its text is not shown: it may hold a secret)"),
                )
            })?;
            let key = key.trim();
            if key.is_empty()
                || !key
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
            {
                return Err(bad(
                    var,
                    format!(
                        "entry {n} has an invalid header name: use letters, digits, `-`, `_` and `.` \
                         (the entry is not shown: it may hold a secret)"
                    ),
                ));
            }
            let value = percent_decode(value.trim()).ok_or_else(|| {
                bad(
                    var,
                    format!("entry {n} (`{key}`) has a malformed %-escape in its value"),
                )
            })?;
            Ok((key.to_owned(), value))
        })
        .collect()
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

impl ExportSettings {
    /// Code first, then the standard variables, then the SDK defaults.
    pub(crate) fn resolve(code: &ExportOverrides) -> Result<Self, InitError> {
        let exporter = match (code.exporter, env::var(OTEL_TRACES_EXPORTER)?) {
            (Some(e), _) => e,
            (None, None) => TracesExporter::Otlp,
            (None, Some(v)) => match v.as_str() {
                "otlp" => TracesExporter::Otlp,
                "console" => TracesExporter::Console,
                "none" => TracesExporter::None,
                other => {
                    return Err(bad(
                        OTEL_TRACES_EXPORTER,
                        format!("unknown exporter {other:?}; expected `otlp`, `console` or `none`"),
                    ))
                }
            },
        };
        let protocol = match code.protocol {
            Some(p) => p,
            None => match (
                env::var(OTEL_EXPORTER_OTLP_TRACES_PROTOCOL)?,
                env::var(OTEL_EXPORTER_OTLP_PROTOCOL)?,
            ) {
                (Some(v), _) => parse_protocol(OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, &v)?,
                (None, Some(v)) => parse_protocol(OTEL_EXPORTER_OTLP_PROTOCOL, &v)?,
                (None, None) => Protocol::HttpProtobuf,
            },
        };
        let endpoint = if let Some(url) = &code.endpoint {
            check_endpoint("otlp_endpoint", url)?;
            Some(url.clone())
        } else if let Some(url) = env::var(OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)? {
            check_endpoint(OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, &url)?;
            Some(url)
        } else if let Some(base) = env::var(OTEL_EXPORTER_OTLP_ENDPOINT)? {
            check_endpoint(OTEL_EXPORTER_OTLP_ENDPOINT, &base)?;
            // The specification: the generic endpoint is a base URL for OTLP/HTTP.
            Some(match protocol {
                Protocol::Grpc => base,
                Protocol::HttpProtobuf => format!("{}/v1/traces", base.trim_end_matches('/')),
            })
        } else {
            None
        };
        let metrics_endpoint = if let Some(url) = &code.metrics_endpoint {
            check_endpoint("otlp_metrics_endpoint", url)?;
            Some(url.clone())
        } else if env::var(OTEL_METRICS_EXPORTER)?.as_deref() == Some("none") {
            None
        } else if let Some(url) = env::var(OTEL_EXPORTER_OTLP_METRICS_ENDPOINT)? {
            check_endpoint(OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, &url)?;
            Some(url)
        } else {
            env::var(OTEL_EXPORTER_OTLP_ENDPOINT)?.map(|base| match protocol {
                Protocol::Grpc => base,
                Protocol::HttpProtobuf => format!("{}/v1/metrics", base.trim_end_matches('/')),
            })
        };
        let mut headers = Vec::new();
        for var in [
            OTEL_EXPORTER_OTLP_HEADERS,
            OTEL_EXPORTER_OTLP_TRACES_HEADERS,
        ] {
            if let Some(text) = env::var(var)? {
                headers.extend(parse_headers(var, &text)?);
            }
        }
        headers.extend(code.headers.iter().cloned());
        let (env_ratio, parent_based) = sampler_from_env()?;
        let sampler_ratio = code.sampler_ratio.or(env_ratio);
        let max_queue_size = match code.max_queue_size {
            Some(n) => n,
            None => env_number(OTEL_BSP_MAX_QUEUE_SIZE)?.unwrap_or(DEFAULT_MAX_QUEUE_SIZE),
        };
        let max_export_batch_size = match code.max_export_batch_size {
            Some(n) => n,
            None => {
                env_number(OTEL_BSP_MAX_EXPORT_BATCH_SIZE)?.unwrap_or(DEFAULT_MAX_EXPORT_BATCH_SIZE)
            }
        };
        if max_queue_size == 0 || max_export_batch_size == 0 {
            return Err(InitError::Invalid {
                setting: "export queue",
                problem: "the queue and batch sizes must be at least 1".into(),
            });
        }
        // The specification's one timeout of the batch processor: it bounds each export and,
        // unless `shutdown_timeout` is given, a flush and the guard's drop too.
        let env_export_timeout = env_millis(OTEL_BSP_EXPORT_TIMEOUT)?;
        Ok(ExportSettings {
            exporter,
            endpoint,
            metrics_endpoint,
            protocol,
            headers,
            sampler_ratio,
            parent_based,
            max_queue_size,
            schedule_delay: match code.schedule_delay {
                Some(d) => d,
                None => env_millis(OTEL_BSP_SCHEDULE_DELAY)?.unwrap_or(DEFAULT_SCHEDULE_DELAY),
            },
            max_export_batch_size: max_export_batch_size.min(max_queue_size),
            export_timeout: code
                .export_timeout
                .or(env_export_timeout)
                .unwrap_or(DEFAULT_EXPORT_TIMEOUT),
            shutdown_timeout: code
                .shutdown_timeout
                .or(env_export_timeout)
                .unwrap_or(DEFAULT_SHUTDOWN_TIMEOUT),
        })
    }
}

/// `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG`: the ratio (`None` = always on) and whether
/// the decision follows the parent.
fn sampler_from_env() -> Result<(Option<f64>, bool), InitError> {
    let ratio = || -> Result<f64, EnvError> {
        Ok(env::parsed(
            OTEL_TRACES_SAMPLER_ARG,
            "a ratio in [0, 1]",
            env::unit_interval,
        )?
        .unwrap_or(1.0))
    };
    match env::var(OTEL_TRACES_SAMPLER)?.as_deref() {
        None | Some("parentbased_always_on") => Ok((None, true)),
        Some("always_on") => Ok((None, false)),
        Some("always_off") => Ok((Some(0.0), false)),
        Some("parentbased_always_off") => Ok((Some(0.0), true)),
        Some("traceidratio") => Ok((Some(ratio()?), false)),
        Some("parentbased_traceidratio") => Ok((Some(ratio()?), true)),
        Some(other) => Err(bad(
            OTEL_TRACES_SAMPLER,
            format!(
                "unknown sampler {other:?}; expected one of always_on, always_off, traceidratio, \
                 parentbased_always_on, parentbased_always_off, parentbased_traceidratio"
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_parse_and_decode() {
        let h = parse_headers("V", "api-key=a%20b, x=1").unwrap();
        assert_eq!(
            h,
            vec![("api-key".into(), "a b".into()), ("x".into(), "1".into())]
        );
        let err = |text: &str| parse_headers("V", text).unwrap_err().to_string();
        assert_eq!(
            err("Authorization Bearer sk-SECRET123"),
            "environment variable V: entry 1 is not `key=value` (its text is not shown: it may \
             hold a secret)"
        );
        assert_eq!(
            err("ok=1,x api key=sk-SECRET456"),
            "environment variable V: entry 2 has an invalid header name: use letters, digits, \
             `-`, `_` and `.` (the entry is not shown: it may hold a secret)"
        );
        assert_eq!(
            err("api-key=sk%zzSECRET"),
            "environment variable V: entry 1 (`api-key`) has a malformed %-escape in its value"
        );
    }

    #[test]
    fn endpoints_must_be_http_urls() {
        assert!(check_endpoint("V", "http://127.0.0.1:4317").is_ok());
        assert!(check_endpoint("V", "https://collector:4318/v1/traces").is_ok());
        let err = check_endpoint("V", "not a url").unwrap_err().to_string();
        assert!(err.contains("invalid endpoint URL"), "{err}");
        assert!(check_endpoint("V", "ftp://x").is_err());
        assert!(check_endpoint("V", "localhost:4317").is_err());
    }

    #[test]
    fn protocols() {
        assert_eq!(parse_protocol("V", "grpc").unwrap(), Protocol::Grpc);
        let err = parse_protocol("V", "http/json").unwrap_err().to_string();
        assert!(err.contains("unsupported protocol"), "{err}");
    }
}
