//! [`RateLimit`]: at most so many requests or tokens in any window of a given length, counted in
//! the budget store so that every replica sharing the store obeys one limit.

use std::time::Duration;

use super::budget::{FailMode, Scope};
use super::call_info::CallInfo;
use super::policy::{Enforcement, Policy};
use crate::attribution::Dimension;

/// What a rate limit counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counted {
    /// Calls: each counts 1.
    Requests,
    /// Input plus output tokens.
    Tokens,
    /// Input (prompt) tokens.
    InputTokens,
    /// Output (completion) tokens.
    OutputTokens,
}

impl Counted {
    /// The unit, as messages and the default name say it.
    pub(crate) fn unit(self) -> &'static str {
        match self {
            Counted::Requests => "requests",
            Counted::Tokens => "tokens",
            Counted::InputTokens => "input tokens",
            Counted::OutputTokens => "output tokens",
        }
    }
}

/// What a gated call holds of a token limit at admission when nothing better is known: the
/// counterpart of a budget's default reservation. Set it with [`RateLimit::hold`].
pub const DEFAULT_TOKEN_HOLD: u64 = 1_000;

/// At most `n` requests or tokens in any window of a given length, within a scope.
///
/// The count is kept in the budget store (memory, file or Redis), so with a shared store every
/// replica obeys one limit. The algorithm is a **sliding log**: each counted call is logged with
/// the time it was admitted and its amount, and a gated call is admitted only if the amounts
/// logged in the last window, plus what it holds, stay within `n`. So the admitted amounts in any
/// window of that length (any start, not only aligned ones) are at most `n`, exactly. What it
/// allows beyond that, and only then: a gated call whose actual count at close exceeds what it
/// held (its actual count replaces the hold in the log), and calls not gated by
/// `#[genops::track(enforce)]`, which are logged at close without a check. Either can take a
/// window over `n`; later admissions then wait until the window is back under.
///
/// A gated call holds 1 request, or for a token limit the tokens its admission names, else the
/// limit's [`hold`](Self::hold) (default [`DEFAULT_TOKEN_HOLD`], never more than `n`); at close
/// the hold is settled to the call's recorded usage.
///
/// ```
/// use std::time::Duration;
/// use genops::{Dimension, RateLimit, Scope};
/// let tpm = RateLimit::tokens(20_000)
///     .per(Duration::from_secs(2))
///     .scope(Scope::team("search"))
///     .per_value(Dimension::Customer)
///     .enforced();
/// assert_eq!(tpm.name(), "tokens-20000-per-2s");
/// ```
#[derive(Clone, Debug)]
pub struct RateLimit {
    pub(crate) name: Option<String>,
    pub(crate) counted: Counted,
    pub(crate) max: u64,
    pub(crate) window: Duration,
    pub(crate) scope: Scope,
    pub(crate) per: Option<Dimension>,
    pub(crate) enforcement: Enforcement,
    pub(crate) hold: Option<u64>,
    pub(crate) wait: Duration,
    pub(crate) on_store_failure: FailMode,
    /// Made by [`RateLimit::new`]: a denial is a `PolicyViolation` naming it, as before rate
    /// limits had an error of their own.
    pub(crate) as_policy: bool,
}

impl RateLimit {
    fn of(counted: Counted, max: u64) -> Self {
        RateLimit {
            name: None,
            counted,
            max,
            window: Duration::from_secs(60),
            scope: Scope::all(),
            per: None,
            enforcement: Enforcement::Advisory,
            hold: None,
            wait: Duration::ZERO,
            on_store_failure: FailMode::Local,
            as_policy: false,
        }
    }
    /// At most `n` calls per window (a minute unless [`per`](Self::per) says otherwise).
    pub fn requests(n: u64) -> Self {
        Self::of(Counted::Requests, n)
    }
    /// At most `n` tokens, input and output together, per window.
    pub fn tokens(n: u64) -> Self {
        Self::of(Counted::Tokens, n)
    }
    /// At most `n` input (prompt) tokens per window.
    pub fn input_tokens(n: u64) -> Self {
        Self::of(Counted::InputTokens, n)
    }
    /// At most `n` output (completion) tokens per window.
    pub fn output_tokens(n: u64) -> Self {
        Self::of(Counted::OutputTokens, n)
    }
    /// At most `per_minute` calls in `scope` in any sliding minute: `RateLimit::requests`
    /// named `name`. Its denials are `GovernanceError::PolicyViolation`s naming it.
    pub fn new(name: impl Into<String>, scope: Scope, per_minute: usize) -> Self {
        let mut limit = Self::requests(per_minute as u64)
            .named(name)
            .scope(scope)
            .per_minute();
        limit.as_policy = true;
        limit
    }
    /// The window's length: at least a millisecond, the resolution of the stores' clocks.
    pub fn per(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }
    /// A window of a minute (the default).
    pub fn per_minute(self) -> Self {
        self.per(Duration::from_secs(60))
    }
    /// Limits only calls in `scope` (default: every call).
    pub fn scope(mut self, scope: Scope) -> Self {
        self.scope = scope;
        self
    }
    /// A template: every value of `dim` has a limit of its own. Calls without a value for
    /// `dim` are not under it.
    pub fn per_value(mut self, dim: Dimension) -> Self {
        self.per = Some(dim);
        self
    }
    /// Deny gated calls (`#[genops::track(enforce)]`) over the limit with
    /// `GovernanceError::RateLimited`. Limits are advisory by default: calls are counted at
    /// close, and a call that takes the window over is warned about on its span.
    pub fn enforced(mut self) -> Self {
        self.enforcement = Enforcement::Enforced;
        self
    }
    /// A gated call over the limit waits until it fits, for at most `wait`, instead of failing
    /// at once (default: no wait). It sleeps the `retry_after` it was told and asks again; an
    /// async call sleeps without blocking its executor's thread (on a timer thread genops
    /// starts, so on any executor), a sync call sleeps its thread.
    pub fn wait_up_to(mut self, wait: Duration) -> Self {
        self.wait = wait;
        self
    }
    /// What the limit does with a gated call when its shared store cannot be reached (default
    /// [`FailMode::Local`]: this replica's share of the room last read from the store).
    /// [`FailMode::Closed`] denies with `GovernanceError::StoreUnavailable`;
    /// `FailMode::Open { cap: None }` admits every call (a limit counts requests or tokens, so
    /// an open limit takes no USD cap).
    pub fn on_store_failure(mut self, mode: FailMode) -> Self {
        self.on_store_failure = mode;
        self
    }
    /// Tokens a gated call holds at admission when its admission names none (default
    /// [`DEFAULT_TOKEN_HOLD`]); a request limit always holds 1.
    pub fn hold(mut self, tokens: u64) -> Self {
        self.hold = Some(tokens);
        self
    }
    /// Renames the limit (default `<unit>-<n>-per-<window>`, like `tokens-20000-per-2s`).
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
    /// The limit's name: a metric label, and the key of its count in the store.
    pub fn name(&self) -> String {
        match &self.name {
            Some(name) => name.clone(),
            None => format!(
                "{}-{}-per-{:?}",
                self.counted.unit().replace(' ', "-"),
                self.max,
                self.window
            ),
        }
    }
    /// What the limit counts.
    pub fn counted(&self) -> Counted {
        self.counted
    }
    /// The most counted in any window.
    pub fn max(&self) -> u64 {
        self.max
    }
    /// The window's length.
    pub fn window(&self) -> Duration {
        self.window
    }
}

/// A rate limit can be given to `.policy()` as well as to `.rate_limit()`: the builder keeps
/// it in the store with the other limits either way. Its check here admits every call, since
/// the counting is the store's.
impl Policy for RateLimit {
    fn name(&self) -> &str {
        self.name.as_deref().unwrap_or("rate-limit")
    }
    fn enforcement(&self) -> Enforcement {
        self.enforcement
    }
    fn check(&self, _: &CallInfo<'_>) -> Result<(), String> {
        Ok(())
    }
}
