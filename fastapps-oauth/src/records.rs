//! What the authorization server keeps between requests, as JSON in its [`Store`]:
//! transactions of `/authorize` in progress, authorization codes, refresh tokens and their
//! families, and the upstream tokens of proxied sign-ins. Secrets (codes, refresh tokens) are
//! keyed by their digest, never stored as such.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use fastapps_core::store::{Collection, Store, StoreError};

/// Registered OAuth clients (dynamic client registration, CIMD documents).
pub(crate) const CLIENTS: Collection = Collection::new("clients");
/// Pending authorization transactions, from `/authorize` to the upstream callback.
pub(crate) const TRANSACTIONS: Collection = Collection::new("transactions");
/// Authorization codes, by hash.
pub(crate) const CODES: Collection = Collection::new("codes");
/// Refresh tokens, by hash.
pub(crate) const REFRESH_TOKENS: Collection = Collection::new("refresh_tokens");
/// Refresh-token families, for reuse detection.
pub(crate) const FAMILIES: Collection = Collection::new("families");
/// Token sets issued by the upstream provider.
pub(crate) const UPSTREAM_TOKENS: Collection = Collection::new("upstream_tokens");
/// The authorization server's own signing keys.
pub(crate) const SIGNING_KEYS: Collection = Collection::new("signing_keys");

/// Who signed in, as the tokens will say.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub(crate) struct Principal {
    pub(crate) subject: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) email: Option<String>,
    /// Scopes the user may be granted at most (`None`: any the server supports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) allowed_scopes: Option<Vec<String>>,
    /// When the user authenticated (unix seconds).
    pub(crate) auth_time: u64,
}

/// An `/authorize` request on its way through consent and sign-in.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub(crate) struct Transaction {
    pub(crate) client_id: String,
    pub(crate) client_name: Option<String>,
    pub(crate) redirect_uri: String,
    pub(crate) state: Option<String>,
    pub(crate) code_challenge: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) resource: String,
    /// Digest of the CSRF token of the page showing it.
    pub(crate) csrf: String,
    /// The user approved the client (consent given in this transaction's browser).
    #[serde(default)]
    pub(crate) approved: bool,
    /// Proxy: the `state`, PKCE verifier and nonce of the upstream leg, set on approval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) upstream: Option<UpstreamLeg>,
    pub(crate) created_at: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub(crate) struct UpstreamLeg {
    pub(crate) state: String,
    pub(crate) verifier: String,
    pub(crate) nonce: String,
}

/// An authorization code, until redeemed (once) at `/token`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub(crate) struct Code {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) code_challenge: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) resource: String,
    pub(crate) principal: Principal,
    /// The upstream token set of a proxied sign-in, by id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) upstream: Option<String>,
}

/// The trace of a redeemed code: a second redemption revokes what the first one issued.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub(crate) struct RedeemedCode {
    pub(crate) family: String,
}

/// A refresh token (keyed by digest); each use rotates it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub(crate) struct Refresh {
    pub(crate) family: String,
    pub(crate) generation: u32,
    pub(crate) client_id: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) resource: String,
    pub(crate) principal: Principal,
    /// Set by the one request that rotated it; any later use is a replay.
    #[serde(default)]
    pub(crate) used: bool,
    /// Unix seconds after which the family ends, however often it is refreshed.
    pub(crate) family_expires_at: u64,
}

/// All refresh tokens descending from one sign-in.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub(crate) struct Family {
    pub(crate) client_id: String,
    pub(crate) subject: String,
    #[serde(default)]
    pub(crate) revoked: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) upstream: Option<String>,
}

fn corrupt(what: &str, e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(format!("a stored {what}: {e}"))
}

/// Typed access to the store: JSON values, with the raw bytes kept for compare-and-swap.
#[derive(Clone, Debug)]
pub(crate) struct Records {
    store: std::sync::Arc<dyn Store>,
}

impl Records {
    pub(crate) fn new(store: std::sync::Arc<dyn Store>) -> Self {
        Self { store }
    }

    pub(crate) fn store(&self) -> &std::sync::Arc<dyn Store> {
        &self.store
    }

    /// The record and its stored bytes.
    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        collection: Collection,
        key: &str,
    ) -> Result<Option<(T, Vec<u8>)>, StoreError> {
        match self.store.get(collection, key).await? {
            Some(bytes) => {
                let value = serde_json::from_slice(&bytes).map_err(|e| corrupt(collection.as_str(), e))?;
                Ok(Some((value, bytes)))
            }
            None => Ok(None),
        }
    }

    pub(crate) async fn put<T: Serialize>(
        &self,
        collection: Collection,
        key: &str,
        value: &T,
        ttl: Duration,
    ) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(value).map_err(|e| corrupt(collection.as_str(), e))?;
        self.store.put(collection, key, bytes, Some(ttl)).await
    }

    /// Reads and deletes: of racing callers, one gets it.
    pub(crate) async fn take<T: DeserializeOwned>(
        &self,
        collection: Collection,
        key: &str,
    ) -> Result<Option<T>, StoreError> {
        match self.store.take(collection, key).await? {
            Some(bytes) => Ok(Some(serde_json::from_slice(&bytes).map_err(|e| corrupt(collection.as_str(), e))?)),
            None => Ok(None),
        }
    }

    /// Replaces the record read as `old` by `new`; `false` when someone changed it meanwhile.
    pub(crate) async fn swap<T: Serialize>(
        &self,
        collection: Collection,
        key: &str,
        old: &[u8],
        new: &T,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let bytes = serde_json::to_vec(new).map_err(|e| corrupt(collection.as_str(), e))?;
        self.store.compare_and_swap(collection, key, old, bytes, Some(ttl)).await
    }

    pub(crate) async fn delete(&self, collection: Collection, key: &str) -> Result<(), StoreError> {
        self.store.delete(collection, key).await
    }
}
