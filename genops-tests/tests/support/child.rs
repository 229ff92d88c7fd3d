//! Tests that need a process of their own (a global subscriber, a runtime flavour, the
//! environment): the parent test runs one `#[ignore]`d child test of the same binary in a new
//! process, with its own environment, and reads what it printed.

use std::process::{Command, Output};

/// Runs the child test `name` of this test binary with `envs` (and the OTEL and GENOPS
/// variables of the parent's environment cleared).
pub fn run_child(name: &str, envs: &[(&str, String)]) -> Output {
    let mut cmd = Command::new(std::env::current_exe().expect("the test binary"));
    cmd.args([
        name,
        "--exact",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ]);
    for (key, _) in std::env::vars() {
        if key.starts_with("OTEL_") || key.starts_with("GENOPS_") || key == "RUST_LOG" {
            cmd.env_remove(key);
        }
    }
    cmd.envs(envs.iter().map(|(k, v)| (k, v)));
    cmd.output().expect("the child test runs")
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
