use std::fmt;

/// Why a price file could not be applied. Each variant names the file, and the entry when one
/// entry is at fault.
#[derive(Debug)]
#[non_exhaustive]
pub enum PricingError {
    /// The file could not be read.
    Io {
        /// The file.
        file: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid JSON.
    Json {
        /// The file.
        file: String,
        /// What the JSON parser said, with line and column.
        message: String,
    },
    /// The top level is not a JSON object of model entries.
    NotAnObject {
        /// The file.
        file: String,
    },
    /// One entry is malformed.
    Entry {
        /// The file.
        file: String,
        /// The model name of the entry.
        entry: String,
        /// What is wrong with it.
        problem: String,
    },
}

impl fmt::Display for PricingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The I/O error is the `source()`, not repeated here.
            PricingError::Io { file, .. } => write!(f, "pricing file `{file}` could not be read"),
            PricingError::Json { file, message } => {
                write!(f, "pricing file `{file}` is not valid JSON: {message}")
            }
            PricingError::NotAnObject { file } => write!(
                f,
                "pricing file `{file}` must be a JSON object mapping model names to entries"
            ),
            PricingError::Entry {
                file,
                entry,
                problem,
            } => write!(f, "pricing file `{file}`, entry `{entry}`: {problem}"),
        }
    }
}

impl std::error::Error for PricingError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PricingError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
