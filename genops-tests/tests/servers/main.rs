//! Tests against live servers that `.ci/run` starts: Arize Phoenix receiving OTLP, and
//! Prometheus scraping the metrics endpoint. Each is `#[ignore]`d with the server it needs, so a
//! local `cargo test` lists it as ignored, with the reason, rather than passing without running;
//! CI runs them with `cargo test -- --include-ignored` once its servers are up.
//!
//! The Redis budget-store tests are not here: they start a `redis-server` of their own when no
//! shared one is configured, so they run everywhere `redis-server` is installed.

#[path = "../support/mod.rs"]
mod support;

mod phoenix;
mod phoenix_restart;
mod prometheus;
