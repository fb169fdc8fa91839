//! The harness of the OAuth tests (`tests/auth.rs`, `tests/auth_tools.rs`): keys of
//! `tests/fixtures/auth/` (tokens are signed with them, under whatever header and algorithm a
//! test needs), an MCP server protected by [`Auth`] for the resource [`RESOURCE`] and driven in
//! process, whose verifier fetches the keys from a [`TestIssuer`] publishing them or reads them
//! in process.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fastapps_core::BoxFuture;
use fastapps_core::auth::{Auth, BoxError, JwkSet, KeySource};
use fastapps_core::prelude::*;
use fastapps_core::testing::{TestClient, TestIssuer};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Map, Value, json};

use super::{Modern, Response, send};

/// The protocol version the tests speak.
pub(crate) const VERSION: &str = "2025-11-25";
/// The key store refreshes on an unknown `kid` at most this often.
pub(crate) const REFRESH_INTERVAL: Duration = Duration::from_millis(1100);
/// The description every invalid token gets.
pub(crate) const INVALID_DESCRIPTION: &str = "The access token is invalid or expired";
/// The resource URL of the protected server, the audience of its tokens.
pub(crate) const RESOURCE: &str = "http://localhost/mcp";

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

/// A key of the fixtures: `kid`, its algorithm, its private key, its public JWK's text.
fn key(kid: &'static str, alg: Algorithm, encoding: jsonwebtoken::errors::Result<EncodingKey>, public: &str) -> Key {
    install_crypto();
    let name = format!("{alg:?}");
    Key { kid, alg, encoding: encoding.expect("a private key fixture"), jwk: jwk(public, kid, &name) }
}

/// RSA 2048, `kid` `key-a`: the issuer's current key.
pub(crate) fn rsa_a() -> Key {
    let pem = EncodingKey::from_rsa_pem(include_bytes!("../fixtures/auth/rsa-a.pem"));
    key(KID_A, Algorithm::RS256, pem, include_str!("../fixtures/auth/rsa-a.jwk.json"))
}

/// RSA 2048, `kid` `key-b`: the key rotated in (or an unknown key, when not published).
pub(crate) fn rsa_b() -> Key {
    let pem = EncodingKey::from_rsa_pem(include_bytes!("../fixtures/auth/rsa-b.pem"));
    key(KID_B, Algorithm::RS256, pem, include_str!("../fixtures/auth/rsa-b.jwk.json"))
}

/// EC P-256, `kid` `key-ec`, for ES256.
pub(crate) fn ec() -> Key {
    let pem = EncodingKey::from_ec_pem(include_bytes!("../fixtures/auth/ec-p256.pem"));
    key(KID_EC, Algorithm::ES256, pem, include_str!("../fixtures/auth/ec-p256.jwk.json"))
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
// The issuer and the MCP server

/// An issuer on 127.0.0.1 publishing exactly `keys` in its JWKS.
pub(crate) async fn issuer(keys: Vec<Value>) -> TestIssuer {
    let issuer = TestIssuer::start().await.expect("the issuer starts");
    issuer.set_keys(keys);
    issuer
}

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

/// A protected MCP server, driven in process.
pub(crate) struct Mcp {
    pub(crate) client: TestClient,
    /// [`RESOURCE`]: the endpoint and the resource URL.
    pub(crate) url: String,
    /// `http://localhost/.well-known/oauth-protected-resource/mcp`
    pub(crate) prm_url: String,
    /// `http://localhost/.well-known/oauth-protected-resource`
    pub(crate) root_prm_url: String,
    /// When serving began (the keys were fetched just before).
    pub(crate) started: Instant,
}

/// The server: `auth` gets `Auth::issuer(issuer).resource_server_url(RESOURCE)`, `tools` the
/// builder (tools from macros off).
pub(crate) fn build(
    issuer: &str,
    auth: impl FnOnce(Auth) -> Auth,
    tools: impl FnOnce(ServerBuilder) -> ServerBuilder,
) -> WidgetMcpServer {
    let builder = tools(WidgetMcpServer::builder("auth-test").macro_tools(false));
    builder.auth(auth(Auth::issuer(issuer).resource_server_url(RESOURCE))).build_server().expect("the server builds")
}

impl Mcp {
    /// Drives `server`, once its keys are fetched as `serve` fetches them before it answers.
    pub(crate) async fn start(server: WidgetMcpServer) -> Self {
        let mcp = Self {
            client: TestClient::new(server),
            url: RESOURCE.to_owned(),
            prm_url: "http://localhost/.well-known/oauth-protected-resource/mcp".to_owned(),
            root_prm_url: "http://localhost/.well-known/oauth-protected-resource".to_owned(),
            started: Instant::now(),
        };
        // The client runs no start-up step, so a token makes the verifier fetch the keys: one
        // without `kid` (no second fetch looks for it) and without a signature (refused).
        let probe = format!("{}.{}.c2lnbmF0dXJl", b64(&json!({ "alg": "RS256", "typ": "JWT" })), b64(&json!({})));
        let response = mcp.post(None, &auth_header(Some(&probe)), &rpc("ping", json!({}))).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "the key-fetching probe is refused");
        Self { started: Instant::now(), ..mcp }
    }

    /// Waits until the key store may refresh again after the start-up fetch.
    pub(crate) async fn wait_refresh_interval(&self) {
        let elapsed = self.started.elapsed();
        if elapsed < REFRESH_INTERVAL {
            tokio::time::sleep(REFRESH_INTERVAL - elapsed).await;
        }
    }

    /// A GET of `uri` with these headers.
    pub(crate) async fn get(&self, uri: &str, headers: HeaderMap) -> Response {
        send(&self.client, Method::GET, uri, headers, None).await
    }

    /// The usual headers of a POST, the session (if any) and these `Authorization` header
    /// values (none, one, or several).
    pub(crate) fn headers(&self, session: Option<&str>, authorization: &[String]) -> HeaderMap {
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
        headers
    }

    /// A POST of a JSON-RPC message to `uri` with exactly these headers.
    pub(crate) async fn post_headers(&self, uri: &str, headers: HeaderMap, body: &Value) -> Response {
        send(&self.client, Method::POST, uri, headers, Some(body.to_string().into())).await
    }

    /// A POST of a JSON-RPC message to the endpoint with the usual headers, the session (if
    /// any) and these `Authorization` header values.
    pub(crate) async fn post(&self, session: Option<&str>, authorization: &[String], body: &Value) -> Response {
        self.post_headers(&self.url, self.headers(session, authorization), body).await
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
        let client = self.client.clone().client_info(client_name, "1.0.0");
        let client = match token {
            Some(token) => client.bearer(token),
            None => client,
        };
        let headers = client.headers().await.expect("initialize succeeds");
        let (_, id) = headers.iter().find(|(name, _)| name == "mcp-session-id").expect("a session id");
        id.to_str().expect("ASCII").to_owned()
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
        params: Value,
    ) -> Response {
        let modern = Modern::new(self.client.clone())
            .with_client(client_name, "1.0.0")
            .with_capabilities(json!({ "elicitation": {} }));
        let values: Vec<(&str, &str)> = authorization.iter().map(|v| ("authorization", v.as_str())).collect();
        let response = modern.http_post_with(&rpc(method, modern.params(params)), &values).await;
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

/// The keys of the fixtures, handed to the verifier in process.
struct FixtureKeys(JwkSet);

impl KeySource for FixtureKeys {
    fn keys(&self, _fresh: bool) -> BoxFuture<'_, Result<JwkSet, BoxError>> {
        Box::pin(async move { Ok(self.0.clone()) })
    }
}

/// The `iss` of the tokens a server with [`Env::local`] trusts.
pub(crate) const LOCAL_ISSUER: &str = "https://issuer.test";

/// A server and the issuer of its tokens.
pub(crate) struct Env {
    /// The issuer on 127.0.0.1 the server fetches its keys from, if it does.
    issuer: Option<TestIssuer>,
    /// The tokens' `iss`.
    pub(crate) iss: String,
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
        let issuer = issuer(keys).await;
        let server = build(issuer.url(), auth, tools);
        Self::serving(issuer, server).await
    }

    /// `server`, trusting `issuer`, whose URL is the tokens' `iss`.
    pub(crate) async fn serving(issuer: TestIssuer, server: WidgetMcpServer) -> Self {
        let iss = issuer.url().to_owned();
        Self { issuer: Some(issuer), iss, mcp: Mcp::start(server).await, key: rsa_a() }
    }

    /// The notes server as [`notes`](Self::notes), its verifier reading key A in process.
    pub(crate) async fn local_notes() -> Self {
        Self::local(vec![rsa_a().jwk], |auth| auth, notes_tools).await
    }

    /// A server set up by `auth` and `tools` whose verifier reads `keys` in process: for tests
    /// of what is allowed, not of how keys are fetched.
    pub(crate) async fn local(
        keys: Vec<Value>,
        auth: impl FnOnce(Auth) -> Auth,
        tools: impl FnOnce(ServerBuilder) -> ServerBuilder,
    ) -> Self {
        let keys = serde_json::from_value(json!({ "keys": keys })).expect("a JWK set");
        let source: Arc<dyn KeySource> = Arc::new(FixtureKeys(keys));
        let mcp = Mcp::start(build(LOCAL_ISSUER, |a| auth(a.key_source(source)), tools)).await;
        Self { issuer: None, iss: LOCAL_ISSUER.to_owned(), mcp, key: rsa_a() }
    }

    /// The issuer on 127.0.0.1.
    pub(crate) fn issuer(&self) -> &TestIssuer {
        self.issuer.as_ref().expect("an issuer on 127.0.0.1")
    }

    /// Valid claims: this issuer, the server's audience, `sub`, client `client-1`, `scope`,
    /// issued now, expiring in 10 minutes, a fresh `jti`.
    pub(crate) fn claims(&self, sub: &str, scope: &str) -> Value {
        let now = now();
        json!({
            "iss": self.iss,
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

/// The JSON body of a response, asserting `Content-Type: application/json` exactly.
pub(crate) async fn json_body(response: Response) -> Value {
    let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap_or_default().to_owned());
    assert_eq!(content_type.as_deref(), Some("application/json"), "a JSON body");
    super::json_body(response).await
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
