//! The browser's part of a sign-in: `/authorize` checks the request and shows the consent
//! page; `/oauth/consent` takes the decision; then either the development login form
//! (`/oauth/login`) or the upstream provider and its way back (`/auth/callback`); at the end the
//! browser goes back to the client with a code.
//!
//! The browser that started a flow is the only one that can finish it: `/authorize` sets a
//! cookie bound to the transaction (HMAC with a per-store secret), which the consent form must
//! come with; approval sets a second one, which the login form and the upstream callback
//! require (so a consent given in an attacker's browser cannot be completed in the victim's).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use http::{HeaderMap, StatusCode};

use super::crypto::{digest, is_s256_challenge, random_token};
use super::pages::{self, Consent};
use super::ratelimit::Endpoint;
use super::records::{Transaction, UpstreamLeg};
use super::redirect::matching;
use super::runtime::{CLIENT_TTL, ClientAddress, OAuthRuntime, TRANSACTION_TTL, Users, store_failure, with_cookie};
use crate::clock::unix_now;
use crate::records::{CLIENTS, TRANSACTIONS, UPSTREAM_TOKENS};

type Params = HashMap<String, String>;

const TXN_COOKIE: &str = "txn";
const CONSENT_COOKIE: &str = "consent";

/// Whether `requested` names our resource. ChatGPT appends its own query (`?kb_name=…`): when
/// our URL has none, the query is ignored in the comparison; when it has one, it must match.
fn same_resource(ours: &str, requested: &str) -> bool {
    if requested == ours {
        return true;
    }
    let (Ok(ours), Ok(mut theirs)) = (reqwest::Url::parse(ours), reqwest::Url::parse(requested)) else { return false };
    if ours.query().is_none() && theirs.fragment().is_none() {
        theirs.set_query(None);
        return theirs == ours;
    }
    false
}

/// `GET /authorize`: RFC 6749 §4.1.1 with PKCE (S256 only) and RFC 8707 `resource`.
pub(crate) async fn authorize(
    State(oauth): State<Arc<OAuthRuntime>>,
    peer: ClientAddress,
    Query(params): Query<Params>,
) -> Response {
    if let Some(refused) = oauth.limit(Endpoint::Authorize, peer) {
        return refused;
    }
    let param = |name: &str| params.get(name).map(String::as_str).filter(|v| !v.is_empty());
    // Until the client and its redirect URI are known to be good, errors stay on this page.
    let Some(client_id) = param("client_id") else {
        return pages::error(StatusCode::BAD_REQUEST, "The request names no client (client_id is missing).");
    };
    let client = match oauth.client(client_id).await {
        Ok(Some(client)) => client,
        Ok(None) => return pages::error(StatusCode::BAD_REQUEST, "This application is not registered here."),
        Err(e) => {
            return pages::error(
                StatusCode::BAD_REQUEST,
                &format!("The application's description cannot be used: {e}"),
            );
        }
    };
    let redirect_uri = match param("redirect_uri") {
        Some(requested) => match matching(&client.redirect_uris, requested) {
            Some(_) => requested.to_owned(),
            None => {
                return pages::error(
                    StatusCode::BAD_REQUEST,
                    "The redirect URI is not one the application registered.",
                );
            }
        },
        None if client.redirect_uris.len() == 1 => client.redirect_uris[0].clone(),
        None => return pages::error(StatusCode::BAD_REQUEST, "The request names no redirect URI."),
    };
    let state = param("state").map(str::to_owned);
    let fail =
        |error: &str, description: &str| oauth.redirect_error(&redirect_uri, error, description, state.as_deref());
    if param("response_type") != Some("code") {
        return fail("unsupported_response_type", "only response_type=code is supported");
    }
    let Some(challenge) = param("code_challenge") else {
        return fail("invalid_request", "PKCE is required: send code_challenge with code_challenge_method=S256");
    };
    if param("code_challenge_method") != Some("S256") {
        return fail("invalid_request", "code_challenge_method must be S256");
    }
    if !is_s256_challenge(challenge) {
        return fail("invalid_request", "code_challenge is not an S256 challenge");
    }
    let resource = match param("resource") {
        Some(resource) if same_resource(&oauth.resource, resource) => oauth.resource.clone(),
        Some(_) => return fail("invalid_target", "the resource is not this server's MCP endpoint"),
        None => oauth.resource.clone(),
    };
    let requested: Vec<String> = match param("scope") {
        Some(scope) => scope.split(' ').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
        None => client
            .scope
            .as_deref()
            .map(|s| s.split(' ').filter(|s| !s.is_empty()).map(str::to_owned).collect())
            .unwrap_or_else(|| oauth.scopes_supported.clone()),
    };
    if let Some(unknown) = requested.iter().find(|s| !oauth.scopes_supported.contains(s)) {
        return fail("invalid_scope", &format!("the scope {unknown:?} is not offered here"));
    }
    let txn_id = random_token(32);
    let csrf = random_token(32);
    let txn = Transaction {
        client_id: client.client_id.clone(),
        client_name: client.client_name.clone(),
        redirect_uri: redirect_uri.clone(),
        state: state.clone(),
        code_challenge: challenge.to_owned(),
        scopes: requested,
        resource,
        csrf: digest(&csrf),
        approved: false,
        upstream: None,
        created_at: unix_now(),
    };
    if let Err(e) = oauth.records.put(TRANSACTIONS, &txn_id, &txn, TRANSACTION_TTL).await {
        return store_failure(&e);
    }
    // A registered client used again stays registered.
    if client.source == super::clients::ClientSource::Registered
        && let Err(e) = oauth.records.put(CLIENTS, &client.client_id, &client, CLIENT_TTL).await
    {
        return store_failure(&e);
    }
    let cookie = match oauth.bind_cookie(TXN_COOKIE, &txn_id).await {
        Ok(cookie) => cookie,
        Err(e) => return store_failure(&e),
    };
    let upstream = match &oauth.users {
        Users::Proxy(upstream) => Some(upstream.name()),
        Users::Development(_) => None,
    };
    let page = pages::consent(&Consent {
        server_name: &oauth.server_name,
        client_name: txn.client_name.as_deref(),
        client_id: &txn.client_id,
        redirect_uri: &txn.redirect_uri,
        scopes: &txn.scopes,
        upstream,
        dev_banner: upstream.is_none(),
        txn: &txn_id,
        csrf: &csrf,
    });
    with_cookie(page, cookie)
}

/// The transaction of a form post, checked: it exists, this browser started it, and the form's
/// CSRF token is the one last shown.
async fn checked_txn(
    oauth: &OAuthRuntime,
    headers: &HeaderMap,
    form: &Params,
    cookie: &str,
) -> Result<(String, Transaction, Vec<u8>), Response> {
    let txn_id = form.get("txn").cloned().unwrap_or_default();
    let found = oauth.records.get::<Transaction>(TRANSACTIONS, &txn_id).await.map_err(|e| store_failure(&e))?;
    let Some((txn, raw)) = found else {
        return Err(pages::error(StatusCode::BAD_REQUEST, "This sign-in has expired or was already completed."));
    };
    if !oauth.has_cookie(headers, cookie, &txn_id).await {
        return Err(pages::error(
            StatusCode::FORBIDDEN,
            "This sign-in was started in another browser; start it again from the application.",
        ));
    }
    let csrf = form.get("csrf").map(String::as_str).unwrap_or_default();
    if !super::crypto::constant_time_eq(digest(csrf).as_bytes(), txn.csrf.as_bytes()) {
        return Err(pages::error(StatusCode::FORBIDDEN, "This form has expired or was not sent by this page."));
    }
    Ok((txn_id, txn, raw))
}

/// `POST /oauth/consent`: approve or deny.
pub(crate) async fn consent(
    State(oauth): State<Arc<OAuthRuntime>>,
    headers: HeaderMap,
    Form(form): Form<Params>,
) -> Response {
    let (txn_id, mut txn, raw) = match checked_txn(&oauth, &headers, &form, TXN_COOKIE).await {
        Ok(found) => found,
        Err(refused) => return refused,
    };
    if txn.approved {
        return pages::error(StatusCode::BAD_REQUEST, "This request was already answered.");
    }
    if form.get("decision").map(String::as_str) != Some("approve") {
        if let Err(e) = oauth.records.delete(TRANSACTIONS, &txn_id).await {
            return store_failure(&e);
        }
        return oauth.redirect_error(
            &txn.redirect_uri,
            "access_denied",
            "the user denied the request",
            txn.state.as_deref(),
        );
    }
    txn.approved = true;
    let next = match &oauth.users {
        Users::Development(_) => {
            // The login form gets a CSRF token of its own.
            let csrf = random_token(32);
            txn.csrf = digest(&csrf);
            Redirect::to(&format!("/oauth/login?txn={txn_id}&csrf={csrf}")).into_response()
        }
        Users::Proxy(upstream) => {
            let leg = UpstreamLeg { state: random_token(32), verifier: random_token(32), nonce: random_token(16) };
            let url = match upstream
                .authorize_url(&oauth.endpoint("/auth/callback"), &leg.state, &leg.verifier, &leg.nonce)
                .await
            {
                Ok(url) => url,
                Err(e) => {
                    tracing::error!(error = %e, "the upstream provider is unavailable");
                    return oauth.redirect_error(
                        &txn.redirect_uri,
                        "temporarily_unavailable",
                        "the identity provider is unavailable",
                        txn.state.as_deref(),
                    );
                }
            };
            // The upstream state leads back to this transaction, once.
            let key = format!("upstream:{}", digest(&leg.state));
            if let Err(e) = oauth.records.put(TRANSACTIONS, &key, &txn_id, TRANSACTION_TTL).await {
                return store_failure(&e);
            }
            txn.upstream = Some(leg);
            Redirect::to(&url).into_response()
        }
    };
    match oauth.records.swap(TRANSACTIONS, &txn_id, &raw, &txn, TRANSACTION_TTL).await {
        Ok(true) => {}
        Ok(false) => return pages::error(StatusCode::CONFLICT, "This request was answered twice at once."),
        Err(e) => return store_failure(&e),
    }
    match oauth.bind_cookie(CONSENT_COOKIE, &txn_id).await {
        Ok(cookie) => with_cookie(next, cookie),
        Err(e) => store_failure(&e),
    }
}

/// `GET /oauth/login`: the development login form, for an approved transaction.
pub(crate) async fn login_page(
    State(oauth): State<Arc<OAuthRuntime>>,
    headers: HeaderMap,
    Query(params): Query<Params>,
) -> Response {
    let Users::Development(users) = &oauth.users else {
        return pages::error(StatusCode::NOT_FOUND, "Users sign in with the identity provider here.");
    };
    let (txn_id, txn, _) = match checked_txn(&oauth, &headers, &params, CONSENT_COOKIE).await {
        Ok(found) => found,
        Err(refused) => return refused,
    };
    if !txn.approved {
        return pages::error(StatusCode::BAD_REQUEST, "This request was not approved.");
    }
    let csrf = params.get("csrf").cloned().unwrap_or_default();
    pages::login(&oauth.server_name, &txn_id, &csrf, &users.usernames(), false)
}

/// `POST /oauth/login`: checks the test account and finishes the sign-in.
pub(crate) async fn login(
    State(oauth): State<Arc<OAuthRuntime>>,
    peer: ClientAddress,
    headers: HeaderMap,
    Form(form): Form<Params>,
) -> Response {
    let Users::Development(users) = &oauth.users else {
        return pages::error(StatusCode::NOT_FOUND, "Users sign in with the identity provider here.");
    };
    // Password guesses count against the authorization limit.
    if let Some(refused) = oauth.limit(Endpoint::Authorize, peer) {
        return refused;
    }
    let (txn_id, txn, _) = match checked_txn(&oauth, &headers, &form, CONSENT_COOKIE).await {
        Ok(found) => found,
        Err(refused) => return refused,
    };
    if !txn.approved {
        return pages::error(StatusCode::BAD_REQUEST, "This request was not approved.");
    }
    let username = form.get("username").map(String::as_str).unwrap_or_default();
    let password = form.get("password").map(String::as_str).unwrap_or_default();
    let Some(principal) = users.authenticate(username, password, unix_now()) else {
        let csrf = form.get("csrf").cloned().unwrap_or_default();
        return pages::login(&oauth.server_name, &txn_id, &csrf, &users.usernames(), true);
    };
    // One completion per transaction, even with two posts racing.
    match oauth.records.take::<Transaction>(TRANSACTIONS, &txn_id).await {
        Ok(Some(_)) => {}
        Ok(None) => return pages::error(StatusCode::CONFLICT, "This sign-in was already completed."),
        Err(e) => return store_failure(&e),
    }
    tracing::info!(user = %principal.subject, client = %txn.client_id, "signed in (development)");
    match oauth.issue_code(&txn, principal, None).await {
        Ok(response) => response,
        Err(e) => store_failure(&e),
    }
}

/// `GET /auth/callback`: the upstream provider sends the browser back here.
pub(crate) async fn callback(
    State(oauth): State<Arc<OAuthRuntime>>,
    headers: HeaderMap,
    Query(params): Query<Params>,
) -> Response {
    let Users::Proxy(upstream) = &oauth.users else {
        return pages::error(StatusCode::NOT_FOUND, "There is no upstream provider here.");
    };
    let state = params.get("state").map(String::as_str).unwrap_or_default();
    let key = format!("upstream:{}", digest(state));
    let txn_id = match oauth.records.take::<String>(TRANSACTIONS, &key).await {
        Ok(Some(txn_id)) => txn_id,
        Ok(None) => return pages::error(StatusCode::BAD_REQUEST, "This sign-in is unknown, expired or already used."),
        Err(e) => return store_failure(&e),
    };
    // The browser must be the one that approved (checked before the transaction is spent).
    if !oauth.has_cookie(&headers, CONSENT_COOKIE, &txn_id).await {
        tracing::warn!("an upstream callback arrived in a browser that did not approve the request");
        return pages::error(
            StatusCode::FORBIDDEN,
            "This sign-in was approved in another browser; start it again from the application.",
        );
    }
    let txn = match oauth.records.take::<Transaction>(TRANSACTIONS, &txn_id).await {
        Ok(Some(txn)) => txn,
        Ok(None) => return pages::error(StatusCode::BAD_REQUEST, "This sign-in has expired."),
        Err(e) => return store_failure(&e),
    };
    let Some(leg) = txn.upstream.clone().filter(|leg| leg.state == state && txn.approved) else {
        return pages::error(StatusCode::BAD_REQUEST, "This sign-in does not match its request.");
    };
    let back = |error: &str, description: &str| {
        oauth.redirect_error(&txn.redirect_uri, error, description, txn.state.as_deref())
    };
    if let Some(error) = params.get("error") {
        tracing::info!(%error, "the upstream provider refused the sign-in");
        let error =
            if error == "access_denied" || error == "login_required" { error.as_str() } else { "access_denied" };
        return back(error, "the identity provider did not sign the user in");
    }
    let Some(code) = params.get("code") else { return back("invalid_request", "the identity provider sent no code") };
    let (tokens, principal) =
        match upstream.redeem(code, &leg.verifier, &oauth.endpoint("/auth/callback"), &leg.nonce).await {
            Ok(redeemed) => redeemed,
            Err(e) => {
                tracing::warn!(error = %e, "the upstream sign-in failed");
                return back("server_error", "the sign-in with the identity provider failed");
            }
        };
    let upstream_id = random_token(24);
    if let Err(e) = oauth.records.put(UPSTREAM_TOKENS, &upstream_id, &tokens, oauth.session_ttl).await {
        return store_failure(&e);
    }
    tracing::info!(user = %principal.subject, client = %txn.client_id, "signed in through the upstream provider");
    match oauth.issue_code(&txn, principal, Some(upstream_id)).await {
        Ok(response) => response,
        Err(e) => store_failure(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::same_resource;

    #[test]
    fn resources() {
        assert!(same_resource("https://a.example/mcp", "https://a.example/mcp"));
        assert!(same_resource("https://a.example/mcp", "https://a.example/mcp?kb_name=x"));
        assert!(!same_resource("https://a.example/mcp", "https://b.example/mcp"));
        assert!(!same_resource("https://a.example/mcp", "https://a.example/other"));
        assert!(!same_resource("https://a.example/mcp?tenant=1", "https://a.example/mcp?tenant=2"));
        assert!(!same_resource("https://a.example/mcp", "not a url"));
    }
}
