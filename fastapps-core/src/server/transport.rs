//! The Streamable HTTP transport: POST, GET and DELETE on the MCP endpoint.
//!
//! Order of checks on every request: `Host`/`Origin` (403), then the headers that say what the
//! client sends and accepts (415, 406), authentication (401, 403), the body size (413) and the
//! JSON-RPC shape (400). Then the era: a 2026-07-28 request (version in `_meta`, or a modern
//! `MCP-Protocol-Version` header) goes to [`super::modern`]; any other message is checked for
//! its protocol version (400) and session (400, 404). Only then is anything dispatched.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::header::CONTENT_LENGTH;
use http::request::Parts;
use http::{HeaderMap, StatusCode};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::ServerState;
use super::authenticate::{Principal, authenticate, missing_token};
use super::dispatch::Failure;
use super::dispatch::{self, Scope, dispatch};
use super::headers::{self, Accepts};
use super::reply::{self, HttpError, Outcome, OutcomeFuture};
use super::session::Session;
use crate::context::{AccessToken, ClientState, Peer};
use crate::protocol::jsonrpc::{self, Message, Notification, Request as RpcRequest, Response as RpcResponse, codes};
use crate::protocol::{CancelledParams, ErrorObject, InitializeParams, ProtocolVersion, RequestId, methods};

/// How many messages a request's stream buffers before its handler waits for the client.
const STREAM_CAPACITY: usize = 64;

fn check_origin(state: &ServerState, request: &Parts) -> Result<(), HttpError> {
    let authority = request.uri.authority().map(|a| a.as_str());
    state.origins.check(&request.headers, authority).map_err(|refusal| {
        tracing::debug!(reason = %refusal.message(), "refused a request");
        HttpError::new(StatusCode::FORBIDDEN, codes::BAD_REQUEST, refusal.message())
    })
}

/// The `MCP-Protocol-Version` header: any supported version is accepted (clients are not
/// held to the negotiated one); an unsupported one is a 400.
fn check_version(headers: &HeaderMap) -> Result<Option<ProtocolVersion>, HttpError> {
    headers::protocol_version(headers).map_err(|version| {
        HttpError::bad_request(format!(
            "Bad Request: Unsupported protocol version: {version} (supported versions: {})",
            ProtocolVersion::supported_list()
        ))
    })
}

/// The session a request names: 400 when it names none (or an invalid one), 404 when it is
/// unknown, ended, or belongs to another caller.
fn find_session(
    state: &ServerState,
    headers: &HeaderMap,
    user: Option<&AccessToken>,
) -> Result<Arc<Session>, HttpError> {
    let not_found = || HttpError::new(StatusCode::NOT_FOUND, codes::SESSION_NOT_FOUND, "Session not found");
    match headers::session_id(headers) {
        Ok(Some(id)) => {
            let session = state.sessions.get(id).ok_or_else(not_found)?;
            match (&session.principal, user, &state.auth) {
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

async fn read_body(state: &ServerState, headers: &HeaderMap, body: Body) -> Result<Bytes, HttpError> {
    let limit = state.config.max_body_bytes;
    let too_large = || {
        HttpError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            codes::BAD_REQUEST,
            format!("Payload Too Large: the body exceeds {limit} bytes"),
        )
    };
    let declared = headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(too_large());
    }
    to_bytes(body, limit).await.map_err(|e| {
        // `to_bytes` reports the limit as a `LengthLimitError` somewhere in the source chain.
        let mut source: Option<&dyn std::error::Error> = Some(&e);
        while let Some(err) = source {
            if err.is::<http_body_util::LengthLimitError>() {
                return too_large();
            }
            source = err.source();
        }
        HttpError::bad_request(format!("Bad Request: could not read the body: {e}"))
    })
}

/// `POST /mcp`: one JSON-RPC message.
pub(crate) async fn post(State(state): State<Arc<ServerState>>, request: Request) -> Response {
    handle_post(state, request).await.unwrap_or_else(IntoResponse::into_response)
}

async fn handle_post(state: Arc<ServerState>, request: Request) -> Result<Response, HttpError> {
    let (parts, body) = request.into_parts();
    check_origin(&state, &parts)?;
    let headers = &parts.headers;
    if !headers::content_type_is_json(headers) {
        return Err(HttpError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            codes::BAD_REQUEST,
            "Unsupported Media Type: send the JSON-RPC message as application/json",
        ));
    }
    let accepts = Accepts::from_headers(headers);
    if !accepts.any() {
        return Err(HttpError::new(
            StatusCode::NOT_ACCEPTABLE,
            codes::BAD_REQUEST,
            "Not Acceptable: the client must accept application/json or text/event-stream",
        ));
    }
    let user = authenticate(&state, headers).await?;
    let body = read_body(&state, headers, body).await?;
    let message = jsonrpc::decode(&body).map_err(|e| {
        HttpError::with_body(StatusCode::BAD_REQUEST, jsonrpc::encode_error(e.id(), &e.to_error_object()))
    })?;
    if let Some(probe) = super::modern::classify(headers, &message) {
        return super::modern::post(state, headers, message, probe, accepts, user).await;
    }
    let message = match message {
        Message::Request(req) if req.method == methods::INITIALIZE => return initialize(&state, req, accepts, user),
        other => other,
    };
    let header_version = check_version(headers)?;
    let session = if state.config.stateless { None } else { Some(find_session(&state, headers, user.as_deref())?) };
    let session_id = session.as_ref().map(|s| s.id());
    Ok(match message {
        Message::Notification(notification) => {
            on_notification(session.as_deref(), notification);
            reply::accepted(session_id)
        }
        Message::Response(response) => {
            on_client_response(&state, session.as_deref(), response);
            reply::accepted(session_id)
        }
        Message::Request(req) => {
            let client = match &session {
                Some(session) => session.client.clone(),
                None => {
                    let version = header_version.unwrap_or(ProtocolVersion::DEFAULT_NEGOTIATED);
                    Arc::new(ClientState::new(None, version, None, None, None))
                }
            };
            serve_request(state, client, session, req, accepts, user).await
        }
    })
}

fn initialize(
    state: &Arc<ServerState>,
    req: RpcRequest,
    accepts: Accepts,
    user: Option<Arc<AccessToken>>,
) -> Result<Response, HttpError> {
    let params: InitializeParams = match jsonrpc::parse_params(req.params.as_deref()) {
        Ok(params) => params,
        Err(e) => {
            let body = jsonrpc::encode_error(Some(&req.id), &e);
            return Ok(reply_once(req.id, body, accepts, None));
        }
    };
    let (version, result) = dispatch::initialize(state, &params);
    let session = if state.config.stateless {
        None
    } else {
        let created = state.sessions.create(user.as_deref().map(Principal::of), |id| {
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
    Ok(reply_once(req.id, body, accepts, session_id))
}

/// A reply that is known at once: JSON, or a one-event stream for a client that accepts only
/// SSE.
fn reply_once(id: RequestId, body: Vec<u8>, accepts: Accepts, session_id: Option<&str>) -> Response {
    if accepts.json {
        reply::json(StatusCode::OK, body, session_id)
    } else {
        reply::finished_stream(id, None, mpsc::channel(1).1, Outcome::Reply(body), session_id)
    }
}

fn on_notification(session: Option<&Session>, notification: Notification) {
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

fn on_client_response(state: &ServerState, session: Option<&Session>, response: RpcResponse) {
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

/// Runs a request. The reply is JSON unless the handler sends something (a notification or a
/// request to the client) before it finishes: then it becomes an event stream, so simple calls
/// pay nothing for streaming. A 2026-07-28 request is cancelled when its client closes the
/// stream.
pub(crate) async fn serve_request(
    state: Arc<ServerState>,
    client: Arc<ClientState>,
    session: Option<Arc<Session>>,
    req: RpcRequest,
    accepts: Accepts,
    user: Option<Arc<AccessToken>>,
) -> Response {
    let session_id = client.session_id.clone();
    let modern = client.protocol_version.era() == crate::protocol::Era::Modern;
    let keep_alive = state.config.keep_alive;
    let (cancellation, in_flight) = match &session {
        Some(session) => {
            let (token, guard) = session.track(req.id.clone());
            (token, Some(guard))
        }
        None => (CancellationToken::new(), None),
    };
    let (tx, rx) = if accepts.sse {
        let (tx, rx) = mpsc::channel(STREAM_CAPACITY);
        (Some(tx), Some(rx))
    } else {
        (None, None)
    };
    let peer = Peer {
        client,
        outbound: tx,
        pending: state.pending.clone(),
        request_timeout: state.config.request_timeout,
        state: state.app_state.clone(),
    };
    let id = req.id.clone();
    tracing::debug!(method = %req.method, %id, "request");
    let cancel_on_close = cancellation.clone();
    let scope = Scope { id: req.id, peer, cancellation: cancellation.clone(), user };
    let handling = dispatch(state, session, req.method, req.params, scope);
    let response_id = id.clone();
    let mut handling: OutcomeFuture = Box::pin(async move {
        let result = tokio::select! {
            biased;
            () = cancellation.cancelled() => None,
            result = handling => Some(result),
        };
        drop(in_flight);
        match result {
            None => Outcome::Cancelled,
            Some(Ok(raw)) => Outcome::Reply(jsonrpc::encode_result(&response_id, &raw)),
            Some(Err(Failure::Rpc(error))) => Outcome::Reply(jsonrpc::encode_error(Some(&response_id), &error)),
            Some(Err(Failure::Http(refusal))) => Outcome::Refused(refusal),
        }
    });
    let session_id = session_id.as_deref();
    let Some(mut rx) = rx else {
        return json_outcome(&id, handling.await, session_id);
    };
    tokio::select! {
        biased;
        outcome = &mut handling => match rx.try_recv() {
            _ if matches!(outcome, Outcome::Refused(_)) => json_outcome(&id, outcome, session_id),
            Ok(first) => reply::finished_stream(id, Some(first), rx, outcome, session_id),
            Err(_) if !accepts.json => reply::finished_stream(id, None, rx, outcome, session_id),
            Err(_) => json_outcome(&id, outcome, session_id),
        },
        first = rx.recv() => match first {
            Some(first) => {
                let cancel_on_close = modern.then(|| cancel_on_close.clone());
                reply::request_stream(id, first, rx, handling, session_id, cancel_on_close, keep_alive)
            }
            // Every sender is gone: the handler dropped its context; only the result remains.
            None if accepts.json => json_outcome(&id, handling.await, session_id),
            None => reply::finished_stream(id, None, rx, handling.await, session_id),
        },
    }
}

/// The JSON reply; a cancelled request, which gets no JSON-RPC response, ends with a
/// `-32800` error the client has stopped waiting for; a refusal is its HTTP status.
fn json_outcome(id: &RequestId, outcome: Outcome, session_id: Option<&str>) -> Response {
    let body = match outcome {
        Outcome::Reply(body) => body,
        Outcome::Cancelled => {
            jsonrpc::encode_error(Some(id), &ErrorObject::new(codes::REQUEST_CANCELLED, "Request cancelled"))
        }
        Outcome::Refused(refusal) => return refusal.into_response(),
    };
    reply::json(StatusCode::OK, body, session_id)
}

/// `GET /mcp`: the session's stream of server-initiated messages.
pub(crate) async fn get(State(state): State<Arc<ServerState>>, request: Request) -> Response {
    handle_get(&state, &request.into_parts().0).await.unwrap_or_else(IntoResponse::into_response)
}

/// 405 for a GET or DELETE that names a 2026-07-28 version: that revision has neither.
fn refuse_modern(request: &Parts) -> Result<(), HttpError> {
    if headers::names_modern_version(&request.headers) {
        return Err(HttpError::method_not_allowed(
            "POST",
            "Method Not Allowed: 2026-07-28 has no GET stream and no sessions; use subscriptions/listen",
        ));
    }
    Ok(())
}

async fn handle_get(state: &ServerState, request: &Parts) -> Result<Response, HttpError> {
    check_origin(state, request)?;
    refuse_modern(request)?;
    if state.config.stateless {
        return Err(HttpError::method_not_allowed(
            "POST",
            "Method Not Allowed: this server is stateless and opens no GET stream",
        ));
    }
    let headers = &request.headers;
    if !Accepts::from_headers(headers).sse {
        return Err(HttpError::new(
            StatusCode::NOT_ACCEPTABLE,
            codes::BAD_REQUEST,
            "Not Acceptable: the client must accept text/event-stream",
        ));
    }
    check_version(headers)?;
    let user = authenticate(state, headers).await?;
    let session = find_session(state, headers, user.as_deref())?;
    let (tx, rx) = session.open_standalone(STREAM_CAPACITY).ok_or_else(|| {
        HttpError::new(StatusCode::CONFLICT, codes::BAD_REQUEST, "Conflict: only one GET stream is allowed per session")
    })?;
    let release = {
        let session = session.clone();
        move || session.close_standalone(&tx)
    };
    Ok(reply::standalone_stream(rx, session.closed.clone(), release, session.id(), state.config.keep_alive))
}

/// `DELETE /mcp`: ends the session.
pub(crate) async fn delete(State(state): State<Arc<ServerState>>, request: Request) -> Response {
    handle_delete(&state, &request.into_parts().0).await.unwrap_or_else(IntoResponse::into_response)
}

async fn handle_delete(state: &ServerState, request: &Parts) -> Result<Response, HttpError> {
    check_origin(state, request)?;
    refuse_modern(request)?;
    if state.config.stateless {
        return Err(HttpError::method_not_allowed(
            "POST",
            "Method Not Allowed: this server is stateless and has no sessions",
        ));
    }
    check_version(&request.headers)?;
    let user = authenticate(state, &request.headers).await?;
    let session = find_session(state, &request.headers, user.as_deref())?;
    state.sessions.remove(session.id());
    tracing::debug!(session = session.id(), "session ended by the client");
    Ok(StatusCode::OK.into_response())
}
