//! Protocol versions and their negotiation.

use std::fmt;

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
}

impl ProtocolVersion {
    /// The newest revision, offered when a client asks for one we do not speak.
    pub const LATEST: Self = Self::V2025_11_25;

    /// The version assumed for requests that carry no version header (the spec's default).
    pub const DEFAULT_NEGOTIATED: Self = Self::V2025_03_26;

    /// Every supported revision, newest first.
    pub const SUPPORTED: &'static [Self] = &[Self::V2025_11_25, Self::V2025_06_18, Self::V2025_03_26];

    /// The wire string, e.g. `"2025-11-25"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::V2025_03_26 => "2025-03-26",
            Self::V2025_06_18 => "2025-06-18",
            Self::V2025_11_25 => "2025-11-25",
        }
    }

    /// Parses a wire string; `None` for revisions this server does not speak.
    pub fn parse(s: &str) -> Option<Self> {
        Self::SUPPORTED.iter().copied().find(|v| v.as_str() == s)
    }

    /// The version to answer an `initialize` with: the requested one when supported, else the
    /// latest (the client then decides whether it can go on).
    pub fn negotiate(requested: &str) -> Self {
        Self::parse(requested).unwrap_or(Self::LATEST)
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
    fn negotiation_answers_the_requested_version_or_the_latest() {
        assert_eq!(ProtocolVersion::negotiate("2025-06-18"), ProtocolVersion::V2025_06_18);
        assert_eq!(ProtocolVersion::negotiate("2025-03-26"), ProtocolVersion::V2025_03_26);
        assert_eq!(ProtocolVersion::negotiate("2025-11-25"), ProtocolVersion::V2025_11_25);
        assert_eq!(ProtocolVersion::negotiate("2024-11-05"), ProtocolVersion::LATEST);
        assert_eq!(ProtocolVersion::negotiate("garbage"), ProtocolVersion::LATEST);
    }

    #[test]
    fn versions_order_by_date() {
        assert!(ProtocolVersion::V2025_03_26 < ProtocolVersion::V2025_11_25);
        assert_eq!(ProtocolVersion::supported_list(), "2025-11-25, 2025-06-18, 2025-03-26");
    }
}
