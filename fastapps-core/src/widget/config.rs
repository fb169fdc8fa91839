//! `fastapps.toml`, the project's configuration file: widget CSP domains and the public URL.
//!
//! ```toml
//! public_url = "https://pizzaz.example.com"
//!
//! [csp]
//! connect = ["https://api.example.com"]
//! resource = ["https://cdn.example.com"]
//! frame = []
//! base_uri = []
//! redirect = ["https://checkout.example.com"]
//! ```
//!
//! Sections other tools own (such as `[build]`) are ignored here.

use std::path::Path;

use serde::Deserialize;

use crate::error::BuildError;
use crate::registry::Csp;

/// The server's part of `fastapps.toml`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct ProjectConfig {
    /// The URL clients reach the server at.
    #[serde(default)]
    pub public_url: Option<String>,
    /// Domains every widget may reach.
    #[serde(default)]
    pub csp: CspConfig,
}

/// `[csp]` of `fastapps.toml`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CspConfig {
    /// `connect` domains.
    #[serde(default)]
    pub connect: Vec<String>,
    /// `resource` domains.
    #[serde(default)]
    pub resource: Vec<String>,
    /// `frame` domains.
    #[serde(default)]
    pub frame: Vec<String>,
    /// `base_uri` domains.
    #[serde(default)]
    pub base_uri: Vec<String>,
    /// `redirect` domains.
    #[serde(default)]
    pub redirect: Vec<String>,
}

impl From<CspConfig> for Csp {
    fn from(c: CspConfig) -> Self {
        Self { connect: c.connect, resource: c.resource, frame: c.frame, base_uri: c.base_uri, redirect: c.redirect }
    }
}

impl ProjectConfig {
    /// Reads and parses a `fastapps.toml`.
    pub fn load(path: &Path) -> Result<Self, BuildError> {
        let invalid = |reason: String| BuildError::InvalidSetting { setting: "fastapps.toml", reason };
        let text =
            std::fs::read_to_string(path).map_err(|e| invalid(format!("cannot read {}: {e}", path.display())))?;
        Self::parse(&text).map_err(|e| invalid(format!("{}: {e}", path.display())))
    }

    /// Parses the text of a `fastapps.toml`.
    pub fn parse(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_csp_and_public_url_and_ignores_other_sections() {
        let config = ProjectConfig::parse(
            "public_url = \"https://x.example\"\n[csp]\nconnect = [\"https://api.example\"]\n[build]\nmode = \"inline\"\n",
        )
        .unwrap();
        assert_eq!(config.public_url.as_deref(), Some("https://x.example"));
        assert_eq!(config.csp.connect, ["https://api.example"]);
    }

    #[test]
    fn typos_in_csp_are_errors() {
        let err = ProjectConfig::parse("[csp]\nconect = []\n").unwrap_err();
        assert!(err.contains("conect"), "{err}");
    }
}
