//! The harness of the OAuth tests (`tests/auth.rs`, `tests/auth_tools.rs`): an issuer on
//! 127.0.0.1 serving its discovery document and a JWKS that tests can change (and count the
//! fetches of), tokens signed with the keys of `tests/fixtures/auth/`, and an MCP server
//! protected by [`Auth`] whose resource URL is its own `/mcp`.
//!
//! Every test binary uses a different part of it.
#![allow(dead_code)]

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode as AxumStatus;
use axum::response::{IntoResponse, Response as AxumResponse};
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fastapps_core::ServeError;
use fastapps_core::auth::Auth;
use fastapps_core::prelude::*;
use jsonwebtoken::{Algorithm, EncodingKey};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Map, Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The protocol version the tests speak.
pub(crate) const VERSION: &str = "2025-11-25";
/// The longest any single step may take before the test is declared hung.
pub(crate) const STEP: Duration = Duration::from_secs(5);
/// The key store refreshes on an unknown `kid` at most this often.
pub(crate) const REFRESH_INTERVAL: Duration = Duration::from_millis(1100);
/// The description every invalid token gets.
pub(crate) const INVALID_DESCRIPTION: &str = "The access token is invalid or expired";

pub(crate) const KID_A: &str = "key-a";
pub(crate) const KID_B: &str = "key-b";
pub(crate) const KID_EC: &str = "key-ec";
pub(crate) const KID_WEAK: &str = "weak";

// ---------------------------------------------------------------------------------------------
// Keys and tokens

/// A signing key of the fixtures and its public JWK.
pub(crate) struct Key {
    pub(crate) kid: &'static str,
    pub(crate) alg: Algorithm,
    pub(crate) encoding: EncodingKey,
    /// The public key as a JWK with `kid`, `alg` and `use`.
    pub(crate) jwk: Value,
}

fn install_crypto() {
    let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
}

fn jwk(public: &str, kid: &str, alg: &str) -> Value {
    let mut jwk: Value = serde_json::from_str(public).expect("a JWK fixture");
    jwk["kid"] = kid.into();
    jwk["alg"] = alg.into();
    jwk["use"] = "sig".into();
    jwk
}

/// RSA 2048, `kid` `key-a`: the issuer's current key.
pub(crate) fn rsa_a() -> Key {
    install_crypto();
    Key {
        kid: KID_A,
        alg: Algorithm::RS256,
        encoding: EncodingKey::from_rsa_pem(include_bytes!("../fixtures/auth/rsa-a.pem")).expect("rsa-a.pem"),
        jwk: jwk(include_str!("../fixtures/auth/rsa-a.jwk.json"), KID_A, "RS256"),
    }
}

/// RSA 2048, `kid` `key-b`: the key rotated in (or an unknown key, when not published).
pub(crate) fn rsa_b() -> Key {
    install_crypto();
    Key {
        kid: KID_B,
        alg: Algorithm::RS256,
        encoding: EncodingKey::from_rsa_pem(include_bytes!("../fixtures/auth/rsa-b.pem")).expect("rsa-b.pem"),
        jwk: jwk(include_str!("../fixtures/auth/rsa-b.jwk.json"), KID_B, "RS256"),
    }
}

/// EC P-256, `kid` `key-ec`, for ES256.
pub(crate) fn ec() -> Key {
    install_crypto();
    Key {
        kid: KID_EC,
        alg: Algorithm::ES256,
        encoding: EncodingKey::from_ec_pem(include_bytes!("../fixtures/auth/ec-p256.pem")).expect("ec-p256.pem"),
        jwk: jwk(include_str!("../fixtures/auth/ec-p256.jwk.json"), KID_EC, "ES256"),
    }
}

/// The public JWK of the 1024-bit RSA key, `kid` `weak` (aws-lc-rs cannot sign with it; see
/// [`WEAK_TOKEN`]).
pub(crate) fn weak_jwk() -> Value {
    jwk(include_str!("../fixtures/auth/rsa-weak.jwk.json"), KID_WEAK, "RS256")
}

/// The public key of `rsa-a` as PEM (the HMAC secret of the algorithm-confusion attack).
pub(crate) const RSA_A_PUBLIC_PEM: &[u8] = include_bytes!("../fixtures/auth/rsa-a.pub.pem");

/// An RS256 token signed with the 1024-bit key (`kid` `weak`), otherwise valid for
/// [`WEAK_ISSUER`] and [`WEAK_AUDIENCE`] until 2100 (made by `fixtures/auth/generate.sh`).
pub(crate) const WEAK_TOKEN: &str = include_str!("../fixtures/auth/rsa-weak.token");
pub(crate) const WEAK_ISSUER: &str = "https://issuer.test";
pub(crate) const WEAK_AUDIENCE: &str = "https://mcp.test/mcp";

/// Base64url without padding of a JSON value's text.
pub(crate) fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// The JSON value of a base64url segment.
pub(crate) fn unb64(segment: &str) -> Value {
    let bytes = URL_SAFE_NO_PAD.decode(segment).expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON")
}

/// A compact JWS of exactly this header and these claims, signed with `key` under `alg`.
pub(crate) fn sign_with(key: &EncodingKey, alg: Algorithm, header: &Value, claims: &Value) -> String {
    let input = format!("{}.{}", b64(header), b64(claims));
    let signature = jsonwebtoken::crypto::sign(input.as_bytes(), key, alg).expect("signing a token");
    format!("{input}.{signature}")
}

/// A compact JWS of this header and these claims, signed with `key` under its algorithm.
pub(crate) fn sign(key: &Key, header: &Value, claims: &Value) -> String {
    sign_with(&key.encoding, key.alg, header, claims)
}

/// The usual header: `alg` of the key, `typ: JWT`, the key's `kid`.
pub(crate) fn header(key: &Key) -> Value {
    json!({ "alg": key.alg, "typ": "JWT", "kid": key.kid })
}

/// Seconds since the epoch.
pub(crate) fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("a clock after 1970").as_secs() as i64
}

static JTI: AtomicU64 = AtomicU64::new(1);

// ---------------------------------------------------------------------------------------------
// The issuer

struct IssuerState {
    url: Mutex<String>,
    /// The `issuer` the discovery document names (default: the URL itself).
    advertised: Mutex<Option<String>>,
    keys: Mutex<Vec<Value>>,
    up: AtomicBool,
    jwks_fetches: AtomicUsize,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

async fn discovery(State(state): State<Arc<IssuerState>>) -> AxumResponse {
    if !state.up.load(Ordering::SeqCst) {
        return AxumStatus::SERVICE_UNAVAILABLE.into_response();
    }
    let url = lock(&state.url).clone();
    let issuer = lock(&state.advertised).clone().unwrap_or_else(|| url.clone());
    axum::Json(json!({
        "issuer": issuer,
        "jwks_uri": format!("{url}/jwks"),
        "authorization_endpoint": format!("{url}/authorize"),
        "token_endpoint": format!("{url}/token"),
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
    }))
    .into_response()
}

async fn jwks(State(state): State<Arc<IssuerState>>) -> AxumResponse {
    state.jwks_fetches.fetch_add(1, Ordering::SeqCst);
    if !state.up.load(Ordering::SeqCst) {
        return AxumStatus::SERVICE_UNAVAILABLE.into_response();
    }
    axum::Json(json!({ "keys": *lock(&state.keys) })).into_response()
}

/// An OAuth issuer on 127.0.0.1: `/.well-known/openid-configuration` and `/jwks`.
pub(crate) struct Issuer {
    /// `http://127.0.0.1:<port>`, the issuer identifier.
    pub(crate) url: String,
    state: Arc<IssuerState>,
    task: JoinHandle<()>,
}

impl Issuer {
    /// Serves these JWKs.
    pub(crate) async fn start(keys: Vec<Value>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the issuer");
        let url = format!("http://{}", listener.local_addr().expect("issuer address"));
        let state = Arc::new(IssuerState {
            url: Mutex::new(url.clone()),
            advertised: Mutex::new(None),
            keys: Mutex::new(keys),
            up: AtomicBool::new(true),
            jwks_fetches: AtomicUsize::new(0),
        });
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .with_state(state.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { url, state, task }
    }

    /// Replaces the published keys.
    pub(crate) fn set_keys(&self, keys: Vec<Value>) {
        *lock(&self.state.keys) = keys;
    }

    /// Publishes one more key.
    pub(crate) fn add_key(&self, key: Value) {
        lock(&self.state.keys).push(key);
    }

    /// Makes both endpoints answer 503 (`false`) or work again (`true`).
    pub(crate) fn set_up(&self, up: bool) {
        self.state.up.store(up, Ordering::SeqCst);
    }

    /// Makes the discovery document name another issuer.
    pub(crate) fn advertise_issuer(&self, issuer: &str) {
        *lock(&self.state.advertised) = Some(issuer.to_owned());
    }

    /// How many times `/jwks` was requested.
    pub(crate) fn jwks_fetches(&self) -> usize {
        self.state.jwks_fetches.load(Ordering::SeqCst)
    }
}

impl Drop for Issuer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

// ---------------------------------------------------------------------------------------------
// The MCP server

/// The tools of the notes server: `read_notes` (requires `notes:read`), `write_notes`
/// (requires `notes:write`), `public_info` (public) and `search` (optional `notes:read`).
/// Each answers with who called it.
pub(crate) fn notes_tools(builder: ServerBuilder) -> ServerBuilder {
    builder
        .tool(read_notes())
        .tool(
            ToolDef::new("write_notes", |_args, ctx: Context| async move {
                Ok(CallToolResult::text(format!("written by {}", caller(&ctx))))
            })
            .security(Security::required(["notes:write"])),
        )
        .tool(
            ToolDef::new("public_info", |_args, ctx: Context| async move {
                Ok(CallToolResult::text(format!("public for {}", caller(&ctx))))
            })
            .security(Security::Public),
        )
        .tool(
            ToolDef::new("search", |_args, ctx: Context| async move {
                let text = match ctx.user() {
                    Ok(user) => format!("search as {} with [{}]", user.subject, user.scopes.join(" ")),
                    Err(_) => "search as anonymous".to_owned(),
                };
                Ok(CallToolResult::text(text))
            })
            .security(Security::optional(["notes:read"])),
        )
}

/// `read_notes`, requiring `notes:read`: answers `notes of <subject>`.
pub(crate) fn read_notes() -> ToolDef {
    ToolDef::new("read_notes", |_args, ctx: Context| async move {
        Ok(CallToolResult::text(format!("notes of {}", caller(&ctx))))
    })
    .security(Security::required(["notes:read"]))
}

/// The caller's subject, or `anonymous`.
pub(crate) fn caller(ctx: &Context) -> String {
    ctx.user().map(|u| u.subject.clone()).unwrap_or_else(|_| "anonymous".to_owned())
}

/// A protected MCP server serving on 127.0.0.1 until dropped.
pub(crate) struct Mcp {
    /// `http://127.0.0.1:<port>/mcp`, also the resource URL.
    pub(crate) url: String,
    /// `http://127.0.0.1:<port>/.well-known/oauth-protected-resource/mcp`
    pub(crate) prm_url: String,
    /// `http://127.0.0.1:<port>/.well-known/oauth-protected-resource`
    pub(crate) root_prm_url: String,
    pub(crate) http: Client,
    /// When serving began (the keys were fetched just before).
    pub(crate) started: Instant,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), ServeError>>>,
}

fn http_client() -> Client {
    Client::builder().no_proxy().timeout(Duration::from_secs(20)).build().expect("reqwest client")
}

/// Binds a listener, then builds the server for its URL: `auth` gets
/// `Auth::issuer(issuer).resource_server_url(<url>/mcp)`, `tools` the builder (tools from
/// macros off).
pub(crate) async fn bind_and_build(
    issuer: &str,
    auth: impl FnOnce(Auth) -> Auth,
    tools: impl FnOnce(ServerBuilder) -> ServerBuilder,
) -> (TcpListener, WidgetMcpServer, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the MCP server");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let url = format!("{base}/mcp");
    let builder = tools(WidgetMcpServer::builder("auth-test").macro_tools(false));
    let server = builder
        .auth(auth(Auth::issuer(issuer).resource_server_url(url.clone())))
        .build_server()
        .expect("the server builds");
    (listener, server, base)
}

/// Serves until start-up fails or `STEP` passes; the error, or a panic when it started.
pub(crate) async fn start_up_error(listener: TcpListener, server: WidgetMcpServer) -> ServeError {
    let serving = server.serve_with_shutdown(listener, std::future::pending());
    match tokio::time::timeout(STEP, serving).await {
        Ok(Err(e)) => e,
        Ok(Ok(())) => panic!("the server stopped without an error"),
        Err(_) => panic!("the server started although it should have refused to"),
    }
}

impl Mcp {
    /// Serves `server` on `listener` and waits until it answers (the keys are fetched).
    pub(crate) async fn serve(listener: TcpListener, server: WidgetMcpServer, base: String) -> Self {
        let (tx, rx) = oneshot::channel::<()>();
        let mut task = tokio::spawn(server.serve_with_shutdown(listener, async move {
            let _ = rx.await;
        }));
        let http = http_client();
        let prm_url = format!("{base}/.well-known/oauth-protected-resource/mcp");
        let probe = http.get(&prm_url).send();
        tokio::select! {
            served = &mut task => panic!("the server did not start: {served:?}"),
            answer = tokio::time::timeout(STEP, probe) => {
                let answer = answer.expect("the server starts in time");
                assert!(answer.is_ok(), "the server answers once started: {answer:?}");
            }
        }
        Self {
            url: format!("{base}/mcp"),
            prm_url,
            root_prm_url: format!("{base}/.well-known/oauth-protected-resource"),
            http,
            started: Instant::now(),
            stop: Some(tx),
            task: Some(task),
        }
    }

    /// Waits until the key store may refresh again after the start-up fetch.
    pub(crate) async fn wait_refresh_interval(&self) {
        let elapsed = self.started.elapsed();
        if elapsed < REFRESH_INTERVAL {
            tokio::time::sleep(REFRESH_INTERVAL - elapsed).await;
        }
    }

    /// A POST of a JSON-RPC message with the usual headers, the session (if any) and these
    /// `Authorization` header values (none, one, or several).
    pub(crate) async fn post(&self, session: Option<&str>, authorization: &[String], body: &Value) -> Response {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        headers.insert("accept", HeaderValue::from_static("application/json, text/event-stream"));
        headers.insert("mcp-protocol-version", HeaderValue::from_static(VERSION));
        if let Some(id) = session {
            headers.insert("mcp-session-id", HeaderValue::from_str(id).expect("session id"));
        }
        for value in authorization {
            headers.append(HeaderName::from_static("authorization"), HeaderValue::from_str(value).expect("ASCII"));
        }
        let request = self.http.post(&self.url).headers(headers).body(body.to_string()).send();
        tokio::time::timeout(STEP, request).await.expect("the server answers in time").expect("POST")
    }

    /// `initialize` as client `client_name`, with `Authorization: Bearer <token>` if given.
    pub(crate) async fn initialize_as(&self, token: Option<&str>, client_name: &str) -> Response {
        let params = json!({
            "protocolVersion": VERSION,
            "capabilities": {},
            "clientInfo": { "name": client_name, "version": "1.0.0" }
        });
        self.post(None, &auth_header(token), &rpc("initialize", params)).await
    }

    /// A session opened by `initialize` (client `test-client`) and `notifications/initialized`.
    pub(crate) async fn session(&self, token: Option<&str>) -> String {
        self.session_as(token, "test-client").await
    }

    /// A session of the client `client_name`.
    pub(crate) async fn session_as(&self, token: Option<&str>, client_name: &str) -> String {
        let response = self.initialize_as(token, client_name).await;
        assert_eq!(response.status(), StatusCode::OK, "initialize succeeds");
        let id = response.headers().get("mcp-session-id").expect("a session id").to_str().expect("ASCII").to_owned();
        let initialized = json!({ "jsonrpc": "2.0", "method": "notifications/initialized" });
        let response = self.post(Some(&id), &auth_header(token), &initialized).await;
        assert_eq!(response.status(), StatusCode::ACCEPTED, "notifications/initialized is accepted");
        id
    }

    /// `tools/call` of `tool` (no arguments; `_meta` if given) in `session`.
    pub(crate) async fn call(&self, session: &str, token: Option<&str>, tool: &str, meta: Option<Value>) -> Response {
        let mut params = json!({ "name": tool, "arguments": {} });
        if let Some(meta) = meta {
            params["_meta"] = meta;
        }
        self.post(Some(session), &auth_header(token), &rpc("tools/call", params)).await
    }

    /// A 2026-07-28 request (no session) of client `client_name`, declaring elicitation, with
    /// the request headers and these `Authorization` values.
    pub(crate) async fn post_modern(
        &self,
        authorization: &[String],
        client_name: &str,
        method: &str,
        mut params: Value,
    ) -> Response {
        params["_meta"] = json!({
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientInfo": { "name": client_name, "version": "1.0.0" },
            "io.modelcontextprotocol/clientCapabilities": { "elicitation": {} }
        });
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        headers.insert("accept", HeaderValue::from_static("application/json, text/event-stream"));
        headers.insert("mcp-protocol-version", HeaderValue::from_static("2026-07-28"));
        headers.insert("mcp-method", HeaderValue::from_str(method).expect("ASCII"));
        if let Some(name) = params["name"].as_str() {
            headers.insert("mcp-name", HeaderValue::from_str(name).expect("ASCII"));
        }
        for value in authorization {
            headers.append(HeaderName::from_static("authorization"), HeaderValue::from_str(value).expect("ASCII"));
        }
        let body = rpc(method, params);
        let request = self.http.post(&self.url).headers(headers).body(body.to_string()).send();
        let response = tokio::time::timeout(STEP, request).await.expect("the server answers in time").expect("POST");
        assert!(response.headers().get("mcp-session-id").is_none(), "no session in 2026-07-28");
        response
    }

    /// A 2026-07-28 `tools/call` of `tool` with `extra` params (answers, state).
    pub(crate) async fn call_modern(
        &self,
        token: Option<&str>,
        client_name: &str,
        tool: &str,
        extra: Value,
    ) -> Response {
        let mut params = json!({ "name": tool, "arguments": {} });
        params.as_object_mut().expect("object").extend(extra.as_object().cloned().unwrap_or_default());
        self.post_modern(&auth_header(token), client_name, "tools/call", params).await
    }

    /// `tools/list` in `session`.
    pub(crate) async fn list(&self, session: &str, token: Option<&str>) -> Response {
        self.post(Some(session), &auth_header(token), &rpc("tools/list", json!({}))).await
    }

    /// `tools/call` of `tool` answered with 200 and a result: the result.
    pub(crate) async fn call_ok(&self, session: &str, token: Option<&str>, tool: &str) -> Value {
        result(self.call(session, token, tool, None).await).await
    }

    /// The text of a successful (not `isError`) call of `tool`.
    pub(crate) async fn call_text(&self, session: &str, token: Option<&str>, tool: &str) -> String {
        let result = self.call_ok(session, token, tool).await;
        assert_eq!(result["isError"], json!(false), "{tool} succeeds: {result}");
        result["content"][0]["text"].as_str().expect("a text result").to_owned()
    }

    /// The `resource_metadata` URL, as challenges name it.
    pub(crate) fn resource_metadata(&self) -> &str {
        &self.prm_url
    }

    /// The challenge of an invalid or expired token.
    pub(crate) fn invalid_token_challenge(&self) -> String {
        format!(
            "Bearer error=\"invalid_token\", error_description=\"{INVALID_DESCRIPTION}\", resource_metadata=\"{}\"",
            self.prm_url
        )
    }
}

impl Drop for Mcp {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// A JSON-RPC request with id 1.
pub(crate) fn rpc(method: &str, params: Value) -> Value {
    json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params })
}

/// `["Bearer <token>"]`, or nothing.
pub(crate) fn auth_header(token: Option<&str>) -> Vec<String> {
    token.map(|t| format!("Bearer {t}")).into_iter().collect()
}

// ---------------------------------------------------------------------------------------------
// An issuer and a server together

/// An issuer and a server trusting it.
pub(crate) struct Env {
    pub(crate) issuer: Issuer,
    pub(crate) mcp: Mcp,
    pub(crate) key: Key,
}

impl Env {
    /// The notes server (mixed: public, optional and protected tools), default settings, the
    /// issuer publishing key A.
    pub(crate) async fn notes() -> Self {
        Self::start(vec![rsa_a().jwk], |auth| auth, notes_tools).await
    }

    /// An issuer publishing `keys` and a server set up by `auth` and `tools`.
    pub(crate) async fn start(
        keys: Vec<Value>,
        auth: impl FnOnce(Auth) -> Auth,
        tools: impl FnOnce(ServerBuilder) -> ServerBuilder,
    ) -> Self {
        let issuer = Issuer::start(keys).await;
        let (listener, server, base) = bind_and_build(&issuer.url, auth, tools).await;
        let mcp = Mcp::serve(listener, server, base).await;
        Self { issuer, mcp, key: rsa_a() }
    }

    /// Valid claims: this issuer, the server's audience, `sub`, client `client-1`, `scope`,
    /// issued now, expiring in 10 minutes, a fresh `jti`.
    pub(crate) fn claims(&self, sub: &str, scope: &str) -> Value {
        let now = now();
        json!({
            "iss": self.issuer.url,
            "aud": self.mcp.url,
            "sub": sub,
            "client_id": "client-1",
            "scope": scope,
            "iat": now,
            "exp": now + 600,
            "jti": format!("jti-{}", JTI.fetch_add(1, Ordering::Relaxed)),
        })
    }

    /// Claims as [`claims`](Self::claims), edited by `edit`.
    pub(crate) fn claims_with(&self, sub: &str, scope: &str, edit: impl FnOnce(&mut Map<String, Value>)) -> Value {
        let mut claims = self.claims(sub, scope);
        edit(claims.as_object_mut().expect("an object"));
        claims
    }

    /// A valid token of `sub` with `scope`, signed with key A.
    pub(crate) fn token(&self, sub: &str, scope: &str) -> String {
        self.sign(&self.claims(sub, scope))
    }

    /// These claims under the usual header, signed with key A.
    pub(crate) fn sign(&self, claims: &Value) -> String {
        sign(&self.key, &header(&self.key), claims)
    }

    /// An anonymous session (the server must allow anonymous `initialize`).
    pub(crate) async fn anonymous_session(&self) -> String {
        self.mcp.session(None).await
    }

    /// Asserts that `token` is refused with 401 `invalid_token` on `tools/call read_notes` and
    /// on `tools/list`.
    pub(crate) async fn assert_refused(&self, token: &str) {
        let session = self.anonymous_session().await;
        let response = self.mcp.call(&session, Some(token), "read_notes", None).await;
        assert_invalid_token(response, &self.mcp).await;
        let response = self.mcp.list(&session, Some(token)).await;
        assert_invalid_token(response, &self.mcp).await;
    }

    /// Asserts that `token` (of `alice` with `notes:read`) is accepted: `read_notes` answers
    /// `notes of alice` and `tools/list` works.
    pub(crate) async fn assert_accepted(&self, token: &str) {
        let session = self.anonymous_session().await;
        assert_eq!(self.mcp.call_text(&session, Some(token), "read_notes").await, "notes of alice");
        let response = self.mcp.list(&session, Some(token)).await;
        assert_eq!(response.status(), StatusCode::OK, "tools/list with the token");
    }
}

// ---------------------------------------------------------------------------------------------
// Assertions

/// Every `WWW-Authenticate` value of a response.
pub(crate) fn www_authenticate(response: &Response) -> Vec<String> {
    response
        .headers()
        .get_all("www-authenticate")
        .iter()
        .map(|v| v.to_str().expect("an ASCII challenge").to_owned())
        .collect()
}

/// The JSON body of a response, asserting `Content-Type: application/json`.
pub(crate) async fn json_body(response: Response) -> Value {
    let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap_or_default().to_owned());
    assert_eq!(content_type.as_deref(), Some("application/json"), "a JSON body");
    let bytes = response.bytes().await.expect("body");
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("invalid JSON ({e}): {}", String::from_utf8_lossy(&bytes)))
}

/// Asserts an OAuth refusal: the status, exactly one `WWW-Authenticate` equal to `challenge`,
/// and the body `{"error":…,"error_description":…}`.
pub(crate) async fn assert_oauth(
    response: Response,
    status: StatusCode,
    challenge: &str,
    error: &str,
    description: &str,
) {
    assert_eq!(response.status(), status, "status (challenge {:?})", www_authenticate(&response));
    assert_eq!(www_authenticate(&response), [challenge], "WWW-Authenticate");
    assert_eq!(json_body(response).await, json!({ "error": error, "error_description": description }), "body");
}

/// Asserts the 401 of an invalid token.
pub(crate) async fn assert_invalid_token(response: Response, mcp: &Mcp) {
    let challenge = mcp.invalid_token_challenge();
    assert_oauth(response, StatusCode::UNAUTHORIZED, &challenge, "invalid_token", INVALID_DESCRIPTION).await;
}

/// The `result` of a 200 JSON-RPC response.
pub(crate) async fn result(response: Response) -> Value {
    assert_eq!(response.status(), StatusCode::OK, "challenge: {:?}", www_authenticate(&response));
    let body = json_body(response).await;
    assert!(body.get("error").is_none(), "a result, not an error: {body}");
    body["result"].clone()
}
