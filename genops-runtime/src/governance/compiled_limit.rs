//! Rate limits as the engine and the store hold them: checked once, when the layer is built,
//! with their window in the stores' unit (milliseconds) and their denials counted.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::budget::FailMode;
use super::call_info::CallInfo;
use super::error::GovernanceError;
use super::rate_limit::{Counted, RateLimit, DEFAULT_TOKEN_HOLD};
use super::template;
use crate::usage::Usage;

/// The resolution of the stores' clocks: Redis's `TIME` in milliseconds, which every store
/// keeps windows in.
pub(crate) const CLOCK_RESOLUTION: Duration = Duration::from_millis(1);

/// A rate limit with its name fixed, its window in milliseconds and its denials so far.
#[derive(Debug)]
pub(crate) struct CompiledLimit {
    pub(crate) limit: RateLimit,
    pub(crate) name: String,
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) window_ms: u64,
    denials: AtomicU64,
}

impl CompiledLimit {
    /// The engine's form of `limit`, or what is wrong with it.
    pub(crate) fn new(limit: RateLimit) -> Result<Self, String> {
        let name = limit.name();
        if limit.max == 0 {
            return Err(format!(
                "rate limit `{name}`: a limit of 0 {} admits nothing; give a positive limit, or \
                 stop the scope with the kill switch",
                limit.counted.unit()
            ));
        }
        if limit.window < CLOCK_RESOLUTION {
            return Err(format!(
                "rate limit `{name}`: a window of {:?} is shorter than the stores' clock \
                 resolution of {CLOCK_RESOLUTION:?}; use a window of at least that",
                limit.window
            ));
        }
        if limit.hold == Some(0) && limit.counted != Counted::Requests {
            return Err(format!(
                "rate limit `{name}`: a hold of 0 tokens lets every gated call in; hold at least \
                 the tokens a call uses"
            ));
        }
        if let FailMode::Open { cap: Some(_) } = limit.on_store_failure {
            return Err(format!(
                "rate limit `{name}`: a limit counts {}, not USD, so it takes no fail-open cap; \
                 use FailMode::Open {{ cap: None }}",
                limit.counted.unit()
            ));
        }
        let window_ms = u64::try_from(limit.window.as_millis()).unwrap_or(u64::MAX);
        Ok(CompiledLimit {
            limit,
            name,
            window_ms,
            denials: AtomicU64::new(0),
        })
    }

    /// The value `call` has for this limit's template (`Some(None)` without one), or `None`
    /// when the limit does not apply to the call.
    pub(crate) fn value<'c>(&self, call: &'c CallInfo<'_>) -> Option<Option<&'c str>> {
        template::value(&self.limit.scope, self.limit.per, call)
    }

    /// The limit's name, with the value for a per-value limit.
    pub(crate) fn label(&self, value: Option<&str>) -> String {
        template::label(&self.name, self.limit.per, value)
    }

    /// What a gated call holds at admission: 1 request, or of the worst case's `tokens`
    /// (input, output) those this limit counts (else the limit's hold), never more than the
    /// limit, so that a call can always fit an empty window.
    pub(crate) fn hold(&self, tokens: Option<(u64, u64)>) -> u64 {
        let counted = |(input, output): (u64, u64)| match self.limit.counted {
            Counted::InputTokens => input,
            Counted::OutputTokens => output,
            _ => input.saturating_add(output),
        };
        match self.limit.counted {
            Counted::Requests => 1,
            _ => tokens
                .map(counted)
                .or(self.limit.hold)
                .unwrap_or(DEFAULT_TOKEN_HOLD)
                .min(self.limit.max),
        }
    }

    /// What a closed call with `usage` counts (no usage recorded: no tokens).
    pub(crate) fn actual(&self, usage: Option<&Usage>) -> u64 {
        let Some(usage) = usage else {
            return u64::from(self.limit.counted == Counted::Requests);
        };
        match self.limit.counted {
            Counted::Requests => 1,
            Counted::Tokens => usage.input.saturating_add(usage.output),
            Counted::InputTokens => usage.input,
            Counted::OutputTokens => usage.output,
        }
    }

    /// The denial of a call over the limit for `value`, which would fit in `retry_after`;
    /// counted.
    pub(crate) fn denied(&self, value: Option<&str>, retry_after: Duration) -> GovernanceError {
        self.denials.fetch_add(1, Ordering::Relaxed);
        let limit = self.label(value);
        if self.limit.as_policy {
            let reason = format!(
                "more than {} {} per {:?} for {}; retry in {retry_after:?}",
                self.limit.max,
                self.limit.counted.unit(),
                self.limit.window,
                self.limit.scope
            );
            return GovernanceError::PolicyViolation {
                policy: limit,
                reason,
            };
        }
        GovernanceError::RateLimited { limit, retry_after }
    }

    /// Gated calls denied so far.
    #[cfg_attr(not(feature = "prometheus"), allow(dead_code))]
    pub(crate) fn denials(&self) -> u64 {
        self.denials.load(Ordering::Relaxed)
    }
}
