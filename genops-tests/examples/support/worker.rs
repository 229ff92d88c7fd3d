//! What the worker processes of the shared-budget tests share: their variables and their
//! reproducible randomness.

/// xorshift64: reproducible calls per seed.
pub fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// The variable `name`, unless unset or empty.
pub fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}
