//! The front of the Streamable HTTP transport: POST, GET and DELETE on the MCP endpoint, and
//! what is checked before a body is read.
//!
//! Order of checks on every request: `Host`/`Origin` (403), then the headers that say what the
//! client sends and accepts (415, 406). A POST then goes to [`exchange`] (authentication, body,
//! JSON-RPC, era, dispatch); a GET opens a session's stream and a DELETE ends a session, both
//! after the version header, authentication and the session are checked ([`legacy`]).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::request::Parts;

use super::authenticate::authenticate;
use super::exchange::{self, STREAM_CAPACITY};
use super::headers::{self, Accepts};
use super::legacy::{check_version, find_session};
use super::reply::{self, HttpError};
use super::state::ServerState;
use crate::protocol::jsonrpc::codes;

fn check_origin(state: &ServerState, request: &Parts) -> Result<(), HttpError> {
    let authority = request.uri.authority().map(|a| a.as_str());
    state.origins.check(&request.headers, authority).map_err(|refusal| {
        tracing::debug!(reason = %refusal.message(), "refused a request");
        HttpError::new(StatusCode::FORBIDDEN, codes::BAD_REQUEST, refusal.message())
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
    exchange::post(state, headers, body, accepts).await
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
    let user = authenticate(state.auth.as_deref(), headers).await?;
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
    let user = authenticate(state.auth.as_deref(), &request.headers).await?;
    let session = find_session(state, &request.headers, user.as_deref())?;
    state.sessions.remove(session.id());
    tracing::debug!(session = session.id(), "session ended by the client");
    Ok(StatusCode::OK.into_response())
}
