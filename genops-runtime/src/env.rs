//! Reading environment variables, one rule for all of them: a variable that is unset, empty or
//! only blanks counts as unset, and a value that is not Unicode is an error naming the variable.
//! The OpenTelemetry SDK's variable names are in [`otel`].

pub(crate) mod otel;

use std::fmt;
use std::path::PathBuf;

/// A malformed variable: which one, and what is wrong with it. Set-up reports it as
/// `InitError::Env`.
#[derive(Debug)]
pub(crate) struct EnvError {
    pub(crate) var: &'static str,
    pub(crate) problem: String,
}

impl fmt::Display for EnvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "environment variable {}: {}", self.var, self.problem)
    }
}

/// The value of `name`, trimmed, or `None` when it is unset or blank.
pub(crate) fn var(name: &'static str) -> Result<Option<String>, EnvError> {
    match std::env::var(name) {
        Ok(value) => {
            let value = value.trim();
            Ok((!value.is_empty()).then(|| value.to_owned()))
        }
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(EnvError {
            var: name,
            problem: "the value is not valid Unicode".into(),
        }),
    }
}

/// The path in `name`, or `None` when it is unset or empty. Paths need not be Unicode.
pub(crate) fn path(name: &'static str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|value| !value.is_empty())
        .map(PathBuf::from)
}

/// The value of `name` parsed by `parse`, or an error naming the variable with `expected`.
pub(crate) fn parsed<T>(
    name: &'static str,
    expected: &str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<Option<T>, EnvError> {
    let Some(text) = var(name)? else {
        return Ok(None);
    };
    match parse(&text) {
        Some(value) => Ok(Some(value)),
        None => Err(EnvError {
            var: name,
            problem: format!("{text:?} is not {expected}"),
        }),
    }
}

/// `text` as a number in [0, 1] (a sampling rate or ratio), if it is one.
#[cfg(feature = "otlp")]
pub(crate) fn unit_interval(text: &str) -> Option<f64> {
    text.parse::<f64>()
        .ok()
        .filter(|number| (0.0..=1.0).contains(number))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_blank_count_as_unset() {
        std::env::set_var("GENOPS_TEST_ENV_EMPTY", "");
        std::env::set_var("GENOPS_TEST_ENV_BLANK", "  ");
        std::env::set_var("GENOPS_TEST_ENV_SET", " a ");
        assert_eq!(var("GENOPS_TEST_ENV_EMPTY").unwrap(), None);
        assert_eq!(var("GENOPS_TEST_ENV_BLANK").unwrap(), None);
        assert_eq!(var("GENOPS_TEST_ENV_UNSET").unwrap(), None);
        assert_eq!(var("GENOPS_TEST_ENV_SET").unwrap().as_deref(), Some("a"));
        assert_eq!(path("GENOPS_TEST_ENV_EMPTY"), None);
        let err = parsed("GENOPS_TEST_ENV_SET", "a number", |t| t.parse::<u8>().ok())
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "environment variable GENOPS_TEST_ENV_SET: \"a\" is not a number"
        );
    }
}
