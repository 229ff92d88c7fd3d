//! [`InitError`]: why genops could not be set up.

use std::error::Error;
use std::fmt;

use crate::env::EnvError;
use crate::pricing::PricingError;

/// Why [`Config::install`](crate::Config::install) or
/// [`LayerBuilder::try_build`](crate::LayerBuilder::try_build) failed.
///
/// `Display` is one line that names the setting or variable at fault; `Debug` adds the chain of
/// causes, so `fn main() -> Result<(), genops::InitError>` prints a readable message.
///
/// ```
/// let err = genops::init().pricing_file("/no/such/prices.json").install().unwrap_err();
/// assert_eq!(err.to_string(), "pricing file `/no/such/prices.json` could not be read");
/// assert!(format!("{err:?}").contains("Caused by:"));
/// ```
#[non_exhaustive]
pub enum InitError {
    /// A global subscriber is already installed (by genops or anything else).
    AlreadyInstalled,
    /// A price file could not be applied.
    Pricing(PricingError),
    /// A setting read from the environment is malformed.
    Env {
        /// The variable.
        var: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// The exporter could not be set up.
    Export {
        /// What went wrong.
        problem: String,
    },
    /// A setting given in code is out of range.
    Invalid {
        /// The setting.
        setting: &'static str,
        /// What is wrong with it.
        problem: String,
    },
}

impl fmt::Display for InitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InitError::AlreadyInstalled => f.write_str(
                "a global tracing subscriber is already installed; call genops::init().install() \
                 once, or compose genops::layer() into your own subscriber",
            ),
            // Transparent: the pricing error's own message, and its own source below.
            InitError::Pricing(e) => fmt::Display::fmt(e, f),
            InitError::Env { var, problem } => write!(f, "environment variable {var}: {problem}"),
            InitError::Export { problem } => write!(f, "trace export: {problem}"),
            InitError::Invalid { setting, problem } => write!(f, "{setting}: {problem}"),
        }
    }
}

/// The message, then each cause on its own line, as `anyhow` prints a report.
impl fmt::Debug for InitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")?;
        let mut cause = self.source();
        if cause.is_some() {
            f.write_str("\n\nCaused by:")?;
        }
        while let Some(error) = cause {
            write!(f, "\n    {error}")?;
            cause = error.source();
        }
        Ok(())
    }
}

impl Error for InitError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            InitError::Pricing(e) => e.source(),
            _ => None,
        }
    }
}

impl From<EnvError> for InitError {
    fn from(e: EnvError) -> Self {
        InitError::Env {
            var: e.var,
            problem: e.problem,
        }
    }
}

impl From<PricingError> for InitError {
    fn from(e: PricingError) -> Self {
        InitError::Pricing(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_message_is_repeated_down_the_chain() {
        let err = InitError::from(PricingError::Io {
            file: "p.json".into(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        });
        assert_eq!(err.to_string(), "pricing file `p.json` could not be read");
        assert_eq!(err.source().unwrap().to_string(), "no such file");
        assert_eq!(
            format!("{err:?}"),
            "pricing file `p.json` could not be read\n\nCaused by:\n    no such file"
        );
        let plain = InitError::Env {
            var: "V",
            problem: "bad".into(),
        };
        assert_eq!(format!("{plain:?}"), "environment variable V: bad");
    }

    #[test]
    fn an_environment_error_reads_as_set_up_reports_it() {
        assert_eq!(
            InitError::from(EnvError {
                var: "V",
                problem: "p".into()
            })
            .to_string(),
            "environment variable V: p"
        );
    }
}
