//! Nothing to link: this package holds genops's integration tests (`tests/`), its benchmarks
//! (`benches/`) and its performance report and test harness programs (`examples/`).
