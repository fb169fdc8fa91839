//! The store: one suite of behaviour tests run against every backend
//! (memory, SQLite in a temporary file, a real `redis-server` on 127.0.0.1), each also wrapped
//! in `SealedStore`; races of 32 tasks on one record, also across two instances sharing a
//! backend; encryption at rest; and what is particular to each backend.
//!
//! The Redis tests start `redis-server` (`REDIS_SERVER`, else from the PATH) and fail, with a
//! message saying what to install, when it is missing.

mod support;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fastapps_store::{
    Collection, DEFAULT_KEY_PREFIX, MemoryStore, RedisStore, SealedStore, SealingKey, SealingKeys, SqliteStore, Store,
    StoreError,
};
use support::{Backend, Kind, race, test_key};

const CLIENTS: Collection = Collection::new("clients");
const TRANSACTIONS: Collection = Collection::new("transactions");
const CODES: Collection = Collection::new("codes");
const REFRESH_TOKENS: Collection = Collection::new("refresh_tokens");
const FAMILIES: Collection = Collection::new("families");
const UPSTREAM_TOKENS: Collection = Collection::new("upstream_tokens");
const CONSENTS: Collection = Collection::new("consents");
const SIGNING_KEYS: Collection = Collection::new("signing_keys");
const REPLAY: Collection = Collection::new("replay");
/// Every collection the tests use.
const ALL: [Collection; 9] =
    [CLIENTS, TRANSACTIONS, CODES, REFRESH_TOKENS, FAMILIES, UPSTREAM_TOKENS, CONSENTS, SIGNING_KEYS, REPLAY];
const C: Collection = CODES;

fn v(text: &str) -> Vec<u8> {
    text.as_bytes().to_vec()
}

/// Generates one test per behaviour for one backend.
macro_rules! tests_for {
    ($module:ident, $kind:expr, $sealed:expr; $($name:ident),* $(,)?) => {
        mod $module {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let backend = Backend::new($kind, $sealed).await;
                    super::$name(&backend).await;
                }
            )*
        }
    };
}

/// Behaviours every backend has, plain and sealed.
macro_rules! every_backend {
    ($($name:ident),* $(,)?) => {
        mod every_backend {
            use super::*;
            tests_for!(memory, Kind::Memory, false; $($name),*);
            tests_for!(memory_sealed, Kind::Memory, true; $($name),*);
            tests_for!(sqlite, Kind::Sqlite, false; $($name),*);
            tests_for!(sqlite_sealed, Kind::Sqlite, true; $($name),*);
            tests_for!(redis, Kind::Redis, false; $($name),*);
            tests_for!(redis_sealed, Kind::Redis, true; $($name),*);
        }
    };
}

/// Behaviours of the backends that several instances share (SQLite, Redis), plain and sealed.
macro_rules! shared_backends {
    ($($name:ident),* $(,)?) => {
        mod shared_backends {
            use super::*;
            tests_for!(sqlite, Kind::Sqlite, false; $($name),*);
            tests_for!(sqlite_sealed, Kind::Sqlite, true; $($name),*);
            tests_for!(redis, Kind::Redis, false; $($name),*);
            tests_for!(redis_sealed, Kind::Redis, true; $($name),*);
        }
    };
}

/// Sealing over every backend.
macro_rules! sealed_over_every_backend {
    ($($name:ident),* $(,)?) => {
        mod sealed_over {
            use super::*;
            tests_for!(memory, Kind::Memory, true; $($name),*);
            tests_for!(sqlite, Kind::Sqlite, true; $($name),*);
            tests_for!(redis, Kind::Redis, true; $($name),*);
        }
    };
}

every_backend!(
    get_put_and_replace,
    binary_values_and_odd_keys,
    collections_are_separate_key_spaces,
    put_if_absent_writes_only_once,
    take_returns_a_value_once,
    compare_and_swap_needs_the_exact_live_value,
    delete_removes_one_record,
    records_expire_after_their_ttl,
    racing_takes_have_one_winner,
    racing_compare_and_swaps_have_one_winner,
    racing_put_if_absent_has_one_winner,
);

shared_backends!(
    instances_share_records,
    racing_takes_across_instances_have_one_winner,
    racing_compare_and_swaps_across_instances_have_one_winner,
    racing_put_if_absent_across_instances_has_one_winner,
);

sealed_over_every_backend!(
    sealed_values_are_ciphertext_in_the_backend,
    sealed_values_open_only_with_their_key,
    sealed_values_moved_or_altered_are_corrupt,
    sealed_values_survive_key_rotation,
    sealed_compare_and_swap_compares_plaintexts,
);

// ---------------------------------------------------------------------------------------------
// Behaviour of every backend

async fn get_put_and_replace(b: &Backend) {
    let s = &b.store;
    assert_eq!(s.get(C, "k").await.unwrap(), None);
    s.put(C, "k", v("one"), None).await.unwrap();
    assert_eq!(s.get(C, "k").await.unwrap(), Some(v("one")));
    // Reading does not consume.
    assert_eq!(s.get(C, "k").await.unwrap(), Some(v("one")));
    s.put(C, "k", v("two, longer"), Some(Duration::from_secs(3600))).await.unwrap();
    assert_eq!(s.get(C, "k").await.unwrap(), Some(v("two, longer")));
    s.put(C, "k", v("3"), None).await.unwrap();
    assert_eq!(s.get(C, "k").await.unwrap(), Some(v("3")));
    assert_eq!(s.get(C, "k2").await.unwrap(), None);
    assert_eq!(s.get(C, "K").await.unwrap(), None, "keys are case-sensitive");
}

async fn binary_values_and_odd_keys(b: &Backend) {
    let s = &b.store;
    let every_byte: Vec<u8> = (0..=255u8).collect();
    let big: Vec<u8> = (0..1024 * 1024u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    let values: [(&str, Vec<u8>); 6] = [
        ("empty", Vec::new()),
        ("nul", vec![0]),
        ("every-byte", every_byte.clone()),
        ("invalid-utf8", vec![0xff, 0xfe, 0xc3, 0x28, 0x00, 0x80]),
        ("big", big.clone()),
        ("text", v("{\"client_id\":\"abc\"}")),
    ];
    for (key, value) in &values {
        s.put(C, key, value.clone(), None).await.unwrap();
    }
    for (key, value) in &values {
        assert_eq!(s.get(C, key).await.unwrap().as_ref(), Some(value), "{key}");
    }
    // The empty value is a value, not an absence.
    assert!(!s.put_if_absent(C, "empty", v("x"), None).await.unwrap());
    assert!(s.compare_and_swap(C, "empty", b"", every_byte.clone(), None).await.unwrap());
    assert_eq!(s.get(C, "empty").await.unwrap(), Some(every_byte.clone()));
    assert_eq!(s.take(C, "big").await.unwrap(), Some(big));

    let keys = ["", " ", "a:b:c", "codes:x", "ключ-🔑", "with\nnewline", "%s%n", "'; DROP TABLE fastapps_store; --"];
    for (i, key) in keys.iter().enumerate() {
        s.put(C, key, vec![i as u8; 3], None).await.unwrap();
    }
    for (i, key) in keys.iter().enumerate() {
        assert_eq!(s.get(C, key).await.unwrap(), Some(vec![i as u8; 3]), "{key:?}");
    }
}

async fn collections_are_separate_key_spaces(b: &Backend) {
    let s = &b.store;
    for (i, collection) in ALL.into_iter().enumerate() {
        s.put(collection, "same", v(&format!("{collection}-{i}")), None).await.unwrap();
    }
    for (i, collection) in ALL.into_iter().enumerate() {
        assert_eq!(s.get(collection, "same").await.unwrap(), Some(v(&format!("{collection}-{i}"))));
    }
    s.delete(CLIENTS, "same").await.unwrap();
    assert_eq!(s.take(CODES, "same").await.unwrap(), Some(v("codes-2")));
    assert!(s.put_if_absent(CODES, "same", v("again"), None).await.unwrap());
    assert!(!s.put_if_absent(REPLAY, "same", v("again"), None).await.unwrap());
    assert!(!s.compare_and_swap(FAMILIES, "same", b"refresh_tokens-3", v("x"), None).await.unwrap());
    assert_eq!(s.get(CLIENTS, "same").await.unwrap(), None);
    assert_eq!(s.get(CODES, "same").await.unwrap(), Some(v("again")));
    for (i, collection) in ALL.into_iter().enumerate() {
        if matches!(collection, CLIENTS | CODES) {
            continue;
        }
        assert_eq!(s.get(collection, "same").await.unwrap(), Some(v(&format!("{collection}-{i}"))));
    }
    // A collection's name followed by a key does not reach into another collection.
    s.put(CLIENTS, "codes:k", v("in clients"), None).await.unwrap();
    assert_eq!(s.get(CODES, "k").await.unwrap(), None);
}

async fn put_if_absent_writes_only_once(b: &Backend) {
    let s = &b.store;
    assert!(s.put_if_absent(C, "k", v("first"), None).await.unwrap());
    assert!(!s.put_if_absent(C, "k", v("second"), Some(Duration::from_secs(60))).await.unwrap());
    assert_eq!(s.get(C, "k").await.unwrap(), Some(v("first")));
    s.delete(C, "k").await.unwrap();
    assert!(s.put_if_absent(C, "k", v("third"), Some(Duration::from_secs(60))).await.unwrap());
    assert_eq!(s.get(C, "k").await.unwrap(), Some(v("third")));
    s.put(C, "k", v("put"), None).await.unwrap();
    assert!(!s.put_if_absent(C, "k", v("fourth"), None).await.unwrap());
    assert_eq!(s.get(C, "k").await.unwrap(), Some(v("put")));
}

async fn take_returns_a_value_once(b: &Backend) {
    let s = &b.store;
    assert_eq!(s.take(C, "k").await.unwrap(), None);
    s.put(C, "k", v("code"), Some(Duration::from_secs(300))).await.unwrap();
    s.put(C, "other", v("stays"), None).await.unwrap();
    assert_eq!(s.take(C, "k").await.unwrap(), Some(v("code")));
    assert_eq!(s.take(C, "k").await.unwrap(), None);
    assert_eq!(s.get(C, "k").await.unwrap(), None);
    assert_eq!(s.get(C, "other").await.unwrap(), Some(v("stays")));
    // Taken means gone: the key is free again.
    assert!(s.put_if_absent(C, "k", v("next"), None).await.unwrap());
}

async fn compare_and_swap_needs_the_exact_live_value(b: &Backend) {
    let s = &b.store;
    assert!(!s.compare_and_swap(C, "k", b"anything", v("new"), None).await.unwrap());
    assert!(!s.compare_and_swap(C, "k", b"", v("new"), None).await.unwrap(), "absent is not empty");
    assert_eq!(s.get(C, "k").await.unwrap(), None, "a failed swap writes nothing");

    s.put(C, "k", v("gen-1"), None).await.unwrap();
    for wrong in [&b"gen-2"[..], b"gen-", b"gen-1 ", b"GEN-1", b""] {
        assert!(!s.compare_and_swap(C, "k", wrong, v("bad"), None).await.unwrap(), "{wrong:?}");
    }
    assert_eq!(s.get(C, "k").await.unwrap(), Some(v("gen-1")));
    assert!(s.compare_and_swap(C, "k", b"gen-1", v("gen-2"), Some(Duration::from_secs(60))).await.unwrap());
    assert_eq!(s.get(C, "k").await.unwrap(), Some(v("gen-2")));
    assert!(!s.compare_and_swap(C, "k", b"gen-1", v("gen-3"), None).await.unwrap(), "the old value is stale");
    assert!(s.compare_and_swap(C, "k", b"gen-2", v("gen-2"), None).await.unwrap(), "swapping to itself");
    assert_eq!(s.get(C, "k").await.unwrap(), Some(v("gen-2")));
}

async fn delete_removes_one_record(b: &Backend) {
    let s = &b.store;
    s.delete(C, "absent").await.unwrap();
    s.put(C, "a", v("1"), None).await.unwrap();
    s.put(C, "b", v("2"), Some(Duration::from_secs(60))).await.unwrap();
    s.delete(C, "a").await.unwrap();
    s.delete(C, "a").await.unwrap();
    assert_eq!(s.get(C, "a").await.unwrap(), None);
    assert_eq!(s.get(C, "b").await.unwrap(), Some(v("2")));
    s.delete(C, "b").await.unwrap();
    assert_eq!(s.get(C, "b").await.unwrap(), None);
    assert!(!s.compare_and_swap(C, "b", b"2", v("3"), None).await.unwrap());
}

async fn records_expire_after_their_ttl(b: &Backend) {
    let s = &b.store;
    let short = Duration::from_millis(1500);
    let long = Duration::from_secs(3600);
    let started = Instant::now();

    // Each of these is live right after the write. A machine stalled for longer than the TTL
    // could see one expire early, which is right too; only then is the first check waived.
    let live_now = |got: Option<Vec<u8>>, key: &str| {
        assert!(got.is_some() || started.elapsed() >= short, "{key} is live right after the write");
    };
    s.put(C, "short", v("1"), Some(short)).await.unwrap();
    live_now(s.get(C, "short").await.unwrap(), "short");
    s.put(C, "zero", v("1"), Some(Duration::ZERO)).await.unwrap();
    s.put(C, "long", v("1"), Some(long)).await.unwrap();
    s.put(C, "never", v("1"), None).await.unwrap();
    // The longest TTLs overflow no backend's clock.
    s.put(C, "max", v("1"), Some(Duration::MAX)).await.unwrap();
    assert!(s.compare_and_swap(C, "max", b"1", v("2"), Some(Duration::MAX)).await.unwrap());
    assert!(s.put_if_absent(C, "max-absent", v("1"), Some(Duration::MAX)).await.unwrap());
    // A replacing write sets the TTL anew, both ways.
    s.put(C, "short-then-never", v("1"), Some(short)).await.unwrap();
    s.put(C, "short-then-never", v("2"), None).await.unwrap();
    s.put(C, "short-then-long", v("1"), Some(short)).await.unwrap();
    s.put(C, "short-then-long", v("2"), Some(long)).await.unwrap();
    s.put(C, "never-then-short", v("1"), None).await.unwrap();
    s.put(C, "never-then-short", v("2"), Some(short)).await.unwrap();
    // So does a swap.
    s.put(C, "swapped-to-short", v("1"), None).await.unwrap();
    assert!(s.compare_and_swap(C, "swapped-to-short", b"1", v("2"), Some(short)).await.unwrap());
    s.put(C, "swapped-to-never", v("1"), Some(short)).await.unwrap();
    let swapped = s.compare_and_swap(C, "swapped-to-never", b"1", v("2"), None).await.unwrap();
    assert!(swapped || started.elapsed() >= short);
    assert!(s.put_if_absent(C, "absent-short", v("1"), Some(short)).await.unwrap());
    let again = s.put_if_absent(C, "absent-short", v("2"), Some(short)).await.unwrap();
    assert!(!again || started.elapsed() >= short, "a live record is not replaced");
    s.put(C, "take-late", v("1"), Some(short)).await.unwrap();
    s.put(C, "swap-late", v("1"), Some(short)).await.unwrap();
    let written = Instant::now();

    tokio::time::sleep(short + Duration::from_millis(700)).await;
    assert!(written.elapsed() > short);

    for key in ["short", "zero", "never-then-short", "swapped-to-short", "absent-short", "take-late", "swap-late"] {
        assert_eq!(s.get(C, key).await.unwrap(), None, "{key} has expired");
    }
    assert_eq!(s.take(C, "take-late").await.unwrap(), None, "an expired record cannot be taken");
    assert!(!s.compare_and_swap(C, "swap-late", b"1", v("2"), None).await.unwrap(), "nor swapped");
    assert_eq!(s.get(C, "swap-late").await.unwrap(), None);
    assert!(s.put_if_absent(C, "absent-short", v("3"), None).await.unwrap(), "an expired record is absent");
    assert_eq!(s.get(C, "absent-short").await.unwrap(), Some(v("3")));
    for (key, value) in [
        ("long", "1"),
        ("never", "1"),
        ("max", "2"),
        ("max-absent", "1"),
        ("short-then-never", "2"),
        ("short-then-long", "2"),
        ("swapped-to-never", "2"),
    ] {
        assert_eq!(s.get(C, key).await.unwrap(), Some(v(value)), "{key} is still live");
    }
}

const RACERS: usize = 32;
const ROUNDS: usize = 4;

async fn takes(b: &Backend, across: bool) {
    for round in 0..ROUNDS {
        let key = format!("code-{round}");
        b.store.put(C, &key, v(&format!("grant-{round}")), Some(Duration::from_secs(60))).await.unwrap();
        let results = race(b, RACERS, across, |store, _| {
            let key = key.clone();
            async move { store.take(C, &key).await.unwrap() }
        })
        .await;
        let winners: Vec<_> = results.into_iter().flatten().collect();
        assert_eq!(winners, vec![v(&format!("grant-{round}"))], "round {round}: exactly one take gets the value");
        assert_eq!(b.store.get(C, &key).await.unwrap(), None);
    }
}

async fn compare_and_swaps(b: &Backend, across: bool) {
    for round in 0..ROUNDS {
        let key = format!("family-{round}");
        b.store.put(C, &key, v("generation-0"), None).await.unwrap();
        let results = race(b, RACERS, across, |store, i| {
            let key = key.clone();
            async move {
                let swapped =
                    store.compare_and_swap(C, &key, b"generation-0", v(&format!("winner-{i}")), None).await.unwrap();
                (i, swapped)
            }
        })
        .await;
        let winners: Vec<usize> = results.into_iter().filter(|(_, swapped)| *swapped).map(|(i, _)| i).collect();
        assert_eq!(winners.len(), 1, "round {round}: exactly one swap wins, not {winners:?}");
        assert_eq!(b.store.get(C, &key).await.unwrap(), Some(v(&format!("winner-{}", winners[0]))));
    }
}

async fn puts_if_absent(b: &Backend, across: bool) {
    for round in 0..ROUNDS {
        let key = format!("jti-{round}");
        let results = race(b, RACERS, across, |store, i| {
            let key = key.clone();
            async move {
                let written =
                    store.put_if_absent(C, &key, v(&format!("seen-by-{i}")), Some(Duration::from_secs(60))).await;
                (i, written.unwrap())
            }
        })
        .await;
        let winners: Vec<usize> = results.into_iter().filter(|(_, written)| *written).map(|(i, _)| i).collect();
        assert_eq!(winners.len(), 1, "round {round}: exactly one write wins, not {winners:?}");
        assert_eq!(b.store.get(C, &key).await.unwrap(), Some(v(&format!("seen-by-{}", winners[0]))));
    }
}

async fn racing_takes_have_one_winner(b: &Backend) {
    takes(b, false).await;
}

async fn racing_compare_and_swaps_have_one_winner(b: &Backend) {
    compare_and_swaps(b, false).await;
}

async fn racing_put_if_absent_has_one_winner(b: &Backend) {
    puts_if_absent(b, false).await;
}

// ---------------------------------------------------------------------------------------------
// Two instances over one backend

async fn instances_share_records(b: &Backend) {
    let (one, two) = (&b.store, b.second.as_ref().expect("a second instance"));
    one.put(C, "k", v("from one"), Some(Duration::from_secs(60))).await.unwrap();
    assert_eq!(two.get(C, "k").await.unwrap(), Some(v("from one")));
    assert!(!two.put_if_absent(C, "k", v("from two"), None).await.unwrap());
    assert!(two.compare_and_swap(C, "k", b"from one", v("from two"), None).await.unwrap());
    assert_eq!(one.get(C, "k").await.unwrap(), Some(v("from two")));
    assert_eq!(one.take(C, "k").await.unwrap(), Some(v("from two")));
    assert_eq!(two.take(C, "k").await.unwrap(), None);
    two.put(C, "d", v("x"), None).await.unwrap();
    one.delete(C, "d").await.unwrap();
    assert_eq!(two.get(C, "d").await.unwrap(), None);
}

async fn racing_takes_across_instances_have_one_winner(b: &Backend) {
    takes(b, true).await;
}

async fn racing_compare_and_swaps_across_instances_have_one_winner(b: &Backend) {
    compare_and_swaps(b, true).await;
}

async fn racing_put_if_absent_across_instances_has_one_winner(b: &Backend) {
    puts_if_absent(b, true).await;
}

// ---------------------------------------------------------------------------------------------
// Sealing

const HEADER: &[u8] = b"\x01\x06test-1";

fn corrupt<T: std::fmt::Debug>(result: Result<T, StoreError>) -> String {
    match result {
        Err(StoreError::Corrupt(message)) => message,
        other => panic!("expected StoreError::Corrupt, got {other:?}"),
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}

/// A store over `b.raw` sealing with `keys`.
fn sealed_with(b: &Backend, keys: SealingKeys) -> SealedStore<Arc<dyn Store>> {
    SealedStore::new(Arc::clone(&b.raw), keys)
}

async fn sealed_values_are_ciphertext_in_the_backend(b: &Backend) {
    let secret = v("upstream refresh token: rt-0123456789abcdef");
    b.store.put(UPSTREAM_TOKENS, "set", secret.clone(), None).await.unwrap();
    b.store.put(UPSTREAM_TOKENS, "same", secret.clone(), None).await.unwrap();
    let raw = b.raw.get(UPSTREAM_TOKENS, "set").await.unwrap().expect("a raw value");
    assert_ne!(raw, secret);
    assert!(!contains(&raw, b"rt-0123456789abcdef"));
    assert!(raw.starts_with(HEADER), "the value names its key id");
    assert_eq!(raw.len(), HEADER.len() + 12 + secret.len() + 16, "header, nonce, ciphertext, tag");
    let same = b.raw.get(UPSTREAM_TOKENS, "same").await.unwrap().expect("a raw value");
    assert_ne!(raw[HEADER.len()..HEADER.len() + 12], same[HEADER.len()..HEADER.len() + 12], "a fresh nonce each");
    assert_ne!(raw[HEADER.len() + 12..], same[HEADER.len() + 12..]);
    // Rewriting the same plaintext at the same key gives a new ciphertext too.
    b.store.put(UPSTREAM_TOKENS, "set", secret.clone(), None).await.unwrap();
    assert_ne!(b.raw.get(UPSTREAM_TOKENS, "set").await.unwrap(), Some(raw));
    assert_eq!(b.store.get(UPSTREAM_TOKENS, "set").await.unwrap(), Some(secret));
    // Every write path seals.
    assert!(b.store.put_if_absent(C, "pia", v("plain-pia"), None).await.unwrap());
    b.store.put(C, "cas", v("plain-cas-1"), None).await.unwrap();
    assert!(b.store.compare_and_swap(C, "cas", b"plain-cas-1", v("plain-cas-2"), None).await.unwrap());
    for (key, plain) in [("pia", &b"plain-pia"[..]), ("cas", b"plain-cas-2")] {
        let raw = b.raw.get(C, key).await.unwrap().expect("a raw value");
        assert!(raw.starts_with(HEADER) && !contains(&raw, plain), "{key}");
    }
}

async fn sealed_values_open_only_with_their_key(b: &Backend) {
    b.store.put(C, "k", v("secret"), None).await.unwrap();
    let same_id_other_bytes = sealed_with(b, SealingKey::from_bytes("test-1", &[0x22; 32]).unwrap().into());
    let other_id = sealed_with(b, SealingKey::from_bytes("test-2", &[0x11; 32]).unwrap().into());
    let message = corrupt(same_id_other_bytes.get(C, "k").await);
    assert!(message.contains("does not open"), "{message}");
    let message = corrupt(other_id.get(C, "k").await);
    assert!(message.contains("unknown key id") && message.contains("test-1"), "{message}");
    assert!(!message.contains("secret"));
    corrupt(same_id_other_bytes.compare_and_swap(C, "k", b"secret", v("mine"), None).await);
    assert_eq!(b.store.get(C, "k").await.unwrap(), Some(v("secret")), "a failed open changes nothing");
    corrupt(other_id.take(C, "k").await);
    assert_eq!(b.raw.get(C, "k").await.unwrap(), None, "take deletes even a value it cannot open");
}

async fn sealed_values_moved_or_altered_are_corrupt(b: &Backend) {
    b.store.put(REFRESH_TOKENS, "hash-a", v("family-1"), None).await.unwrap();
    let raw = b.raw.get(REFRESH_TOKENS, "hash-a").await.unwrap().expect("a raw value");
    // Moved to another key of the same collection, or the same key of another collection.
    b.raw.put(REFRESH_TOKENS, "hash-b", raw.clone(), None).await.unwrap();
    b.raw.put(FAMILIES, "hash-a", raw.clone(), None).await.unwrap();
    corrupt(b.store.get(REFRESH_TOKENS, "hash-b").await);
    corrupt(b.store.get(FAMILIES, "hash-a").await);
    corrupt(b.store.take(FAMILIES, "hash-a").await);
    // Altered: one flipped bit anywhere, truncated, extended, or not sealed at all.
    for at in [0, 1, 2, HEADER.len(), HEADER.len() + 12, raw.len() - 1] {
        let mut altered = raw.clone();
        altered[at] ^= 0x01;
        b.raw.put(REFRESH_TOKENS, "altered", altered, None).await.unwrap();
        corrupt(b.store.get(REFRESH_TOKENS, "altered").await);
    }
    let mut extended = raw.clone();
    extended.push(0);
    for bad in [raw[..raw.len() - 1].to_vec(), extended, Vec::new(), v("family-1"), raw[..HEADER.len()].to_vec()] {
        b.raw.put(REFRESH_TOKENS, "altered", bad, None).await.unwrap();
        corrupt(b.store.get(REFRESH_TOKENS, "altered").await);
    }
    // The original still opens.
    assert_eq!(b.store.get(REFRESH_TOKENS, "hash-a").await.unwrap(), Some(v("family-1")));
}

async fn sealed_values_survive_key_rotation(b: &Backend) {
    let old = test_key();
    let new = SealingKey::from_bytes("test-2", &[0x33; 32]).unwrap();
    // b.store seals with the old key.
    b.store.put(C, "before", v("written before"), None).await.unwrap();
    b.store.put(C, "swap", v("swap-1"), None).await.unwrap();

    let rotated = sealed_with(b, SealingKeys::new(new.clone()).with_previous(old.clone()));
    assert_eq!(rotated.get(C, "before").await.unwrap(), Some(v("written before")));
    rotated.put(C, "after", v("written after"), None).await.unwrap();
    let raw = b.raw.get(C, "after").await.unwrap().expect("a raw value");
    assert!(raw.starts_with(b"\x01\x06test-2"), "new writes use the current key");
    assert_eq!(rotated.get(C, "after").await.unwrap(), Some(v("written after")));
    corrupt(b.store.get(C, "after").await);

    // A swap re-seals with the current key.
    assert!(rotated.compare_and_swap(C, "swap", b"swap-1", v("swap-2"), None).await.unwrap());
    assert!(b.raw.get(C, "swap").await.unwrap().expect("a raw value").starts_with(b"\x01\x06test-2"));

    // Once the old key is dropped, only what it sealed is lost.
    let new_only = sealed_with(b, SealingKeys::new(new));
    assert_eq!(new_only.get(C, "swap").await.unwrap(), Some(v("swap-2")));
    assert_eq!(new_only.get(C, "after").await.unwrap(), Some(v("written after")));
    corrupt(new_only.get(C, "before").await);
}

async fn sealed_compare_and_swap_compares_plaintexts(b: &Backend) {
    b.store.put(C, "k", v("plain"), None).await.unwrap();
    let raw = b.raw.get(C, "k").await.unwrap().expect("a raw value");
    assert!(!b.store.compare_and_swap(C, "k", &raw, v("by ciphertext"), None).await.unwrap());
    assert!(!b.store.compare_and_swap(C, "k", b"plai", v("by prefix"), None).await.unwrap());
    assert!(b.store.compare_and_swap(C, "k", b"plain", v("next"), Some(Duration::from_secs(60))).await.unwrap());
    assert_eq!(b.store.get(C, "k").await.unwrap(), Some(v("next")));
    assert!(!b.store.compare_and_swap(C, "absent", b"", v("x"), None).await.unwrap());
    // Another writer between the read and the swap makes the swap fail: the raw swap is on the
    // exact bytes read, and every write seals anew.
    let reread = b.raw.get(C, "k").await.unwrap().expect("a raw value");
    b.store.put(C, "k", v("next"), None).await.unwrap();
    assert!(!b.raw.compare_and_swap(C, "k", &reread, v("stale"), None).await.unwrap());
    assert_eq!(b.store.get(C, "k").await.unwrap(), Some(v("next")));
}

// ---------------------------------------------------------------------------------------------
// Keys

#[test]
fn sealing_keys_are_made_from_base64_and_never_shown() {
    let text = "q83vASNFZ4mrze8BI0VniavN7wEjRWeJq83vASNFZ4k=";
    let key = SealingKey::from_base64("2026-01", text).unwrap();
    assert_eq!(key.id(), "2026-01");
    let shown = format!("{key:?} {:?}", SealingKeys::new(key.clone()));
    assert!(shown.contains("2026-01"));
    assert!(!shown.contains("q83v") && !shown.contains("171, 205") && !shown.contains("abcdef"), "{shown}");
    let store = SealedStore::new(MemoryStore::new(), key.into());
    assert!(!format!("{store:?}").contains("q83v"));

    for bad in ["", "q83v", "not base64 at all!", "q83vASNFZ4mrze8BI0VniavN7wEjRWeJq83vASNFZ4mrzQ=="] {
        assert!(SealingKey::from_base64("id", bad).is_err(), "{bad:?}");
    }
    assert!(SealingKey::from_base64("", text).is_err());
    assert!(SealingKey::from_base64("has space", text).is_err());
    let generated = SealingKey::generate();
    assert!(!format!("{generated:?}").is_empty());
    assert_ne!(generated.id(), SealingKey::try_generate().unwrap().id());
}

#[tokio::test]
async fn keys_from_base64_open_what_the_same_bytes_sealed() {
    let raw = Arc::new(MemoryStore::new());
    let a = SealedStore::new(Arc::clone(&raw), SealingKey::from_bytes("k", &[7; 32]).unwrap().into());
    let text = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc"; // 32 × 0x07, URL-safe, unpadded
    let b = SealedStore::new(Arc::clone(&raw), SealingKey::from_base64("k", text).unwrap().into());
    a.put(C, "x", v("shared"), None).await.unwrap();
    assert_eq!(b.get(C, "x").await.unwrap(), Some(v("shared")));
}

// ---------------------------------------------------------------------------------------------
// Trait objects

#[tokio::test]
async fn stores_behind_arc_and_box_are_stores() {
    fn takes_store(store: impl Store) -> impl Store {
        store
    }
    let shared: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let boxed: Box<dyn Store> = Box::new(Arc::clone(&shared));
    let sealed = takes_store(SealedStore::new(Arc::clone(&shared), test_key().into()));
    boxed.put(C, "k", v("via box"), None).await.unwrap();
    assert_eq!(shared.get(C, "k").await.unwrap(), Some(v("via box")));
    sealed.put(C, "k", v("via sealed"), None).await.unwrap();
    assert!(shared.get(C, "k").await.unwrap().is_some_and(|raw| raw.starts_with(HEADER)));
    assert_eq!(sealed.take(C, "k").await.unwrap(), Some(v("via sealed")));
    assert!(format!("{shared:?}").starts_with("MemoryStore"));
}

#[test]
fn collection_names_are_distinct_and_plain() {
    let names: HashSet<&str> = ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(names.len(), ALL.len());
    assert!(names.iter().all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')));
    assert_eq!(REFRESH_TOKENS.as_str(), "refresh_tokens");
    assert_eq!(UPSTREAM_TOKENS.to_string(), "upstream_tokens");
}

// ---------------------------------------------------------------------------------------------
// SQLite

#[tokio::test]
async fn sqlite_keeps_records_in_a_wal_mode_file_across_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.path(), path);
    store.put(CLIENTS, "c1", v("client"), None).await.unwrap();
    store.put(CODES, "code", v("grant"), Some(Duration::from_secs(300))).await.unwrap();
    drop(store);

    let reopened = SqliteStore::open(&path).unwrap();
    assert_eq!(reopened.get(CLIENTS, "c1").await.unwrap(), Some(v("client")));
    assert_eq!(reopened.get(CODES, "code").await.unwrap(), Some(v("grant")));

    let db = rusqlite::Connection::open(&path).unwrap();
    let mode: String = db.query_row("PRAGMA journal_mode", [], |row| row.get(0)).unwrap();
    assert_eq!(mode, "wal");
    let rows: Vec<(String, String, Vec<u8>, Option<i64>)> = db
        .prepare(r#"SELECT collection, "key", value, expires_at FROM fastapps_store ORDER BY collection"#)
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (rows[0].0.as_str(), rows[0].1.as_str(), rows[0].2.as_slice(), rows[0].3),
        ("clients", "c1", &b"client"[..], None)
    );
    let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    let expires_at = rows[1].3.expect("a TTL is stored as expires_at");
    assert!((now_ms + 290_000..=now_ms + 300_000).contains(&expires_at), "{expires_at} vs {now_ms}");
}

#[tokio::test]
async fn sqlite_purges_expired_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let store = SqliteStore::open(&path).unwrap();
    for i in 0..5 {
        store.put(C, &format!("short-{i}"), v("x"), Some(Duration::from_millis(1))).await.unwrap();
    }
    store.put(C, "long", v("x"), Some(Duration::from_secs(60))).await.unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(store.purge_expired().await.unwrap(), 5);
    assert_eq!(store.purge_expired().await.unwrap(), 0);
    let db = rusqlite::Connection::open(&path).unwrap();
    let count: i64 = db.query_row("SELECT count(*) FROM fastapps_store", [], |row| row.get(0)).unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn sqlite_sealed_file_holds_no_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let store = SealedStore::new(SqliteStore::open(&path).unwrap(), test_key().into());
    let marker = "PLAINTEXT-MARKER-upstream-access-token";
    for i in 0..20 {
        store.put(UPSTREAM_TOKENS, &format!("set-{i}"), v(marker), None).await.unwrap();
    }
    assert_eq!(store.get(UPSTREAM_TOKENS, "set-7").await.unwrap(), Some(v(marker)));
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend(std::fs::read(dir.path().join("store.db-wal")).unwrap_or_default());
    assert!(contains(&bytes, b"set-7"), "the keys are in the file (the test reads the right file)");
    assert!(!contains(&bytes, marker.as_bytes()), "the values are not");
}

#[test]
fn sqlite_open_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let error = SqliteStore::open(dir.path().join("no/such/dir/store.db")).unwrap_err();
    assert!(matches!(&error, StoreError::Backend(message) if message.contains("open the database")), "{error}");
}

#[tokio::test]
async fn sqlite_rows_that_do_not_decode_are_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let store = SqliteStore::open(&path).unwrap();
    let db = rusqlite::Connection::open(&path).unwrap();
    db.execute(
        r#"INSERT INTO fastapps_store (collection, "key", value, expires_at) VALUES ('codes', 'k', 42, NULL)"#,
        [],
    )
    .unwrap();
    assert!(matches!(store.get(C, "k").await, Err(StoreError::Corrupt(_))));
}

// ---------------------------------------------------------------------------------------------
// Redis

#[tokio::test]
async fn redis_keys_are_prefixed_and_expire_in_redis() {
    let server = support::RedisServer::start();
    let store = RedisStore::connect(&server.url).await.unwrap();
    assert_eq!(store.key_prefix(), DEFAULT_KEY_PREFIX);
    assert_eq!(store.redis_key(REFRESH_TOKENS, "h"), "fastapps:refresh_tokens:h");
    store.put(CLIENTS, "c1", v("client"), None).await.unwrap();
    store.put(CODES, "code", v("grant"), Some(Duration::from_secs(300))).await.unwrap();

    let client = redis::Client::open(server.url.as_str()).unwrap();
    let mut raw = client.get_multiplexed_async_connection().await.unwrap();
    let value: Option<Vec<u8>> = redis::cmd("GET").arg("fastapps:clients:c1").query_async(&mut raw).await.unwrap();
    assert_eq!(value, Some(v("client")));
    let no_ttl: i64 = redis::cmd("PTTL").arg("fastapps:clients:c1").query_async(&mut raw).await.unwrap();
    assert_eq!(no_ttl, -1);
    let ttl: i64 = redis::cmd("PTTL").arg("fastapps:codes:code").query_async(&mut raw).await.unwrap();
    assert!((290_000..=300_000).contains(&ttl), "{ttl}");
    // A swap sets the TTL anew.
    assert!(store.compare_and_swap(CODES, "code", b"grant", v("g2"), None).await.unwrap());
    let ttl: i64 = redis::cmd("PTTL").arg("fastapps:codes:code").query_async(&mut raw).await.unwrap();
    assert_eq!(ttl, -1);
    assert!(store.compare_and_swap(CODES, "code", b"g2", v("g3"), Some(Duration::from_secs(9))).await.unwrap());
    let ttl: i64 = redis::cmd("PTTL").arg("fastapps:codes:code").query_async(&mut raw).await.unwrap();
    assert!((1..=9_000).contains(&ttl), "{ttl}");

    let other = RedisStore::connect(&server.url).await.unwrap().with_key_prefix("other-app:");
    assert_eq!(other.get(CLIENTS, "c1").await.unwrap(), None, "prefixes separate servers");
    other.put(CLIENTS, "c1", v("theirs"), None).await.unwrap();
    assert_eq!(store.get(CLIENTS, "c1").await.unwrap(), Some(v("client")));
    let value: Option<Vec<u8>> = redis::cmd("GET").arg("other-app:clients:c1").query_async(&mut raw).await.unwrap();
    assert_eq!(value, Some(v("theirs")));
    assert!(!format!("{store:?}").contains("127.0.0.1"), "Debug shows no URL");
}

#[tokio::test]
async fn redis_sealed_values_are_ciphertext_in_redis() {
    let server = support::RedisServer::start();
    let store = SealedStore::new(RedisStore::connect(&server.url).await.unwrap(), test_key().into());
    store.put(UPSTREAM_TOKENS, "set", v("at-secret-value"), None).await.unwrap();
    let client = redis::Client::open(server.url.as_str()).unwrap();
    let mut raw = client.get_multiplexed_async_connection().await.unwrap();
    let value: Vec<u8> = redis::cmd("GET").arg("fastapps:upstream_tokens:set").query_async(&mut raw).await.unwrap();
    assert!(value.starts_with(HEADER) && !contains(&value, b"at-secret-value"));
}

#[tokio::test]
async fn redis_errors_are_clear_and_keep_the_password_out() {
    let error = RedisStore::connect("redis://:hunter2@[not-an-address").await.unwrap_err();
    assert!(matches!(&error, StoreError::Backend(m) if m.contains("invalid URL") && !m.contains("hunter2")), "{error}");

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let started = Instant::now();
    let error = RedisStore::connect(&format!("redis://:hunter2@127.0.0.1:{port}/")).await.unwrap_err();
    assert!(matches!(&error, StoreError::Backend(m) if m.contains("connect") && !m.contains("hunter2")), "{error}");
    assert!(started.elapsed() < Duration::from_secs(30), "a refused connection fails soon");

    let server = support::RedisServer::start();
    let store = RedisStore::connect(&server.url).await.unwrap();
    let client = redis::Client::open(server.url.as_str()).unwrap();
    let mut raw = client.get_multiplexed_async_connection().await.unwrap();
    let _: () = redis::cmd("LPUSH").arg("fastapps:codes:list").arg("x").query_async(&mut raw).await.unwrap();
    let error = store.get(C, "list").await.unwrap_err();
    assert!(matches!(&error, StoreError::Backend(m) if m.contains("WRONGTYPE")), "{error}");
}

#[tokio::test]
async fn sqlite_keeps_the_records_of_a_database_from_before_the_rename() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let db = rusqlite::Connection::open(&path).unwrap();
    db.execute_batch(
        r#"CREATE TABLE oauth_store (collection TEXT NOT NULL, "key" TEXT NOT NULL, value BLOB NOT NULL,
               expires_at INTEGER NULL, PRIMARY KEY (collection, "key"));
           CREATE INDEX oauth_store_expires_at ON oauth_store (expires_at) WHERE expires_at IS NOT NULL;
           INSERT INTO oauth_store VALUES ('clients', 'c1', X'7B7D', NULL);"#,
    )
    .unwrap();
    drop(db);
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.get(CLIENTS, "c1").await.unwrap(), Some(v("{}")));
    drop(store);
    // Opened again, it finds the renamed table and leaves it be.
    assert_eq!(SqliteStore::open(&path).unwrap().get(CLIENTS, "c1").await.unwrap(), Some(v("{}")));
}
