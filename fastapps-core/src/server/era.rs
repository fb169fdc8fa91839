//! The rules of 2026-07-28 around dispatch: a request that carries its protocol version in
//! `_meta` (or a modern `MCP-Protocol-Version` header) is admitted here, served statelessly
//! beside the `initialize`-based eras, on the same endpoint and with the same registry, auth and
//! dispatch, and its outcome put in modern form ([`finish`]).
//!
//! Checks, in order, each refused with HTTP 400 and the request's id:
//!
//! 1. `params._meta` with `io.modelcontextprotocol/protocolVersion` and
//!    `io.modelcontextprotocol/clientCapabilities` (`-32602`);
//! 2. the request headers against the body (`-32020`): `MCP-Protocol-Version`, `Mcp-Method`,
//!    `Mcp-Name` (Base64 sentinel decoded) and a tool's `Mcp-Param-*`; a header that disagrees
//!    is always refused, a missing one only in strict mode;
//! 3. the version is one this server speaks (`-32022`, listing them);
//! 4. the method exists in this era and the server offers it (404, `-32601`).
//!
//! Then the request runs through the shared dispatch; its result gains `resultType`, the
//! caching hints and the server's identity ([`finish`]). No session id is read or sent.

use std::sync::Arc;

use http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::dispatch::{Failure, RpcResult};
use super::headers::{self, BadHeader};
use super::reply::HttpError;
use super::state::ServerState;
use super::{listen, param_headers};
use crate::context::ClientState;
use crate::protocol::jsonrpc::{Message, Request as RpcRequest, codes};
use crate::protocol::modern::{CacheHints, RequestMeta, ResultFields, complete_result};
use crate::protocol::{Era, ErrorObject, ProtocolVersion, RequestId, methods};

/// What the 2026-07-28 checks read from a request's `params`, parsed once: the `_meta`, and
/// `name` and `uri`, which `Mcp-Name` mirrors.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Probe {
    #[serde(rename = "_meta")]
    meta: Option<Value>,
    name: Option<Value>,
    uri: Option<Value>,
}

impl Probe {
    fn of(params: Option<&RawValue>) -> Self {
        params.and_then(|p| serde_json::from_str(p.get()).ok()).unwrap_or_default()
    }

    fn carries_version(&self) -> bool {
        self.meta.as_ref().is_some_and(|m| m.get(crate::protocol::modern::meta_keys::PROTOCOL_VERSION).is_some())
    }
}

/// Whether a message is served by the 2026-07-28 rules (then with what the checks need of
/// it): a request whose `_meta` carries `io.modelcontextprotocol/protocolVersion`, or any
/// message but `initialize` with a modern `MCP-Protocol-Version` header. `initialize` without
/// modern `_meta` selects the legacy era.
pub(crate) fn classify(headers: &HeaderMap, message: &Message) -> Option<Probe> {
    let Message::Request(req) = message else {
        return headers::names_modern_version(headers).then(Probe::default);
    };
    let params = req.params.as_deref();
    // A cheap look first: legacy requests (the hot path) never contain the key.
    if params.is_some_and(|p| p.get().contains(crate::protocol::modern::meta_keys::PROTOCOL_VERSION)) {
        let probe = Probe::of(params);
        if probe.carries_version() {
            return Some(probe);
        }
        return (req.method != methods::INITIALIZE && headers::names_modern_version(headers)).then_some(probe);
    }
    (req.method != methods::INITIALIZE && headers::names_modern_version(headers)).then(|| Probe::of(params))
}

/// The methods of the modern era, when the server offers what they serve.
fn offered(state: &ServerState, method: &str) -> bool {
    let caps = &state.capabilities;
    match method {
        methods::SERVER_DISCOVER => true,
        methods::TOOLS_LIST | methods::TOOLS_CALL => caps.tools.is_some(),
        methods::RESOURCES_LIST | methods::RESOURCES_TEMPLATES_LIST | methods::RESOURCES_READ => {
            caps.resources.is_some()
        }
        methods::PROMPTS_LIST | methods::PROMPTS_GET => caps.prompts.is_some(),
        methods::COMPLETION_COMPLETE => caps.completions.is_some(),
        methods::SUBSCRIPTIONS_LISTEN => listen::offers_any(caps),
        _ => false,
    }
}

fn bad_request(id: &RequestId, error: &ErrorObject) -> HttpError {
    HttpError::rpc(StatusCode::BAD_REQUEST, Some(id), error)
}

fn mismatch(header: &str, problem: BadHeader) -> ErrorObject {
    ErrorObject::header_mismatch(match problem {
        BadHeader::Repeated => format!("Header mismatch: {header} header appears more than once"),
        BadHeader::InvalidCharacters => format!("Header mismatch: {header} header value has invalid characters"),
    })
}

/// `params.name` (tools, prompts) or `params.uri` (resources) of the methods `Mcp-Name`
/// mirrors; `None` for the others.
fn name_in_body<'p>(req: &RpcRequest, probe: &'p Probe) -> Option<&'p str> {
    let field = match req.method.as_str() {
        methods::TOOLS_CALL | methods::PROMPTS_GET => &probe.name,
        methods::RESOURCES_READ => &probe.uri,
        _ => return None,
    };
    field.as_ref()?.as_str()
}

/// Step 2: the request headers against the body.
fn check_headers(
    state: &ServerState,
    headers: &HeaderMap,
    req: &RpcRequest,
    meta: &RequestMeta,
    probe: &Probe,
) -> Result<(), ErrorObject> {
    let strict = state.config.require_request_headers;
    let missing =
        |header: &str| ErrorObject::header_mismatch(format!("Header mismatch: the {header} header is required"));
    let differs = |header: &str, sent: &str, body: &str| {
        ErrorObject::header_mismatch(format!(
            "Header mismatch: {header} header value '{sent}' does not match body value '{body}'"
        ))
    };
    match headers::single(headers, headers::MCP_PROTOCOL_VERSION).map_err(|p| mismatch("MCP-Protocol-Version", p))? {
        Some(sent) if sent != meta.protocol_version => {
            return Err(differs("MCP-Protocol-Version", sent, &meta.protocol_version));
        }
        None if strict => return Err(missing("MCP-Protocol-Version")),
        _ => {}
    }
    match headers::single(headers, headers::MCP_METHOD).map_err(|p| mismatch("Mcp-Method", p))? {
        Some(sent) if sent != req.method => return Err(differs("Mcp-Method", sent, &req.method)),
        None if strict => return Err(missing("Mcp-Method")),
        _ => {}
    }
    let body_name = name_in_body(req, probe);
    match (headers::single(headers, headers::MCP_NAME).map_err(|p| mismatch("Mcp-Name", p))?, body_name) {
        (Some(sent), Some(body)) => {
            let decoded = headers::decode_value(sent).map_err(|p| mismatch("Mcp-Name", p))?;
            if decoded != body {
                return Err(differs("Mcp-Name", &decoded, body));
            }
        }
        (Some(sent), None) => {
            return Err(ErrorObject::header_mismatch(format!(
                "Header mismatch: Mcp-Name header value '{sent}' names nothing in a {} request",
                req.method
            )));
        }
        (None, Some(_)) if strict => return Err(missing("Mcp-Name")),
        _ => {}
    }
    if req.method == methods::TOOLS_CALL {
        param_headers::check(&state.registry, headers, req.params.as_deref(), body_name, strict)?;
    }
    Ok(())
}

/// What a 2026-07-28 message is, once admitted.
pub(crate) enum Admitted {
    /// A notification: nothing to answer (2026-07-28 defines none from clients over HTTP;
    /// closing a stream cancels).
    Notification,
    /// `subscriptions/listen`: answered with its stream.
    Listen(RpcRequest),
    /// A request to dispatch, from the client its `_meta` describes.
    Request(Arc<ClientState>, RpcRequest),
}

/// Admits a modern message, checked in the order of the module's list; a refusal is the HTTP
/// error to answer with.
pub(crate) fn admit(
    state: &ServerState,
    headers: &HeaderMap,
    message: Message,
    mut probe: Probe,
) -> Result<Admitted, HttpError> {
    let req = match message {
        Message::Request(req) => req,
        Message::Notification(notification) => {
            tracing::trace!(method = %notification.method, "notification ignored");
            return Ok(Admitted::Notification);
        }
        Message::Response(_) => {
            return Err(HttpError::rpc(
                StatusCode::BAD_REQUEST,
                None,
                &ErrorObject::invalid_request(
                    "2026-07-28 clients send no JSON-RPC responses; answer input requests with inputResponses on a retry",
                ),
            ));
        }
    };
    let meta = RequestMeta::take(probe.meta.take()).map_err(|e| bad_request(&req.id, &e.to_error_object()))?;
    check_headers(state, headers, &req, &meta, &probe).map_err(|e| bad_request(&req.id, &e))?;
    let Some(version) = ProtocolVersion::parse(&meta.protocol_version).filter(|v| v.era() == Era::Modern) else {
        let supported: Vec<&str> = ProtocolVersion::SUPPORTED.iter().map(|v| v.as_str()).collect();
        let mut error = ErrorObject::unsupported_protocol_version(&meta.protocol_version, &supported);
        if ProtocolVersion::parse(&meta.protocol_version).is_some() {
            error.message = format!(
                "Unsupported protocol version: {} is served after an initialize handshake, not per request",
                meta.protocol_version
            );
        }
        return Err(bad_request(&req.id, &error));
    };
    if !offered(state, &req.method) {
        return Err(HttpError::rpc(StatusCode::NOT_FOUND, Some(&req.id), &ErrorObject::method_not_found(&req.method)));
    }
    tracing::debug!(method = %req.method, id = %req.id, client = meta.client_info.as_ref().map_or("", |i| i.name.as_str()), "request (2026-07-28)");
    if req.method == methods::SUBSCRIPTIONS_LISTEN {
        return Ok(Admitted::Listen(req));
    }
    let client =
        Arc::new(ClientState::per_request(version, meta.client_info, meta.client_capabilities, meta.log_level));
    Ok(Admitted::Request(client, req))
}

/// The caching hints of a method's results, for the methods whose results carry them.
fn cache_hints(state: &ServerState, method: &str) -> Option<CacheHints> {
    matches!(
        method,
        methods::SERVER_DISCOVER
            | methods::TOOLS_LIST
            | methods::PROMPTS_LIST
            | methods::RESOURCES_LIST
            | methods::RESOURCES_TEMPLATES_LIST
            | methods::RESOURCES_READ
    )
    .then_some(state.config.cache)
}

/// A dispatched request's outcome in modern form: `resultType`, caching hints and the server's
/// identity on results; `-32602` instead of the legacy `-32002` for an unknown resource; HTTP
/// 400 for a missing client capability.
pub(crate) fn finish(state: &ServerState, id: &RequestId, method: &str, outcome: RpcResult) -> RpcResult {
    match outcome {
        Ok(raw) => {
            // An input-required result is complete in its own way: it gets no caching hints.
            let cache =
                cache_hints(state, method).filter(|_| !raw.get().starts_with(r#"{"resultType":"input_required""#));
            Ok(complete_result(&raw, ResultFields { server_info: Some(&state.server_info_raw), cache }))
        }
        Err(Failure::Rpc(mut error)) => match error.code {
            codes::RESOURCE_NOT_FOUND => {
                error.code = codes::INVALID_PARAMS;
                Err(Failure::Rpc(error))
            }
            codes::MISSING_REQUIRED_CLIENT_CAPABILITY => {
                Err(Failure::Http(HttpError::rpc(StatusCode::BAD_REQUEST, Some(id), &error)))
            }
            _ => Err(Failure::Rpc(error)),
        },
        Err(http) => Err(http),
    }
}
