//! Reading the request headers the transport cares about, leniently where real clients differ
//! from the spec (ChatGPT's scanner sends `Accept: */*` and `Content-Type: text/octet-stream`).

use std::borrow::Cow;

use base64::Engine as _;
use http::HeaderMap;
use http::header::{ACCEPT, CONTENT_TYPE};

use crate::protocol::{Era, ProtocolVersion};

/// `MCP-Protocol-Version`.
pub(crate) const MCP_PROTOCOL_VERSION: &str = "mcp-protocol-version";
/// `Mcp-Session-Id`.
pub(crate) const MCP_SESSION_ID: &str = "mcp-session-id";
/// `Mcp-Method` (2026-07-28): the JSON-RPC method, mirrored for intermediaries.
pub(crate) const MCP_METHOD: &str = "mcp-method";
/// `Mcp-Name` (2026-07-28): `params.name` or `params.uri`, mirrored.
pub(crate) const MCP_NAME: &str = "mcp-name";

/// Why a header cannot be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BadHeader {
    /// Sent more than once.
    Repeated,
    /// Not visible ASCII (or, for a Base64 value, not valid Base64 of UTF-8).
    InvalidCharacters,
}

/// The one value of a header, without surrounding whitespace (RFC 9110 OWS): `Ok(None)` when
/// absent.
pub(crate) fn single<'h>(headers: &'h HeaderMap, name: &str) -> Result<Option<&'h str>, BadHeader> {
    let mut values = headers.get_all(name).iter();
    let Some(value) = values.next() else { return Ok(None) };
    if values.next().is_some() {
        return Err(BadHeader::Repeated);
    }
    let value = value.to_str().map_err(|_| BadHeader::InvalidCharacters)?;
    Ok(Some(value.trim_matches([' ', '\t'])))
}

/// A `Mcp-Name` or `Mcp-Param-*` value decoded: `=?base64?…?=` is Base64 (with padding) of
/// UTF-8; anything else is the value itself.
pub(crate) fn decode_value(value: &str) -> Result<Cow<'_, str>, BadHeader> {
    let Some(encoded) = value.strip_prefix("=?base64?").and_then(|rest| rest.strip_suffix("?=")) else {
        return Ok(Cow::Borrowed(value));
    };
    let bytes = base64::engine::general_purpose::STANDARD.decode(encoded).map_err(|_| BadHeader::InvalidCharacters)?;
    String::from_utf8(bytes).map(Cow::Owned).map_err(|_| BadHeader::InvalidCharacters)
}

/// Whether the `MCP-Protocol-Version` header names a modern (2026-07-28 or later) revision.
pub(crate) fn names_modern_version(headers: &HeaderMap) -> bool {
    matches!(protocol_version(headers), Ok(Some(v)) if v.era() == Era::Modern)
}

/// What the client's `Accept` header allows for the reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Accepts {
    pub(crate) json: bool,
    pub(crate) sse: bool,
}

impl Accepts {
    /// A missing or empty `Accept` allows everything.
    pub(crate) fn from_headers(headers: &HeaderMap) -> Self {
        let mut accepts = Self { json: false, sse: false };
        let mut any = false;
        for value in headers.get_all(ACCEPT) {
            for range in value.to_str().unwrap_or_default().split(',') {
                let mut params = range.split(';');
                let media = params.next().unwrap_or_default().trim().to_ascii_lowercase();
                if media.is_empty() {
                    continue;
                }
                any = true;
                let refused = params.any(|p| {
                    let p = p.trim().to_ascii_lowercase();
                    p.strip_prefix("q=").is_some_and(|q| q.trim().parse::<f32>().is_ok_and(|q| q <= 0.0))
                });
                if refused {
                    continue;
                }
                match media.as_str() {
                    "*/*" => accepts = Self { json: true, sse: true },
                    "application/*" | "application/json" => accepts.json = true,
                    "text/*" | "text/event-stream" => accepts.sse = true,
                    _ => {}
                }
            }
        }
        if any { accepts } else { Self { json: true, sse: true } }
    }

    pub(crate) fn any(self) -> bool {
        self.json || self.sse
    }
}

/// Whether a POST body's `Content-Type` may hold JSON: `application/json` (and `+json` types),
/// any `octet-stream`, or none at all. Form and plain-text types are refused, which also keeps
/// cross-site form posts out.
pub(crate) fn content_type_is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(CONTENT_TYPE) else { return true };
    let Ok(value) = value.to_str() else { return false };
    let media = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    media.is_empty() || media == "application/json" || media.ends_with("+json") || media.ends_with("octet-stream")
}

/// The `MCP-Protocol-Version` header: `Ok(None)` when absent, `Err(value)` when unsupported.
pub(crate) fn protocol_version(headers: &HeaderMap) -> Result<Option<ProtocolVersion>, String> {
    let Some(value) = headers.get(MCP_PROTOCOL_VERSION) else { return Ok(None) };
    let value = value.to_str().map_err(|_| "<not visible ASCII>".to_owned())?.trim();
    ProtocolVersion::parse(value).map(Some).ok_or_else(|| value.to_owned())
}

/// The `Mcp-Session-Id` header: `Ok(None)` when absent, `Err(())` when not visible ASCII.
pub(crate) fn session_id(headers: &HeaderMap) -> Result<Option<&str>, ()> {
    let Some(value) = headers.get(MCP_SESSION_ID) else { return Ok(None) };
    let id = value.to_str().map_err(|_| ())?;
    if id.is_empty() || !id.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return Err(());
    }
    Ok(Some(id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn with(name: http::header::HeaderName, value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn accept_is_read_leniently() {
        assert_eq!(Accepts::from_headers(&HeaderMap::new()), Accepts { json: true, sse: true });
        assert_eq!(Accepts::from_headers(&with(ACCEPT, "*/*")), Accepts { json: true, sse: true });
        assert_eq!(
            Accepts::from_headers(&with(ACCEPT, "application/json, text/event-stream")),
            Accepts { json: true, sse: true }
        );
        assert_eq!(Accepts::from_headers(&with(ACCEPT, "application/json")), Accepts { json: true, sse: false });
        assert_eq!(Accepts::from_headers(&with(ACCEPT, "text/event-stream")), Accepts { json: false, sse: true });
        assert_eq!(
            Accepts::from_headers(&with(ACCEPT, "application/json;q=0, text/html")),
            Accepts { json: false, sse: false }
        );
    }

    #[test]
    fn content_types_that_may_hold_json() {
        assert!(content_type_is_json(&HeaderMap::new()));
        assert!(content_type_is_json(&with(CONTENT_TYPE, "application/json; charset=utf-8")));
        assert!(content_type_is_json(&with(CONTENT_TYPE, "text/octet-stream")));
        assert!(content_type_is_json(&with(CONTENT_TYPE, "application/octet-stream")));
        assert!(content_type_is_json(&with(CONTENT_TYPE, "application/vnd.api+json")));
        assert!(!content_type_is_json(&with(CONTENT_TYPE, "application/x-www-form-urlencoded")));
        assert!(!content_type_is_json(&with(CONTENT_TYPE, "text/plain")));
    }

    #[test]
    fn single_values_and_base64_sentinels() {
        let h = with(http::HeaderName::from_static(MCP_NAME), "  get_weather\t");
        assert_eq!(single(&h, MCP_NAME), Ok(Some("get_weather")));
        assert_eq!(single(&HeaderMap::new(), MCP_NAME), Ok(None));
        let mut h = HeaderMap::new();
        h.append(MCP_NAME, HeaderValue::from_static("a"));
        h.append(MCP_NAME, HeaderValue::from_static("b"));
        assert_eq!(single(&h, MCP_NAME), Err(BadHeader::Repeated));
        let mut h = HeaderMap::new();
        h.insert(MCP_NAME, HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap());
        assert_eq!(single(&h, MCP_NAME), Err(BadHeader::InvalidCharacters));

        assert_eq!(decode_value("us-west1"), Ok(Cow::Borrowed("us-west1")));
        assert_eq!(decode_value("=?base64?SGVsbG8sIOS4lueVjA==?="), Ok(Cow::Owned("Hello, 世界".to_owned())));
        assert_eq!(decode_value("=?base64?SGVsbG8?="), Err(BadHeader::InvalidCharacters));
        assert_eq!(decode_value("=?base64?SGVs!!!bG8=?="), Err(BadHeader::InvalidCharacters));
        assert_eq!(decode_value("=?base64?/w==?="), Err(BadHeader::InvalidCharacters));
        assert_eq!(decode_value("=?base64?SGVsbG8="), Ok(Cow::Borrowed("=?base64?SGVsbG8=")));
        assert_eq!(decode_value("SGVsbG8="), Ok(Cow::Borrowed("SGVsbG8=")));
    }

    #[test]
    fn protocol_version_header() {
        assert_eq!(protocol_version(&HeaderMap::new()), Ok(None));
        let h = with(http::HeaderName::from_static(MCP_PROTOCOL_VERSION), "2025-06-18");
        assert_eq!(protocol_version(&h), Ok(Some(ProtocolVersion::V2025_06_18)));
        let h = with(http::HeaderName::from_static(MCP_PROTOCOL_VERSION), "1999-01-01");
        assert_eq!(protocol_version(&h), Err("1999-01-01".into()));
    }
}
