//! Helpers for tests against real servers that `.ci/run` starts: where a server is, a plain
//! HTTP GET, polling, and running an example program.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Output};
use std::time::{Duration, Instant};

/// The base URL of the server that `var` names. A test that needs one is `#[ignore]`d with the
/// reason, so it runs only when asked for (`cargo test -- --include-ignored`, as `.ci/run`
/// runs the tests after starting the servers); asked for without the server, it fails here.
pub fn server(var: &str) -> String {
    match std::env::var(var) {
        Ok(url) if !url.is_empty() => url.trim_end_matches('/').to_owned(),
        _ => panic!("{var} is not set: start the server and set it (.ci/run does both)"),
    }
}

/// `GET url` over HTTP/1.1; returns (status, body).
pub fn get(url: &str) -> std::io::Result<(u16, String)> {
    let rest = url.strip_prefix("http://").expect("an http:// URL");
    let (host, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_owned()), |(h, p)| (h, format!("/{p}")));
    let mut stream = TcpStream::connect(host)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nAccept: application/json\r\n\r\n")?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Ok((status, body))
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        body = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// Polls `check` every 500 ms until it returns `Some`, or panics after `limit`.
pub fn poll<T>(what: &str, limit: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(found) = check() {
            return found;
        }
        assert!(
            start.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// The path of an example binary built by `cargo test` next to this test binary.
pub fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary");
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target dir");
    dir.join("examples").join(name)
}

/// Runs an example to completion with `envs`, on a [`command`](super::child::command) (none of
/// the test's own OTEL, GENOPS or log variables).
pub fn run_example(name: &str, envs: &[(&str, String)]) -> Output {
    super::child::command(example(name))
        .envs(envs.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("the example runs")
}

/// A unique name for this run.
pub fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}-{}-{nanos}", std::process::id())
}

/// `n` record files of worker processes, in a new directory named after `name`.
pub fn record_files(name: &str, n: usize) -> Vec<PathBuf> {
    let dir = std::env::temp_dir().join(unique(name));
    std::fs::create_dir_all(&dir).unwrap();
    (0..n)
        .map(|i| dir.join(format!("worker-{i}.txt")))
        .collect()
}

/// Waits for every worker process; each must succeed.
pub fn wait_all(children: Vec<Child>) {
    for mut child in children {
        let status = child.wait().unwrap();
        assert!(status.success(), "{status}");
    }
}

/// Starts a worker process, the example `name`, on the budget store `store`: it writes its
/// records to `records`, seeds its calls with `seed`, logs nothing, and reads `envs` too.
pub fn spawn_worker(
    name: &str,
    store: &str,
    records: &Path,
    seed: u64,
    envs: &[(&str, &str)],
) -> Child {
    let mut cmd = super::child::command(example(name));
    cmd.env("GENOPS_BUDGET_STORE", store)
        .env("WORKER_RECORDS", records)
        .env("WORKER_SEED", seed.to_string())
        .env("GENOPS_LOG_LEVEL", "off");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.spawn()
        .unwrap_or_else(|e| panic!("the {name} example (built with --features redis): {e}"))
}
