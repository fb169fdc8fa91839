//! The machine-facing endpoints: metadata (RFC 8414), the JWKS, dynamic registration
//! (RFC 7591), `/token` (authorization code with PKCE; refresh tokens rotated on every use,
//! with a replay revoking the whole family) and revocation (RFC 7009).

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::header::{AUTHORIZATION, CACHE_CONTROL};
use http::{HeaderMap, HeaderValue, StatusCode};

use super::crypto::{digest, pkce_matches};
use super::ratelimit::Endpoint;
use super::records::{Code, Family, RedeemedCode, Refresh};
use super::runtime::{CLIENT_TTL, CODE_TTL, ClientAddress, Grant, OAuthRuntime, no_store, oauth_error, store_failure};
use crate::clock::unix_now;
use crate::records::{CLIENTS, CODES, FAMILIES, REFRESH_TOKENS};

/// The largest form or registration body read.
const MAX_BODY: usize = 16 * 1024;

/// `GET /.well-known/oauth-authorization-server` (and the OpenID Connect alias).
pub(crate) async fn metadata(State(oauth): State<Arc<OAuthRuntime>>) -> Response {
    let mut response = axum::Json(oauth.metadata()).into_response();
    response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    response
}

/// `GET /jwks`: the public keys, including those retired but still valid.
pub(crate) async fn jwks(State(oauth): State<Arc<OAuthRuntime>>) -> Response {
    match oauth.keys.jwks(false).await {
        Ok(keys) => {
            let mut response = axum::Json(keys).into_response();
            response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
            response
        }
        Err(e) => store_failure(&e),
    }
}

/// `POST /register`.
pub(crate) async fn register(State(oauth): State<Arc<OAuthRuntime>>, peer: ClientAddress, body: Bytes) -> Response {
    if let Some(refused) = oauth.limit(Endpoint::Register, peer) {
        return refused;
    }
    if body.len() > MAX_BODY {
        return oauth_error(StatusCode::PAYLOAD_TOO_LARGE, "invalid_client_metadata", "the registration is too large");
    }
    let client = match super::clients::register(&body, unix_now()) {
        Ok(client) => client,
        Err(e) => return no_store((StatusCode::BAD_REQUEST, axum::Json(e.to_json())).into_response()),
    };
    if let Err(e) = oauth.records.put(CLIENTS, &client.client_id, &client, CLIENT_TTL).await {
        return store_failure(&e);
    }
    tracing::info!(client = %client.client_id, name = ?client.client_name, "client registered");
    no_store((StatusCode::CREATED, axum::Json(super::clients::registration_response(&client))).into_response())
}

/// The parameters of a form body; `Err` when one appears twice (RFC 6749 §3.2).
fn form(body: &[u8]) -> Result<HashMap<String, String>, String> {
    let mut params = HashMap::new();
    for (name, value) in form_urlencoded::parse(body) {
        if params.insert(name.to_string(), value.into_owned()).is_some() {
            return Err(format!("the parameter {name} is repeated"));
        }
    }
    Ok(params)
}

/// What `/token` and `/revoke` check first, in this order: the rate limit, the size, the form
/// and the client. `Ok((client_id, parameters))` or the refusal to send.
async fn client_request(
    oauth: &OAuthRuntime,
    endpoint: Endpoint,
    peer: ClientAddress,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(String, HashMap<String, String>), Response> {
    if let Some(refused) = oauth.limit(endpoint, peer) {
        return Err(refused);
    }
    if body.len() > MAX_BODY {
        return Err(oauth_error(StatusCode::PAYLOAD_TOO_LARGE, "invalid_request", "the request is too large"));
    }
    let params = form(body).map_err(|e| oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &e))?;
    let client_id = client_of(oauth, headers, &params).await?;
    Ok((client_id, params))
}

/// The client of a token or revocation request: public clients name themselves with
/// `client_id`; no client here has a secret.
async fn client_of(
    oauth: &OAuthRuntime,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
) -> Result<String, Response> {
    if headers.contains_key(AUTHORIZATION) {
        return Err(oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "clients here are public: send client_id and no credentials",
        ));
    }
    let Some(client_id) = params.get("client_id").filter(|c| !c.is_empty()) else {
        return Err(oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "client_id is missing"));
    };
    match oauth.client(client_id).await {
        Ok(Some(client)) => Ok(client.client_id),
        Ok(None) => Err(oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "unknown client")),
        Err(e) => Err(oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", &e)),
    }
}

/// `POST /token`.
pub(crate) async fn token(
    State(oauth): State<Arc<OAuthRuntime>>,
    peer: ClientAddress,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (client_id, params) = match client_request(&oauth, Endpoint::Token, peer, &headers, &body).await {
        Ok(request) => request,
        Err(refused) => return refused,
    };
    match params.get("grant_type").map(String::as_str) {
        Some("authorization_code") => redeem_code(&oauth, &client_id, &params).await,
        Some("refresh_token") => refresh(&oauth, &client_id, &params).await,
        Some(other) => {
            oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", &format!("{other:?} is not supported"))
        }
        None => oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "grant_type is missing"),
    }
}

fn invalid_grant(description: &str) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

async fn redeem_code(oauth: &OAuthRuntime, client_id: &str, params: &HashMap<String, String>) -> Response {
    let Some(code) = params.get("code") else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "code is missing");
    };
    let key = digest(code);
    let redeemed_key = format!("redeemed:{key}");
    // Taken, not read: of two redemptions racing, one gets the code.
    let record = match oauth.records.take::<Code>(CODES, &key).await {
        Ok(Some(record)) => record,
        Ok(None) => {
            // A code used twice: whatever the first use issued is revoked (RFC 6749 §4.1.2).
            return match oauth.records.get::<RedeemedCode>(CODES, &redeemed_key).await {
                Ok(Some((redeemed, _))) => match oauth.revoke_family(&redeemed.family).await {
                    Ok(()) => invalid_grant("the code was already used; the tokens issued for it are revoked"),
                    Err(e) => store_failure(&e),
                },
                Ok(None) => invalid_grant("the code is unknown or expired"),
                Err(e) => store_failure(&e),
            };
        }
        Err(e) => return store_failure(&e),
    };
    if record.client_id != client_id {
        return invalid_grant("the code was issued to another client");
    }
    if params.get("redirect_uri") != Some(&record.redirect_uri) {
        return invalid_grant("redirect_uri differs from the authorization request's");
    }
    let verifier = params.get("code_verifier").map(String::as_str).unwrap_or_default();
    if !pkce_matches(verifier, &record.code_challenge) {
        return invalid_grant("the PKCE code_verifier does not match the code_challenge");
    }
    if let Some(resource) = params.get("resource")
        && *resource != record.resource
    {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_target", "the resource differs from the authorization's");
    }
    let (family, family_expires_at) = match oauth.new_family(&record).await {
        Ok(family) => family,
        Err(e) => return store_failure(&e),
    };
    let trace = RedeemedCode { family: family.clone() };
    if let Err(e) = oauth.records.put(CODES, &redeemed_key, &trace, CODE_TTL * 2).await {
        return store_failure(&e);
    }
    let grant = Grant {
        family: &family,
        generation: 1,
        family_expires_at,
        client_id,
        scopes: &record.scopes,
        resource: &record.resource,
        principal: &record.principal,
    };
    oauth.token_response(grant).await.unwrap_or_else(|e| store_failure(&e))
}

async fn refresh(oauth: &OAuthRuntime, client_id: &str, params: &HashMap<String, String>) -> Response {
    let Some(token) = params.get("refresh_token") else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "refresh_token is missing");
    };
    let key = digest(token);
    let (record, raw) = match oauth.records.get::<Refresh>(REFRESH_TOKENS, &key).await {
        Ok(Some(found)) => found,
        Ok(None) => return invalid_grant("the refresh token is unknown or expired"),
        Err(e) => return store_failure(&e),
    };
    match oauth.records.get::<Family>(FAMILIES, &record.family).await {
        Ok(Some((family, _))) if !family.revoked => {}
        Ok(_) => return invalid_grant("the refresh token was revoked"),
        Err(e) => return store_failure(&e),
    }
    if record.client_id != client_id {
        return invalid_grant("the refresh token was issued to another client");
    }
    // Rotation: the one request that marks it used gets the next pair; any other use of it
    // (a replay, or a second request racing the first) ends the family.
    let claimed = if record.used {
        false
    } else {
        let used = Refresh { used: true, ..record.clone() };
        match oauth.records.swap(REFRESH_TOKENS, &key, &raw, &used, oauth.refresh_token_ttl).await {
            Ok(claimed) => claimed,
            Err(e) => return store_failure(&e),
        }
    };
    if !claimed {
        tracing::warn!(client = %client_id, "a refresh token was used twice");
        return match oauth.revoke_family(&record.family).await {
            Ok(()) => invalid_grant("the refresh token was already used; every token of this sign-in is revoked"),
            Err(e) => store_failure(&e),
        };
    }
    let scopes = match params.get("scope") {
        Some(scope) => {
            let asked: Vec<String> = scope.split(' ').filter(|s| !s.is_empty()).map(str::to_owned).collect();
            if let Some(extra) = asked.iter().find(|s| !record.scopes.contains(s)) {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_scope",
                    &format!("{extra:?} was not granted to this sign-in"),
                );
            }
            asked
        }
        None => record.scopes.clone(),
    };
    if let Some(resource) = params.get("resource")
        && *resource != record.resource
    {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_target", "the resource differs from the sign-in's");
    }
    if record.family_expires_at <= unix_now() {
        return invalid_grant("the sign-in has expired; sign in again");
    }
    let grant = Grant {
        family: &record.family,
        generation: record.generation + 1,
        family_expires_at: record.family_expires_at,
        client_id,
        scopes: &scopes,
        resource: &record.resource,
        principal: &record.principal,
    };
    oauth.token_response(grant).await.unwrap_or_else(|e| store_failure(&e))
}

/// `POST /revoke`: a refresh token ends its whole family; anything else is already as good as
/// revoked (access tokens are short-lived). Always 200, so nothing is learned from it.
pub(crate) async fn revoke(
    State(oauth): State<Arc<OAuthRuntime>>,
    peer: ClientAddress,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (client_id, params) = match client_request(&oauth, Endpoint::Revoke, peer, &headers, &body).await {
        Ok(request) => request,
        Err(refused) => return refused,
    };
    let Some(token) = params.get("token") else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "token is missing");
    };
    match oauth.records.get::<Refresh>(REFRESH_TOKENS, &digest(token)).await {
        Ok(Some((record, _))) if record.client_id == client_id => {
            if let Err(e) = oauth.revoke_family(&record.family).await {
                return store_failure(&e);
            }
        }
        Ok(_) => {}
        Err(e) => return store_failure(&e),
    }
    no_store(StatusCode::OK.into_response())
}
