//! [`RedisStore`]: a store in Redis (or Valkey), shared by every replica of a server behind a
//! load balancer, so that a callback or a token request may land on any of them.
//!
//! Each operation is one Redis command, which Redis runs atomically: `GET`, `SET … PX`,
//! `SET … NX PX` for [`Store::put_if_absent`], `GETDEL` for [`Store::take`] (Redis 6.2 or
//! later), `DEL`, and a short Lua script for [`Store::compare_and_swap`]. Redis expires records
//! itself, by its own clock, so replicas need not agree on the time.
//!
//! The connection is Redis's Tokio connection manager: one multiplexed connection per
//! `RedisStore` (clones share it), re-established by itself after a failure.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, Script, Value};

use crate::collection::Collection;
use crate::error::StoreError;
use crate::op::{Applied, Op, Outcome};
use crate::store::{Store, ttl_millis};

/// The prefix of every key [`RedisStore`] writes, unless set with
/// [`RedisStore::with_key_prefix`].
pub const DEFAULT_KEY_PREFIX: &str = "fastapps:";

/// How long a connection attempt may take.
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a command may wait for its reply.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(5);

/// `KEYS[1]` key; `ARGV[1]` expected, `ARGV[2]` new value, `ARGV[3]` TTL in milliseconds or
/// empty for none. Returns 1 when swapped. A missing key reads as `false`, never equal.
static COMPARE_AND_SWAP: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
    if ARGV[3] == '' then
        redis.call('SET', KEYS[1], ARGV[2])
    else
        redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
    end
    return 1
end
return 0
",
    )
});

/// A store in Redis or Valkey (6.2 or later).
///
/// Records are Redis strings under `{prefix}{collection}:{key}` (the prefix is
/// [`DEFAULT_KEY_PREFIX`] unless set), with Redis's own expiry (`PX`). Several servers may share
/// one Redis; give each its own prefix. Cloning is cheap and shares the connection.
///
/// Redis holds what it is given: wrap the store in a [`SealedStore`](crate::SealedStore) so a
/// snapshot of it gives nothing away, and keep Redis itself private (a password in the URL,
/// `rediss://` for TLS, which is supported).
///
/// ```no_run
/// use fastapps_store::{Collection, RedisStore, Store};
///
/// const CLIENTS: Collection = Collection::new("clients");
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), fastapps_store::StoreError> {
/// let store = RedisStore::connect("redis://127.0.0.1:6379/0").await?.with_key_prefix("notes:");
/// store.put(CLIENTS, "client-1", b"{}".to_vec(), None).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct RedisStore {
    connection: ConnectionManager,
    prefix: Arc<str>,
}

impl RedisStore {
    /// Connects to the Redis server at `url` (`redis://[user:password@]host[:port][/db]`,
    /// `rediss://…` for TLS, `unix:///path` or `redis+unix:///path` for a socket). Fails if the
    /// server cannot be reached now, after a few retries (some seconds); once connected, a lost
    /// connection is re-established by itself, and the commands sent meanwhile fail with
    /// [`StoreError::Backend`]. Each connection attempt and each command times out after five
    /// seconds.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        // The URL may hold a password: it is never part of an error.
        let client = Client::open(url)
            .map_err(|error| StoreError::Backend(format!("Redis: invalid URL ({:?})", error.kind())))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECTION_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT));
        let connection = ConnectionManager::new_with_config(client, config).await.map_err(backend("connect"))?;
        Ok(Self { connection, prefix: DEFAULT_KEY_PREFIX.into() })
    }

    /// Writes keys under `prefix` instead of [`DEFAULT_KEY_PREFIX`].
    pub fn with_key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into().into();
        self
    }

    /// The prefix of every key written.
    pub fn key_prefix(&self) -> &str {
        &self.prefix
    }

    /// The Redis key of a record: `{prefix}{collection}:{key}`. Collection names hold no `:`, so
    /// no two records share a Redis key.
    pub fn redis_key(&self, collection: Collection, key: &str) -> String {
        format!("{}{}:{key}", self.prefix, collection.as_str())
    }
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

fn backend(what: &'static str) -> impl Fn(redis::RedisError) -> StoreError {
    move |error| StoreError::Backend(format!("Redis: {what} failed: {error}"))
}

/// `SET key value [NX] [PX ttl]`.
fn set(key: String, value: Vec<u8>, only_if_absent: bool, ttl: Option<Duration>) -> redis::Cmd {
    let mut cmd = redis::cmd("SET");
    cmd.arg(key).arg(value);
    if only_if_absent {
        cmd.arg("NX");
    }
    if let Some(ttl) = ttl {
        cmd.arg("PX").arg(ttl_millis(ttl));
    }
    cmd
}

impl Store for RedisStore {
    fn apply<'a>(&'a self, collection: Collection, key: &'a str, op: Op<'a>) -> Applied<'a> {
        let key = self.redis_key(collection, key);
        let mut connection = self.connection.clone();
        Box::pin(async move {
            let what = op.name();
            let outcome = match op {
                Op::Get => redis::cmd("GET").arg(key).query_async(&mut connection).await.map(Outcome::Value),
                Op::Take => redis::cmd("GETDEL").arg(key).query_async(&mut connection).await.map(Outcome::Value),
                Op::Put { value, ttl } => {
                    set(key, value, false, ttl).query_async::<()>(&mut connection).await.map(|()| Outcome::Done)
                }
                Op::PutIfAbsent { value, ttl } => set(key, value, true, ttl)
                    .query_async::<Value>(&mut connection)
                    .await
                    .map(|reply| Outcome::Written(!matches!(reply, Value::Nil))),
                Op::CompareAndSwap { expected, new, ttl } => {
                    let ttl = ttl.map(|ttl| ttl_millis(ttl).to_string()).unwrap_or_default();
                    COMPARE_AND_SWAP
                        .key(key)
                        .arg(expected)
                        .arg(new)
                        .arg(ttl)
                        .invoke_async::<i64>(&mut connection)
                        .await
                        .map(|swapped| Outcome::Written(swapped == 1))
                }
                Op::Delete => {
                    redis::cmd("DEL").arg(key).query_async::<()>(&mut connection).await.map(|()| Outcome::Done)
                }
            };
            outcome.map_err(backend(what))
        })
    }
}
