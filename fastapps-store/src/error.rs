//! [`StoreError`]: why a store operation failed.

/// Why a store operation failed. Messages name the operation and the backend's reason, never a
/// stored value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The backend failed (unreachable, timed out, out of space, locked too long, …), with its
    /// message. The operation may or may not have taken effect.
    #[error("storage backend error: {0}")]
    Backend(String),
    /// A stored value could not be read back: it fails to unseal (wrong key, tampered with,
    /// moved to another key) or to decode.
    #[error("stored value is corrupt: {0}")]
    Corrupt(String),
    /// A value could not be sealed (the cryptographic library failed); nothing was written.
    #[error("encryption failed: {0}")]
    Crypto(String),
    /// A store URL names no store this build has.
    #[error("invalid store URL: {0}")]
    InvalidUrl(String),
}
