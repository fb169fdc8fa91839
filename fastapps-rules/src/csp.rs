//! The Content-Security-Policy lists a widget declares: one [`CspKey`] per list, with its name
//! (in `csp(...)` of `#[widget]` and `[csp]` of `fastapps.toml`), what it allows, and its field
//! in each widget dialect's `_meta`.
//!
//! Everything that handles the lists (the macro's parser, the server's `Csp` and its `_meta`,
//! `fastapps.toml`, `fastapps csp`) iterates over [`CspKey::ALL`], so a list added here is
//! added everywhere, and a `match` on a key that forgets one does not compile.

use std::fmt;

/// One of a widget's CSP lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CspKey {
    /// `fetch`, XHR and WebSocket targets (`connect-src`).
    Connect,
    /// Scripts, styles, images, fonts and media (`script-src`, `style-src`, `img-src`, …).
    Resource,
    /// Pages the widget may embed in iframes (`frame-src`).
    Frame,
    /// `<base href>` targets (`base-uri`; MCP Apps only).
    BaseUri,
    /// Where ChatGPT may send the user without its safe-link prompt (Apps SDK only).
    Redirect,
}

impl CspKey {
    /// Every list, in the order they are listed, merged and emitted.
    pub const ALL: [CspKey; 5] = [Self::Connect, Self::Resource, Self::Frame, Self::BaseUri, Self::Redirect];

    /// The name of every list, in the order of [`ALL`](Self::ALL).
    pub const NAMES: [&'static str; 5] = {
        let mut names = [""; 5];
        let mut i = 0;
        while i < Self::ALL.len() {
            names[i] = Self::ALL[i].name();
            i += 1;
        }
        names
    };

    /// The list's name in `csp(...)` of `#[widget]` and in `[csp]` of `fastapps.toml`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Connect => "connect",
            Self::Resource => "resource",
            Self::Frame => "frame",
            Self::BaseUri => "base_uri",
            Self::Redirect => "redirect",
        }
    }

    /// What the list allows, in a phrase (for help texts and documentation).
    pub const fn meaning(self) -> &'static str {
        match self {
            Self::Connect => "fetch, XHR and WebSocket targets (connect-src)",
            Self::Resource => "scripts, styles, images, fonts and media (script-src, img-src, …)",
            Self::Frame => "pages the widget may embed (frame-src)",
            Self::BaseUri => "<base href> targets (base-uri; MCP Apps hosts)",
            Self::Redirect => "where ChatGPT may send the user without its safe-link prompt",
        }
    }

    /// The list's field in the MCP Apps `_meta.ui.csp`; `None` for a list the standard does not
    /// have.
    pub const fn mcp_apps_field(self) -> Option<&'static str> {
        match self {
            Self::Connect => Some("connectDomains"),
            Self::Resource => Some("resourceDomains"),
            Self::Frame => Some("frameDomains"),
            Self::BaseUri => Some("baseUriDomains"),
            Self::Redirect => None,
        }
    }

    /// The list's field in the Apps SDK `_meta["openai/widgetCSP"]`; `None` for a list ChatGPT
    /// does not read.
    pub const fn apps_sdk_field(self) -> Option<&'static str> {
        match self {
            Self::Connect => Some("connect_domains"),
            Self::Resource => Some("resource_domains"),
            Self::Frame => Some("frame_domains"),
            Self::BaseUri => None,
            Self::Redirect => Some("redirect_domains"),
        }
    }

    /// Whether the list is emitted even when empty: hosts expect `connect` and `resource`
    /// always, the others only when they say something.
    pub const fn always_emitted(self) -> bool {
        matches!(self, Self::Connect | Self::Resource)
    }

    /// The list's position in [`ALL`](Self::ALL), for arrays holding one value per list.
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The list named `name` ([`name`](Self::name)), if any.
    ///
    /// ```
    /// use fastapps_rules::CspKey;
    ///
    /// assert_eq!(CspKey::from_name("connect"), Some(CspKey::Connect));
    /// assert_eq!(CspKey::from_name("script"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|key| key.name() == name)
    }

    /// The names as a message lists them: "`connect`, `resource`, `frame`, `base_uri` or
    /// `redirect`".
    pub fn names_for_message() -> String {
        crate::list::or_list(Self::NAMES.iter().map(|name| format!("`{name}`")))
    }
}

impl fmt::Display for CspKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_all_and_find_their_key() {
        assert_eq!(CspKey::NAMES, ["connect", "resource", "frame", "base_uri", "redirect"]);
        for (i, key) in CspKey::ALL.into_iter().enumerate() {
            assert_eq!(key.index(), i);
            assert_eq!(CspKey::from_name(key.name()), Some(key));
            assert_eq!(key.to_string(), key.name());
            assert!(!key.meaning().is_empty());
        }
        for unknown in ["", "Connect", "base-uri", "script", "connect "] {
            assert_eq!(CspKey::from_name(unknown), None, "{unknown}");
        }
    }

    #[test]
    fn every_list_has_a_field_in_at_least_one_dialect() {
        for key in CspKey::ALL {
            assert!(key.mcp_apps_field().is_some() || key.apps_sdk_field().is_some(), "{key}");
        }
        assert_eq!(CspKey::BaseUri.apps_sdk_field(), None);
        assert_eq!(CspKey::Redirect.mcp_apps_field(), None);
        let always: Vec<CspKey> = CspKey::ALL.into_iter().filter(|k| k.always_emitted()).collect();
        assert_eq!(always, [CspKey::Connect, CspKey::Resource]);
    }

    #[test]
    fn the_message_lists_every_name() {
        assert_eq!(CspKey::names_for_message(), "`connect`, `resource`, `frame`, `base_uri` or `redirect`");
    }
}
