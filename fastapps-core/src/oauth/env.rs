//! The authorization server's settings from the environment.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::AuthorizationServer;
use super::crypto::digest;
use super::store::{SealingKey, SealingKeys};

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// `FASTAPPS_OAUTH_SEALING_KEY`: base64 keys of 32 bytes, comma separated, the current one
/// first (the others still open what they sealed). `None` when unset.
fn sealing_keys() -> Result<Option<SealingKeys>, String> {
    let Some(list) = var("FASTAPPS_OAUTH_SEALING_KEY") else { return Ok(None) };
    let mut keys = Vec::new();
    for text in list.split(',').map(str::trim).filter(|k| !k.is_empty()) {
        let bytes = STANDARD.decode(text).map_err(|_| "FASTAPPS_OAUTH_SEALING_KEY: a key is not base64".to_owned())?;
        if bytes.len() != 32 {
            return Err(format!(
                "FASTAPPS_OAUTH_SEALING_KEY: a key must be 32 bytes (base64 of `openssl rand 32`), not {}",
                bytes.len()
            ));
        }
        // The key's id is derived from the key, so every instance agrees without configuring it.
        let id: String = digest(text).chars().take(8).collect();
        keys.push(SealingKey::from_base64(&id, text).map_err(|e| format!("FASTAPPS_OAUTH_SEALING_KEY: {e}"))?);
    }
    let mut keys = keys.into_iter();
    let current = keys.next().ok_or("FASTAPPS_OAUTH_SEALING_KEY names no key")?;
    Ok(Some(SealingKeys { current, previous: keys.collect() }))
}

impl AuthorizationServer {
    /// Applies the settings of the environment:
    ///
    /// | variable | meaning | default |
    /// |---|---|---|
    /// | `FASTAPPS_OAUTH_STORE` | `memory`, `sqlite:<file>` (feature `oauth-sqlite`) or a `redis://` URL (feature `oauth-redis`) | `memory` |
    /// | `FASTAPPS_OAUTH_SEALING_KEY` | base64 32-byte keys sealing the store, comma separated, current first | a random key (memory only) |
    /// | `FASTAPPS_OAUTH_DEV_ALLOW_PUBLIC` | `true` lets the development server run beyond loopback | `false` |
    pub async fn settings_from_env(mut self) -> Result<Self, String> {
        if let Some(keys) = sealing_keys()? {
            self = self.sealing_keys(keys);
        }
        match var("FASTAPPS_OAUTH_STORE").as_deref() {
            None | Some("memory") => {}
            Some(sqlite) if sqlite.starts_with("sqlite:") => {
                #[cfg(feature = "oauth-sqlite")]
                {
                    let path = sqlite.trim_start_matches("sqlite:").trim_start_matches("//");
                    let store = super::store::SqliteStore::open(path)
                        .map_err(|e| format!("FASTAPPS_OAUTH_STORE: cannot open {path}: {e}"))?;
                    self = self.store(store);
                }
                #[cfg(not(feature = "oauth-sqlite"))]
                return Err(format!("FASTAPPS_OAUTH_STORE={sqlite}: built without the oauth-sqlite feature"));
            }
            Some(redis) if redis.starts_with("redis://") || redis.starts_with("rediss://") => {
                #[cfg(feature = "oauth-redis")]
                {
                    let store = super::store::RedisStore::connect(redis)
                        .await
                        .map_err(|e| format!("FASTAPPS_OAUTH_STORE: cannot reach Redis: {e}"))?;
                    self = self.store(store);
                }
                #[cfg(not(feature = "oauth-redis"))]
                return Err("FASTAPPS_OAUTH_STORE names Redis, but this build lacks the oauth-redis feature".into());
            }
            Some(other) => {
                return Err(format!("FASTAPPS_OAUTH_STORE={other:?}: use memory, sqlite:<file> or redis://host:port"));
            }
        }
        match var("FASTAPPS_OAUTH_DEV_ALLOW_PUBLIC").map(|v| v.to_ascii_lowercase()).as_deref() {
            None | Some("0" | "false" | "no" | "off") => {}
            Some("1" | "true" | "yes" | "on") => self = self.allow_public(true),
            Some(other) => return Err(format!("FASTAPPS_OAUTH_DEV_ALLOW_PUBLIC={other:?} is not a boolean")),
        }
        Ok(self)
    }
}
