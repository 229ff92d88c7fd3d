//! The variables `init()` reads, and their readers. Every reader treats an empty or blank
//! variable as unset and names the variable in its error.

use std::path::PathBuf;

use crate::attribution::Dimension;
use crate::env;
use crate::env::otel::{
    OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_METRICS_ENDPOINT,
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_SERVICE_NAME, OTEL_TRACES_EXPORTER,
};
use crate::error::InitError;
use crate::focus::{FocusPeriod, FocusSettings};
use crate::governance::{parse_kill_scopes, Budget, BudgetStore, Scope, Usd};

/// The variable that names the log filter; `RUST_LOG` is read when it is unset.
pub const LOG_LEVEL_VAR: &str = "GENOPS_LOG_LEVEL";
/// The variable that names the address of the Prometheus endpoint (off when unset).
pub const METRICS_ADDR_VAR: &str = "GENOPS_METRICS_ADDR";
/// The variable that names an extra price file in LiteLLM's schema.
pub const PRICING_FILE_VAR: &str = "GENOPS_PRICING_FILE";
/// The variable that sets the export sampling rate.
pub const SAMPLING_RATE_VAR: &str = "GENOPS_SAMPLING_RATE";
/// The variable that gives `GENOPS_TEAM` a daily hard budget in USD.
pub const DAILY_BUDGET_VAR: &str = "GENOPS_DAILY_BUDGET_USD";
/// The variable that says where budgets keep their state: `memory` (the default), a
/// `redis://host:port/db` or `rediss://` URL, or a file path.
pub const BUDGET_STORE_VAR: &str = "GENOPS_BUDGET_STORE";
/// The variable that names a directory to write FOCUS 1.2 cost-and-usage files into (off
/// when unset).
pub const FOCUS_DIR_VAR: &str = "GENOPS_FOCUS_DIR";
/// The variable that sets the period of a FOCUS file: `hourly` (the default) or `daily`.
pub const FOCUS_PERIOD_VAR: &str = "GENOPS_FOCUS_PERIOD";
/// The variable that kills scopes at start: comma-separated scopes, each `key=value`
/// conditions joined by `&` (`team=search,customer=acme` kills two).
pub const KILL_VAR: &str = "GENOPS_KILL";
/// The variable of the log filter when `GENOPS_LOG_LEVEL` is unset: `tracing`'s own.
const RUST_LOG_VAR: &str = "RUST_LOG";
/// The variable that names the team of `GENOPS_DAILY_BUDGET_USD`: the team dimension's default.
const TEAM_VAR: &str = match Dimension::Team.env_var() {
    Some(var) => var,
    None => panic!("the team dimension has a variable"),
};

/// The log filter directives and where they came from: `code`, else `GENOPS_LOG_LEVEL`, else
/// `RUST_LOG`, else `info`.
pub(crate) fn log_filter(code: Option<&str>) -> Result<(&'static str, String), InitError> {
    if let Some(directives) = code {
        return Ok(("GENOPS_LOG_LEVEL (log_filter)", directives.to_owned()));
    }
    for var in [LOG_LEVEL_VAR, RUST_LOG_VAR] {
        if let Some(directives) = env::var(var)? {
            return Ok((var, directives));
        }
    }
    Ok(("default", "info".to_owned()))
}

/// The service name: `code`, else `OTEL_SERVICE_NAME`, else `unknown_service`.
pub(crate) fn service_name(code: Option<&str>) -> Result<String, InitError> {
    Ok(match code {
        Some(name) => name.to_owned(),
        None => env::var(OTEL_SERVICE_NAME)?.unwrap_or_else(|| "unknown_service".to_owned()),
    })
}

/// `GENOPS_SAMPLING_RATE`, a rate in [0, 1].
#[cfg(feature = "otlp")]
pub(crate) fn sampling_rate() -> Result<Option<f64>, InitError> {
    Ok(env::parsed(
        SAMPLING_RATE_VAR,
        "a rate in [0, 1]",
        env::unit_interval,
    )?)
}

/// `GENOPS_DAILY_BUDGET_USD` with `GENOPS_TEAM`: a daily hard budget for that team.
pub(crate) fn daily_budget() -> Result<Option<Budget>, InitError> {
    let limit = env::parsed(DAILY_BUDGET_VAR, "a non-negative number of USD", |text| {
        text.parse::<f64>()
            .ok()
            .filter(|usd| usd.is_finite() && *usd >= 0.0)
    })?;
    let Some(limit) = limit else {
        return Ok(None);
    };
    let team = env::var(TEAM_VAR)?.ok_or_else(|| InitError::Env {
        var: DAILY_BUDGET_VAR,
        problem: format!("needs {TEAM_VAR} to name the team the budget is for"),
    })?;
    Ok(Some(
        Budget::daily(format!("{team}-daily"), Scope::team(team), Usd(limit)).hard(),
    ))
}

/// `GENOPS_BUDGET_STORE`: where budgets keep their state.
pub(crate) fn budget_store() -> Result<Option<BudgetStore>, InitError> {
    let Some(text) = env::var(BUDGET_STORE_VAR)? else {
        return Ok(None);
    };
    text.parse().map(Some).map_err(|problem| InitError::Env {
        var: BUDGET_STORE_VAR,
        problem,
    })
}

/// `GENOPS_KILL`: the scopes to kill at start.
pub(crate) fn kills() -> Result<Vec<Scope>, InitError> {
    let Some(text) = env::var(KILL_VAR)? else {
        return Ok(Vec::new());
    };
    parse_kill_scopes(&text).map_err(|problem| InitError::Env {
        var: KILL_VAR,
        problem: format!("{problem}; write scopes like team=search,customer=acme"),
    })
}

/// The Prometheus endpoint's address: `code`, else `GENOPS_METRICS_ADDR`, else off.
#[cfg(feature = "prometheus")]
pub(crate) fn metrics_addr(code: Option<&str>) -> Result<Option<std::net::SocketAddr>, InitError> {
    let (origin, addr) = match code {
        Some(addr) => ("metrics_addr", addr.trim().to_owned()),
        None => match env::var(METRICS_ADDR_VAR)? {
            Some(addr) => (METRICS_ADDR_VAR, addr),
            None => return Ok(None),
        },
    };
    addr.parse().map(Some).map_err(|e| InitError::Env {
        var: origin,
        problem: format!("{addr:?} is not a socket address like 127.0.0.1:9464: {e}"),
    })
}

/// `GENOPS_FOCUS_DIR` and `GENOPS_FOCUS_PERIOD`: where FOCUS files go, and their period.
pub(crate) fn focus() -> Result<Option<(PathBuf, FocusSettings)>, InitError> {
    let Some(dir) = env::path(FOCUS_DIR_VAR) else {
        return Ok(None);
    };
    let period = env::parsed(FOCUS_PERIOD_VAR, "hourly or daily", FocusPeriod::from_name)?;
    Ok(Some((
        dir,
        FocusSettings::default().period(period.unwrap_or_default()),
    )))
}

/// Variables that ask for a part this build of genops does not have, with the cargo feature
/// that has it.
pub(crate) fn unbuilt() -> Vec<(&'static str, &'static str)> {
    let mut asked = Vec::new();
    if !cfg!(feature = "otlp") {
        for var in [
            OTEL_EXPORTER_OTLP_ENDPOINT,
            OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
            OTEL_EXPORTER_OTLP_METRICS_ENDPOINT,
            OTEL_TRACES_EXPORTER,
            SAMPLING_RATE_VAR,
        ] {
            if matches!(env::var(var), Ok(Some(value)) if value != "none") {
                asked.push((var, "otlp"));
            }
        }
    }
    if !cfg!(feature = "prometheus") && matches!(env::var(METRICS_ADDR_VAR), Ok(Some(_))) {
        asked.push((METRICS_ADDR_VAR, "prometheus"));
    }
    asked
}
