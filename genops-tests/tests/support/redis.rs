//! Redis for the budget-store tests: the server a test uses ([`redis`]: the shared one
//! `.ci/run` starts, else one of the test's own), servers of a test's own that it stops and
//! restarts, and reading keys with `redis-cli`. Without `GENOPS_REDIS_URL`, the tests need
//! `redis-server` and `redis-cli` on the PATH.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The Redis server a test uses: the one `GENOPS_REDIS_URL` names (`.ci/run` starts one, which
/// the tests share under keys of their own), else a `redis-server` of the test's own on a free
/// port, stopped when this is dropped.
pub struct Redis {
    url: String,
    _own: Option<OwnRedis>,
}

impl Redis {
    /// Its URL.
    pub fn url(&self) -> String {
        self.url.clone()
    }
}

/// The Redis server for a test (see [`Redis`]).
pub fn redis() -> Redis {
    match std::env::var("GENOPS_REDIS_URL") {
        Ok(url) if !url.is_empty() => Redis { url, _own: None },
        _ => {
            let own = OwnRedis::start("shared", false);
            Redis {
                url: own.url(),
                _own: Some(own),
            }
        }
    }
}

/// `redis-cli -u url args...`, its output lines.
pub fn cli(url: &str, args: &[&str]) -> Vec<String> {
    run_cli(&["-u".into(), url.into()], args)
}

/// `redis-cli <connection> args...`, its output lines.
fn run_cli(connection: &[String], args: &[&str]) -> Vec<String> {
    let out = Command::new("redis-cli")
        .args(connection)
        .arg("--raw")
        .args(args)
        .output()
        .expect("needs redis-cli: install redis-server (it comes with it)");
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
    fields(cli(url, &["HGETALL", key]))
}

fn fields(lines: Vec<String>) -> BTreeMap<String, String> {
    lines
        .chunks(2)
        .filter(|pair| pair.len() == 2)
        .map(|pair| (pair[0].clone(), pair[1].clone()))
        .collect()
}

/// The keys of budget `name`'s windows (`genops:{name}:<window>`).
pub fn window_key(url: &str, name: &str) -> String {
    only_window(cli(url, &["KEYS", &window_pattern(name)]))
}

fn window_pattern(name: &str) -> String {
    format!("genops:{{{name}}}:*")
}

fn only_window(keys: Vec<String>) -> String {
    let keys: Vec<String> = keys
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
    tls: bool,
    cluster: bool,
    child: Option<Child>,
}

impl OwnRedis {
    /// Starts one; with `persist`, every write is in its append-only file before it answers.
    pub fn start(name: &str, persist: bool) -> Self {
        Self::new(name, persist, false, false, None)
    }

    /// Starts one that speaks only TLS, with a certificate for 127.0.0.1 and localhost issued
    /// by a CA of its own ([`ca`](Self::ca)); clients need no certificate.
    pub fn start_tls(name: &str) -> Self {
        Self::new(name, false, true, false, None)
    }

    /// Starts one in cluster mode that serves every hash slot alone: reached at its plain
    /// `redis://` address, it refuses a script whose keys span slots (`CROSSSLOT`), as a
    /// sharding proxy does.
    #[allow(dead_code)]
    pub fn start_cluster_mode(name: &str) -> Self {
        let server = Self::new(name, false, false, true, None);
        server.cli(&["CLUSTER", "ADDSLOTSRANGE", "0", "16383"]);
        let start = Instant::now();
        while !server
            .cli(&["CLUSTER", "INFO"])
            .iter()
            .any(|l| l.trim() == "cluster_state:ok")
        {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "no cluster state"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// With `tls`, the certificates are those of the directory `certificates` (another
    /// server's), or new ones.
    fn new(
        name: &str,
        persist: bool,
        tls: bool,
        cluster: bool,
        certificates: Option<&std::path::Path>,
    ) -> Self {
        // A cluster node also listens on its port + 10000 (the cluster bus).
        let port = loop {
            let port = TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            if !cluster
                || (port < 55_000 && TcpListener::bind(("127.0.0.1", port + 10_000)).is_ok())
            {
                break port;
            }
        };
        let dir = std::env::temp_dir().join(super::backend::unique(name));
        std::fs::create_dir_all(&dir).unwrap();
        match (tls, certificates) {
            (false, _) => {}
            (true, None) => issue_certificates(&dir),
            (true, Some(from)) => {
                for file in ["ca.pem", "server.pem", "server.key"] {
                    std::fs::copy(from.join(file), dir.join(file)).unwrap();
                }
            }
        }
        let mut server = OwnRedis {
            port,
            dir,
            persist,
            tls,
            cluster,
            child: None,
        };
        server.resume();
        server
    }

    /// `redis://127.0.0.1:<port>/0`, or `rediss://` for a TLS server.
    pub fn url(&self) -> String {
        let scheme = if self.tls { "rediss" } else { "redis" };
        format!("{scheme}://127.0.0.1:{}/0", self.port)
    }

    /// The PEM file of the CA that issued a TLS server's certificate.
    pub fn ca(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// `redis-cli`'s arguments to reach this server.
    fn connection(&self) -> Vec<String> {
        let mut args = vec!["-p".to_owned(), self.port.to_string()];
        args.extend(self.tls_args());
        args
    }

    /// `redis-cli`'s arguments to speak TLS with this server (none without TLS).
    fn tls_args(&self) -> Vec<String> {
        if !self.tls {
            return Vec::new();
        }
        let ca = self.ca().display().to_string();
        vec!["--tls".to_owned(), "--cacert".to_owned(), ca]
    }

    /// `redis-cli args...` against this server, its output lines.
    pub fn cli(&self, args: &[&str]) -> Vec<String> {
        run_cli(&self.connection(), args)
    }

    /// Every field of the hash `key`.
    pub fn hash(&self, key: &str) -> BTreeMap<String, String> {
        fields(self.cli(&["HGETALL", key]))
    }

    /// The key of budget `name`'s window.
    pub fn window_key(&self, name: &str) -> String {
        only_window(self.cli(&["KEYS", &window_pattern(name)]))
    }

    /// Starts the server again on the same port and directory.
    pub fn resume(&mut self) {
        let port = self.port.to_string();
        let mut cmd = Command::new("redis-server");
        if self.tls {
            let file = |name: &str| self.dir.join(name).display().to_string();
            cmd.args([
                "--port",
                "0",
                "--tls-port",
                &port,
                "--tls-auth-clients",
                "no",
            ])
            .args(["--tls-cert-file", &file("server.pem")])
            .args(["--tls-key-file", &file("server.key")])
            .args(["--tls-ca-cert-file", &file("ca.pem")]);
        } else {
            cmd.args(["--port", &port]);
        }
        if self.cluster {
            // The bus port, which is not derived from `--tls-port` when `--port` is 0.
            let bus = (self.port + 10_000).to_string();
            cmd.args(["--cluster-enabled", "yes", "--cluster-port", &bus])
                .args(["--cluster-config-file", "nodes.conf"]);
            if self.tls {
                cmd.args(["--tls-cluster", "yes"]);
            }
        }
        let child = cmd
            .args(["--bind", "127.0.0.1", "--save", ""])
            .args(["--appendonly", if self.persist { "yes" } else { "no" }])
            .args(["--appendfsync", "always"])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .spawn()
            .expect("needs Redis: install redis-server, or set GENOPS_REDIS_URL");
        self.child = Some(child);
        let start = Instant::now();
        while Command::new("redis-cli")
            .args(self.connection())
            .arg("PING")
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

/// Writes into `dir` a CA of its own (`ca.pem`) and a certificate it issued for 127.0.0.1 and
/// localhost (`server.pem`, `server.key`).
fn issue_certificates(dir: &std::path::Path) {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let mut ca = CertificateParams::new(Vec::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "genops test CA");
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let server = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
    std::fs::write(dir.join("server.pem"), server.pem()).unwrap();
    std::fs::write(dir.join("server.key"), key.serialize_pem()).unwrap();
}

/// A Redis Cluster of the test's own: three masters without replicas, the slots split evenly
/// between them in order; with TLS, every node and the bus between them speak only TLS, with
/// certificates of one CA ([`OwnRedis::ca`] of any node).
pub struct RedisCluster {
    pub nodes: Vec<OwnRedis>,
}

impl RedisCluster {
    pub fn start(name: &str, tls: bool) -> Self {
        let first = OwnRedis::new(&format!("{name}-0"), false, tls, true, None);
        let mut nodes: Vec<OwnRedis> = (1..3)
            .map(|i| OwnRedis::new(&format!("{name}-{i}"), false, tls, true, Some(&first.dir)))
            .collect();
        nodes.insert(0, first);
        let addresses: Vec<String> = nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        let out = Command::new("redis-cli")
            .args(nodes[0].tls_args())
            .args(["--cluster", "create"])
            .args(&addresses)
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .output()
            .expect("redis-cli runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        let start = Instant::now();
        while !nodes.iter().all(|n| {
            n.cli(&["CLUSTER", "INFO"])
                .iter()
                .any(|l| l.trim() == "cluster_state:ok")
        }) {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "the cluster did not come up"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        RedisCluster { nodes }
    }

    /// `redis+cluster://` (`rediss+cluster://` with TLS) with every node.
    pub fn url(&self) -> String {
        let nodes: Vec<String> = self
            .nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        let scheme = if self.nodes[0].tls { "rediss" } else { "redis" };
        format!("{scheme}+cluster://{}", nodes.join(","))
    }

    /// The index of the node that holds `key`'s slot.
    pub fn node_of(&self, key: &str) -> usize {
        let slot: usize = self.nodes[0].cli(&["CLUSTER", "KEYSLOT", key])[0]
            .parse()
            .unwrap();
        // `--cluster create` gives the first node slots 0-5460, the second 5461-10922, the
        // third the rest.
        [5_461, 10_923, 16_384]
            .iter()
            .position(|&end| slot < end)
            .unwrap()
    }
}
