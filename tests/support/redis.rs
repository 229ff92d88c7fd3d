//! Redis for the budget-store tests: the shared server `.ci/run` starts (`GENOPS_REDIS_URL`),
//! servers of a test's own that it stops and restarts, and reading keys with `redis-cli`.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::backend::backend;

/// The URL of the Redis server `.ci/run` starts, or `None` (with a notice) outside CI.
pub fn redis_url() -> Option<String> {
    backend("GENOPS_REDIS_URL")
}

/// `redis-cli -u url args...`, its output lines.
pub fn cli(url: &str, args: &[&str]) -> Vec<String> {
    let out = Command::new("redis-cli")
        .args(["-u", url, "--raw"])
        .args(args)
        .output()
        .expect("redis-cli runs (it comes with redis-server)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Every field of the hash `key`.
pub fn hash(url: &str, key: &str) -> BTreeMap<String, String> {
    let lines = cli(url, &["HGETALL", key]);
    lines
        .chunks(2)
        .filter(|pair| pair.len() == 2)
        .map(|pair| (pair[0].clone(), pair[1].clone()))
        .collect()
}

/// The keys of budget `name`'s windows (`genops:{name}:<window>`).
pub fn window_key(url: &str, name: &str) -> String {
    let keys: Vec<String> = cli(url, &["KEYS", &format!("genops:{{{name}}}:*")])
        .into_iter()
        .filter(|k| !k.ends_with(":d") && !k.ends_with(":s"))
        .collect();
    assert_eq!(keys.len(), 1, "{keys:?}");
    keys[0].clone()
}

/// A Redis server of the test's own, on a free port, that it can stop and start again.
pub struct OwnRedis {
    pub port: u16,
    dir: PathBuf,
    persist: bool,
    child: Option<Child>,
}

impl OwnRedis {
    /// Starts one; with `persist`, every write is in its append-only file before it answers.
    pub fn start(name: &str, persist: bool) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = std::env::temp_dir().join(super::backend::unique(name));
        std::fs::create_dir_all(&dir).unwrap();
        let mut server = OwnRedis {
            port,
            dir,
            persist,
            child: None,
        };
        server.resume();
        server
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Starts the server again on the same port and directory.
    pub fn resume(&mut self) {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
            ])
            .args(["--appendonly", if self.persist { "yes" } else { "no" }])
            .args(["--appendfsync", "always"])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server runs");
        self.child = Some(child);
        let start = Instant::now();
        while Command::new("redis-cli")
            .args(["-p", &self.port.to_string(), "PING"])
            .output()
            .map_or(true, |o| {
                !String::from_utf8_lossy(&o.stdout).contains("PONG")
            })
        {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "redis-server did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the server (`kill -9`): what it had not written is lost.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
