//! Fixtures of the store tests: each backend, plain or sealed, with a second instance over the
//! same data where the backend can be shared, and a real `redis-server` on 127.0.0.1.

#![allow(dead_code)]

use std::future::Future;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fastapps_store::{RedisStore, SealedStore, SealingKey, SealingKeys, SqliteStore, Store};
use tempfile::TempDir;
use tokio::sync::Barrier;

/// Where the records live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Memory,
    Sqlite,
    Redis,
}

/// A store under test.
pub(crate) struct Backend {
    /// The store the tests use (sealed or not).
    pub(crate) store: Arc<dyn Store>,
    /// Another instance over the same records (a second `SqliteStore::open` of the file, a
    /// second Redis connection), sealed like `store`; `None` for memory.
    pub(crate) second: Option<Arc<dyn Store>>,
    /// The backend under `store`, unsealed.
    pub(crate) raw: Arc<dyn Store>,
    pub(crate) kind: Kind,
    pub(crate) sealed: bool,
    /// Dropped last: the server and the directory outlive the stores.
    pub(crate) sqlite_path: Option<PathBuf>,
    pub(crate) redis: Option<RedisServer>,
    _dir: Option<TempDir>,
}

/// The key the sealed fixtures use.
pub(crate) fn test_key() -> SealingKey {
    SealingKey::from_bytes("test-1", &[0x11; 32]).expect("a valid key")
}

impl Backend {
    pub(crate) async fn new(kind: Kind, sealed: bool) -> Self {
        let (raw, raw_second, sqlite_path, redis, dir): (Arc<dyn Store>, Option<Arc<dyn Store>>, _, _, _) = match kind {
            Kind::Memory => (Arc::new(fastapps_store::MemoryStore::new()), None, None, None, None),
            Kind::Sqlite => {
                let dir = tempfile::tempdir().expect("a temporary directory");
                let path = dir.path().join("store.db");
                let first = SqliteStore::open(&path).expect("open the database");
                let second = SqliteStore::open(&path).expect("open the database a second time");
                (Arc::new(first), Some(Arc::new(second)), Some(path), None, Some(dir))
            }
            Kind::Redis => {
                let server = RedisServer::start();
                let first = RedisStore::connect(&server.url).await.expect("connect to redis-server");
                let second = RedisStore::connect(&server.url).await.expect("connect to redis-server again");
                (Arc::new(first), Some(Arc::new(second)), None, Some(server), None)
            }
        };
        let seal = |store: Arc<dyn Store>| -> Arc<dyn Store> {
            if sealed { Arc::new(SealedStore::new(store, SealingKeys::new(test_key()))) } else { store }
        };
        Self {
            store: seal(Arc::clone(&raw)),
            second: raw_second.map(seal),
            raw,
            kind,
            sealed,
            sqlite_path,
            redis,
            _dir: dir,
        }
    }

    /// The store that task `i` of a race uses: the two instances in turn, where there are two.
    pub(crate) fn instance(&self, i: usize) -> Arc<dyn Store> {
        match &self.second {
            Some(second) if i % 2 == 1 => Arc::clone(second),
            _ => Arc::clone(&self.store),
        }
    }
}

/// Runs `op` in `n` tasks released at once; `across`: alternating between the two instances.
pub(crate) async fn race<T, F, Fut>(backend: &Backend, n: usize, across: bool, op: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(Arc<dyn Store>, usize) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
{
    assert!(!across || backend.second.is_some(), "a race across instances needs two instances");
    let barrier = Arc::new(Barrier::new(n));
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let store = if across { backend.instance(i) } else { Arc::clone(&backend.store) };
            let barrier = Arc::clone(&barrier);
            let op = op(store, i);
            tokio::spawn(async move {
                barrier.wait().await;
                op.await
            })
        })
        .collect();
    let mut results = Vec::with_capacity(n);
    for task in tasks {
        results.push(task.await.expect("a racing task panicked"));
    }
    results
}

/// A `redis-server` of its own on 127.0.0.1, with nothing saved to disk; stopped when dropped.
pub(crate) struct RedisServer {
    child: Child,
    pub(crate) port: u16,
    pub(crate) url: String,
    dir: TempDir,
}

impl RedisServer {
    /// The binary: `REDIS_SERVER`, else `redis-server` on the PATH.
    fn binary() -> String {
        std::env::var("REDIS_SERVER").unwrap_or_else(|_| "redis-server".to_owned())
    }

    pub(crate) fn start() -> Self {
        let binary = Self::binary();
        if let Err(error) = Command::new(&binary).arg("--version").stdout(Stdio::null()).status() {
            panic!(
                "cannot run {binary:?} ({error}): the Redis store tests need a real Redis server. Install \
                 Debian's redis-server package (apt-get install redis-server; scripts/test.sh does so) or \
                 set REDIS_SERVER to a redis-server binary"
            );
        }
        for _attempt in 0..5 {
            let dir = tempfile::tempdir().expect("a temporary directory");
            let port = free_port();
            let child = Command::new(&binary)
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
                .args(["--daemonize", "no", "--protected-mode", "yes", "--dir"])
                .arg(dir.path())
                .arg("--logfile")
                .arg(dir.path().join("redis.log"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::inherit())
                .spawn()
                .unwrap_or_else(|error| panic!("cannot start {binary:?}: {error}"));
            let mut server = Self { child, port, url: format!("redis://127.0.0.1:{port}/"), dir };
            match server.wait_ready(Duration::from_secs(10)) {
                Ok(()) => return server,
                // Most likely the port was taken between our probe and the server's bind; the
                // server is stopped as it is dropped, and another port is tried.
                Err(why) => eprintln!("redis-server on port {port} did not start ({why}); log:\n{}", server.log()),
            }
        }
        panic!("redis-server did not start in five attempts");
    }

    fn wait_ready(&mut self, within: Duration) -> Result<(), String> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().map_err(|e| e.to_string())? {
                return Err(format!("it exited with {status}"));
            }
            if ping(self.port) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err("no PONG in time".into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("redis.log")).unwrap_or_default()
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("a local address").port()
}

/// Whether a Redis server answers `PING` on 127.0.0.1:`port`.
fn ping(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    if stream.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut reply = [0u8; 7];
    stream.read_exact(&mut reply).is_ok() && &reply == b"+PONG\r\n"
}
