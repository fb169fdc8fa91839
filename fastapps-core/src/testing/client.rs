//! [`TestClient`]: a server driven in process, through its own router and transport.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use base64::Engine as _;
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HOST, WWW_AUTHENTICATE};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::BodyExt as _;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use tokio::sync::OnceCell;
use tower::ServiceExt as _;

use super::credentials::Credentials;
use super::error::TestError;
use super::sse::Events;
use crate::auth::Auth;
use crate::context::MCP_APPS_EXTENSION;
use crate::protocol::modern::meta_keys;
use crate::protocol::{
    CallToolResult, ErrorObject, GetPromptResult, Implementation, Prompt, ProtocolVersion, ReadResourceResult,
    Resource, ResourceBody, ToolDescriptor, methods,
};
use crate::server::WidgetMcpServer;

/// The issuer of a test server's credentials when the server itself names none.
const TEST_ISSUER: &str = "https://issuer.fastapps.invalid";
/// How many times a 2026-07-28 request is retried with the answers to its questions.
const MAX_ROUNDS: usize = 16;

/// Answers the server's requests to the client (`sampling/createMessage`,
/// `elicitation/create`, `roots/list`): the method and params in, the result or an error out.
type RequestHandler = dyn Fn(&str, Value) -> Result<Value, ErrorObject> + Send + Sync;

/// An MCP client that drives a built server in process: every call goes through the server's
/// router and Streamable HTTP transport exactly as a request over the network would (headers,
/// `Host`/`Origin` checks, authentication, sessions, dispatch, JSON or SSE replies), with no
/// socket, no process and no identity provider.
///
/// ```
/// use fastapps_core::prelude::*;
/// use fastapps_core::serde_json::json;
/// use fastapps_core::testing::TestClient;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
/// let add = ToolDef::new("add", |args, _ctx| async move {
///     let sum = args["a"].as_i64().unwrap_or(0) + args["b"].as_i64().unwrap_or(0);
///     Ok(CallToolResult::text(sum.to_string()))
/// })
/// .security(Security::Public);
/// let secret = ToolDef::new("secret", |_, ctx| async move { Ok(CallToolResult::text(ctx.user()?.subject())) })
///     .security(Security::required(["read"]));
/// let server = WidgetMcpServer::builder("app").macro_tools(false).tool(add).tool(secret).build_server()?;
///
/// let client = TestClient::new(server);
/// assert_eq!(client.list_tools().await?.len(), 2);
/// let out = client.call_tool("add", json!({ "a": 2, "b": 3 })).await?;
/// assert_eq!(out.content[0].as_text(), Some("5"));
///
/// // An anonymous call of a tool that needs sign-in is refused (401), as in production …
/// assert!(client.call_tool("secret", json!({})).await.unwrap_err().is_auth_refusal());
/// // … and a signed-in caller with the scope gets through; one without it is refused (403).
/// let alice = client.as_user("alice", ["read"]);
/// assert_eq!(alice.call_tool("secret", json!({})).await?.content[0].as_text(), Some("alice"));
/// assert!(client.as_user("bob", Vec::<String>::new()).call_tool("secret", json!({})).await.is_err());
/// # Ok(())
/// # }
/// ```
///
/// The client speaks 2025-11-25 (with a session, initialized on the first call) unless told
/// another version with [`protocol_version`](Self::protocol_version) (`"2026-07-28"`: every
/// request carries its `_meta` and request headers, no session). It presents itself as
/// `fastapps-test` with no capabilities; [`client_info`](Self::client_info),
/// [`capabilities`](Self::capabilities) and [`mcp_apps`](Self::mcp_apps) change that (a host
/// that declares the MCP Apps extension gets widgets in that dialect).
///
/// Signing in: [`as_user`](Self::as_user) gives a client whose calls carry a credential the
/// server trusts for that caller, whether or not the server configures auth. The credential
/// goes through the server's real verification path (the verified-token cache, the
/// server-wide required scopes) and each tool's requirement, so what is refused in production
/// is refused here. A server that configures auth keeps verifying every other token as
/// before (a [`TestIssuer`](super::TestIssuer)'s JWTs, say, with [`bearer`](Self::bearer)); a
/// server without auth is served as if it had an issuer that signs nothing but these
/// credentials, so its tools' requirements are enforced.
#[derive(Clone)]
pub struct TestClient {
    router: Router,
    server: WidgetMcpServer,
    credentials: Arc<Credentials>,
    identity: Identity,
    token: Option<Arc<str>>,
    session: Arc<OnceCell<Session>>,
    next_id: Arc<AtomicI64>,
    on_request: Option<Arc<RequestHandler>>,
    notifications: Arc<Mutex<Vec<Value>>>,
}

impl std::fmt::Debug for TestClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestClient")
            .field("path", &self.server.path())
            .field("version", &self.identity.version)
            .field("client", &self.identity.info.name)
            .field("signed_in", &self.token.is_some())
            .finish_non_exhaustive()
    }
}

/// Who the client says it is.
#[derive(Clone, Debug)]
struct Identity {
    info: Implementation,
    capabilities: Value,
    version: ProtocolVersion,
}

/// A 2025-11-25 session: its id (none from a stateless server) and the negotiated version.
#[derive(Debug)]
struct Session {
    id: Option<String>,
    version: String,
}

/// An HTTP response with its whole body, as [`TestClient::send`] returns it.
#[derive(Debug)]
pub struct TestResponse {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl TestResponse {
    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON.
    pub fn json(&self) -> Result<Value, TestError> {
        serde_json::from_slice(&self.body).map_err(|e| TestError::Unexpected(format!("the body is not JSON: {e}")))
    }

    /// A header's value, when it is text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

fn unexpected(what: impl std::fmt::Display) -> TestError {
    TestError::Unexpected(what.to_string())
}

/// `Mcp-Name` and `Mcp-Param-*` values: as they are when visible ASCII, else in the Base64
/// form the 2026-07-28 transport defines.
fn header_value(value: &str) -> HeaderValue {
    let plain = value.bytes().all(|b| b.is_ascii_graphic() || b == b' ') && !value.starts_with("=?base64?");
    let text = if plain {
        value.to_owned()
    } else {
        format!("=?base64?{}?=", base64::engine::general_purpose::STANDARD.encode(value))
    };
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

impl TestClient {
    /// A client of `server` (anonymous, 2025-11-25, no capabilities).
    pub fn new(server: WidgetMcpServer) -> Self {
        let path = server.path().to_owned();
        let mut credentials = None;
        let served = server
            .with_auth(|auth, security| match auth {
                Some(auth) => {
                    let next = auth.verifier().clone();
                    let issuer = next.issuer().unwrap_or(TEST_ISSUER).to_owned();
                    let trusted = Arc::new(Credentials::new(Some(next), issuer));
                    credentials = Some(trusted.clone());
                    Ok(auth.with_verifier(trusted))
                }
                None => {
                    let trusted = Arc::new(Credentials::new(None, TEST_ISSUER.to_owned()));
                    credentials = Some(trusted.clone());
                    Auth::verifier(trusted)
                        .authorization_servers([TEST_ISSUER])
                        .resource_server_url(format!("http://localhost{path}"))
                        .resolve(None, security)
                }
            })
            // Settings this function chose itself: an error here is a bug, not a user's mistake.
            .expect("the test server's auth settings are valid");
        let credentials = credentials.expect("the test credentials are made with the server");
        Self {
            router: served.router(),
            server: served,
            credentials,
            identity: Identity {
                info: Implementation::new("fastapps-test", env!("CARGO_PKG_VERSION")),
                capabilities: json!({}),
                version: ProtocolVersion::LATEST_LEGACY,
            },
            token: None,
            session: Arc::default(),
            next_id: Arc::new(AtomicI64::new(1)),
            on_request: None,
            notifications: Arc::default(),
        }
    }

    /// The server this client drives (with the test credentials trusted): for
    /// `notify_resource_updated` and the like.
    pub fn server(&self) -> &WidgetMcpServer {
        &self.server
    }

    /// A client like this one, with a session of its own.
    fn fresh(&self) -> Self {
        Self { session: Arc::default(), notifications: Arc::default(), ..self.clone() }
    }

    fn with_identity(mut self, edit: impl FnOnce(&mut Identity)) -> Self {
        edit(&mut self.identity);
        self.fresh()
    }

    /// Speaks this protocol version: `"2025-11-25"`, `"2025-06-18"`, `"2025-03-26"` (an
    /// `initialize` handshake and a session) or `"2026-07-28"` (no handshake, the version and
    /// capabilities in every request's `_meta`).
    ///
    /// # Panics
    ///
    /// If the server does not speak `version`.
    pub fn protocol_version(self, version: &str) -> Self {
        let version =
            ProtocolVersion::parse(version).unwrap_or_else(|| panic!("the server does not speak version {version:?}"));
        self.with_identity(|identity| identity.version = version)
    }

    /// Presents itself as `name` `version` (`clientInfo`): `openai-mcp` is how ChatGPT does.
    pub fn client_info(self, name: impl Into<String>, version: impl Into<String>) -> Self {
        let info = Implementation::new(name, version);
        self.with_identity(|identity| identity.info = info)
    }

    /// Declares these client capabilities (replacing any), e.g.
    /// `json!({ "elicitation": {}, "sampling": {} })`.
    pub fn capabilities(self, capabilities: Value) -> Self {
        self.with_identity(|identity| identity.capabilities = capabilities)
    }

    /// Declares the MCP Apps extension, as MCP Apps hosts (Claude) do: widgets are then served
    /// as `text/html;profile=mcp-app`.
    pub fn mcp_apps(self) -> Self {
        self.with_identity(|identity| {
            if !identity.capabilities.is_object() {
                identity.capabilities = json!({});
            }
            identity.capabilities["extensions"][MCP_APPS_EXTENSION] = json!({});
        })
    }

    /// Answers the server's requests to the client (sampling, elicitation, roots) with
    /// `handler`; without one they are answered with a `-32601` error. Declare the matching
    /// [`capabilities`](Self::capabilities) too.
    pub fn on_request(
        mut self,
        handler: impl Fn(&str, Value) -> Result<Value, ErrorObject> + Send + Sync + 'static,
    ) -> Self {
        self.on_request = Some(Arc::new(handler));
        self
    }

    /// A client signed in as `subject` with `scopes`, with a session of its own.
    pub fn as_user<S: Into<String>>(&self, subject: &str, scopes: impl IntoIterator<Item = S>) -> Self {
        let token = self.credentials.mint(subject, scopes.into_iter().map(Into::into).collect());
        self.bearer(token)
    }

    /// A client whose calls carry `token` as their bearer token (e.g. a
    /// [`TestIssuer`](super::TestIssuer) JWT, or a forged one), with a session of its own.
    pub fn bearer(&self, token: impl Into<String>) -> Self {
        Self { token: Some(token.into().into()), ..self.fresh() }
    }

    /// An anonymous client, with a session of its own.
    pub fn anonymous(&self) -> Self {
        Self { token: None, ..self.fresh() }
    }

    /// The issuer of the credentials [`as_user`](Self::as_user) mints (their `iss` claim).
    pub fn credential_issuer(&self) -> &str {
        self.credentials.issuer()
    }

    /// The notifications the server sent this client's requests so far (progress, log
    /// messages), oldest first; taking them empties the list.
    pub fn take_notifications(&self) -> Vec<Value> {
        std::mem::take(&mut *self.notifications.lock().unwrap_or_else(PoisonError::into_inner))
    }

    // ----- typed calls ------------------------------------------------------------------------

    /// Every tool, following `nextCursor` through the pages.
    pub async fn list_tools(&self) -> Result<Vec<ToolDescriptor>, TestError> {
        self.list(methods::TOOLS_LIST, "tools").await
    }

    /// Calls a tool. A tool's own failure is a result with `is_error` set; a refusal of the
    /// call (sign-in, scopes) is an error, or a result carrying the challenge for ChatGPT.
    pub async fn call_tool(&self, name: &str, arguments: Value) -> Result<CallToolResult, TestError> {
        self.typed(methods::TOOLS_CALL, json!({ "name": name, "arguments": arguments })).await
    }

    /// Every resource, following `nextCursor` through the pages.
    pub async fn list_resources(&self) -> Result<Vec<Resource>, TestError> {
        self.list(methods::RESOURCES_LIST, "resources").await
    }

    /// Reads a resource.
    pub async fn read_resource(&self, uri: &str) -> Result<ReadResourceResult, TestError> {
        self.typed(methods::RESOURCES_READ, json!({ "uri": uri })).await
    }

    /// The text of a resource's first contents (a widget's HTML, say).
    pub async fn read_text(&self, uri: &str) -> Result<String, TestError> {
        let result = self.read_resource(uri).await?;
        match result.contents.into_iter().next().map(|contents| contents.body) {
            Some(ResourceBody::Text { text }) => Ok(text),
            Some(ResourceBody::Blob { .. }) => Err(unexpected(format!("{uri} is not text"))),
            None => Err(unexpected(format!("{uri} has no contents"))),
        }
    }

    /// Every prompt, following `nextCursor` through the pages.
    pub async fn list_prompts(&self) -> Result<Vec<Prompt>, TestError> {
        self.list(methods::PROMPTS_LIST, "prompts").await
    }

    /// Gets a prompt with these arguments.
    pub async fn get_prompt(&self, name: &str, arguments: Value) -> Result<GetPromptResult, TestError> {
        self.typed(methods::PROMPTS_GET, json!({ "name": name, "arguments": arguments })).await
    }

    async fn typed<T: DeserializeOwned>(&self, method: &str, params: Value) -> Result<T, TestError> {
        let result = self.request(method, params).await?;
        serde_json::from_value(result).map_err(|e| unexpected(format!("the {method} result does not decode: {e}")))
    }

    async fn list<T: DeserializeOwned>(&self, method: &str, field: &str) -> Result<Vec<T>, TestError> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let params = match &cursor {
                Some(cursor) => json!({ "cursor": cursor }),
                None => json!({}),
            };
            let mut page = self.request(method, params).await?;
            let listed = page.get_mut(field).map(Value::take).unwrap_or_default();
            let listed: Vec<T> = serde_json::from_value(listed)
                .map_err(|e| unexpected(format!("the {method} page does not decode: {e}")))?;
            items.extend(listed);
            match page.get("nextCursor").and_then(Value::as_str) {
                Some(next) => cursor = Some(next.to_owned()),
                None => return Ok(items),
            }
        }
    }

    // ----- JSON-RPC ---------------------------------------------------------------------------

    /// Sends a request and returns its result: a 2025-11-25 client initializes its session
    /// first; a 2026-07-28 client adds its `_meta` and request headers, and answers an
    /// input-required result (with [`on_request`](Self::on_request)) and retries, as clients
    /// of that revision do.
    pub async fn request(&self, method: &str, params: Value) -> Result<Value, TestError> {
        let mut params = match params {
            Value::Object(params) => params,
            Value::Null => Map::new(),
            other => return Err(unexpected(format!("params must be an object, not {other}"))),
        };
        if self.is_modern() {
            for _ in 0..MAX_ROUNDS {
                let result = self.exchange(method, &params, None).await?;
                if result.get("resultType").and_then(Value::as_str) != Some("input_required") {
                    return Ok(result);
                }
                self.answer_input_requests(&result, &mut params)?;
            }
            return Err(unexpected(format!("{method} asked for input more than {MAX_ROUNDS} times")));
        }
        let session = self.session().await?;
        self.exchange(method, &params, Some(session)).await
    }

    /// Sends a notification (2025-11-25: on the client's session).
    pub async fn notify(&self, method: &str, params: Option<Value>) -> Result<(), TestError> {
        let mut message = json!({ "jsonrpc": "2.0", "method": method });
        if let Some(params) = params {
            message["params"] = params;
        }
        let session = if self.is_modern() { None } else { Some(self.session().await?) };
        let response = self.send(self.post(&message, session, None)).await;
        if response.status != StatusCode::ACCEPTED {
            return Err(http_error(response));
        }
        Ok(())
    }

    fn is_modern(&self) -> bool {
        self.identity.version.era() == crate::protocol::Era::Modern
    }

    /// The session, initialized on first use.
    async fn session(&self) -> Result<&Session, TestError> {
        self.session
            .get_or_try_init(|| async {
                let params = json!({
                    "protocolVersion": self.identity.version.as_str(),
                    "capabilities": self.identity.capabilities,
                    "clientInfo": self.identity.info,
                });
                let message = json!({ "jsonrpc": "2.0", "id": 0, "method": methods::INITIALIZE, "params": params });
                let response = self.send(self.post(&message, None, None)).await;
                if response.status != StatusCode::OK {
                    return Err(http_error(response));
                }
                let id = response.header("mcp-session-id").map(str::to_owned);
                let reply = reply_message(&response)?;
                let result = rpc_result(reply)?;
                let version = result["protocolVersion"].as_str().unwrap_or(self.identity.version.as_str()).to_owned();
                let session = Session { id, version };
                let initialized = json!({ "jsonrpc": "2.0", "method": methods::NOTIFICATION_INITIALIZED });
                let ack = self.send(self.post(&initialized, Some(&session), None)).await;
                if ack.status != StatusCode::ACCEPTED {
                    return Err(http_error(ack));
                }
                Ok(session)
            })
            .await
    }

    /// One request and its reply, answering the server's requests on the way.
    async fn exchange(
        &self,
        method: &str,
        params: &Map<String, Value>,
        session: Option<&Session>,
    ) -> Result<Value, TestError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut params = params.clone();
        if self.is_modern() {
            let meta = params.entry("_meta").or_insert_with(|| json!({}));
            if let Some(meta) = meta.as_object_mut() {
                meta.insert(meta_keys::PROTOCOL_VERSION.into(), self.identity.version.as_str().into());
                meta.insert(meta_keys::CLIENT_CAPABILITIES.into(), self.identity.capabilities.clone());
                meta.insert(meta_keys::CLIENT_INFO.into(), json!(self.identity.info));
            }
        }
        let name = match method {
            methods::TOOLS_CALL | methods::PROMPTS_GET => params.get("name").and_then(Value::as_str),
            methods::RESOURCES_READ => params.get("uri").and_then(Value::as_str),
            _ => None,
        }
        .map(str::to_owned);
        let message = json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params });
        let request = self.post(&message, session, Some((method, name.as_deref())));
        let response = self.router.clone().oneshot(request).await.unwrap_or_else(|never| match never {});
        let status = response.status();
        let is_stream = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"));
        if status != StatusCode::OK {
            return Err(http_error(collect(response).await));
        }
        if !is_stream {
            return rpc_result(reply_message(&collect(response).await)?);
        }
        let mut events = Events::new(response.into_body());
        while let Some(message) = events.next().await? {
            let answers_us = message.get("id") == Some(&json!(id)) && message.get("method").is_none();
            if answers_us {
                return rpc_result(message);
            }
            match (message.get("method").and_then(Value::as_str), message.get("id")) {
                (Some(method), Some(request_id)) => {
                    let answer = self.answer(method, message.get("params").cloned().unwrap_or_default());
                    let reply = match answer {
                        Ok(result) => json!({ "jsonrpc": "2.0", "id": request_id, "result": result }),
                        Err(error) => json!({ "jsonrpc": "2.0", "id": request_id, "error": error }),
                    };
                    let sent = self.send(self.post(&reply, session, None)).await;
                    if sent.status != StatusCode::ACCEPTED {
                        return Err(http_error(sent));
                    }
                }
                (Some(_), None) => self.notifications.lock().unwrap_or_else(PoisonError::into_inner).push(message),
                _ => return Err(unexpected(format!("an event answers another request: {message}"))),
            }
        }
        Err(unexpected(format!("the event stream of {method} ended without its response")))
    }

    fn answer(&self, method: &str, params: Value) -> Result<Value, ErrorObject> {
        match &self.on_request {
            Some(handler) => handler(method, params),
            None => Err(ErrorObject::method_not_found(method)),
        }
    }

    /// Puts the answers to an input-required result's questions, and its state, in `params`.
    fn answer_input_requests(&self, result: &Value, params: &mut Map<String, Value>) -> Result<(), TestError> {
        let mut responses = Map::new();
        for (key, question) in result.get("inputRequests").and_then(Value::as_object).into_iter().flatten() {
            let method = question.get("method").and_then(Value::as_str).unwrap_or_default();
            let answer =
                self.answer(method, question.get("params").cloned().unwrap_or_default()).map_err(TestError::Rpc)?;
            responses.insert(key.clone(), answer);
        }
        params.insert("inputResponses".into(), Value::Object(responses));
        match result.get("requestState") {
            Some(state) => params.insert("requestState".into(), state.clone()),
            None => params.remove("requestState"),
        };
        Ok(())
    }

    // ----- HTTP -------------------------------------------------------------------------------

    /// A POST of `message` with the headers this client sends.
    fn post(&self, message: &Value, session: Option<&Session>, request: Option<(&str, Option<&str>)>) -> Request<Body> {
        let mut builder = Request::builder()
            .method(Method::POST)
            .uri(self.server.path())
            .header(HOST, "localhost")
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "application/json, text/event-stream");
        if let Some(token) = &self.token {
            builder = builder.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        if self.is_modern() {
            builder = builder.header("mcp-protocol-version", self.identity.version.as_str());
            if let Some((method, name)) = request {
                builder = builder.header("mcp-method", method);
                if let Some(name) = name {
                    builder = builder.header("mcp-name", header_value(name));
                }
            }
        } else if let Some(session) = session {
            builder = builder.header("mcp-protocol-version", session.version.as_str());
            if let Some(id) = &session.id {
                builder = builder.header("mcp-session-id", id.as_str());
            }
        }
        let mut request = builder.body(Body::from(message.to_string())).unwrap_or_default();
        request.extensions_mut().insert(ConnectInfo(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))));
        request
    }

    /// Sends any request through the server's router, as the network would deliver it (with
    /// the peer address 127.0.0.1), and reads the whole body.
    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        collect(self.call(request).await).await
    }

    /// Sends any request through the server's router and returns the response as it is, its
    /// body still streaming (for event streams that stay open).
    pub async fn call(&self, mut request: Request<Body>) -> Response<Body> {
        if request.extensions().get::<ConnectInfo<SocketAddr>>().is_none() {
            request.extensions_mut().insert(ConnectInfo(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))));
        }
        if !request.headers().contains_key(HOST) {
            request.headers_mut().insert(HOST, HeaderValue::from_static("localhost"));
        }
        self.router.clone().oneshot(request).await.unwrap_or_else(|never| match never {})
    }

    /// The headers this client puts on a POST to the endpoint (content type, `Accept`, its
    /// bearer token, and its session's id and version once it has one): for requests built by
    /// hand with [`send`](Self::send).
    pub async fn headers(&self) -> Result<Vec<(HeaderName, HeaderValue)>, TestError> {
        let session = if self.is_modern() { None } else { Some(self.session().await?) };
        let request = self.post(&Value::Null, session, None);
        Ok(request.headers().iter().map(|(name, value)| (name.clone(), value.clone())).collect())
    }
}

async fn collect(response: Response<Body>) -> TestResponse {
    let (parts, body) = response.into_parts();
    let body = body.collect().await.map(|collected| collected.to_bytes()).unwrap_or_default();
    TestResponse { status: parts.status, headers: parts.headers, body }
}

fn http_error(response: TestResponse) -> TestError {
    TestError::Http {
        status: response.status,
        www_authenticate: response.header(WWW_AUTHENTICATE.as_str()).map(str::to_owned),
        body: response.text(),
    }
}

/// The JSON-RPC message of a reply: its JSON body, or the last event of a one-event stream.
fn reply_message(response: &TestResponse) -> Result<Value, TestError> {
    if response.header(CONTENT_TYPE.as_str()).is_some_and(|v| v.starts_with("text/event-stream")) {
        let text = response.text();
        let data = text.lines().filter_map(|line| line.strip_prefix("data:")).map(str::trim).rfind(|d| !d.is_empty());
        return serde_json::from_str(data.unwrap_or_default()).map_err(|e| unexpected(format!("not JSON-RPC: {e}")));
    }
    response.json()
}

/// The result of a JSON-RPC response, or its error.
fn rpc_result(mut message: Value) -> Result<Value, TestError> {
    if let Some(error) = message.get_mut("error").map(Value::take) {
        let error: ErrorObject = serde_json::from_value(error).map_err(|e| unexpected(format!("a bad error: {e}")))?;
        return Err(TestError::Rpc(error));
    }
    message.get_mut("result").map(Value::take).ok_or_else(|| unexpected(format!("not a JSON-RPC response: {message}")))
}
