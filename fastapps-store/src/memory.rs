//! [`MemoryStore`]: the store of one process, for development, tests and single-replica servers.
//!
//! Every record sits in one map behind one mutex, held only for a map operation (never across an
//! `.await`), which is what makes each operation atomic. Expired records are dropped when an
//! operation meets them, and by a sweep of the whole map that runs on a write every
//! [`SWEEP_EVERY_WRITES`] writes or [`SWEEP_EVERY`], whichever comes first.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::collection::Collection;
use crate::op::{Applied, Op, Outcome};
use crate::store::{Store, ttl_millis};

/// A sweep of expired records runs at least once per this many writes…
const SWEEP_EVERY_WRITES: u32 = 1024;
/// …and at a write at least this long after the last sweep.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// A store in the memory of this process.
///
/// Records live as long as the process: a restart forgets every client, code and refresh token,
/// and two replicas behind a load balancer do not see each other's records (use `SqliteStore` or
/// `RedisStore` there).
///
/// Growth is bounded by what is written, not by the store: a record without a TTL stays until it
/// is deleted, and expired records are reclaimed by the sweep, so memory stays proportional to
/// the records written within their TTLs. The authorization server gives every record a TTL
/// and limits how fast clients may create them (registration quotas, rate limits); any other
/// user of the store should do the same.
///
/// ```
/// use std::time::Duration;
///
/// use fastapps_store::{Collection, MemoryStore, Store};
///
/// const CLIENTS: Collection = Collection::new("clients");
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), fastapps_store::StoreError> {
/// let store = MemoryStore::new();
/// store.put(CLIENTS, "client-1", b"{}".to_vec(), Some(Duration::from_secs(3600))).await?;
/// assert_eq!(store.get(CLIENTS, "client-1").await?, Some(b"{}".to_vec()));
/// assert_eq!(store.len(), 1);
/// # Ok(())
/// # }
/// ```
pub struct MemoryStore {
    state: Mutex<State>,
}

struct State {
    records: HashMap<Collection, HashMap<String, Record>>,
    writes_since_sweep: u32,
    last_sweep: Instant,
}

struct Record {
    value: Vec<u8>,
    /// `None`: never expires.
    expires_at: Option<Instant>,
}

impl Record {
    fn new(value: Vec<u8>, ttl: Option<Duration>, now: Instant) -> Self {
        // An instant past the clock's range is as good as never.
        let expires_at = ttl.and_then(|ttl| now.checked_add(Duration::from_millis(ttl_millis(ttl))));
        Self { value, expires_at }
    }

    fn is_live(&self, now: Instant) -> bool {
        self.expires_at.is_none_or(|at| now < at)
    }
}

impl State {
    /// The live record under `key`, dropping an expired one found there.
    fn live(&mut self, collection: Collection, key: &str, now: Instant) -> Option<&mut Record> {
        let records = self.records.get_mut(&collection)?;
        if records.get(key).is_some_and(|record| !record.is_live(now)) {
            records.remove(key);
        }
        records.get_mut(key)
    }

    /// Counts a write, and sweeps when one is due.
    fn wrote(&mut self, now: Instant) {
        self.writes_since_sweep += 1;
        if self.writes_since_sweep >= SWEEP_EVERY_WRITES || now.duration_since(self.last_sweep) >= SWEEP_EVERY {
            self.sweep(now);
        }
    }

    fn sweep(&mut self, now: Instant) -> usize {
        let mut removed = 0;
        for records in self.records.values_mut() {
            let before = records.len();
            records.retain(|_, record| record.is_live(now));
            removed += before - records.len();
        }
        self.writes_since_sweep = 0;
        self.last_sweep = now;
        removed
    }

    fn insert(&mut self, collection: Collection, key: &str, record: Record) {
        self.records.entry(collection).or_default().insert(key.to_owned(), record);
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self { state: Mutex::new(State { records: HashMap::new(), writes_since_sweep: 0, last_sweep: Instant::now() }) }
    }

    /// The number of live records, in every collection.
    pub fn len(&self) -> usize {
        let now = Instant::now();
        self.lock().records.values().map(|records| records.values().filter(|r| r.is_live(now)).count()).sum()
    }

    /// Whether there is no live record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops every expired record now, without waiting for the next sweep; returns how many.
    pub fn purge_expired(&self) -> usize {
        self.lock().sweep(Instant::now())
    }

    /// The state. A panic while it was held cannot have left it half-changed (every change is a
    /// single map operation), so a poisoned lock is taken over rather than passed on.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let records: usize = self.lock().records.values().map(HashMap::len).sum();
        f.debug_struct("MemoryStore").field("records", &records).finish()
    }
}

impl Store for MemoryStore {
    fn apply<'a>(&'a self, collection: Collection, key: &'a str, op: Op<'a>) -> Applied<'a> {
        let now = Instant::now();
        let mut state = self.lock();
        let outcome = match op {
            Op::Get => Outcome::Value(state.live(collection, key, now).map(|record| record.value.clone())),
            Op::Put { value, ttl } => {
                state.insert(collection, key, Record::new(value, ttl, now));
                state.wrote(now);
                Outcome::Done
            }
            Op::PutIfAbsent { value, ttl } => {
                let absent = state.live(collection, key, now).is_none();
                if absent {
                    state.insert(collection, key, Record::new(value, ttl, now));
                    state.wrote(now);
                }
                Outcome::Written(absent)
            }
            Op::Take => {
                let record = state.records.get_mut(&collection).and_then(|records| records.remove(key));
                Outcome::Value(record.filter(|record| record.is_live(now)).map(|record| record.value))
            }
            Op::CompareAndSwap { expected, new, ttl } => match state.live(collection, key, now) {
                Some(record) if record.value == expected => {
                    *record = Record::new(new, ttl, now);
                    state.wrote(now);
                    Outcome::Written(true)
                }
                _ => Outcome::Written(false),
            },
            Op::Delete => {
                if let Some(records) = state.records.get_mut(&collection) {
                    records.remove(key);
                }
                Outcome::Done
            }
        };
        drop(state);
        Box::pin(std::future::ready(Ok(outcome)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODES: Collection = Collection::new("codes");
    const CLIENTS: Collection = Collection::new("clients");
    const REPLAY: Collection = Collection::new("replay");

    #[tokio::test]
    async fn the_sweep_drops_expired_records_nobody_reads() {
        let store = MemoryStore::new();
        for i in 0..10 {
            let key = format!("short-{i}");
            store.put(CODES, &key, vec![1], Some(Duration::from_millis(1))).await.unwrap();
        }
        store.put(CODES, "long", vec![2], None).await.unwrap();
        std::thread::sleep(Duration::from_millis(5));
        // Nothing read the short-lived records; writes alone bring the sweep round.
        for i in 0..SWEEP_EVERY_WRITES {
            store.put(CLIENTS, "other", i.to_be_bytes().to_vec(), None).await.unwrap();
        }
        let stored: usize = store.lock().records.values().map(HashMap::len).sum();
        assert_eq!(stored, 2, "only the two live records are left");
        assert_eq!(store.purge_expired(), 0);
    }

    #[tokio::test]
    async fn purge_expired_counts_what_it_drops() {
        let store = MemoryStore::new();
        store.put(REPLAY, "a", vec![1], Some(Duration::from_millis(1))).await.unwrap();
        store.put(REPLAY, "b", vec![1], Some(Duration::from_millis(1))).await.unwrap();
        store.put(REPLAY, "c", vec![1], None).await.unwrap();
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(store.len(), 1);
        assert_eq!(store.purge_expired(), 2);
        assert!(!store.is_empty());
    }
}
