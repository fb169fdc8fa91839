//! [`SealedStore`]: encryption at rest, whatever the backend.
//!
//! What a server stores includes upstream token sets and refresh-token state; a copy of the
//! database, a Redis snapshot or a backup must not hand them out. The wrapper seals
//! every value with AES-256-GCM before it reaches the backend and opens it on the way back, so
//! backends only ever see ciphertext.
//!
//! A sealed value is laid out as
//!
//! ```text
//! version (1 byte, = 1) | key id length n (1 byte) | key id (n bytes, ASCII)
//!   | nonce (12 random bytes) | ciphertext | tag (16 bytes)
//! ```
//!
//! and authenticated together with its place: the additional data is a domain label, the header
//! above, the collection's name and the record's key. A ciphertext copied to another key or
//! collection, sealed with another key, truncated or altered fails to open, and reads as
//! [`StoreError::Corrupt`].
//!
//! The key id lets keys rotate: values are sealed with [`SealingKeys::current`] and opened with
//! whichever known key carries the id they name, so records written before a rotation stay
//! readable while [`SealingKeys::previous`] holds the old key, and are re-sealed with the new
//! one when next written.

use std::sync::Arc;

use aws_lc_rs::aead::{AES_256_GCM, Aad, NONCE_LEN, Nonce, RandomizedNonceKey};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};

use crate::collection::Collection;
use crate::error::StoreError;
use crate::op::{Applied, Op, Outcome};
use crate::store::Store;

/// The first byte of every sealed value.
const FORMAT_VERSION: u8 = 1;
/// The length of an AES-256 key.
const KEY_LEN: usize = 32;
/// The length of an AES-GCM tag.
const TAG_LEN: usize = 16;
/// Separates this use of the keys from any other. Unchanged since the store first sealed the
/// authorization server's records, so that what was sealed then still opens.
const AAD_LABEL: &[u8] = b"fastapps oauth store v1\0";
/// The longest key id: its length is stored in one byte.
const MAX_ID_LEN: usize = 255;

/// Why a [`SealingKey`] could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SealingKeyError {
    /// The key id is empty, longer than 255 bytes, or has characters other than printable ASCII
    /// (no spaces).
    #[error("invalid sealing key id: {0}")]
    InvalidId(String),
    /// The key text is not base64 (standard or URL-safe alphabet, padded or not).
    #[error("the sealing key is not valid base64")]
    InvalidBase64,
    /// The key is not 32 bytes long.
    #[error("a sealing key must be 32 bytes, not {0}")]
    InvalidLength(usize),
    /// The cryptographic library refused the key or could not draw random bytes.
    #[error("the sealing key could not be set up")]
    Crypto,
    /// A list of keys names none.
    #[error("no sealing key is given")]
    Empty,
}

/// An AES-256-GCM key with its id, for [`SealedStore`].
///
/// Its `Debug` shows the id only, never the key material. Cloning is cheap and shares the key.
///
/// ```
/// use fastapps_store::SealingKey;
///
/// // 32 bytes in base64, e.g. from `head -c 32 /dev/urandom | base64` kept in a secret store.
/// let key = SealingKey::from_base64("2025-06", "q83vASNFZ4mrze8BI0VniavN7wEjRWeJq83vASNFZ4k=")?;
/// assert_eq!(key.id(), "2025-06");
/// assert!(!format!("{key:?}").contains("q83v"));
/// # Ok::<(), fastapps_store::SealingKeyError>(())
/// ```
#[derive(Clone)]
pub struct SealingKey {
    id: Arc<str>,
    key: Arc<RandomizedNonceKey>,
}

impl SealingKey {
    /// A new random key, with a random id (16 hex digits). Values sealed with it can be read back
    /// only while the process keeps it: for records that outlive the process, load a stored key
    /// with [`SealingKey::from_base64`].
    ///
    /// # Panics
    ///
    /// If the system's random number generator fails, which the cryptographic library treats
    /// as fatal anyway; [`SealingKey::try_generate`] returns an error instead.
    pub fn generate() -> Self {
        Self::try_generate().expect("the system random number generator failed")
    }

    /// As [`SealingKey::generate`], with an error if no random bytes can be had.
    pub fn try_generate() -> Result<Self, SealingKeyError> {
        let mut bytes = [0u8; KEY_LEN];
        let mut id = [0u8; 8];
        aws_lc_rs::rand::fill(&mut bytes).map_err(|_| SealingKeyError::Crypto)?;
        aws_lc_rs::rand::fill(&mut id).map_err(|_| SealingKeyError::Crypto)?;
        let id: String = id.iter().map(|byte| format!("{byte:02x}")).collect();
        let key = Self::from_bytes(id, &bytes);
        bytes.fill(0);
        key
    }

    /// The key `text`, 32 bytes in base64 (standard or URL-safe alphabet, padded or not;
    /// surrounding whitespace is ignored), under the id `id`.
    pub fn from_base64(id: impl Into<String>, text: &str) -> Result<Self, SealingKeyError> {
        let text = text.trim();
        let mut bytes = [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
            .iter()
            .find_map(|engine| engine.decode(text).ok())
            .ok_or(SealingKeyError::InvalidBase64)?;
        let key = Self::from_bytes(id, &bytes);
        bytes.fill(0);
        key
    }

    /// The key `bytes` (32 of them) under the id `id`.
    pub fn from_bytes(id: impl Into<String>, bytes: &[u8]) -> Result<Self, SealingKeyError> {
        let id = id.into();
        if id.is_empty() {
            return Err(SealingKeyError::InvalidId("it is empty".into()));
        }
        if id.len() > MAX_ID_LEN {
            return Err(SealingKeyError::InvalidId(format!("it is {} bytes long, at most {MAX_ID_LEN}", id.len())));
        }
        if !id.bytes().all(|byte| byte.is_ascii_graphic()) {
            return Err(SealingKeyError::InvalidId(
                "only printable ASCII characters without spaces are allowed".into(),
            ));
        }
        if bytes.len() != KEY_LEN {
            return Err(SealingKeyError::InvalidLength(bytes.len()));
        }
        let key = RandomizedNonceKey::new(&AES_256_GCM, bytes).map_err(|_| SealingKeyError::Crypto)?;
        Ok(Self { id: id.into(), key: Arc::new(key) })
    }

    /// The key's id, written with every value it seals.
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl std::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealingKey").field("id", &self.id).finish_non_exhaustive()
    }
}

/// The keys of a [`SealedStore`]: the one that seals, and older ones that still open.
#[derive(Clone, Debug)]
pub struct SealingKeys {
    /// Seals every value written, and opens those it sealed.
    pub current: SealingKey,
    /// Open values sealed before a rotation. Drop a key from here once every record it sealed
    /// has expired or been rewritten.
    pub previous: Vec<SealingKey>,
}

impl SealingKeys {
    /// `current` alone, with no previous keys.
    pub fn new(current: SealingKey) -> Self {
        Self { current, previous: Vec::new() }
    }

    /// Adds a previous key, still used to open values.
    pub fn with_previous(mut self, key: SealingKey) -> Self {
        self.previous.push(key);
        self
    }

    /// The keys that may open a value sealed under `id`: the current one first.
    fn named<'a>(&'a self, id: &'a [u8]) -> impl Iterator<Item = &'a SealingKey> + 'a {
        std::iter::once(&self.current).chain(&self.previous).filter(move |key| key.id.as_bytes() == id)
    }

    /// Keys from a comma-separated list of base64 keys of 32 bytes, the current one first (the
    /// others still open what they sealed), as a deployment's secret holds them. Each key's id
    /// is derived from the key, so every instance given the same list agrees on the ids.
    ///
    /// ```
    /// use fastapps_store::SealingKeys;
    ///
    /// let keys = SealingKeys::from_list(
    ///     "q83vASNFZ4mrze8BI0VniavN7wEjRWeJq83vASNFZ4k=, AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
    /// )?;
    /// assert_eq!(keys.previous.len(), 1);
    /// # Ok::<(), fastapps_store::SealingKeyError>(())
    /// ```
    pub fn from_list(list: &str) -> Result<Self, SealingKeyError> {
        let mut keys = list.split(',').map(str::trim).filter(|k| !k.is_empty()).map(|text| {
            let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, text.as_bytes());
            let id: String = URL_SAFE_NO_PAD.encode(digest).chars().take(8).collect();
            SealingKey::from_base64(id, text)
        });
        let current = keys.next().ok_or(SealingKeyError::Empty)??;
        Ok(Self { current, previous: keys.collect::<Result<_, _>>()? })
    }
}

impl From<SealingKey> for SealingKeys {
    fn from(current: SealingKey) -> Self {
        Self::new(current)
    }
}

/// A store that encrypts every value at rest, in front of another store.
///
/// Each write seals the value with AES-256-GCM under [`SealingKeys::current`] and a fresh random
/// nonce, bound to its collection and key; each read opens it with the key its id names. A value
/// that does not open (another key, altered, moved) is [`StoreError::Corrupt`]; [`Store::take`]
/// deletes it all the same. [`Store::compare_and_swap`] compares plaintexts: it reads the sealed
/// value, opens it, compares, and swaps on the exact sealed bytes it read, so it stays atomic
/// whatever the backend.
///
/// Random 96-bit nonces keep AES-GCM safe for about four billion writes per key: rotate the key
/// well before that (yearly is plenty for an authorization server's traffic).
///
/// ```
/// use fastapps_store::{Collection, MemoryStore, SealedStore, SealingKey, Store};
///
/// const TOKENS: Collection = Collection::new("upstream_tokens");
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store = SealedStore::new(MemoryStore::new(), SealingKey::generate().into());
/// store.put(TOKENS, "set-1", b"secret".to_vec(), None).await?;
/// assert_eq!(store.get(TOKENS, "set-1").await?, Some(b"secret".to_vec()));
/// let raw = store.inner().get(TOKENS, "set-1").await?.unwrap_or_default();
/// assert!(!raw.windows(6).any(|w| w == b"secret"));
/// # Ok(())
/// # }
/// ```
pub struct SealedStore<S> {
    inner: S,
    keys: SealingKeys,
}

impl<S: Store> SealedStore<S> {
    /// Seals the values of `inner` with `keys`.
    pub fn new(inner: S, keys: SealingKeys) -> Self {
        Self { inner, keys }
    }
}

impl<S> SealedStore<S> {
    /// The store underneath, which holds the sealed bytes.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// The keys in use.
    pub fn keys(&self) -> &SealingKeys {
        &self.keys
    }

    fn seal(&self, collection: Collection, key: &str, mut value: Vec<u8>) -> Result<Vec<u8>, StoreError> {
        let sealing = &self.keys.current;
        let header = header(sealing.id());
        let aad = aad(&header, collection, key);
        let nonce = sealing
            .key
            .seal_in_place_append_tag(Aad::from(&aad), &mut value)
            .map_err(|_| StoreError::Crypto("the value could not be sealed".into()))?;
        let mut sealed = Vec::with_capacity(header.len() + NONCE_LEN + value.len());
        sealed.extend_from_slice(&header);
        sealed.extend_from_slice(nonce.as_ref());
        sealed.extend_from_slice(&value);
        Ok(sealed)
    }

    fn open(&self, collection: Collection, key: &str, sealed: &[u8]) -> Result<Vec<u8>, StoreError> {
        let corrupt = |why: &str| StoreError::Corrupt(format!("{collection} record: {why}"));
        let (&version, rest) = sealed.split_first().ok_or_else(|| corrupt("empty value"))?;
        if version != FORMAT_VERSION {
            return Err(corrupt("not a sealed value (unknown format)"));
        }
        let (&id_len, rest) = rest.split_first().ok_or_else(|| corrupt("truncated"))?;
        let id_len = usize::from(id_len);
        if id_len == 0 || rest.len() < id_len + NONCE_LEN + TAG_LEN {
            return Err(corrupt("truncated"));
        }
        let (id, rest) = rest.split_at(id_len);
        let (nonce, body) = rest.split_at(NONCE_LEN);
        let header = &sealed[..2 + id_len];
        let aad = aad(header, collection, key);
        let mut known = false;
        for candidate in self.keys.named(id) {
            known = true;
            let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| corrupt("truncated"))?;
            let mut buffer = body.to_vec();
            if let Ok(plain) = candidate.key.open_in_place(nonce, Aad::from(&aad), &mut buffer) {
                let len = plain.len();
                buffer.truncate(len);
                return Ok(buffer);
            }
        }
        if known {
            Err(corrupt("does not open with its key (altered, moved to another key, or another key of the same id)"))
        } else {
            Err(corrupt(&format!("sealed with an unknown key id {:?}", String::from_utf8_lossy(id))))
        }
    }
}

/// `version | id length | id`.
fn header(id: &str) -> Vec<u8> {
    let mut header = Vec::with_capacity(2 + id.len());
    header.push(FORMAT_VERSION);
    // Ids are at most 255 bytes (checked when the key was made).
    header.push(u8::try_from(id.len()).unwrap_or(u8::MAX));
    header.extend_from_slice(id.as_bytes());
    header
}

/// The additional data: label, header, collection name, NUL, key. Collection names hold no NUL
/// and the header gives its own length, so no two places share the same bytes.
fn aad(header: &[u8], collection: Collection, key: &str) -> Vec<u8> {
    let name = collection.as_str().as_bytes();
    let mut aad = Vec::with_capacity(AAD_LABEL.len() + header.len() + name.len() + 1 + key.len());
    aad.extend_from_slice(AAD_LABEL);
    aad.extend_from_slice(header);
    aad.extend_from_slice(name);
    aad.push(0);
    aad.extend_from_slice(key.as_bytes());
    aad
}

impl<S: std::fmt::Debug> std::fmt::Debug for SealedStore<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedStore").field("inner", &self.inner).field("keys", &self.keys).finish()
    }
}

impl<S: Store> Store for SealedStore<S> {
    fn apply<'a>(&'a self, collection: Collection, key: &'a str, op: Op<'a>) -> Applied<'a> {
        Box::pin(async move {
            let op = match op {
                Op::Get | Op::Take => {
                    return match self.inner.apply(collection, key, op).await?.into_value()? {
                        Some(sealed) => self.open(collection, key, &sealed).map(|value| Outcome::Value(Some(value))),
                        None => Ok(Outcome::Value(None)),
                    };
                }
                Op::Put { value, ttl } => Op::Put { value: self.seal(collection, key, value)?, ttl },
                Op::PutIfAbsent { value, ttl } => Op::PutIfAbsent { value: self.seal(collection, key, value)?, ttl },
                Op::CompareAndSwap { expected, new, ttl } => {
                    // Plaintexts are compared; the swap is on the exact sealed bytes read, unique
                    // per write, so it happens only if nobody wrote since the read.
                    let Some(sealed) = self.inner.get(collection, key).await? else {
                        return Ok(Outcome::Written(false));
                    };
                    if self.open(collection, key, &sealed)? != expected {
                        return Ok(Outcome::Written(false));
                    }
                    let new = self.seal(collection, key, new)?;
                    return self.inner.compare_and_swap(collection, key, &sealed, new, ttl).await.map(Outcome::Written);
                }
                other => other,
            };
            self.inner.apply(collection, key, op).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryStore;

    const CODES: Collection = Collection::new("codes");
    const CLIENTS: Collection = Collection::new("clients");

    fn key(id: &str, byte: u8) -> SealingKey {
        SealingKey::from_bytes(id, &[byte; KEY_LEN]).unwrap()
    }

    #[test]
    fn key_ids_and_lengths_are_checked() {
        assert!(matches!(SealingKey::from_bytes("", &[0; 32]), Err(SealingKeyError::InvalidId(_))));
        assert!(matches!(SealingKey::from_bytes("a b", &[0; 32]), Err(SealingKeyError::InvalidId(_))));
        assert!(matches!(SealingKey::from_bytes("x".repeat(256), &[0; 32]), Err(SealingKeyError::InvalidId(_))));
        assert!(SealingKey::from_bytes("x".repeat(255), &[0; 32]).is_ok());
        assert!(matches!(SealingKey::from_bytes("k", &[0; 31]), Err(SealingKeyError::InvalidLength(31))));
        assert!(matches!(SealingKey::from_base64("k", "not base64!"), Err(SealingKeyError::InvalidBase64)));
        assert!(matches!(
            SealingKey::from_base64("k", &STANDARD.encode([7; 16])),
            Err(SealingKeyError::InvalidLength(16))
        ));
        for engine in [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD] {
            let text = format!(" {}\n", engine.encode([0xfb; 32]));
            assert!(SealingKey::from_base64("k", &text).is_ok(), "{text:?}");
        }
    }

    #[test]
    fn generated_keys_differ() {
        let (a, b) = (SealingKey::generate(), SealingKey::try_generate().unwrap());
        assert_ne!(a.id(), b.id());
        assert_eq!(a.id().len(), 16);
        let sealed_a = SealedStore::new(MemoryStore::new(), a.into()).seal(CODES, "k", vec![1]).unwrap();
        let reader = SealedStore::new(MemoryStore::new(), SealingKeys::new(b.clone()).with_previous(key("x", 1)));
        assert!(matches!(reader.open(CODES, "k", &sealed_a), Err(StoreError::Corrupt(_))));
    }

    #[test]
    fn the_layout_is_as_documented() {
        let store = SealedStore::new(MemoryStore::new(), key("k1", 3).into());
        let sealed = store.seal(CLIENTS, "c", b"hello".to_vec()).unwrap();
        assert_eq!(&sealed[..4], &[1, 2, b'k', b'1']);
        assert_eq!(sealed.len(), 4 + NONCE_LEN + 5 + TAG_LEN);
        assert_eq!(store.open(CLIENTS, "c", &sealed).unwrap(), b"hello");
        for len in 0..sealed.len() {
            assert!(matches!(store.open(CLIENTS, "c", &sealed[..len]), Err(StoreError::Corrupt(_))));
        }
        for at in 0..sealed.len() {
            let mut altered = sealed.clone();
            altered[at] ^= 0x40;
            assert!(matches!(store.open(CLIENTS, "c", &altered), Err(StoreError::Corrupt(_))), "{at}");
        }
    }

    #[test]
    fn keys_with_the_same_id_are_each_tried() {
        let old = key("same", 1);
        let new = key("same", 2);
        let sealed = SealedStore::new(MemoryStore::new(), old.clone().into()).seal(CODES, "k", vec![9]).unwrap();
        let store = SealedStore::new(MemoryStore::new(), SealingKeys::new(new).with_previous(old));
        assert_eq!(store.open(CODES, "k", &sealed).unwrap(), vec![9]);
    }
}
