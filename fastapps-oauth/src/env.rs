//! The authorization server's settings from the environment.

use fastapps_core::EnvError;
use fastapps_core::env::{flag, var};
use fastapps_core::store::SealingKeys;

use crate::config::AuthorizationServer;

/// The store setting: `FASTAPPS_OAUTH_STORE`, or the server-wide `FASTAPPS_STORE`.
const STORE_VARIABLES: [&str; 2] = ["FASTAPPS_OAUTH_STORE", "FASTAPPS_STORE"];

impl AuthorizationServer {
    /// Applies the settings of the environment:
    ///
    /// | variable | meaning | default |
    /// |---|---|---|
    /// | `FASTAPPS_OAUTH_STORE` (or `FASTAPPS_STORE`) | `memory:`, `sqlite:<file>` (feature `sqlite`) or a `redis://` URL (feature `redis`) | `memory:` |
    /// | `FASTAPPS_OAUTH_SEALING_KEY` | base64 32-byte keys sealing the store, comma separated, current first | a random key (memory only) |
    /// | `FASTAPPS_OAUTH_DEV_ALLOW_PUBLIC` | `true` lets the development server run beyond loopback | `false` |
    pub async fn settings_from_env(mut self) -> Result<Self, EnvError> {
        const SEALING: &str = "FASTAPPS_OAUTH_SEALING_KEY";
        if let Some(list) = var(SEALING) {
            let keys = SealingKeys::from_list(&list).map_err(|e| {
                EnvError::new(SEALING, format_args!("{e} (base64 of 32 random bytes: openssl rand -base64 32)"))
            })?;
            self = self.sealing_keys(keys);
        }
        if let Some((name, url)) = STORE_VARIABLES.iter().find_map(|name| var(name).map(|url| (*name, url))) {
            let store = fastapps_core::store::open(&url).await.map_err(|e| EnvError::new(name, e))?;
            if !matches!(url.as_str(), "memory" | "memory:") {
                self = self.store(store);
            }
        }
        if let Some(allow) = flag("FASTAPPS_OAUTH_DEV_ALLOW_PUBLIC")? {
            self = self.allow_public(allow);
        }
        Ok(self)
    }
}
