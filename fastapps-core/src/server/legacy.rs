//! The rules of the `initialize`-based eras (2025-11-25 and before): the handshake, the
//! `MCP-Protocol-Version` header, sessions, and the notifications and responses clients send.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::response::Response;
use http::{HeaderMap, StatusCode};

use super::authenticate::missing_token;
use super::dispatch;
use super::headers::{self, Accepts};
use super::reply::{self, HttpError};
use super::session::{Session, SessionOwner};
use super::state::ServerState;
use crate::context::{AccessToken, ClientState};
use crate::protocol::jsonrpc::{self, Notification, Request as RpcRequest, Response as RpcResponse, codes};
use crate::protocol::{CancelledParams, InitializeParams, ProtocolVersion, methods};

/// The `MCP-Protocol-Version` header: any supported version is accepted (clients are not
/// held to the negotiated one); an unsupported one is a 400.
pub(crate) fn check_version(headers: &HeaderMap) -> Result<Option<ProtocolVersion>, HttpError> {
    headers::protocol_version(headers).map_err(|version| {
        HttpError::bad_request(format!(
            "Bad Request: Unsupported protocol version: {version} (supported versions: {})",
            ProtocolVersion::supported_list()
        ))
    })
}

/// The session a request names: 400 when it names none (or an invalid one), 404 when it is
/// unknown, ended, or belongs to another caller.
pub(crate) fn find_session(
    state: &ServerState,
    headers: &HeaderMap,
    user: Option<&AccessToken>,
) -> Result<Arc<Session>, HttpError> {
    let not_found = || HttpError::new(StatusCode::NOT_FOUND, codes::SESSION_NOT_FOUND, "Session not found");
    match headers::session_id(headers) {
        Ok(Some(id)) => {
            let session = state.sessions.get(id).ok_or_else(not_found)?;
            match (&session.owner, user, &state.auth) {
                // The owner came back without a token: ask for one, as for any missing token.
                (Some(_), None, Some(auth)) => return Err(missing_token(auth)),
                (Some(owner), Some(user), _) if !owner.is(user) => return Err(not_found()),
                _ => {}
            }
            Ok(session)
        }
        Ok(None) => Err(HttpError::bad_request("Bad Request: Mcp-Session-Id header is required")),
        Err(()) => Err(HttpError::bad_request("Bad Request: Mcp-Session-Id must be visible ASCII")),
    }
}

/// `initialize`: the negotiated version, and a session (unless stateless) bound to the caller.
pub(crate) fn initialize(
    state: &ServerState,
    req: RpcRequest,
    accepts: Accepts,
    user: Option<&AccessToken>,
) -> Result<Response, HttpError> {
    let params: InitializeParams = match jsonrpc::parse_params(req.params.as_deref()) {
        Ok(params) => params,
        Err(e) => {
            let body = jsonrpc::encode_error(Some(&req.id), &e);
            return Ok(reply::once(req.id, body, accepts, None));
        }
    };
    let (version, result) = dispatch::initialize(state, &params);
    let session = if state.config.stateless {
        None
    } else {
        let created = state.sessions.create(user.map(SessionOwner::of), |id| {
            ClientState::new(
                Some(id),
                version,
                Some(params.client_info.clone()),
                Some(params.capabilities.clone()),
                params.meta.clone(),
            )
        });
        Some(created.map_err(|_| {
            HttpError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                codes::BAD_REQUEST,
                "Service Unavailable: too many open sessions; try again later",
            )
        })?)
    };
    let session_id = session.as_ref().map(|s| s.id());
    tracing::debug!(client = %params.client_info.name, %version, session = session_id.unwrap_or(""), "initialize");
    let body = match jsonrpc::to_raw(&result) {
        Ok(raw) => jsonrpc::encode_result(&req.id, &raw),
        Err(e) => jsonrpc::encode_error(Some(&req.id), &e),
    };
    Ok(reply::once(req.id, body, accepts, session_id))
}

/// A client's notification: `initialized`, or `cancelled` for one of the session's requests.
pub(crate) fn on_notification(session: Option<&Session>, notification: Notification) {
    let Some(session) = session else { return };
    match notification.method.as_str() {
        methods::NOTIFICATION_INITIALIZED => session.initialized.store(true, Ordering::Relaxed),
        methods::NOTIFICATION_CANCELLED => {
            // Without a session a cancellation cannot be attributed to its sender, so only
            // session-bound requests are cancellable this way.
            if let Ok(CancelledParams { request_id: Some(id), .. }) =
                jsonrpc::parse_params::<CancelledParams>(notification.params.as_deref())
            {
                session.cancel(&id);
            }
        }
        other => tracing::trace!(method = other, "notification ignored"),
    }
}

/// A client's answer to a request of ours (sampling, elicitation, roots), routed to the
/// handler awaiting it.
pub(crate) fn on_client_response(state: &ServerState, session: Option<&Session>, response: RpcResponse) {
    let Some(id) = response.id else {
        if let Err(e) = response.outcome {
            tracing::debug!(error = %e, "the client could not read a request of ours");
        }
        return;
    };
    if !state.pending.complete(&id, session.map(Session::id), response.outcome) {
        tracing::debug!(%id, "a response answers no pending request");
    }
}
