//! Sessions of the stateful mode: created by `initialize`, named by `Mcp-Session-Id`, ended by
//! DELETE or by staying idle longer than the TTL.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::context::{AccessToken, ClientState};
use crate::protocol::RequestId;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section here is a single insert, remove or swap: a panic cannot leave the
    // data half-updated, so a poisoned lock is still sound to use.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One client session.
#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) client: Arc<ClientState>,
    /// Who created it, when authenticated: only they may use it.
    pub(crate) owner: Option<SessionOwner>,
    pub(crate) initialized: AtomicBool,
    /// Milliseconds since the store's epoch at the last request.
    last_active: AtomicU64,
    subscriptions: Mutex<HashSet<String>>,
    /// The GET stream, when one is open: server-initiated messages go there.
    standalone: Mutex<Option<mpsc::Sender<Bytes>>>,
    /// Requests being served, by id, so `notifications/cancelled` can reach them.
    in_flight: Mutex<HashMap<RequestId, CancellationToken>>,
    /// Ended: DELETE, expiry or shutdown. Its streams watch this.
    pub(crate) closed: CancellationToken,
}

/// Who a session belongs to: issuer, subject and client, so another caller's token cannot use
/// it (a refreshed token of the same caller can).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SessionOwner {
    issuer: String,
    subject: String,
    client_id: Option<String>,
}

fn issuer_of(user: &AccessToken) -> &str {
    user.claim("iss").and_then(|v| v.as_str()).unwrap_or_default()
}

impl SessionOwner {
    pub(crate) fn of(user: &AccessToken) -> Self {
        Self { issuer: issuer_of(user).to_owned(), subject: user.subject.clone(), client_id: user.client_id.clone() }
    }

    /// Whether `user` is this owner (compared in place: this runs on every request).
    pub(crate) fn is(&self, user: &AccessToken) -> bool {
        self.subject == user.subject && self.client_id == user.client_id && self.issuer == issuer_of(user)
    }
}

/// Unregisters an in-flight request when its handling ends.
pub(crate) struct InFlightGuard {
    session: Arc<Session>,
    id: RequestId,
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        lock(&self.session.in_flight).remove(&self.id);
    }
}

impl Session {
    pub(crate) fn id(&self) -> &str {
        self.client.session_id.as_deref().unwrap_or_default()
    }

    pub(crate) fn subscribe(&self, uri: String) {
        lock(&self.subscriptions).insert(uri);
    }

    pub(crate) fn unsubscribe(&self, uri: &str) {
        lock(&self.subscriptions).remove(uri);
    }

    pub(crate) fn is_subscribed(&self, uri: &str) -> bool {
        lock(&self.subscriptions).contains(uri)
    }

    /// Registers a request for cancellation; its token is cancelled by
    /// `notifications/cancelled` or when the session ends.
    pub(crate) fn track(self: &Arc<Self>, id: RequestId) -> (CancellationToken, InFlightGuard) {
        let token = self.closed.child_token();
        lock(&self.in_flight).insert(id.clone(), token.clone());
        (token, InFlightGuard { session: self.clone(), id })
    }

    pub(crate) fn cancel(&self, id: &RequestId) {
        if let Some(token) = lock(&self.in_flight).get(id) {
            token.cancel();
        }
    }

    /// Opens the GET stream; `None` when one is already open.
    pub(crate) fn open_standalone(&self, capacity: usize) -> Option<(mpsc::Sender<Bytes>, mpsc::Receiver<Bytes>)> {
        let mut slot = lock(&self.standalone);
        if slot.as_ref().is_some_and(|tx| !tx.is_closed()) {
            return None;
        }
        let (tx, rx) = mpsc::channel(capacity);
        *slot = Some(tx.clone());
        Some((tx, rx))
    }

    /// Forgets the GET stream `tx` (if it is still the current one).
    pub(crate) fn close_standalone(&self, tx: &mpsc::Sender<Bytes>) {
        let mut slot = lock(&self.standalone);
        if slot.as_ref().is_some_and(|current| current.same_channel(tx)) {
            *slot = None;
        }
    }

    /// Queues a server-initiated message on the GET stream; `false` when none is open or it is
    /// full (the message is dropped rather than blocking the sender).
    pub(crate) fn send_standalone(&self, message: Bytes) -> bool {
        lock(&self.standalone).as_ref().is_some_and(|tx| tx.try_send(message).is_ok())
    }

    /// A session is busy while its GET stream is open or a request of it runs (a tool may
    /// be waiting on the client for longer than the TTL).
    fn is_busy(&self) -> bool {
        lock(&self.standalone).as_ref().is_some_and(|tx| !tx.is_closed()) || !lock(&self.in_flight).is_empty()
    }
}

/// Why a session could not be created.
#[derive(Debug)]
pub(crate) struct TooManySessions;

/// All live sessions.
#[derive(Debug)]
pub(crate) struct SessionStore {
    sessions: RwLock<HashMap<Arc<str>, Arc<Session>>>,
    epoch: Instant,
    ttl: Duration,
    max_sessions: usize,
    last_sweep: AtomicU64,
}

impl SessionStore {
    pub(crate) fn new(ttl: Duration, max_sessions: usize) -> Self {
        Self {
            sessions: RwLock::new(HashMap::new()),
            epoch: Instant::now(),
            ttl,
            max_sessions,
            last_sweep: AtomicU64::new(0),
        }
    }

    /// A store with the same limits and no session.
    #[cfg(feature = "testing")]
    pub(crate) fn empty_like(&self) -> Self {
        Self::new(self.ttl, self.max_sessions)
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn is_expired(&self, session: &Session, now: u64) -> bool {
        let idle = now.saturating_sub(session.last_active.load(Ordering::Relaxed));
        u128::from(idle) > self.ttl.as_millis() && !session.is_busy()
    }

    /// Creates a session for a client that just sent `initialize`.
    pub(crate) fn create(
        &self,
        owner: Option<SessionOwner>,
        make_client: impl FnOnce(Arc<str>) -> ClientState,
    ) -> Result<Arc<Session>, TooManySessions> {
        self.sweep_if_due();
        let id: Arc<str> = uuid::Uuid::new_v4().simple().to_string().into();
        let session = Arc::new(Session {
            client: Arc::new(make_client(id.clone())),
            owner,
            initialized: AtomicBool::new(false),
            last_active: AtomicU64::new(self.now_ms()),
            subscriptions: Mutex::default(),
            standalone: Mutex::default(),
            in_flight: Mutex::default(),
            closed: CancellationToken::new(),
        });
        if self.sessions.read().unwrap_or_else(PoisonError::into_inner).len() >= self.max_sessions {
            // Full: idle sessions make room before anyone is turned away.
            self.sweep(self.now_ms());
        }
        let mut sessions = self.sessions.write().unwrap_or_else(PoisonError::into_inner);
        if sessions.len() >= self.max_sessions {
            return Err(TooManySessions);
        }
        sessions.insert(id, session.clone());
        Ok(session)
    }

    /// The live session with this id, marked active; expired sessions are ended here.
    pub(crate) fn get(&self, id: &str) -> Option<Arc<Session>> {
        let session = self.sessions.read().unwrap_or_else(PoisonError::into_inner).get(id).cloned()?;
        let now = self.now_ms();
        if self.is_expired(&session, now) {
            self.remove(id);
            return None;
        }
        session.last_active.store(now, Ordering::Relaxed);
        Some(session)
    }

    /// Ends a session; `false` when there was none.
    pub(crate) fn remove(&self, id: &str) -> bool {
        let removed = self.sessions.write().unwrap_or_else(PoisonError::into_inner).remove(id);
        removed.inspect(|s| s.closed.cancel()).is_some()
    }

    /// Every live session, for server-initiated notifications.
    pub(crate) fn all(&self) -> Vec<Arc<Session>> {
        self.sessions.read().unwrap_or_else(PoisonError::into_inner).values().cloned().collect()
    }

    /// Ends every session (server shutdown).
    pub(crate) fn close_all(&self) {
        let drained: Vec<_> = self.sessions.write().unwrap_or_else(PoisonError::into_inner).drain().collect();
        for (_, session) in drained {
            session.closed.cancel();
        }
    }

    /// The number of live sessions (expired ones are ended first).
    pub(crate) fn len(&self) -> usize {
        self.sweep(self.now_ms());
        self.sessions.read().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// Ends idle sessions, at most once per TTL/4 (so creating sessions stays cheap).
    fn sweep_if_due(&self) {
        let now = self.now_ms();
        let interval = u64::try_from(self.ttl.as_millis() / 4).unwrap_or(u64::MAX).max(1000);
        let last = self.last_sweep.load(Ordering::Relaxed);
        if now.saturating_sub(last) < interval
            || self.last_sweep.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_err()
        {
            return;
        }
        self.sweep(now);
    }

    fn sweep(&self, now: u64) {
        let expired: Vec<Arc<str>> = self
            .sessions
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter(|(_, s)| self.is_expired(s, now))
            .map(|(id, _)| id.clone())
            .collect();
        for id in expired {
            tracing::debug!(session = %id, "session expired");
            self.remove(&id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::ProtocolVersion;

    fn client(id: Arc<str>) -> ClientState {
        ClientState::new(Some(id), ProtocolVersion::LATEST, None, None, None)
    }

    #[test]
    fn sessions_are_created_found_and_removed() {
        let store = SessionStore::new(Duration::from_secs(60), 10);
        let s = store.create(None, client).unwrap();
        let id = s.id().to_owned();
        assert_eq!(id.len(), 32);
        assert!(id.bytes().all(|b| (0x21..=0x7e).contains(&b)));
        assert!(store.get(&id).is_some());
        assert!(store.remove(&id));
        assert!(s.closed.is_cancelled());
        assert!(store.get(&id).is_none());
        assert!(!store.remove(&id));
    }

    #[test]
    fn the_session_limit_holds() {
        let store = SessionStore::new(Duration::from_secs(60), 2);
        store.create(None, client).unwrap();
        store.create(None, client).unwrap();
        assert!(store.create(None, client).is_err());
    }

    #[test]
    fn idle_sessions_expire() {
        let store = SessionStore::new(Duration::ZERO, 10);
        let s = store.create(None, client).unwrap();
        let id = s.id().to_owned();
        std::thread::sleep(Duration::from_millis(5));
        assert!(store.get(&id).is_none());
        assert_eq!(store.len(), 0);
    }

    #[test]
    fn cancellation_reaches_tracked_requests() {
        let store = SessionStore::new(Duration::from_secs(60), 10);
        let s = store.create(None, client).unwrap();
        let (token, guard) = s.track(RequestId::from(1));
        s.cancel(&RequestId::from(2));
        assert!(!token.is_cancelled());
        s.cancel(&RequestId::from(1));
        assert!(token.is_cancelled());
        drop(guard);
        let (token, _guard) = s.track(RequestId::from(3));
        store.remove(s.id());
        assert!(token.is_cancelled());
    }
}
