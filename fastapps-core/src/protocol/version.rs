//! Protocol versions, their eras and the negotiation of `initialize`.

use std::fmt;

/// The two ways MCP revisions carry their version, identity and capabilities.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Era {
    /// `2025-11-25` and earlier: an `initialize` handshake fixes the version and capabilities
    /// for a session.
    Legacy,
    /// `2026-07-28` and later: every request carries its version and client capabilities in
    /// `_meta`; no handshake, no sessions, `server/discover` instead of `initialize`.
    Modern,
}

/// An MCP protocol revision this server speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ProtocolVersion {
    /// `2025-03-26`: the first Streamable HTTP revision; assumed when a client sends no
    /// `MCP-Protocol-Version` header.
    V2025_03_26,
    /// `2025-06-18`: structured tool output, elicitation, the version header.
    V2025_06_18,
    /// `2025-11-25`: the last `initialize`-based revision.
    V2025_11_25,
    /// `2026-07-28`: the first modern revision (per-request `_meta`, `server/discover`,
    /// multi round-trip requests, no sessions).
    V2026_07_28,
}

impl ProtocolVersion {
    /// The newest revision.
    pub const LATEST: Self = Self::V2026_07_28;

    /// The newest `initialize`-based revision, offered to an `initialize` that asks for a
    /// version it cannot have there.
    pub const LATEST_LEGACY: Self = Self::V2025_11_25;

    /// The version assumed for requests that carry no version header (the spec's default).
    pub const DEFAULT_NEGOTIATED: Self = Self::V2025_03_26;

    /// Every supported revision, newest first.
    pub const SUPPORTED: &'static [Self] =
        &[Self::V2026_07_28, Self::V2025_11_25, Self::V2025_06_18, Self::V2025_03_26];

    /// The wire string, e.g. `"2025-11-25"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::V2025_03_26 => "2025-03-26",
            Self::V2025_06_18 => "2025-06-18",
            Self::V2025_11_25 => "2025-11-25",
            Self::V2026_07_28 => "2026-07-28",
        }
    }

    /// The era the revision belongs to.
    pub const fn era(self) -> Era {
        match self {
            Self::V2025_03_26 | Self::V2025_06_18 | Self::V2025_11_25 => Era::Legacy,
            Self::V2026_07_28 => Era::Modern,
        }
    }

    /// Parses a wire string; `None` for revisions this server does not speak.
    pub fn parse(s: &str) -> Option<Self> {
        Self::SUPPORTED.iter().copied().find(|v| v.as_str() == s)
    }

    /// The version to answer an `initialize` with: the requested one when it is a supported
    /// `initialize`-based revision, else the latest of those (the client then decides whether
    /// it can go on). A client asking `initialize` for a modern revision gets `2025-11-25`:
    /// modern revisions have no handshake.
    pub fn negotiate(requested: &str) -> Self {
        Self::parse(requested).filter(|v| v.era() == Era::Legacy).unwrap_or(Self::LATEST_LEGACY)
    }

    /// The supported versions as a comma-separated list, for error messages.
    pub fn supported_list() -> String {
        Self::SUPPORTED.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_answers_the_requested_legacy_version_or_the_latest_legacy_one() {
        assert_eq!(ProtocolVersion::negotiate("2025-06-18"), ProtocolVersion::V2025_06_18);
        assert_eq!(ProtocolVersion::negotiate("2025-03-26"), ProtocolVersion::V2025_03_26);
        assert_eq!(ProtocolVersion::negotiate("2025-11-25"), ProtocolVersion::V2025_11_25);
        assert_eq!(ProtocolVersion::negotiate("2026-07-28"), ProtocolVersion::V2025_11_25);
        assert_eq!(ProtocolVersion::negotiate("2024-11-05"), ProtocolVersion::LATEST_LEGACY);
        assert_eq!(ProtocolVersion::negotiate("garbage"), ProtocolVersion::LATEST_LEGACY);
    }

    #[test]
    fn versions_order_by_date_and_belong_to_their_era() {
        assert!(ProtocolVersion::V2025_03_26 < ProtocolVersion::V2025_11_25);
        assert!(ProtocolVersion::V2025_11_25 < ProtocolVersion::V2026_07_28);
        assert_eq!(ProtocolVersion::supported_list(), "2026-07-28, 2025-11-25, 2025-06-18, 2025-03-26");
        assert_eq!(ProtocolVersion::V2026_07_28.era(), Era::Modern);
        assert_eq!(ProtocolVersion::V2025_11_25.era(), Era::Legacy);
        assert_eq!(ProtocolVersion::parse("2026-07-28"), Some(ProtocolVersion::LATEST));
    }
}
