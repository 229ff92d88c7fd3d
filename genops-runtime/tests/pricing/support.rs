//! Helpers, independent of the code under test.

use std::path::PathBuf;

use genops_runtime::Price;

/// A published price in USD per million tokens.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PerM {
    pub(crate) input: f64,
    pub(crate) output: f64,
    pub(crate) cache_read: Option<f64>,
    pub(crate) cache_creation: Option<f64>,
    pub(crate) reasoning: Option<f64>,
}

pub(crate) const fn per_m(input: f64, output: f64) -> PerM {
    PerM {
        input,
        output,
        cache_read: None,
        cache_creation: None,
        reasoning: None,
    }
}

impl PerM {
    pub(crate) const fn cache_read(mut self, v: f64) -> Self {
        self.cache_read = Some(v);
        self
    }
    pub(crate) const fn cache_creation(mut self, v: f64) -> Self {
        self.cache_creation = Some(v);
        self
    }
    pub(crate) const fn reasoning(mut self, v: f64) -> Self {
        self.reasoning = Some(v);
        self
    }

    /// The same price in whole pico-dollars per token: $1/M = 1,000,000 picos per token.
    pub(crate) fn picos(self) -> Price {
        let conv = |usd_per_m: f64| (usd_per_m * 1_000_000.0).round() as u64;
        Price {
            input: conv(self.input),
            output: conv(self.output),
            cache_read: self.cache_read.map(conv),
            cache_creation: self.cache_creation.map(conv),
            reasoning: self.reasoning.map(conv),
        }
    }
}

/// A pricing file in a unique temporary path, removed when dropped.
pub(crate) struct TempFile(pub(crate) PathBuf);

impl TempFile {
    pub(crate) fn new(name: &str, contents: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "genops-pricing-test-{}-{}",
            std::process::id(),
            name
        ));
        std::fs::write(&path, contents).expect("write temp pricing file");
        TempFile(path)
    }

    pub(crate) fn display(&self) -> String {
        self.0.display().to_string()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

pub(crate) fn litellm_full_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/litellm_model_prices.json")
}

pub(crate) fn embedded_json_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/model_prices.json")
}

pub(crate) fn assert_contains(haystack: &str, needles: &[&str]) {
    for needle in needles {
        assert!(
            haystack.contains(needle),
            "expected error text to contain {needle:?}, got: {haystack}"
        );
    }
}
