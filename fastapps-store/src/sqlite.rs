//! [`SqliteStore`]: a store in one SQLite file, for a server on one host that must keep its
//! records across restarts, or several processes on that host sharing them.
//!
//! Every operation is one SQL statement, and SQLite runs each statement as a transaction of its
//! own, so each operation is atomic also against other processes that opened the same file:
//! `INSERT … ON CONFLICT DO UPDATE … WHERE` for writes that may only replace an expired record,
//! `DELETE … RETURNING` for [`Store::take`], `UPDATE … WHERE value = ?` for
//! [`Store::compare_and_swap`]. The database runs in WAL mode (readers never wait for a writer)
//! with a busy timeout, so a writer waits its turn rather than failing while another process
//! writes.
//!
//! SQLite calls block, so they run on Tokio's blocking thread pool (`spawn_blocking`, so the
//! store is used inside a Tokio runtime), never on the async workers; calls of one `SqliteStore`
//! take turns on its one connection.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension, params};

use crate::collection::Collection;
use crate::error::StoreError;
use crate::op::{Applied, Op, Outcome};
use crate::store::{Store, ttl_millis};

/// How long a statement waits for another connection's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Expired rows are swept once per this many writes of one `SqliteStore`…
const SWEEP_EVERY_WRITES: u32 = 256;
/// …at most this many at a time, so that no write waits long for a sweep.
const SWEEP_BATCH: i64 = 1000;

/// The table's name before the store served more than the authorization server: a database
/// written then is renamed on open, so its records are kept.
const FORMER_TABLE: &str = "oauth_store";

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS fastapps_store (
    collection TEXT NOT NULL,
    "key" TEXT NOT NULL,
    value BLOB NOT NULL,
    expires_at INTEGER NULL,
    PRIMARY KEY (collection, "key")
);
CREATE INDEX IF NOT EXISTS fastapps_store_expires_at ON fastapps_store (expires_at) WHERE expires_at IS NOT NULL;
"#;

/// `?1` collection, `?2` key, `?3` now.
const GET: &str = r#"SELECT value FROM fastapps_store
    WHERE collection = ?1 AND "key" = ?2 AND (expires_at IS NULL OR expires_at > ?3)"#;
/// `?1` collection, `?2` key, `?3` value, `?4` expires at.
const PUT: &str = r#"INSERT INTO fastapps_store (collection, "key", value, expires_at) VALUES (?1, ?2, ?3, ?4)
    ON CONFLICT (collection, "key") DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at"#;
/// As [`PUT`], replacing only an expired row; `?5` now.
const PUT_IF_ABSENT: &str = r#"INSERT INTO fastapps_store (collection, "key", value, expires_at) VALUES (?1, ?2, ?3, ?4)
    ON CONFLICT (collection, "key") DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
    WHERE fastapps_store.expires_at IS NOT NULL AND fastapps_store.expires_at <= ?5"#;
/// `?1` collection, `?2` key; the caller drops an expired value it returns.
const TAKE: &str = r#"DELETE FROM fastapps_store WHERE collection = ?1 AND "key" = ?2 RETURNING value, expires_at"#;
/// `?1` collection, `?2` key, `?3` expected, `?4` new value, `?5` new expires at, `?6` now.
const COMPARE_AND_SWAP: &str = r#"UPDATE fastapps_store SET value = ?4, expires_at = ?5
    WHERE collection = ?1 AND "key" = ?2 AND value = ?3 AND (expires_at IS NULL OR expires_at > ?6)"#;
/// `?1` collection, `?2` key.
const DELETE: &str = r#"DELETE FROM fastapps_store WHERE collection = ?1 AND "key" = ?2"#;
/// `?1` now, `?2` batch size.
const SWEEP: &str = r#"DELETE FROM fastapps_store WHERE rowid IN
    (SELECT rowid FROM fastapps_store WHERE expires_at IS NOT NULL AND expires_at <= ?1 LIMIT ?2)"#;

/// A store in a SQLite database file (table `fastapps_store`).
///
/// Several processes on one host may open the same file; they see one another's writes and race
/// safely. Expiry times are written in the wall-clock time of the process writing them, so the
/// processes sharing a file should share a clock (they do on one host). Files on network file
/// systems are not safe for SQLite's locking; use `RedisStore` across hosts.
///
/// Expired rows are never returned, and are deleted when [`Store::take`] meets them, by a sweep
/// every few hundred writes, or by [`SqliteStore::purge_expired`]. Cloning is cheap and shares the
/// connection.
///
/// ```
/// use fastapps_store::{Collection, SqliteStore, Store};
///
/// const CLIENTS: Collection = Collection::new("clients");
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let dir = tempfile::tempdir()?;
/// let store = SqliteStore::open(dir.path().join("store.db"))?;
/// store.put(CLIENTS, "client-1", b"{}".to_vec(), None).await?;
/// assert_eq!(store.get(CLIENTS, "client-1").await?, Some(b"{}".to_vec()));
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct SqliteStore {
    shared: Arc<Shared>,
}

struct Shared {
    path: PathBuf,
    connection: Mutex<Connection>,
    writes: AtomicU32,
}

impl SqliteStore {
    /// Opens (creating it if need be) the database at `path`: WAL mode, a busy timeout of five
    /// seconds, and the `fastapps_store` table. It blocks while it does so (at most the busy timeout
    /// if another process holds the file); call it at start-up.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let connection = Connection::open(&path).map_err(backend("open the database"))?;
        connection.busy_timeout(BUSY_TIMEOUT).map_err(backend("set the busy timeout"))?;
        let mode: String = connection
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .map_err(backend("switch to WAL mode"))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Backend(format!(
                "SQLite: the database cannot use WAL mode (it is in {mode} mode)"
            )));
        }
        // Durable at every checkpoint and safe against a crash of the process; only a power loss
        // may lose the last writes.
        connection.pragma_update(None, "synchronous", "NORMAL").map_err(backend("set synchronous mode"))?;
        let former: Option<String> = connection
            .query_row("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?1", [FORMER_TABLE], |row| {
                row.get(0)
            })
            .optional()
            .map_err(backend("read the schema"))?;
        if former.is_some() {
            connection
                .execute_batch(
                    "ALTER TABLE oauth_store RENAME TO fastapps_store; \
                     DROP INDEX IF EXISTS oauth_store_expires_at;",
                )
                .map_err(backend("rename the former table"))?;
        }
        connection.execute_batch(SCHEMA).map_err(backend("create the schema"))?;
        Ok(Self { shared: Arc::new(Shared { path, connection: Mutex::new(connection), writes: AtomicU32::new(0) }) })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    /// Deletes every expired row now; returns how many.
    pub async fn purge_expired(&self) -> Result<usize, StoreError> {
        self.run("purge expired rows", |connection| {
            let mut total = 0;
            loop {
                let removed = connection.prepare_cached(SWEEP)?.execute(params![now_millis(), SWEEP_BATCH])?;
                total += removed;
                if i64::try_from(removed).unwrap_or(i64::MAX) < SWEEP_BATCH {
                    return Ok(total);
                }
            }
        })
        .await
    }

    /// Runs `op` on the connection, on the blocking thread pool.
    async fn run<T, F>(&self, what: &'static str, op: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let shared = Arc::clone(&self.shared);
        tokio::task::spawn_blocking(move || {
            // A panic while the connection was held leaves no statement half-run (SQLite rolls it
            // back), so a poisoned lock is taken over.
            let connection = shared.connection.lock().unwrap_or_else(PoisonError::into_inner);
            op(&connection)
        })
        .await
        .map_err(|error| StoreError::Backend(format!("SQLite: the task to {what} failed: {error}")))?
        .map_err(|error| match error {
            rusqlite::Error::InvalidColumnType(..) | rusqlite::Error::FromSqlConversionFailure(..) => {
                StoreError::Corrupt(format!("SQLite: a stored row does not decode: {error}"))
            }
            error => StoreError::Backend(format!("SQLite: cannot {what}: {error}")),
        })
    }

    /// Counts a write; every so often, sweeps a batch of expired rows on `connection`. A sweep
    /// that fails (another process holding the lock too long) is logged and left to the next
    /// one: the write it follows has taken effect.
    fn wrote(shared: &Shared, connection: &Connection) {
        let writes = shared.writes.fetch_add(1, Ordering::Relaxed).wrapping_add(1);
        if writes.is_multiple_of(SWEEP_EVERY_WRITES) {
            let swept = connection
                .prepare_cached(SWEEP)
                .and_then(|mut sweep| sweep.execute(params![now_millis(), SWEEP_BATCH]));
            if let Err(error) = swept {
                tracing::warn!(%error, "SQLite store: sweeping expired rows failed");
            }
        }
    }

    /// As [`SqliteStore::run`], for a write: sweeps now and then after it.
    async fn write<T, F>(&self, what: &'static str, op: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let shared = Arc::clone(&self.shared);
        self.run(what, move |connection| {
            let result = op(connection)?;
            Self::wrote(&shared, connection);
            Ok(result)
        })
        .await
    }
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").field("path", &self.shared.path).finish_non_exhaustive()
    }
}

fn backend(what: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |error| StoreError::Backend(format!("SQLite: cannot {what}: {error}"))
}

/// Milliseconds since the Unix epoch, by the wall clock.
fn now_millis() -> i64 {
    let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}

/// When a record written now with `ttl` expires, in milliseconds since the epoch.
fn expires_at(ttl: Option<Duration>) -> Option<i64> {
    ttl.map(|ttl| now_millis().saturating_add(i64::try_from(ttl_millis(ttl)).unwrap_or(i64::MAX)))
}

impl Store for SqliteStore {
    fn apply<'a>(&'a self, collection: Collection, key: &'a str, op: Op<'a>) -> Applied<'a> {
        let (collection, key) = (collection.as_str(), key.to_owned());
        match op {
            Op::Get => Box::pin(self.run("read a record", move |connection| {
                let mut get = connection.prepare_cached(GET)?;
                get.query_row(params![collection, key, now_millis()], |row| row.get(0)).optional().map(Outcome::Value)
            })),
            Op::Put { value, ttl } => Box::pin(self.write("write a record", move |connection| {
                connection.prepare_cached(PUT)?.execute(params![collection, key, value, expires_at(ttl)])?;
                Ok(Outcome::Done)
            })),
            Op::PutIfAbsent { value, ttl } => Box::pin(self.write("write a record", move |connection| {
                let mut put = connection.prepare_cached(PUT_IF_ABSENT)?;
                let changed = put.execute(params![collection, key, value, expires_at(ttl), now_millis()])?;
                Ok(Outcome::Written(changed == 1))
            })),
            Op::Take => Box::pin(self.run("take a record", move |connection| {
                let row: Option<(Vec<u8>, Option<i64>)> = connection
                    .prepare_cached(TAKE)?
                    .query_row(params![collection, key], |row| Ok((row.get(0)?, row.get(1)?)))
                    .optional()?;
                let now = now_millis();
                Ok(Outcome::Value(row.and_then(|(value, at)| at.is_none_or(|at| at > now).then_some(value))))
            })),
            Op::CompareAndSwap { expected, new, ttl } => {
                let expected = expected.to_vec();
                Box::pin(self.write("swap a record", move |connection| {
                    let mut swap = connection.prepare_cached(COMPARE_AND_SWAP)?;
                    let changed =
                        swap.execute(params![collection, key, expected, new, expires_at(ttl), now_millis()])?;
                    Ok(Outcome::Written(changed == 1))
                }))
            }
            Op::Delete => Box::pin(self.run("delete a record", move |connection| {
                connection.prepare_cached(DELETE)?.execute(params![collection, key])?;
                Ok(Outcome::Done)
            })),
        }
    }
}
