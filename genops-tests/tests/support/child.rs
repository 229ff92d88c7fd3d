//! Processes a test starts: this test binary again, as a child that needs a process of its own
//! (a global subscriber, a runtime flavour, the environment, a `kill -9`), or an example
//! program. Every one starts from [`command`], so none inherits the variables that configure
//! genops, its export or its log from the environment the tests run in.
//!
//! A child is a plain function, not a test: its parent test calls [`run_if_child`] first with
//! the children it starts, then starts each with [`run_child`] (or [`child_command`]), which
//! runs the parent test again in a new process with [`CHILD_VAR`] naming the child. There
//! `run_if_child` runs that child and ends the process, so the parent's own body never runs
//! twice, and `cargo test -- --include-ignored` has no child tests to run on their own.

use std::io::Write;
use std::process::{Command, Output};

/// The variable that tells a process of this test binary which child to be.
const CHILD_VAR: &str = "GENOPS_TEST_CHILD";

/// The prefixes of the variables no started process inherits: they configure genops, its
/// export or a test worker. `RUST_LOG` is cleared too.
const NOT_INHERITED: [&str; 3] = ["OTEL_", "GENOPS_", "WORKER_"];

/// A child: its name and what it runs.
pub type Child = (&'static str, fn());

/// A command for `program`, with the OTEL, GENOPS and WORKER variables and `RUST_LOG` of this
/// process's environment cleared.
pub fn command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut cmd = Command::new(program);
    for (key, _) in std::env::vars() {
        if key == "RUST_LOG" || NOT_INHERITED.iter().any(|p| key.starts_with(p)) {
            cmd.env_remove(key);
        }
    }
    cmd
}

/// In a process [`run_child`] started, runs the child it names and ends the process (with the
/// child's panic, if it panics). Elsewhere returns at once. A parent test calls it first.
pub fn run_if_child(children: &[Child]) {
    let Ok(name) = std::env::var(CHILD_VAR) else {
        return;
    };
    let (_, run) = children
        .iter()
        .find(|(child, _)| *child == name)
        .unwrap_or_else(|| panic!("no child {name} here"));
    run();
    std::io::stdout().flush().expect("flush stdout");
    std::process::exit(0);
}

/// A new process of this test binary that runs `child` through the calling test (whose
/// [`run_if_child`] knows it), with `envs` set on a [`command`].
pub fn child_command(child: &str, envs: &[(&str, String)]) -> Command {
    assert!(
        std::env::var_os(CHILD_VAR).is_none(),
        "a child starts no children: does the parent test call run_if_child() first?"
    );
    // libtest runs each test on a thread named after it.
    let thread = std::thread::current();
    let test = thread.name().expect("called on the test's own thread");
    let mut cmd = command(std::env::current_exe().expect("the test binary"));
    cmd.args([test, "--exact", "--include-ignored", "--nocapture"])
        .arg("--test-threads=1")
        .env(CHILD_VAR, child)
        .envs(envs.iter().map(|(k, v)| (k, v)));
    cmd
}

/// Runs `child` through the calling test to completion (see [`child_command`]).
pub fn run_child(child: &str, envs: &[(&str, String)]) -> Output {
    let output = child_command(child, envs).output().expect("the child runs");
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("running 1 test"),
        "child {child} did not run:\n{}",
        transcript(&output)
    );
    output
}

/// The child's stdout and stderr, for assertion messages.
pub fn transcript(output: &Output) -> String {
    format!(
        "status: {}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A local TCP port nothing listens on.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

/// A listener on 127.0.0.1 that accepts connections and never answers: a collector that hangs.
/// It lives as long as the process.
pub fn silent_listener() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("its address").port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    port
}
