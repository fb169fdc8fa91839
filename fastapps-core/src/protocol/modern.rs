//! What the 2026-07-28 revision adds to the wire: the per-request `_meta` that replaces
//! `initialize`, `server/discover`, `resultType` and caching hints on results, multi
//! round-trip requests (`InputRequiredResult`) and `subscriptions/listen`.
//!
//! Results of the shared methods keep their legacy types; [`complete_result`] adds the modern
//! fields to an encoded result, so every handler serves both eras unchanged.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::fmt::Write as _;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::client::{CreateMessageParams, ElicitParams};
use super::lifecycle::{ClientCapabilities, Implementation, ServerCapabilities};
use super::meta::Meta;
use super::utilities::LoggingLevel;

/// The reserved `_meta` keys of the modern revision.
pub mod meta_keys {
    /// The request's protocol version (required on every modern request).
    pub const PROTOCOL_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
    /// The client's capabilities for this request (required on every modern request).
    pub const CLIENT_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
    /// Who the client is (optional; clients should send it).
    pub const CLIENT_INFO: &str = "io.modelcontextprotocol/clientInfo";
    /// The least severe `notifications/message` level the client wants; none without it.
    pub const LOG_LEVEL: &str = "io.modelcontextprotocol/logLevel";
    /// Who the server is, on results.
    pub const SERVER_INFO: &str = "io.modelcontextprotocol/serverInfo";
    /// The `subscriptions/listen` stream a notification belongs to.
    pub const SUBSCRIPTION_ID: &str = "io.modelcontextprotocol/subscriptionId";
}

/// What kind of result a modern response carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultType {
    /// The request is answered.
    Complete,
    /// The server needs input from the client first ([`InputRequiredResult`]).
    InputRequired,
}

/// Who may reuse a cached result, as `Cache-Control: public` or `private`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CacheScope {
    /// The result holds nothing user-specific: any cache may share it.
    Public,
    /// The result may be reused only within the same authorization context.
    #[default]
    Private,
}

/// The caching hints (`ttlMs`, `cacheScope`) on `server/discover`, the list methods and
/// `resources/read`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheHints {
    /// How long the client may consider the result fresh, in milliseconds (0: always stale).
    pub ttl_ms: u64,
    /// Who may reuse it.
    pub scope: CacheScope,
}

/// The per-request `_meta` of a modern request, read and checked.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestMeta {
    /// `io.modelcontextprotocol/protocolVersion`, as sent.
    pub protocol_version: String,
    /// `io.modelcontextprotocol/clientCapabilities`.
    pub client_capabilities: ClientCapabilities,
    /// `io.modelcontextprotocol/clientInfo`, when sent.
    pub client_info: Option<Implementation>,
    /// `io.modelcontextprotocol/logLevel`, when sent.
    pub log_level: Option<LoggingLevel>,
}

/// Why a modern request's `_meta` is unusable; answered with `-32602` and HTTP 400.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MetaError {
    /// No `params._meta` at all.
    #[error(
        "Invalid params: a 2026-07-28 request needs params._meta with {} and {}",
        meta_keys::PROTOCOL_VERSION,
        meta_keys::CLIENT_CAPABILITIES
    )]
    Absent,
    /// `params._meta` is not an object.
    #[error("Invalid params: params._meta must be an object")]
    NotAnObject,
    /// A required key is missing.
    #[error("Invalid params: params._meta is missing the required {0}")]
    Missing(&'static str),
    /// A key has the wrong shape.
    #[error("Invalid params: params._meta {key} is malformed: {reason}")]
    Malformed {
        /// The key.
        key: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

impl MetaError {
    /// The `-32602` error object.
    pub fn to_error_object(&self) -> super::jsonrpc::ErrorObject {
        super::jsonrpc::ErrorObject::invalid_params(self.to_string())
    }
}

fn typed<T: serde::de::DeserializeOwned>(meta: &mut Meta, key: &'static str) -> Result<Option<T>, MetaError> {
    match meta.remove(key) {
        None => Ok(None),
        Some(value) => {
            serde_json::from_value(value).map(Some).map_err(|e| MetaError::Malformed { key, reason: e.to_string() })
        }
    }
}

impl RequestMeta {
    /// Reads the reserved keys of a request's `_meta` (`None`: the request has none).
    pub fn parse(meta: Option<&Value>) -> Result<Self, MetaError> {
        Self::take(meta.cloned())
    }

    /// [`parse`](Self::parse), consuming the `_meta` (its other keys are dropped).
    pub fn take(meta: Option<Value>) -> Result<Self, MetaError> {
        let mut meta = match meta {
            None => return Err(MetaError::Absent),
            Some(Value::Object(meta)) => meta,
            Some(_) => return Err(MetaError::NotAnObject),
        };
        let protocol_version = match meta.remove(meta_keys::PROTOCOL_VERSION) {
            None => return Err(MetaError::Missing(meta_keys::PROTOCOL_VERSION)),
            Some(Value::String(v)) => v,
            Some(_) => {
                return Err(MetaError::Malformed { key: meta_keys::PROTOCOL_VERSION, reason: "not a string".into() });
            }
        };
        let client_capabilities = match meta.get(meta_keys::CLIENT_CAPABILITIES) {
            None => return Err(MetaError::Missing(meta_keys::CLIENT_CAPABILITIES)),
            Some(Value::Object(_)) => typed(&mut meta, meta_keys::CLIENT_CAPABILITIES)?.unwrap_or_default(),
            Some(_) => {
                return Err(MetaError::Malformed {
                    key: meta_keys::CLIENT_CAPABILITIES,
                    reason: "not an object".into(),
                });
            }
        };
        Ok(Self {
            protocol_version,
            client_capabilities,
            client_info: typed(&mut meta, meta_keys::CLIENT_INFO)?,
            log_level: typed(&mut meta, meta_keys::LOG_LEVEL)?,
        })
    }
}

/// The `server/discover` result: what the server speaks and offers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DiscoverResult {
    /// Always `complete`.
    pub result_type: ResultType,
    /// Every protocol version the server speaks, newest first.
    pub supported_versions: Vec<String>,
    /// What the server offers.
    pub capabilities: ServerCapabilities,
    /// Guidance for the model on how to use this server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    /// How long the client may cache this result.
    pub ttl_ms: u64,
    /// Who may reuse it.
    pub cache_scope: CacheScope,
    /// `io.modelcontextprotocol/serverInfo`.
    #[serde(default, rename = "_meta", skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

/// A request the server needs the client to answer before it can complete a request:
/// `elicitation/create`, `sampling/createMessage` or `roots/list`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InputRequest {
    /// The method.
    pub method: String,
    /// Its parameters.
    pub params: Value,
}

impl InputRequest {
    /// An `elicitation/create` request.
    pub fn elicitation(params: &ElicitParams) -> Self {
        Self { method: super::methods::ELICITATION_CREATE.into(), params: to_value(params) }
    }

    /// A `sampling/createMessage` request.
    pub fn sampling(params: &CreateMessageParams) -> Self {
        Self { method: super::methods::SAMPLING_CREATE_MESSAGE.into(), params: to_value(params) }
    }

    /// A `roots/list` request.
    pub fn list_roots() -> Self {
        Self { method: super::methods::ROOTS_LIST.into(), params: Value::Object(Map::new()) }
    }
}

fn to_value<T: Serialize>(value: &T) -> Value {
    // The parameter types are plain data with string keys: serializing them cannot fail.
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// The result that asks the client for input: it answers the `inputRequests` and retries the
/// request (with a new id) carrying `inputResponses` and the echoed `requestState`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InputRequiredResult {
    /// Always `input_required`.
    pub result_type: ResultType,
    /// What the client must answer, by server-chosen key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_requests: Option<BTreeMap<String, InputRequest>>,
    /// Opaque state the client echoes on the retry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_state: Option<String>,
    /// `io.modelcontextprotocol/serverInfo`.
    #[serde(default, rename = "_meta", skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

/// The notification types a `subscriptions/listen` stream opts in to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionFilter {
    /// `notifications/tools/list_changed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools_list_changed: Option<bool>,
    /// `notifications/prompts/list_changed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompts_list_changed: Option<bool>,
    /// `notifications/resources/list_changed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources_list_changed: Option<bool>,
    /// `notifications/resources/updated` for these URIs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_subscriptions: Option<Vec<String>>,
}

/// `subscriptions/listen` parameters.
#[derive(Clone, Debug, Deserialize)]
pub struct ListenParams {
    /// What the client opts in to.
    pub notifications: SubscriptionFilter,
}

/// `notifications/subscriptions/acknowledged` parameters: what the server agreed to send.
#[derive(Clone, Debug, Serialize)]
pub struct SubscriptionsAcknowledgedParams<'a> {
    /// The honoured subset of the requested filter.
    pub notifications: &'a SubscriptionFilter,
    /// `io.modelcontextprotocol/subscriptionId`.
    #[serde(rename = "_meta")]
    pub meta: Meta,
}

/// The fields [`complete_result`] adds to a modern result.
#[derive(Clone, Copy, Debug)]
pub struct ResultFields<'a> {
    /// `_meta["io.modelcontextprotocol/serverInfo"]`, encoded.
    pub server_info: Option<&'a RawValue>,
    /// `ttlMs` and `cacheScope`, for cacheable results.
    pub cache: Option<CacheHints>,
}

/// The top-level members of an encoded JSON object, in order, values left encoded.
struct Members<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

/// A member name, borrowed from the input unless it has escapes.
#[derive(Deserialize)]
struct Key<'a>(#[serde(borrow)] Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Members<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MembersVisitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for MembersVisitor<'a> {
            type Value = Members<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut members = Vec::with_capacity(map.size_hint().unwrap_or(4));
                while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
                    let value: &'de RawValue = map.next_value()?;
                    members.push((key, value));
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(MembersVisitor(std::marker::PhantomData))
    }
}

fn push_key(out: &mut String, key: &str) {
    // Writing a string to a String cannot fail.
    out.push_str(&serde_json::to_string(key).unwrap_or_default());
    out.push(':');
}

/// Adds what a modern result carries to an encoded legacy result: `resultType: "complete"`
/// (unless it has a `resultType`), the caching hints when given, and the server's identity in
/// `_meta` (merged into an existing `_meta`). Members keep their order; a value that is not an
/// object is returned unchanged.
pub fn complete_result(result: &RawValue, fields: ResultFields<'_>) -> Box<RawValue> {
    let text = result.get();
    // The common case, a result with neither `_meta` nor `resultType` anywhere (so neither at
    // the top): the fields go around the members as they are, without parsing them.
    let plain = !text.contains("\"_meta\"")
        && !text.contains("\"resultType\"")
        && (fields.cache.is_none() || !(text.contains("\"ttlMs\"") || text.contains("\"cacheScope\"")));
    if plain
        && let Some(inner) = text.strip_prefix('{').and_then(|t| t.strip_suffix('}'))
        && let Some(spliced) = splice(inner.trim(), text.len(), fields)
    {
        return spliced;
    }
    let Ok(Members(members)) = serde_json::from_str::<Members<'_>>(text) else {
        return result.to_owned();
    };
    let has = |name: &str| members.iter().any(|(k, _)| k == name);
    let mut out = String::with_capacity(result.get().len() + 160);
    out.push('{');
    if !has("resultType") {
        out.push_str(r#""resultType":"complete","#);
    }
    if let Some(cache) = fields.cache
        && !has("ttlMs")
        && !has("cacheScope")
    {
        cache_fields(&mut out, cache);
    }
    let mut wrote_meta = false;
    for (key, value) in &members {
        push_key(&mut out, key);
        match (key.as_ref(), fields.server_info) {
            ("_meta", Some(info)) => {
                wrote_meta = true;
                out.push_str(&merge_server_info(value, info));
            }
            _ => out.push_str(value.get()),
        }
        out.push(',');
    }
    if let (false, Some(info)) = (wrote_meta, fields.server_info) {
        push_key(&mut out, "_meta");
        out.push('{');
        push_key(&mut out, meta_keys::SERVER_INFO);
        out.push_str(info.get());
        out.push('}');
        out.push(',');
    }
    if out.ends_with(',') {
        out.pop();
    }
    out.push('}');
    RawValue::from_string(out).unwrap_or_else(|_| result.to_owned())
}

fn cache_fields(out: &mut String, cache: CacheHints) {
    let scope = match cache.scope {
        CacheScope::Public => "public",
        CacheScope::Private => "private",
    };
    let _ = write!(out, r#""ttlMs":{},"cacheScope":"{scope}","#, cache.ttl_ms);
}

/// `{"resultType":"complete",<hints>,<members>,"_meta":{serverInfo}}` for members that hold
/// neither of those keys.
fn splice(members: &str, len: usize, fields: ResultFields<'_>) -> Option<Box<RawValue>> {
    let info = fields.server_info.map(RawValue::get);
    let mut out = String::with_capacity(len + 96 + info.map_or(0, str::len));
    out.push_str(r#"{"resultType":"complete","#);
    if let Some(cache) = fields.cache {
        cache_fields(&mut out, cache);
    }
    if !members.is_empty() {
        out.push_str(members);
        out.push(',');
    }
    if let Some(info) = info {
        out.push_str(r#""_meta":{"io.modelcontextprotocol/serverInfo":"#);
        out.push_str(info);
        out.push_str("},");
    }
    out.pop();
    out.push('}');
    RawValue::from_string(out).ok()
}

/// An encoded `_meta` object with the server's identity added (kept as is when it has one, or
/// when it is not an object).
fn merge_server_info(meta: &RawValue, info: &RawValue) -> String {
    let Ok(Members(members)) = serde_json::from_str::<Members<'_>>(meta.get()) else {
        return meta.get().to_owned();
    };
    if members.iter().any(|(k, _)| k == meta_keys::SERVER_INFO) {
        return meta.get().to_owned();
    }
    let mut out = String::with_capacity(meta.get().len() + info.get().len() + 40);
    out.push('{');
    for (key, value) in &members {
        push_key(&mut out, key);
        out.push_str(value.get());
        out.push(',');
    }
    push_key(&mut out, meta_keys::SERVER_INFO);
    out.push_str(info.get());
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn raw(value: &Value) -> Box<RawValue> {
        serde_json::value::to_raw_value(value).unwrap()
    }

    #[test]
    fn request_meta_requires_version_and_capabilities() {
        let ok = json!({
            meta_keys::PROTOCOL_VERSION: "2026-07-28",
            meta_keys::CLIENT_CAPABILITIES: { "elicitation": {} },
            meta_keys::CLIENT_INFO: { "name": "c", "version": "1" },
            meta_keys::LOG_LEVEL: "warning",
            "openai/locale": "fr-FR"
        });
        let meta = RequestMeta::parse(Some(&ok)).unwrap();
        assert_eq!(meta.protocol_version, "2026-07-28");
        assert!(meta.client_capabilities.supports_elicitation());
        assert_eq!(meta.client_info.unwrap().name, "c");
        assert_eq!(meta.log_level, Some(LoggingLevel::Warning));

        assert_eq!(RequestMeta::parse(None), Err(MetaError::Absent));
        assert_eq!(RequestMeta::parse(Some(&json!([]))), Err(MetaError::NotAnObject));
        assert_eq!(
            RequestMeta::parse(Some(&json!({ meta_keys::CLIENT_CAPABILITIES: {} }))),
            Err(MetaError::Missing(meta_keys::PROTOCOL_VERSION))
        );
        assert_eq!(
            RequestMeta::parse(Some(&json!({ meta_keys::PROTOCOL_VERSION: "2026-07-28" }))),
            Err(MetaError::Missing(meta_keys::CLIENT_CAPABILITIES))
        );
        for bad in [
            json!({ meta_keys::PROTOCOL_VERSION: 20260728, meta_keys::CLIENT_CAPABILITIES: {} }),
            json!({ meta_keys::PROTOCOL_VERSION: "2026-07-28", meta_keys::CLIENT_CAPABILITIES: [] }),
            json!({ meta_keys::PROTOCOL_VERSION: "2026-07-28", meta_keys::CLIENT_CAPABILITIES: {}, meta_keys::CLIENT_INFO: "me" }),
            json!({ meta_keys::PROTOCOL_VERSION: "2026-07-28", meta_keys::CLIENT_CAPABILITIES: {}, meta_keys::LOG_LEVEL: "loud" }),
        ] {
            assert!(matches!(RequestMeta::parse(Some(&bad)), Err(MetaError::Malformed { .. })), "{bad}");
        }
    }

    #[test]
    fn a_complete_result_gets_its_type_hints_and_server_info() {
        let info = raw(&json!({ "name": "s", "version": "1" }));
        let fields =
            ResultFields { server_info: Some(&info), cache: Some(CacheHints { ttl_ms: 0, scope: CacheScope::Public }) };
        let out = complete_result(&raw(&json!({ "tools": [] })), fields);
        assert_eq!(
            out.get(),
            r#"{"resultType":"complete","ttlMs":0,"cacheScope":"public","tools":[],"_meta":{"io.modelcontextprotocol/serverInfo":{"name":"s","version":"1"}}}"#
        );
        let fields = ResultFields { server_info: Some(&info), cache: None };
        let out = complete_result(
            &RawValue::from_string(r#"{"content":[],"_meta":{"openai/x":1},"isError":false}"#.into()).unwrap(),
            fields,
        );
        assert_eq!(
            out.get(),
            r#"{"resultType":"complete","content":[],"_meta":{"openai/x":1,"io.modelcontextprotocol/serverInfo":{"name":"s","version":"1"}},"isError":false}"#
        );
        // An input-required result keeps its type; an empty object stays valid JSON.
        let out = complete_result(
            &raw(&json!({ "resultType": "input_required" })),
            ResultFields { server_info: None, cache: None },
        );
        assert_eq!(out.get(), r#"{"resultType":"input_required"}"#);
        let out = complete_result(&raw(&json!({})), ResultFields { server_info: None, cache: None });
        assert_eq!(out.get(), r#"{"resultType":"complete"}"#);
    }

    #[test]
    fn input_required_results_serialize_as_the_schema_says() {
        let mut requests = BTreeMap::new();
        requests.insert("roots".to_owned(), InputRequest::list_roots());
        let result = InputRequiredResult {
            result_type: ResultType::InputRequired,
            input_requests: Some(requests),
            request_state: Some("s".into()),
            meta: None,
        };
        assert_eq!(
            serde_json::to_value(&result).unwrap(),
            json!({ "resultType": "input_required", "inputRequests": { "roots": { "method": "roots/list", "params": {} } }, "requestState": "s" })
        );
    }
}
