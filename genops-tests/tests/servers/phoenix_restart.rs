//! Export faults against a real Phoenix this test starts itself (`GENOPS_PHOENIX_BIN`, installed
//! by `.ci/run`): a collector that starts after the application, then is killed mid-run and
//! restarted. The application never crashes or hangs, and delivery resumes each time.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::backend::{example, get, poll, unique};
use crate::support::child::command;
use serde_json::Value;

/// A local port nothing listens on.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// A Phoenix of this test's own, on ports of its own, that can be killed and restarted.
struct OwnPhoenix {
    bin: String,
    dir: std::path::PathBuf,
    http_port: u16,
    grpc_port: u16,
    child: Option<Child>,
}

impl OwnPhoenix {
    fn start(&mut self) {
        let log = std::fs::File::create(self.dir.join("phoenix.log")).unwrap();
        let child = Command::new(&self.bin)
            .arg("serve")
            .env("PHOENIX_HOST", "127.0.0.1")
            .env("PHOENIX_PORT", self.http_port.to_string())
            .env("PHOENIX_GRPC_PORT", self.grpc_port.to_string())
            .env("PHOENIX_WORKING_DIR", &self.dir)
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("phoenix starts");
        self.child = Some(child);
        let url = format!("http://127.0.0.1:{}/v1/projects", self.http_port);
        poll("our Phoenix to come up", Duration::from_secs(120), || {
            get(&url).ok().filter(|(status, _)| *status == 200)
        });
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().ok();
            child.wait().ok();
        }
    }

    /// The rounds of the newest 1,000 spans (Phoenix lists newest first).
    fn rounds(&self, project: &str) -> Vec<u64> {
        let url = format!(
            "http://127.0.0.1:{}/v1/projects/{project}/spans?limit=1000",
            self.http_port
        );
        let Ok((200, body)) = get(&url) else {
            return Vec::new();
        };
        let json: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        let mut rounds: Vec<u64> = json["data"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|s| s["name"] == "rag.answer")
            .filter_map(|s| s["attributes"]["round"].as_u64())
            .collect();
        rounds.sort_unstable();
        rounds
    }
}

impl Drop for OwnPhoenix {
    fn drop(&mut self) {
        self.kill();
    }
}

#[test]
#[ignore = "needs Phoenix: set GENOPS_PHOENIX_BIN to the phoenix executable (.ci/run installs it)"]
fn a_collector_started_late_then_killed_and_restarted_gets_the_spans_sent_while_it_is_up() {
    let bin = std::env::var("GENOPS_PHOENIX_BIN")
        .expect("GENOPS_PHOENIX_BIN names the phoenix executable");
    let dir = std::env::temp_dir().join(unique("genops-phoenix"));
    std::fs::create_dir_all(&dir).unwrap();
    let mut phoenix = OwnPhoenix {
        bin,
        dir,
        http_port: free_port(),
        grpc_port: free_port(),
        child: None,
    };
    let project = unique("genops-faults");

    // The application starts first, with the collector not there yet.
    let mut app = command(example("export"))
        .env(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            format!("http://127.0.0.1:{}", phoenix.http_port),
        )
        .env(
            "OTEL_RESOURCE_ATTRIBUTES",
            format!("openinference.project.name={project}"),
        )
        .env("OTEL_BSP_SCHEDULE_DELAY", "200")
        .env("EXPORT_DEMO_ROUNDS", "100000")
        .env("EXPORT_DEMO_PAUSE_MS", "100")
        .stdout(Stdio::piped())
        .spawn()
        .expect("the example starts");
    let latest = Arc::new(Mutex::new(0u64));
    let reader = {
        let latest = latest.clone();
        let stdout = app.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(n) = line.strip_prefix("round ").and_then(|n| n.parse().ok()) {
                    *latest.lock().unwrap() = n;
                }
            }
        })
    };
    let now = || *latest.lock().unwrap();
    std::thread::sleep(Duration::from_secs(2));
    let before_start = now();
    assert!(
        before_start > 5,
        "the application runs while the collector is down"
    );

    phoenix.start();
    let up_at = now();
    poll(
        "rounds sent after the late start",
        Duration::from_secs(60),
        || {
            phoenix
                .rounds(&project)
                .iter()
                .any(|&r| r > up_at)
                .then_some(())
        },
    );

    // Killed mid-run: the application goes on.
    phoenix.kill();
    let killed_at = now();
    std::thread::sleep(Duration::from_secs(2));
    assert!(now() > killed_at + 5, "no hang while the collector is gone");
    assert!(
        app.try_wait().unwrap().is_none(),
        "no crash while the collector is gone"
    );

    // Restarted: delivery resumes.
    phoenix.start();
    let back_at = now();
    poll(
        "rounds sent after the restart",
        Duration::from_secs(60),
        || {
            phoenix
                .rounds(&project)
                .iter()
                .any(|&r| r > back_at)
                .then_some(())
        },
    );
    app.kill().ok();
    app.wait().ok();
    reader.join().ok();
}
