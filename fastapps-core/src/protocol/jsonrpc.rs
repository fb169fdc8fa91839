//! The JSON-RPC 2.0 envelope: request ids, incoming message classification, error objects and
//! the encoders for what the server writes.
//!
//! Incoming bodies are decoded once into a borrowed shape; `params` and `result` stay raw JSON
//! until the method handler deserializes them into its own type, so nothing is parsed twice.

use std::fmt;
use std::sync::Arc;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::{Number, Value};

/// JSON-RPC error codes used by MCP.
pub mod codes {
    /// Invalid JSON was received.
    pub const PARSE_ERROR: i32 = -32700;
    /// The JSON sent is not a valid request object.
    pub const INVALID_REQUEST: i32 = -32600;
    /// The method does not exist or is not offered (also: capability not declared).
    pub const METHOD_NOT_FOUND: i32 = -32601;
    /// Invalid method parameters: unknown tool, invalid cursor, bad log level, missing prompt
    /// argument, malformed params.
    pub const INVALID_PARAMS: i32 = -32602;
    /// Internal error.
    pub const INTERNAL_ERROR: i32 = -32603;
    /// A transport-level refusal ("Bad Request: …"), in the implementation-defined range, as
    /// the official SDKs use it.
    pub const BAD_REQUEST: i32 = -32000;
    /// The session named in `Mcp-Session-Id` does not exist (or has ended).
    pub const SESSION_NOT_FOUND: i32 = -32001;
    /// A resource URI that names nothing (protocol versions up to 2025-11-25; 2026-07-28
    /// answers [`INVALID_PARAMS`] instead).
    pub const RESOURCE_NOT_FOUND: i32 = -32002;
    /// 2026-07-28: the HTTP headers contradict the body, or a required one is missing or
    /// malformed (HTTP 400).
    pub const HEADER_MISMATCH: i32 = -32020;
    /// 2026-07-28: the request needs a client capability the client did not declare
    /// (HTTP 400).
    pub const MISSING_REQUIRED_CLIENT_CAPABILITY: i32 = -32021;
    /// 2026-07-28: the request's protocol version is not one the server speaks (HTTP 400).
    pub const UNSUPPORTED_PROTOCOL_VERSION: i32 = -32022;
    /// The request was cancelled before it completed.
    pub const REQUEST_CANCELLED: i32 = -32800;
}

/// The JSON-RPC version string every message carries.
pub const JSONRPC_VERSION: &str = "2.0";

/// A request id: a string or a number, never null. Numbers are kept exactly as sent so the
/// response echoes the same token.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RequestId {
    /// A numeric id.
    Number(Number),
    /// A string id.
    String(Arc<str>),
}

impl RequestId {
    fn from_value(value: Value) -> Option<Self> {
        match value {
            Value::Number(n) => Some(Self::Number(n)),
            Value::String(s) => Some(Self::String(s.into())),
            _ => None,
        }
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Number(n) => n.fmt(f),
            Self::String(s) => f.write_str(s),
        }
    }
}

impl From<i64> for RequestId {
    fn from(n: i64) -> Self {
        Self::Number(n.into())
    }
}

impl From<&str> for RequestId {
    fn from(s: &str) -> Self {
        Self::String(s.into())
    }
}

impl From<String> for RequestId {
    fn from(s: String) -> Self {
        Self::String(s.into())
    }
}

impl Serialize for RequestId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Number(n) => n.serialize(serializer),
            Self::String(s) => serializer.serialize_str(s),
        }
    }
}

impl<'de> Deserialize<'de> for RequestId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Self::from_value(value).ok_or_else(|| de::Error::custom("a request id is a string or a number"))
    }
}

/// A JSON-RPC error object.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorObject {
    /// The error code (see [`codes`]).
    pub code: i32,
    /// A short description.
    pub message: String,
    /// Additional information.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl ErrorObject {
    /// An error with a code and a message.
    pub fn new(code: i32, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), data: None }
    }

    /// Attaches `data`.
    #[must_use]
    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }

    /// `-32700`: the body is not JSON.
    pub fn parse_error(detail: impl fmt::Display) -> Self {
        Self::new(codes::PARSE_ERROR, format!("Parse error: {detail}"))
    }

    /// `-32600`: JSON, but not a JSON-RPC 2.0 message.
    pub fn invalid_request(detail: impl fmt::Display) -> Self {
        Self::new(codes::INVALID_REQUEST, format!("Invalid Request: {detail}"))
    }

    /// `-32601` for `method`.
    pub fn method_not_found(method: &str) -> Self {
        Self::new(codes::METHOD_NOT_FOUND, format!("Method not found: {method}"))
    }

    /// `-32602` with a message.
    pub fn invalid_params(message: impl Into<String>) -> Self {
        Self::new(codes::INVALID_PARAMS, message)
    }

    /// `-32603` with a message.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(codes::INTERNAL_ERROR, message)
    }

    /// `-32002`: no resource has this URI.
    pub fn resource_not_found(uri: &str) -> Self {
        Self::new(codes::RESOURCE_NOT_FOUND, format!("Resource not found: {uri}"))
            .with_data(serde_json::json!({ "uri": uri }))
    }

    /// `-32020`: a header contradicts the body, or a required header is missing or malformed.
    pub fn header_mismatch(message: impl Into<String>) -> Self {
        Self::new(codes::HEADER_MISMATCH, message)
    }

    /// `-32021`: the request needs these client capabilities (a `ClientCapabilities` object,
    /// e.g. `{"sampling":{}}`).
    pub fn missing_client_capability(required: serde_json::Value) -> Self {
        let names = required.as_object().map(|m| m.keys().cloned().collect::<Vec<_>>().join(", ")).unwrap_or_default();
        Self::new(codes::MISSING_REQUIRED_CLIENT_CAPABILITY, format!("Missing required client capability: {names}"))
            .with_data(serde_json::json!({ "requiredCapabilities": required }))
    }

    /// `-32022`: `requested` is not a version this server speaks.
    pub fn unsupported_protocol_version(requested: &str, supported: &[&str]) -> Self {
        Self::new(codes::UNSUPPORTED_PROTOCOL_VERSION, "Unsupported protocol version")
            .with_data(serde_json::json!({ "supported": supported, "requested": requested }))
    }
}

impl fmt::Display for ErrorObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for ErrorObject {}

/// A request: it has an id and expects exactly one response.
#[derive(Debug)]
pub struct Request {
    /// The id the response must echo.
    pub id: RequestId,
    /// The method name.
    pub method: String,
    /// The raw `params`, parsed by the method's handler.
    pub params: Option<Box<RawValue>>,
}

/// A notification: no id, never answered.
#[derive(Debug)]
pub struct Notification {
    /// The method name.
    pub method: String,
    /// The raw `params`.
    pub params: Option<Box<RawValue>>,
}

/// A response from the peer to a request this side sent.
#[derive(Debug)]
pub struct Response {
    /// The id of the request it answers; `None` when the peer could not read our request.
    pub id: Option<RequestId>,
    /// `result` or `error`.
    pub outcome: Result<Box<RawValue>, ErrorObject>,
}

/// One decoded JSON-RPC message.
#[derive(Debug)]
pub enum Message {
    /// A request.
    Request(Request),
    /// A notification.
    Notification(Notification),
    /// A response to a request this side sent.
    Response(Response),
}

/// Why a body could not be decoded as one JSON-RPC message.
#[derive(Debug)]
pub enum DecodeError {
    /// Not JSON at all (`-32700`).
    Parse(String),
    /// A JSON array: batches are not accepted (`-32600`).
    Batch,
    /// JSON, but not a valid JSON-RPC 2.0 message (`-32600`); the id, when one could be read.
    Invalid {
        /// What is wrong.
        detail: String,
        /// The request id, when it was readable.
        id: Option<RequestId>,
    },
}

impl DecodeError {
    /// The error object to send back.
    pub fn to_error_object(&self) -> ErrorObject {
        match self {
            Self::Parse(detail) => ErrorObject::parse_error(detail),
            Self::Batch => ErrorObject::invalid_request(
                "batch requests are not supported; send one JSON-RPC message per HTTP request",
            ),
            Self::Invalid { detail, .. } => ErrorObject::invalid_request(detail),
        }
    }

    /// The id to answer with, if any.
    pub fn id(&self) -> Option<&RequestId> {
        match self {
            Self::Invalid { id, .. } => id.as_ref(),
            _ => None,
        }
    }
}

/// `Some(value)` for a present field, even when it is `null`, to tell `"id": null` from no id.
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

#[derive(Deserialize)]
struct RawMessage<'a> {
    #[serde(borrow)]
    jsonrpc: Option<&'a str>,
    #[serde(default, deserialize_with = "present")]
    id: Option<Value>,
    method: Option<String>,
    params: Option<Box<RawValue>>,
    result: Option<Box<RawValue>>,
    error: Option<Value>,
}

/// Decodes one JSON-RPC 2.0 message from a body.
pub fn decode(body: &[u8]) -> Result<Message, DecodeError> {
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'[') => {
            // Tell a well-formed batch from garbage that merely starts with a bracket.
            return match serde_json::from_slice::<de::IgnoredAny>(body) {
                Ok(_) => Err(DecodeError::Batch),
                Err(e) => Err(DecodeError::Parse(e.to_string())),
            };
        }
        Some(b'{') => {}
        Some(_) => {
            return match serde_json::from_slice::<de::IgnoredAny>(body) {
                Ok(_) => Err(DecodeError::Invalid { detail: "a message is a JSON object".into(), id: None }),
                Err(e) => Err(DecodeError::Parse(e.to_string())),
            };
        }
        None => return Err(DecodeError::Parse("empty body".into())),
    }
    let raw: RawMessage<'_> = serde_json::from_slice(body).map_err(|e| {
        if e.is_data() {
            DecodeError::Invalid { detail: e.to_string(), id: None }
        } else {
            DecodeError::Parse(e.to_string())
        }
    })?;
    classify(raw)
}

fn classify(raw: RawMessage<'_>) -> Result<Message, DecodeError> {
    let id = match raw.id {
        None => None,
        Some(Value::Null) => Some(None),
        Some(value) => match RequestId::from_value(value) {
            Some(id) => Some(Some(id)),
            None => {
                return Err(DecodeError::Invalid { detail: "id must be a string or a number".into(), id: None });
            }
        },
    };
    let invalid =
        |detail: &str, id: Option<Option<RequestId>>| DecodeError::Invalid { detail: detail.into(), id: id.flatten() };
    if raw.jsonrpc != Some(JSONRPC_VERSION) {
        return Err(invalid("jsonrpc must be \"2.0\"", id));
    }
    if let Some(params) = &raw.params
        && !params.get().trim_start().starts_with('{')
    {
        return Err(invalid("params must be an object", id));
    }
    match (raw.method, raw.result, raw.error) {
        (Some(method), None, None) => match id {
            None => Ok(Message::Notification(Notification { method, params: raw.params })),
            Some(Some(id)) => Ok(Message::Request(Request { id, method, params: raw.params })),
            Some(None) => Err(invalid("a request id must not be null", None)),
        },
        (None, Some(result), None) => match id {
            Some(id) => Ok(Message::Response(Response { id, outcome: Ok(result) })),
            None => Err(invalid("a response needs an id", None)),
        },
        (None, None, Some(error)) => {
            let error = serde_json::from_value::<ErrorObject>(error)
                .map_err(|e| invalid(&format!("malformed error object: {e}"), id.clone()))?;
            match id {
                Some(id) => Ok(Message::Response(Response { id, outcome: Err(error) })),
                None => Err(invalid("a response needs an id", None)),
            }
        }
        (None, None, None) => Err(invalid("a message needs a method, a result or an error", id)),
        _ => Err(invalid("a message has either a method, a result or an error", id)),
    }
}

/// Parses a method's `params` into its type; a missing `params` reads as `{}`.
pub fn parse_params<T: serde::de::DeserializeOwned>(params: Option<&RawValue>) -> Result<T, ErrorObject> {
    let text = params.map_or("{}", RawValue::get);
    serde_json::from_str(text).map_err(|e| ErrorObject::invalid_params(format!("Invalid params: {e}")))
}

/// Serializes any result type to raw JSON.
pub fn to_raw<T: Serialize + ?Sized>(value: &T) -> Result<Box<RawValue>, ErrorObject> {
    serde_json::value::to_raw_value(value)
        .map_err(|e| ErrorObject::internal(format!("failed to encode the result: {e}")))
}

#[derive(Serialize)]
struct ResultEnvelope<'a> {
    jsonrpc: &'static str,
    id: &'a RequestId,
    result: &'a RawValue,
}

#[derive(Serialize)]
struct ErrorEnvelope<'a> {
    jsonrpc: &'static str,
    id: Option<&'a RequestId>,
    error: &'a ErrorObject,
}

#[derive(Serialize)]
struct OutgoingEnvelope<'a, P: Serialize> {
    jsonrpc: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a RequestId>,
    method: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    params: Option<&'a P>,
}

fn to_vec<T: Serialize>(value: &T) -> Vec<u8> {
    // Serializing these envelopes cannot fail: every field is already valid JSON or a plain
    // string, and writing to a Vec does not do I/O.
    serde_json::to_vec(value).unwrap_or_default()
}

/// Encodes a success response.
pub fn encode_result(id: &RequestId, result: &RawValue) -> Vec<u8> {
    to_vec(&ResultEnvelope { jsonrpc: JSONRPC_VERSION, id, result })
}

/// Encodes an error response; `id` is `None` (→ `null`) when the request could not be read.
pub fn encode_error(id: Option<&RequestId>, error: &ErrorObject) -> Vec<u8> {
    to_vec(&ErrorEnvelope { jsonrpc: JSONRPC_VERSION, id, error })
}

/// Encodes a notification to the peer.
pub fn encode_notification<P: Serialize>(method: &str, params: &P) -> Vec<u8> {
    to_vec(&OutgoingEnvelope { jsonrpc: JSONRPC_VERSION, id: None, method, params: Some(params) })
}

/// Encodes a request to the peer.
pub fn encode_request<P: Serialize>(id: &RequestId, method: &str, params: &P) -> Vec<u8> {
    to_vec(&OutgoingEnvelope { jsonrpc: JSONRPC_VERSION, id: Some(id), method, params: Some(params) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(body: &str) -> Request {
        match decode(body.as_bytes()) {
            Ok(Message::Request(r)) => r,
            other => panic!("expected a request, got {other:?}"),
        }
    }

    #[test]
    fn decodes_a_request_with_number_and_string_ids() {
        let r = request(r#"{"jsonrpc":"2.0","id":7,"method":"ping"}"#);
        assert_eq!(r.id, RequestId::from(7));
        assert_eq!(r.method, "ping");
        assert!(r.params.is_none());
        let r = request(r#"{"jsonrpc":"2.0","id":"a-1","method":"tools/list","params":{"cursor":"x"}}"#);
        assert_eq!(r.id, RequestId::from("a-1"));
        assert_eq!(r.params.map(|p| p.get().to_owned()).as_deref(), Some(r#"{"cursor":"x"}"#));
    }

    #[test]
    fn numeric_ids_round_trip_exactly() {
        let r = request(r#"{"jsonrpc":"2.0","id":12345678901234,"method":"ping"}"#);
        let out = encode_result(&r.id, &RawValue::from_string("{}".into()).unwrap());
        assert_eq!(String::from_utf8(out).unwrap(), r#"{"jsonrpc":"2.0","id":12345678901234,"result":{}}"#);
    }

    #[test]
    fn decodes_notifications_and_responses() {
        assert!(matches!(
            decode(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#),
            Ok(Message::Notification(n)) if n.method == "notifications/initialized"
        ));
        match decode(br#"{"jsonrpc":"2.0","id":"s1","result":{"action":"accept"}}"#) {
            Ok(Message::Response(Response { id: Some(id), outcome: Ok(result) })) => {
                assert_eq!(id, RequestId::from("s1"));
                assert_eq!(result.get(), r#"{"action":"accept"}"#);
            }
            other => panic!("{other:?}"),
        }
        match decode(br#"{"jsonrpc":"2.0","id":"s2","error":{"code":-1,"message":"no"}}"#) {
            Ok(Message::Response(Response { outcome: Err(e), .. })) => assert_eq!(e.code, -1),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rejects_what_is_not_one_message() {
        assert!(matches!(decode(b"{nope"), Err(DecodeError::Parse(_))));
        assert!(matches!(decode(b""), Err(DecodeError::Parse(_))));
        assert!(matches!(decode(b"[1, 2"), Err(DecodeError::Parse(_))));
        assert!(matches!(decode(br#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#), Err(DecodeError::Batch)));
        assert!(matches!(decode(b"42"), Err(DecodeError::Invalid { .. })));
        for body in [
            r#"{"id":1,"method":"ping"}"#,
            r#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#,
            r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#,
            r#"{"jsonrpc":"2.0","id":{},"method":"ping"}"#,
            r#"{"jsonrpc":"2.0","id":1}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"ping","result":{}}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":5}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"ping","params":[1]}"#,
        ] {
            assert!(matches!(decode(body.as_bytes()), Err(DecodeError::Invalid { .. })), "{body}");
        }
    }

    #[test]
    fn an_invalid_request_keeps_its_id_when_readable() {
        match decode(br#"{"jsonrpc":"1.0","id":3,"method":"ping"}"#) {
            Err(e) => assert_eq!(e.id(), Some(&RequestId::from(3))),
            Ok(m) => panic!("{m:?}"),
        }
    }

    #[test]
    fn encodes_errors_with_null_id() {
        let bytes = encode_error(None, &ErrorObject::parse_error("eof"));
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error: eof"}}"#
        );
    }

    #[test]
    fn missing_params_read_as_an_empty_object() {
        #[derive(Deserialize)]
        struct P {
            cursor: Option<String>,
        }
        let p: P = parse_params(None).unwrap();
        assert!(p.cursor.is_none());
        let bad = RawValue::from_string(r#"{"cursor":5}"#.into()).unwrap();
        assert_eq!(parse_params::<P>(Some(&bad)).err().map(|e| e.code), Some(codes::INVALID_PARAMS));
    }
}
