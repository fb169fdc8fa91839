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
//! Every CSP domain is an origin (`https://api.example.com`, `wss://*.example.com:8443`),
//! normalized as `fastapps csp` writes it. Sections other tools own (such as `[build]`) are
//! ignored here.

use std::path::Path;

use serde::Deserialize;

use crate::error::BuildError;
use crate::registry::{Csp, CspKey};

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

/// `[csp]` of `fastapps.toml`: the widget [`Csp`] itself, read from a table with one list per
/// [`CspKey`](crate::registry::CspKey) name; any other key is an error.
pub type CspConfig = Csp;

fn invalid(reason: impl std::fmt::Display) -> BuildError {
    BuildError::InvalidSetting { setting: "fastapps.toml", reason: reason.to_string() }
}

impl ProjectConfig {
    /// Reads and parses a `fastapps.toml`.
    pub fn load(path: &Path) -> Result<Self, BuildError> {
        let text =
            std::fs::read_to_string(path).map_err(|e| invalid(format_args!("cannot read {}: {e}", path.display())))?;
        Self::parse(&text).map_err(|e| match e {
            BuildError::InvalidSetting { reason, .. } => invalid(format_args!("{}: {reason}", path.display())),
            other => other,
        })
    }

    /// Parses the text of a `fastapps.toml`. Every CSP domain is checked and normalized by the
    /// rule `fastapps csp` and `#[widget(csp(...))]` apply ([`fastapps_rules::origin`]), since
    /// the file may have been edited by hand.
    pub fn parse(text: &str) -> Result<Self, BuildError> {
        let mut config: Self = toml::from_str(text).map_err(invalid)?;
        for key in CspKey::ALL {
            for domain in config.csp.get_mut(key) {
                *domain = fastapps_rules::normalize_csp_domain(domain)
                    .map_err(|e| invalid(format_args!("[csp] {key}: {e}")))?;
            }
        }
        Ok(config)
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
    fn every_csp_list_is_read_by_its_name() {
        let lists: String =
            CspKey::ALL.iter().map(|key| format!("{key} = [\"https://{}.example\"]\n", key.index())).collect();
        let config = ProjectConfig::parse(&format!("[csp]\n{lists}")).unwrap();
        for key in CspKey::ALL {
            assert_eq!(config.csp.get(key), [format!("https://{}.example", key.index())], "{key}");
        }
        assert_eq!(ProjectConfig::parse("[csp]\n").unwrap().csp, Csp::default());
    }

    #[test]
    fn csp_domains_are_origins_normalized() {
        let config =
            ProjectConfig::parse("[csp]\nconnect = [\"HTTPS://API.Example.com:443/\", \"wss://*.live.example\"]\n")
                .unwrap();
        assert_eq!(config.csp.connect, ["https://api.example.com", "wss://*.live.example"]);
        let err = ProjectConfig::parse("[csp]\nresource = [\"cdn.example.com\"]\n").unwrap_err().to_string();
        assert_eq!(
            err.trim_start_matches("invalid setting `fastapps.toml`: "),
            "[csp] resource: \"cdn.example.com\" is not an origin: write it with its scheme, e.g. \"https://cdn.example.com\""
        );
        assert!(ProjectConfig::parse("[csp]\nframe = [\"https://x.example/embed\"]\n").is_err());
    }

    #[test]
    fn typos_in_csp_are_errors() {
        let err = ProjectConfig::parse("[csp]\nconect = []\n").unwrap_err().to_string();
        assert!(err.contains("conect") && err.contains("base_uri"), "{err}");
        let err = ProjectConfig::parse("[csp]\nconnect = \"https://a.example\"\n").unwrap_err().to_string();
        assert!(err.contains("connect") || err.contains("sequence"), "{err}");
        let err = ProjectConfig::parse("csp = [\"https://a.example\"]\n").unwrap_err().to_string();
        assert!(err.contains("CSP lists"), "{err}");
    }
}
