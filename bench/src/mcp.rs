//! The MCP messages the benchmark sends, as raw JSON-RPC bodies.

use bytes::Bytes;

/// Protocol revision sent in `initialize` and in the `mcp-protocol-version` header.
pub const PROTOCOL_VERSION: &str = "2025-11-25";

/// The modern revision: no `initialize`, the version and client capabilities in every
/// request's `_meta`, and in the `mcp-protocol-version` header.
pub const MODERN_PROTOCOL_VERSION: &str = "2026-07-28";

/// Header naming the JSON-RPC method of a 2026-07-28 request.
pub const METHOD_HEADER: &str = "mcp-method";

/// Header naming the tool of a 2026-07-28 `tools/call`.
pub const NAME_HEADER: &str = "mcp-name";

/// Name of the fixture tool that the framework measurements call.
pub const TOOL_NAME: &str = "test_simple_text";

/// Name of the `bench-auth-server` tool that the auth measurements call.
pub const ECHO_TOOL_NAME: &str = "echo";

/// Header carrying the session id assigned by the server on `initialize`.
pub const SESSION_HEADER: &str = "mcp-session-id";

/// Header carrying the negotiated protocol revision on every later request.
pub const PROTOCOL_HEADER: &str = "mcp-protocol-version";

/// Value of the `accept` header required by MCP Streamable HTTP.
pub const ACCEPT: &str = "application/json, text/event-stream";

/// The `initialize` request that opens a session.
pub fn initialize() -> Bytes {
    Bytes::from(format!(
        concat!(
            r#"{{"jsonrpc":"2.0","id":0,"method":"initialize","params":{{"#,
            r#""protocolVersion":"{}","capabilities":{{}},"#,
            r#""clientInfo":{{"name":"bench","version":"1"}}}}}}"#
        ),
        PROTOCOL_VERSION
    ))
}

/// The `notifications/initialized` notification sent after `initialize`.
pub fn initialized() -> Bytes {
    Bytes::from_static(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
}

/// A `tools/call` request for the tool `tool`, without arguments, with JSON-RPC id `id`.
pub fn tools_call(tool: &str, id: u64) -> Bytes {
    Bytes::from(format!(
        r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"{tool}","arguments":{{}}}}}}"#
    ))
}

/// A 2026-07-28 `tools/call` request for the tool `tool`, without arguments, with JSON-RPC
/// id `id`: the request `_meta` carries the protocol version, the client's identity and its
/// (empty) capabilities, as a modern client sends them on every request.
pub fn tools_call_modern(tool: &str, id: u64) -> Bytes {
    Bytes::from(format!(
        concat!(
            r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"{tool}","arguments":{{}},"#,
            r#""_meta":{{"io.modelcontextprotocol/protocolVersion":"{version}","#,
            r#""io.modelcontextprotocol/clientInfo":{{"name":"bench","version":"1"}},"#,
            r#""io.modelcontextprotocol/clientCapabilities":{{}}}}}}}}"#
        ),
        id = id,
        tool = tool,
        version = MODERN_PROTOCOL_VERSION
    ))
}

/// Whether a `tools/call` response body carries a JSON-RPC result.
///
/// This is a substring check on purpose: it works for both plain JSON and
/// `text/event-stream` bodies and costs the same for every target.
pub fn is_result(body: &[u8]) -> bool {
    contains(body, br#""result""#)
}

/// Whether a `tools/call` response body carries a JSON-RPC result with
/// `"isError":false`, i.e. the tool ran and succeeded (a tool call refused for
/// want of sign-in can be a result with `"isError":true`).
///
/// Substring checks, like [`is_result`].
pub fn is_tool_success(body: &[u8]) -> bool {
    is_result(body) && contains(body, br#""isError":false"#)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_valid_shape() {
        let init = String::from_utf8(initialize().to_vec()).unwrap_or_default();
        assert!(init.contains(r#""protocolVersion":"2025-11-25""#));
        assert!(init.ends_with("}}}"));
        let call = String::from_utf8(tools_call(TOOL_NAME, 7).to_vec()).unwrap_or_default();
        assert_eq!(
            call,
            r#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"test_simple_text","arguments":{}}}"#
        );
    }

    #[test]
    fn modern_bodies_carry_the_request_meta() {
        let call = String::from_utf8(tools_call_modern(TOOL_NAME, 9).to_vec()).unwrap_or_default();
        let parsed: serde_json::Value = serde_json::from_str(&call).unwrap_or_default();
        assert_eq!(parsed["id"], 9);
        assert_eq!(parsed["params"]["name"], TOOL_NAME);
        assert_eq!(parsed["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"], "2026-07-28");
        assert_eq!(parsed["params"]["_meta"]["io.modelcontextprotocol/clientCapabilities"], serde_json::json!({}));
    }

    #[test]
    fn detects_result() {
        assert!(is_result(br#"data: {"jsonrpc":"2.0","id":1,"result":{}}"#));
        assert!(!is_result(br#"{"jsonrpc":"2.0","id":1,"error":{}}"#));
    }

    #[test]
    fn detects_tool_success() {
        assert!(is_tool_success(br#"{"jsonrpc":"2.0","id":1,"result":{"content":[],"isError":false}}"#));
        assert!(!is_tool_success(br#"{"jsonrpc":"2.0","id":1,"result":{"content":[],"isError":true}}"#));
        assert!(!is_tool_success(br#"{"jsonrpc":"2.0","id":1,"result":{"content":[]}}"#));
        assert!(!is_tool_success(br#"{"jsonrpc":"2.0","id":1,"error":{"isError":false}}"#));
    }
}
