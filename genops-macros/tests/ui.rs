//! Compile-time tests of `#[genops::track]` and `genops::span!`.
//!
//! `tests/ui/pass/*.rs` must compile and run; `tests/ui/fail/*.rs` must fail to compile with
//! exactly the diagnostics in the `.stderr` next to them. Regenerate those with
//! `TRYBUILD=overwrite cargo test -p genops-macros --test ui`, then review every changed file.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
