//! The Redis store's connection: to one server (`redis://`, `rediss://`), or to a Redis Cluster
//! (`redis+cluster://host:port,host:port,...`, `rediss+cluster://`, cargo feature
//! `redis-cluster`), which routes each command to the node of its keys' slot. Both connect
//! lazily: an unreachable server is an outage.

use std::path::Path;
use std::time::Duration;

use redis::aio::{ConnectionLike, ConnectionManager};
#[cfg(feature = "redis-cluster")]
use redis::cluster::ClusterClient;
#[cfg(feature = "redis-cluster")]
use redis::cluster_async::ClusterConnection;
use redis::{Client, Cmd, Pipeline, RedisFuture, Value};
use tokio::runtime::Handle;

/// How long a command waits for the server's reply before it counts as failed.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);
/// Reconnection attempts of a single-server connection before a command fails.
const RECONNECT_RETRIES: usize = 2;
/// The longest pause between those attempts.
const RECONNECT_MAX_DELAY: Duration = Duration::from_secs(1);

/// Where the store connects, checked before any connection is made.
pub(crate) enum Target {
    Server(Client),
    #[cfg(feature = "redis-cluster")]
    Cluster(ClusterClient),
}

/// A connection to the store: cheap to clone, each clone sharing it.
#[derive(Clone)]
pub(crate) enum Conn {
    Server(ConnectionManager),
    #[cfg(feature = "redis-cluster")]
    Cluster(ClusterConnection),
}

impl Target {
    /// The target of `url`, trusting the CA certificates of the PEM file `ca` for TLS.
    pub(crate) fn parse(url: &str, ca: Option<&Path>) -> Result<Self, String> {
        let trusted = trust(url.starts_with("rediss"), ca)?;
        if let Some((scheme, rest)) = url
            .strip_prefix("redis+cluster://")
            .map(|rest| ("redis", rest))
            .or_else(|| url.strip_prefix("rediss+cluster://").map(|r| ("rediss", r)))
        {
            return cluster(scheme, rest, trusted);
        }
        #[cfg(feature = "redis-tls")]
        if let Some(certificates) = trusted {
            return Client::build_with_tls(url, certificates)
                .map(Target::Server)
                .map_err(|e| e.to_string());
        }
        Client::open(url)
            .map(Target::Server)
            .map_err(|e| e.to_string())
    }

    /// A lazy connection, made on the store's runtime (`handle`); `timeout` bounds connecting.
    pub(crate) fn connect(self, handle: &Handle, timeout: Duration) -> Result<Conn, String> {
        let _entered = handle.enter();
        match self {
            Target::Server(client) => {
                let config = redis::aio::ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(timeout))
                    .set_response_timeout(Some(RESPONSE_TIMEOUT))
                    .set_number_of_retries(RECONNECT_RETRIES)
                    .set_max_delay(RECONNECT_MAX_DELAY);
                ConnectionManager::new_lazy_with_config(client, config)
                    .map(Conn::Server)
                    .map_err(|e| e.to_string())
            }
            #[cfg(feature = "redis-cluster")]
            Target::Cluster(client) => {
                let config = redis::cluster::ClusterConfig::new()
                    .set_connection_timeout(timeout)
                    .set_response_timeout(RESPONSE_TIMEOUT);
                Ok(Conn::Cluster(
                    client.get_pending_async_connection_with_config(config),
                ))
            }
        }
    }
}

/// A Redis Cluster client of `rest` (`[user:password@]host:port,host:port,...[/0]`), its node
/// URLs in `scheme`.
#[cfg(feature = "redis-cluster")]
fn cluster(
    scheme: &str,
    rest: &str,
    #[cfg_attr(not(feature = "redis-tls"), allow(unused_variables))] trusted: Trusted,
) -> Result<Target, String> {
    let (credentials, hosts) = match rest.rfind('@') {
        Some(at) => (&rest[..=at], &rest[at + 1..]),
        None => ("", rest),
    };
    // Not quoted: a query may hold a credential.
    if hosts.contains('?') {
        return Err("a Redis Cluster URL takes no query parameters".into());
    }
    let hosts = match hosts.split_once('/') {
        Some((hosts, "" | "0")) => hosts,
        Some((_, db)) => return Err(format!("a Redis Cluster has only database 0, not `{db}`")),
        None => hosts,
    };
    let nodes = hosts
        .split(',')
        .map(|node| match node.rsplit_once(':') {
            Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => {
                Ok(format!("{scheme}://{credentials}{node}"))
            }
            _ => Err(format!(
                "`{node}` is not a cluster node: expected host:port, with nodes separated by \
                 commas"
            )),
        })
        .collect::<Result<Vec<_>, _>>()?;
    #[cfg_attr(not(feature = "redis-tls"), allow(unused_mut))]
    let mut builder = ClusterClient::builder(nodes);
    #[cfg(feature = "redis-tls")]
    if let Some(certificates) = trusted {
        builder = builder.certs(certificates);
    }
    builder
        .build()
        .map(Target::Cluster)
        .map_err(|e| e.to_string())
}

#[cfg(not(feature = "redis-cluster"))]
fn cluster(_: &str, _: &str, _: Trusted) -> Result<Target, String> {
    Err(
        "a Redis Cluster store needs the `redis-cluster` cargo feature of genops, which this \
         build lacks"
            .into(),
    )
}

/// What TLS trusts beyond the system's roots, when TLS is built in.
#[cfg(feature = "redis-tls")]
type Trusted = Option<redis::TlsCertificates>;
#[cfg(not(feature = "redis-tls"))]
type Trusted = Option<std::convert::Infallible>;

/// The CA certificates of the PEM file `ca` to trust over TLS (`None`: the system's roots).
#[cfg(feature = "redis-tls")]
fn trust(tls: bool, ca: Option<&Path>) -> Result<Trusted, String> {
    use rustls::pki_types::{pem::PemObject, CertificateDer};
    if !tls {
        return Ok(None);
    }
    // rustls needs a process-wide crypto provider: ring, unless the application chose one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let Some(path) = ca else {
        return Ok(None);
    };
    let file = path.display();
    let pem = std::fs::read(path).map_err(|e| format!("the CA file {file}: {e}"))?;
    let certificates = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("the CA file {file}: {e}"))?;
    if certificates.is_empty() {
        return Err(format!("the CA file {file} holds no PEM certificate"));
    }
    Ok(Some(redis::TlsCertificates {
        client_tls: None,
        root_cert: Some(pem),
    }))
}

/// Without TLS built in, a `rediss` URL is refused.
#[cfg(not(feature = "redis-tls"))]
fn trust(tls: bool, _: Option<&Path>) -> Result<Trusted, String> {
    if tls {
        return Err(
            "TLS to Redis (rediss://) needs the `redis-tls` cargo feature of genops, which this \
             build lacks"
                .into(),
        );
    }
    Ok(None)
}

impl Conn {
    /// Whether this is a Redis Cluster's, whose scripts cannot span hash slots.
    pub(crate) fn is_cluster(&self) -> bool {
        match self {
            Conn::Server(_) => false,
            #[cfg(feature = "redis-cluster")]
            Conn::Cluster(_) => true,
        }
    }
}

impl ConnectionLike for Conn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Conn::Server(c) => c.req_packed_command(cmd),
            #[cfg(feature = "redis-cluster")]
            Conn::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        cmd: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Conn::Server(c) => c.req_packed_commands(cmd, offset, count),
            #[cfg(feature = "redis-cluster")]
            Conn::Cluster(c) => c.req_packed_commands(cmd, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Conn::Server(c) => c.get_db(),
            #[cfg(feature = "redis-cluster")]
            Conn::Cluster(c) => c.get_db(),
        }
    }
}
