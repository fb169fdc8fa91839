//! The harness shared by the integration tests: a built server driven in process by
//! [`TestClient`] (through its router and transport, no socket), requests written out for what
//! the tests check on the wire (statuses, headers, bodies, event streams), and the fixtures most
//! tests need. [`auth`] adds an issuer and signed tokens.
//!
//! Every test binary uses a different part of it.
#![allow(dead_code)]

pub(crate) mod auth;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

use axum::body::{Body, Bytes};
use fastapps_core::prelude::*;
use fastapps_core::protocol::{
    CreateMessageParams, ElicitAction, ElicitParams, GetPromptResult, PromptMessage, ReadResourceResult,
    ResourceContents,
};
use fastapps_core::testing::TestClient;
use http::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use http_body_util::BodyExt as _;
use serde_json::{Map, Value, json};

/// A response as the server sends it, its body read as it comes.
pub(crate) type Response = http::Response<Body>;

/// The newest `initialize`-based protocol revision the server speaks.
pub(crate) const LATEST: &str = "2025-11-25";
/// The modern revision: no `initialize`, version and capabilities in every request's `_meta`.
pub(crate) const MODERN: &str = "2026-07-28";
/// What real clients send in `Accept`.
pub(crate) const ACCEPT_BOTH: &str = "application/json, text/event-stream";
/// The longest any single step of a test may take before it is declared hung.
pub(crate) const STEP: Duration = Duration::from_secs(5);

pub(crate) const SESSION_HEADER: &str = "mcp-session-id";
pub(crate) const VERSION_HEADER: &str = "mcp-protocol-version";

/// Sends `method uri` with exactly these headers and, if given, this body with its
/// `Content-Length` (as an HTTP/1.1 client sends a body it holds) through `client`, which adds
/// only `Host: localhost` when there is none, and the peer address 127.0.0.1.
pub(crate) async fn send(
    client: &TestClient,
    method: Method,
    uri: &str,
    mut headers: HeaderMap,
    body: Option<Bytes>,
) -> Response {
    if let Some(body) = &body {
        headers.insert(CONTENT_LENGTH, body.len().into());
    }
    send_body(client, method, uri, headers, body.map_or_else(Body::empty, Body::from)).await
}

/// Sends `method uri` with exactly these headers and this body through `client`.
pub(crate) async fn send_body(
    client: &TestClient,
    method: Method,
    uri: &str,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let mut request = http::Request::builder().method(method).uri(uri).body(body).expect("a request");
    *request.headers_mut() = headers;
    tokio::time::timeout(STEP, client.call(request)).await.expect("the server answers in time")
}

/// A built server and the [`TestClient`] (`test-client 9.9.9`) every request below goes through.
pub(crate) struct TestServer {
    pub(crate) client: TestClient,
    /// The served server (same sessions), for `notify_resource_updated` and co.
    pub(crate) server: WidgetMcpServer,
}

impl TestServer {
    /// Builds the server.
    pub(crate) fn new(builder: ServerBuilder) -> Self {
        let server = builder.build_server().expect("the test server builds");
        let client = TestClient::new(server).client_info("test-client", "9.9.9");
        Self { server: client.server().clone(), client }
    }

    /// A request of `method` to the endpoint with exactly these headers and body.
    pub(crate) async fn send(&self, method: Method, headers: HeaderMap, body: Option<Bytes>) -> Response {
        send(&self.client, method, self.server.path(), headers, body).await
    }

    /// A POST to the endpoint with exactly these headers.
    pub(crate) async fn post_raw(&self, body: impl Into<Bytes>, headers: &[(&str, &str)]) -> Response {
        self.send(Method::POST, header_map(headers), Some(body.into())).await
    }

    /// A POST of `body` in chunks of `size` bytes and without `Content-Length`, as a chunked
    /// upload arrives.
    pub(crate) async fn post_chunked(&self, body: &str, size: usize, headers: HeaderMap) -> Response {
        let chunks: Vec<Result<Bytes, std::io::Error>> =
            body.as_bytes().chunks(size).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
        let body = Body::from_stream(futures_util::stream::iter(chunks));
        send_body(&self.client, Method::POST, self.server.path(), headers, body).await
    }

    /// A POST of a JSON body with `Content-Type: application/json` and the usual `Accept`,
    /// either of which `headers` may replace.
    pub(crate) async fn post_json(&self, body: &Value, headers: &[(&str, &str)]) -> Response {
        let map = replaced(header_map(&[("content-type", "application/json"), ("accept", ACCEPT_BOTH)]), headers);
        self.send(Method::POST, map, Some(body.to_string().into())).await
    }

    /// A GET of the endpoint with these headers.
    pub(crate) async fn get(&self, headers: &[(&str, &str)]) -> Response {
        self.send(Method::GET, header_map(headers), None).await
    }

    /// A DELETE of the endpoint with these headers.
    pub(crate) async fn delete(&self, headers: &[(&str, &str)]) -> Response {
        self.send(Method::DELETE, header_map(headers), None).await
    }

    /// A session declaring sampling and elicitation.
    pub(crate) async fn initialize(&self) -> Session {
        self.open(self.client.clone().capabilities(json!({ "sampling": {}, "elicitation": {} }))).await
    }

    /// The session `client` opens (its `initialize` and `notifications/initialized`); `client`
    /// has none yet.
    pub(crate) async fn open(&self, client: TestClient) -> Session {
        let headers = client.headers().await.expect("the session opens");
        let header = |name: &str| {
            let value = headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.to_str().expect("visible ASCII"));
            value.map(str::to_owned)
        };
        let version = header(VERSION_HEADER).expect("a negotiated version");
        Session { id: header(SESSION_HEADER), version, client, next_id: Arc::new(AtomicI64::new(1)) }
    }

    /// A 2026-07-28 client: every request carries its `_meta` and the request headers.
    pub(crate) fn modern(&self) -> Modern {
        Modern::new(self.client.clone())
    }

    /// A client that talks to the server as `id` (none in stateless mode) without
    /// initializing.
    pub(crate) fn session(&self, id: Option<String>, version: &str) -> Session {
        Session { client: self.client.clone(), id, version: version.to_owned(), next_id: Arc::new(AtomicI64::new(1)) }
    }
}

/// These headers, in order (a name given twice is sent twice).
pub(crate) fn header_map(headers: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        let name = HeaderName::from_bytes(name.as_bytes()).expect("a header name");
        map.append(name, HeaderValue::from_str(value).expect("a header value"));
    }
    map
}

/// `map` with each of `extra` in place of the header of its name.
fn replaced(mut map: HeaderMap, extra: &[(&str, &str)]) -> HeaderMap {
    for (name, value) in header_map(extra) {
        if let Some(name) = name {
            map.insert(name, value);
        }
    }
    map
}

/// `initialize` params.
pub(crate) fn init_params(version: &str, capabilities: Value) -> Value {
    json!({
        "protocolVersion": version,
        "capabilities": capabilities,
        "clientInfo": { "name": "test-client", "version": "9.9.9" }
    })
}

/// A JSON-RPC request.
pub(crate) fn request(id: i64, method: &str, params: Value) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params })
}

/// A JSON-RPC notification.
pub(crate) fn notification(method: &str, params: Option<Value>) -> Value {
    match params {
        Some(params) => json!({ "jsonrpc": "2.0", "method": method, "params": params }),
        None => json!({ "jsonrpc": "2.0", "method": method }),
    }
}

/// The `result` of a JSON-RPC response that must succeed.
fn result_of(method: &str, response: Value) -> Value {
    assert!(response.get("error").is_none(), "{method} failed: {response}");
    response["result"].clone()
}

/// The `error` of a JSON-RPC response that must fail.
fn error_of(method: &str, response: Value) -> Value {
    assert!(response.get("result").is_none(), "{method} unexpectedly succeeded: {response}");
    response["error"].clone()
}

/// One client's view of the server: its session id, protocol version and request ids.
#[derive(Clone)]
pub(crate) struct Session {
    client: TestClient,
    pub(crate) id: Option<String>,
    pub(crate) version: String,
    next_id: Arc<AtomicI64>,
}

impl Session {
    /// The session id; panics in stateless mode.
    pub(crate) fn id(&self) -> &str {
        self.id.as_deref().expect("a session id")
    }

    pub(crate) fn next_id(&self) -> i64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// The session's headers (JSON body, both reply types, session id, version), then
    /// `extra`, which replaces any of them.
    pub(crate) fn headers(&self, extra: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        map.insert(ACCEPT, HeaderValue::from_static(ACCEPT_BOTH));
        if let Some(id) = &self.id {
            map.insert(SESSION_HEADER, HeaderValue::from_str(id).expect("session id"));
        }
        map.insert(VERSION_HEADER, HeaderValue::from_str(&self.version).expect("version"));
        replaced(map, extra)
    }

    /// A request of `method` to the endpoint with exactly these headers and body.
    async fn send_raw(&self, method: Method, headers: HeaderMap, body: Option<Bytes>) -> Response {
        send(&self.client, method, self.client.server().path(), headers, body).await
    }

    /// POSTs any body with the session's headers.
    pub(crate) async fn post(&self, body: &Value, extra: &[(&str, &str)]) -> Response {
        self.send_raw(Method::POST, self.headers(extra), Some(body.to_string().into())).await
    }

    /// POSTs a request with a fresh id; returns the id and the HTTP response.
    pub(crate) async fn send(&self, method: &str, params: Value, extra: &[(&str, &str)]) -> (i64, Response) {
        let id = self.next_id();
        (id, self.post(&request(id, method, params), extra).await)
    }

    /// A request answered with 200: every message of the reply (JSON or SSE), the last one
    /// being the response to it.
    pub(crate) async fn exchange(&self, method: &str, params: Value, extra: &[(&str, &str)]) -> Vec<Value> {
        let (id, response) = self.send(method, params, extra).await;
        assert_eq!(response.status(), StatusCode::OK, "{method} is answered with 200");
        let messages = read_messages(response).await;
        let last = messages.last().expect("the reply holds a message");
        assert_eq!(last["id"], json!(id), "the reply ends with the response to {method}: {messages:#?}");
        assert_eq!(last["jsonrpc"], "2.0");
        messages
    }

    /// The JSON-RPC response to a request (the whole message).
    pub(crate) async fn request(&self, method: &str, params: Value) -> Value {
        let mut messages = self.exchange(method, params, &[]).await;
        messages.pop().expect("a response")
    }

    /// The `result` of a request that must succeed.
    pub(crate) async fn result(&self, method: &str, params: Value) -> Value {
        result_of(method, self.request(method, params).await)
    }

    /// The `error` of a request that must fail with a JSON-RPC error (HTTP 200).
    pub(crate) async fn error(&self, method: &str, params: Value) -> Value {
        error_of(method, self.request(method, params).await)
    }

    /// The result of a `tools/call`.
    pub(crate) async fn call_tool(&self, name: &str, arguments: Value) -> Value {
        self.result("tools/call", json!({ "name": name, "arguments": arguments })).await
    }

    /// A notification, which must be accepted with 202 and no body.
    pub(crate) async fn notify(&self, method: &str, params: Option<Value>) {
        let response = self.post(&notification(method, params), &[]).await;
        assert_accepted(response).await;
    }

    /// A response to a server-to-client request, which must be accepted with 202.
    pub(crate) async fn reply(&self, id: &Value, result: Value) {
        let response = self.post(&json!({ "jsonrpc": "2.0", "id": id, "result": result }), &[]).await;
        assert_accepted(response).await;
    }

    /// Checks that the server still answers: `ping` → `{}`.
    pub(crate) async fn assert_alive(&self) {
        let result = self.result("ping", json!({})).await;
        assert_eq!(result, json!({}), "the server still answers ping");
    }

    /// Opens the session's GET stream.
    pub(crate) async fn open_get(&self) -> Response {
        let mut headers = self.headers(&[("accept", "text/event-stream")]);
        headers.remove(CONTENT_TYPE);
        self.send_raw(Method::GET, headers, None).await
    }

    /// Ends the session.
    pub(crate) async fn delete(&self) -> Response {
        let mut headers = self.headers(&[]);
        headers.remove(CONTENT_TYPE);
        headers.remove(ACCEPT);
        self.send_raw(Method::DELETE, headers, None).await
    }
}

/// A 2026-07-28 client: no session, the protocol version, client info and capabilities in
/// every request's `_meta`, and (unless turned off) `MCP-Protocol-Version`, `Mcp-Method` and
/// `Mcp-Name` headers derived from the body.
#[derive(Clone)]
pub(crate) struct Modern {
    client: TestClient,
    pub(crate) info: Value,
    pub(crate) capabilities: Value,
    pub(crate) extra_meta: Map<String, Value>,
    pub(crate) headers: bool,
    next_id: Arc<AtomicI64>,
}

impl Modern {
    /// A client (`modern-test-client 2.0.0`, declaring sampling, elicitation and roots) whose
    /// requests go through `client`.
    pub(crate) fn new(client: TestClient) -> Self {
        Self {
            client,
            info: json!({ "name": "modern-test-client", "version": "2.0.0" }),
            capabilities: json!({ "sampling": {}, "elicitation": {}, "roots": {} }),
            extra_meta: Map::new(),
            headers: true,
            next_id: Arc::new(AtomicI64::new(1)),
        }
    }

    /// The same client presenting itself as `name` `version`.
    pub(crate) fn with_client(mut self, name: &str, version: &str) -> Self {
        self.info = json!({ "name": name, "version": version });
        self
    }

    /// The same client declaring these capabilities.
    pub(crate) fn with_capabilities(mut self, capabilities: Value) -> Self {
        self.capabilities = capabilities;
        self
    }

    /// The same client adding a `_meta` key to every request.
    pub(crate) fn with_meta(mut self, key: &str, value: Value) -> Self {
        self.extra_meta.insert(key.to_owned(), value);
        self
    }

    /// The same client sending no `MCP-Protocol-Version`, `Mcp-Method` or `Mcp-Name` (as
    /// ChatGPT's captured traffic).
    pub(crate) fn without_headers(mut self) -> Self {
        self.headers = false;
        self
    }

    pub(crate) fn next_id(&self) -> i64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// The request `_meta`.
    pub(crate) fn meta(&self) -> Value {
        modern_meta(&self.info, &self.capabilities, &self.extra_meta)
    }
    /// `params` with the request `_meta` merged into theirs.
    pub(crate) fn params(&self, mut params: Value) -> Value {
        let meta = self.meta();
        let own = params.as_object_mut().expect("params are an object");
        match own.get_mut("_meta").and_then(Value::as_object_mut) {
            Some(existing) => {
                for (k, v) in meta.as_object().expect("meta").clone() {
                    existing.entry(k).or_insert(v);
                }
            }
            None => {
                own.insert("_meta".into(), meta);
            }
        }
        params
    }

    /// The headers of a request with this body, then `extra` (which replaces any of them).
    pub(crate) fn headers_for(&self, body: &Value, extra: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        map.insert(ACCEPT, HeaderValue::from_static(ACCEPT_BOTH));
        if self.headers {
            map.insert(VERSION_HEADER, HeaderValue::from_static(MODERN));
            if let Some(method) = body["method"].as_str() {
                map.insert("mcp-method", HeaderValue::from_str(method).expect("method"));
                let name = match method {
                    "tools/call" | "prompts/get" => body["params"]["name"].as_str(),
                    "resources/read" => body["params"]["uri"].as_str(),
                    _ => None,
                };
                if let Some(name) = name {
                    map.insert("mcp-name", HeaderValue::from_str(name).expect("a plain name"));
                }
            }
        }
        replaced(map, extra)
    }

    /// POSTs a whole body with the headers derived from it, then `extra`.
    pub(crate) async fn post_body(&self, body: &Value, extra: &[(&str, &str)]) -> Response {
        let headers = self.headers_for(body, extra);
        self.http_post_headers(body, headers).await
    }

    /// POSTs a body with exactly these headers.
    pub(crate) async fn http_post_headers(&self, body: &Value, headers: HeaderMap) -> Response {
        send(&self.client, Method::POST, self.client.server().path(), headers, Some(body.to_string().into())).await
    }

    /// POSTs a body with the derived headers, where the headers named in `values` are replaced
    /// by all of those values (to send one header several times).
    pub(crate) async fn http_post_with(&self, body: &Value, values: &[(&str, &str)]) -> Response {
        let mut headers = self.headers_for(body, &[]);
        for (name, _) in values {
            headers.remove(*name);
        }
        headers.extend(header_map(values));
        self.http_post_headers(body, headers).await
    }

    /// POSTs a request with a fresh id and the request `_meta`; returns the id and the response.
    pub(crate) async fn send(&self, method: &str, params: Value, extra: &[(&str, &str)]) -> (i64, Response) {
        let id = self.next_id();
        (id, self.post_body(&request(id, method, self.params(params)), extra).await)
    }

    /// A request answered with 200: every message of the reply, the last the response.
    pub(crate) async fn exchange(&self, method: &str, params: Value) -> Vec<Value> {
        let (id, response) = self.send(method, params, &[]).await;
        assert_eq!(response.status(), StatusCode::OK, "{method} is answered with 200");
        assert!(response.headers().get(SESSION_HEADER).is_none(), "no session id in 2026-07-28");
        let messages = read_messages(response).await;
        let last = messages.last().expect("the reply holds a message");
        assert_eq!(last["id"], json!(id), "the reply ends with the response to {method}: {messages:#?}");
        messages
    }

    /// The response message of a request answered with 200.
    pub(crate) async fn request(&self, method: &str, params: Value) -> Value {
        self.exchange(method, params).await.pop().expect("a response")
    }

    /// The `result` of a request that must succeed.
    pub(crate) async fn result(&self, method: &str, params: Value) -> Value {
        result_of(method, self.request(method, params).await)
    }

    /// The `error` of a request answered with 200 and a JSON-RPC error.
    pub(crate) async fn error(&self, method: &str, params: Value) -> Value {
        error_of(method, self.request(method, params).await)
    }

    /// The result of a `tools/call`.
    pub(crate) async fn call_tool(&self, name: &str, arguments: Value) -> Value {
        self.result("tools/call", json!({ "name": name, "arguments": arguments })).await
    }

    /// Checks that the server still answers a modern request.
    pub(crate) async fn assert_alive(&self) {
        let result = self.result("server/discover", json!({})).await;
        assert_eq!(result["resultType"], "complete", "the server still answers server/discover");
    }
}

/// The `_meta` of a 2026-07-28 request of the client `info` declaring `capabilities`, with
/// `extra`.
pub(crate) fn modern_meta(info: &Value, capabilities: &Value, extra: &Map<String, Value>) -> Value {
    let mut meta = extra.clone();
    meta.insert("io.modelcontextprotocol/protocolVersion".into(), json!(MODERN));
    meta.insert("io.modelcontextprotocol/clientInfo".into(), info.clone());
    meta.insert("io.modelcontextprotocol/clientCapabilities".into(), capabilities.clone());
    Value::Object(meta)
}

/// Asserts a 2026-07-28 refusal: this status, no session id, and a JSON-RPC error with this
/// code answering request `id`; returns the error object.
pub(crate) async fn assert_modern_error(response: Response, status: StatusCode, code: i64, id: Value) -> Value {
    assert_eq!(response.status(), status);
    assert!(response.headers().get(SESSION_HEADER).is_none(), "no session id in 2026-07-28");
    let body = json_body(response).await;
    assert_eq!(body["jsonrpc"], "2.0", "{body}");
    assert_eq!(body["id"], id, "the error answers the request: {body}");
    assert!(body.get("result").is_none(), "{body}");
    assert_eq!(body["error"]["code"], json!(code), "{body}");
    body["error"].clone()
}

/// Asserts a 202 with an empty body.
pub(crate) async fn assert_accepted(response: Response) {
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let body = body_bytes(response).await;
    assert!(body.is_empty(), "a 202 has no body, got {:?}", String::from_utf8_lossy(&body));
}

/// The `Content-Type` of a response, without parameters.
pub(crate) fn content_type(response: &Response) -> String {
    response
        .headers()
        .get(CONTENT_TYPE)
        .map(|v| v.to_str().expect("ASCII").split(';').next().unwrap_or_default().trim().to_owned())
        .unwrap_or_default()
}

/// The whole body of a response.
pub(crate) async fn body_bytes(response: Response) -> Bytes {
    let collected = tokio::time::timeout(STEP, response.into_body().collect()).await.expect("the body arrives in time");
    collected.expect("reading the body").to_bytes()
}

/// The whole body of a response, as text.
pub(crate) async fn body_text(response: Response) -> String {
    String::from_utf8(body_bytes(response).await.to_vec()).expect("a UTF-8 body")
}

/// A JSON body (asserting `Content-Type: application/json`).
pub(crate) async fn json_body(response: Response) -> Value {
    assert_eq!(content_type(&response), "application/json", "a JSON reply");
    let bytes = body_bytes(response).await;
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("invalid JSON ({e}): {}", String::from_utf8_lossy(&bytes)))
}

/// Asserts a transport error: this status and a JSON-RPC error body with `id: null` and this
/// code; returns the message.
pub(crate) async fn assert_transport_error(response: Response, status: StatusCode, code: i64) -> String {
    assert_eq!(response.status(), status);
    let body = json_body(response).await;
    assert_eq!(body["jsonrpc"], "2.0", "{body}");
    assert_eq!(body["id"], Value::Null, "{body}");
    assert!(body.get("result").is_none(), "{body}");
    assert_eq!(body["error"]["code"], json!(code), "{body}");
    body["error"]["message"].as_str().expect("an error message").to_owned()
}

/// Every JSON-RPC message of a reply: the body of a JSON reply, or each event of an SSE reply
/// read to its end.
pub(crate) async fn read_messages(response: Response) -> Vec<Value> {
    match content_type(&response).as_str() {
        "application/json" => vec![json_body(response).await],
        "text/event-stream" => Sse::new(response).rest().await,
        other => panic!("unexpected Content-Type {other:?}"),
    }
}

/// Reads the messages of an SSE response one at a time.
pub(crate) struct Sse {
    body: Body,
    buf: Vec<u8>,
    ended: bool,
}

impl Sse {
    /// Wraps a `text/event-stream` response.
    pub(crate) fn new(response: Response) -> Self {
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(content_type(&response), "text/event-stream", "an SSE reply");
        Self { body: response.into_body(), buf: Vec::new(), ended: false }
    }

    /// The next message, `None` at the end of the stream; panics when none comes in time.
    pub(crate) async fn next(&mut self) -> Option<Value> {
        tokio::time::timeout(STEP, self.next_untimed()).await.expect("an SSE message arrives in time")
    }

    /// The next message within `wait`, distinguishing "nothing yet" (`Err`) from the end.
    pub(crate) async fn next_within(&mut self, wait: Duration) -> Result<Option<Value>, ()> {
        tokio::time::timeout(wait, self.next_untimed()).await.map_err(|_| ())
    }

    async fn next_untimed(&mut self) -> Option<Value> {
        loop {
            if let Some(end) = self.buf.windows(2).position(|w| w == b"\n\n") {
                let event: Vec<u8> = self.buf.drain(..end + 2).collect();
                let event = String::from_utf8(event).expect("UTF-8 event");
                let data: Vec<&str> = event
                    .lines()
                    .filter_map(|line| line.strip_prefix("data:"))
                    .map(|d| d.strip_prefix(' ').unwrap_or(d))
                    .collect();
                if data.is_empty() || data.iter().all(|d| d.is_empty()) {
                    // A comment (keep-alive) or a priming event without data.
                    continue;
                }
                let data = data.join("\n");
                let message =
                    serde_json::from_str(&data).unwrap_or_else(|e| panic!("invalid event data ({e}): {data}"));
                return Some(message);
            }
            if self.ended {
                assert!(
                    self.buf.iter().all(u8::is_ascii_whitespace),
                    "the stream ended mid-event: {:?}",
                    String::from_utf8_lossy(&self.buf)
                );
                return None;
            }
            match self.body.frame().await {
                Some(frame) => {
                    if let Ok(chunk) = frame.expect("reading the SSE stream").into_data() {
                        self.buf.extend(chunk.iter().copied().filter(|&b| b != b'\r'));
                    }
                }
                None => self.ended = true,
            }
        }
    }

    /// Every remaining message, to the end of the stream.
    pub(crate) async fn rest(mut self) -> Vec<Value> {
        let mut messages = Vec::new();
        while let Some(message) = self.next().await {
            messages.push(message);
        }
        messages
    }
}

// ---------------------------------------------------------------------------------------------
// Fixtures

/// The text of a result's first content block.
pub(crate) fn first_text(result: &Value) -> &str {
    result["content"][0]["text"].as_str().unwrap_or_else(|| panic!("no text content in {result}"))
}

fn string_arg(args: &Map<String, Value>, name: &str) -> String {
    args.get(name).and_then(Value::as_str).unwrap_or_default().to_owned()
}

async fn echo(args: Map<String, Value>, _ctx: Context) -> Result<CallToolResult> {
    Ok(CallToolResult::text(string_arg(&args, "text")))
}

async fn add(args: Map<String, Value>, _ctx: Context) -> Result<CallToolResult> {
    let a = args.get("a").and_then(Value::as_i64).ok_or_else(|| Error::msg("`a` must be an integer"))?;
    let b = args.get("b").and_then(Value::as_i64).ok_or_else(|| Error::msg("`b` must be an integer"))?;
    Ok(CallToolResult::structured(json!({ "sum": a + b })))
}

async fn fail(_args: Map<String, Value>, _ctx: Context) -> Result<CallToolResult> {
    Err(Error::msg("the tool failed on purpose"))
}

async fn boom(_args: Map<String, Value>, _ctx: Context) -> Result<CallToolResult> {
    panic!("the tool panicked on purpose")
}

async fn log3(_args: Map<String, Value>, ctx: Context) -> Result<CallToolResult> {
    ctx.log(LoggingLevel::Info, "step 1").await?;
    ctx.log(LoggingLevel::Info, "step 2").await?;
    ctx.log(LoggingLevel::Info, "step 3").await?;
    Ok(CallToolResult::text("logged"))
}

async fn progress3(_args: Map<String, Value>, ctx: Context) -> Result<CallToolResult> {
    for step in [0.0, 50.0, 100.0] {
        ctx.progress(step, Some(100.0), None).await?;
    }
    Ok(CallToolResult::text("done"))
}

async fn sample(args: Map<String, Value>, ctx: Context) -> Result<CallToolResult> {
    let answer = ctx.create_message(CreateMessageParams::user_text(string_arg(&args, "prompt"), 100)).await?;
    Ok(CallToolResult::text(format!("sampled: {}", answer.text().unwrap_or("<no text>"))))
}

async fn ask(_args: Map<String, Value>, ctx: Context) -> Result<CallToolResult> {
    let schema = json!({
        "type": "object",
        "properties": { "name": { "type": "string" } },
        "required": ["name"]
    });
    let answer = ctx.elicit(ElicitParams::form("What is your name?", schema)).await?;
    let name = answer.content.as_ref().and_then(|c| c.get("name")).and_then(Value::as_str).unwrap_or("<none>");
    let action = match answer.action {
        ElicitAction::Accept => "accept",
        ElicitAction::Decline => "decline",
        ElicitAction::Cancel => "cancel",
    };
    Ok(CallToolResult::text(format!("{action}: {name}")))
}

async fn whoami(_args: Map<String, Value>, ctx: Context) -> Result<CallToolResult> {
    let info = ctx.client_info().map(|i| format!("{} {}", i.name, i.version));
    Ok(CallToolResult::text(info.unwrap_or_else(|| "unknown".into())))
}

/// A builder with the fixtures: tools `echo`, `add` (structured), `fail`, `boom` (panics),
/// `log3`, `progress3`, `sample`, `ask`, `whoami`; resource `test://static`; template
/// `test://items/{id}` (completes `id`); prompt `greet` (`name` required, completed).
pub(crate) fn fixtures() -> ServerBuilder {
    WidgetMcpServer::builder("test-server")
        .tool(
            ToolDef::new("echo", echo)
                .description("Echo the text back")
                .input_schema(json!({ "properties": { "text": { "type": "string" } }, "required": ["text"] })),
        )
        .tool(add_tool())
        .tool(ToolDef::new("fail", fail).description("Always fails"))
        .tool(ToolDef::new("boom", boom).description("Always panics"))
        .tool(ToolDef::new("log3", log3).description("Logs three times"))
        .tool(ToolDef::new("progress3", progress3).description("Reports progress three times"))
        .tool(
            ToolDef::new("sample", sample)
                .description("Asks the client's model")
                .input_schema(json!({ "properties": { "prompt": { "type": "string" } } })),
        )
        .tool(ToolDef::new("ask", ask).description("Asks the user for a name"))
        .tool(ToolDef::new("whoami", whoami).description("Names the client"))
        .resource(ResourceDef::text("test://static", "static", "text/plain", "static text").description("Fixed text"))
        .resource_template(item_template())
        .prompt(greet_prompt().complete("name", |typed, _context| async move {
            Ok(["Alice", "Alfred", "Bob"].into_iter().filter(|v| v.starts_with(&typed)).map(String::from).collect())
        }))
}

/// The tool `add`: two integers in, their `sum` as structured content out.
pub(crate) fn add_tool() -> ToolDef {
    ToolDef::new("add", add)
        .description("Add two integers")
        .input_schema(json!({
            "type": "object",
            "properties": { "a": { "type": "integer" }, "b": { "type": "integer" } },
            "required": ["a", "b"]
        }))
        .output_schema(json!({
            "type": "object",
            "properties": { "sum": { "type": "integer" } },
            "required": ["sum"]
        }))
}

/// The template `test://items/{id}`, completing `id`.
pub(crate) fn item_template() -> ResourceTemplateDef {
    ResourceTemplateDef::new("test://items/{id}", "item", |req, _ctx| async move {
        let id = req.variables.get("id").cloned().unwrap_or_default();
        Ok(ReadResourceResult::from(ResourceContents::text(req.uri, "text/plain", format!("item {id}"))))
    })
    .description("One item by id")
    .mime_type("text/plain")
    .complete("id", |typed, _context| async move {
        Ok(["apple", "apricot", "banana"].into_iter().filter(|v| v.starts_with(&typed)).map(String::from).collect())
    })
}

/// The prompt `greet` with its required `name` argument.
pub(crate) fn greet_prompt() -> PromptDef {
    PromptDef::new("greet", |args, _ctx| async move {
        let name = args.get("name").cloned().unwrap_or_default();
        Ok(GetPromptResult::new(vec![PromptMessage::user(Content::text(format!("Say hello to {name}")))]))
    })
    .description("Greets someone")
    .argument("name", "Who to greet", true)
}

/// Set when the `slow` tool's run ends before its 30 s are up: it was cancelled (and
/// dropped).
#[derive(Clone, Default)]
pub(crate) struct CancelSeen(pub(crate) Arc<AtomicBool>);

struct SetOnDrop(CancelSeen);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.0.store(true, Ordering::SeqCst);
    }
}

fn name_question(message: &str) -> ElicitParams {
    ElicitParams::form(
        message,
        json!({ "type": "object", "properties": { "name": { "type": "string" } }, "required": ["name"] }),
    )
}

fn answer_text(answer: &fastapps_core::protocol::ElicitResult, field: &str) -> String {
    answer.content.as_ref().and_then(|c| c.get(field)).and_then(Value::as_str).unwrap_or("<none>").to_owned()
}

/// [`fixtures`] plus tools about the modern era: `context` (what the server knows of the
/// request), `two_rounds` (two elicitations), `roots`, `region` (arguments mirrored in
/// `Mcp-Param-*` headers), `slow` (runs 30 s, progress first, sets `seen` when stopped early),
/// and the prompt `ask_context` (elicits first).
pub(crate) fn modern_fixtures(seen: CancelSeen) -> ServerBuilder {
    fixtures()
        .state(seen)
        .tool(
            ToolDef::new("context", |_args, ctx: Context| async move {
                let report = json!({
                    "era": format!("{:?}", ctx.era()),
                    "version": ctx.protocol_version().as_str(),
                    "capabilities": ctx.client_capabilities(),
                    "client": ctx.client_info().map(|i| format!("{} {}", i.name, i.version)),
                    "session": ctx.session_id(),
                    "locale": ctx.locale(),
                    "mcpApps": ctx.supports_mcp_apps(),
                });
                Ok(CallToolResult::structured(report))
            })
            .description("Reports what the server knows about the request"),
        )
        .tool(
            ToolDef::new("two_rounds", |_args, ctx: Context| async move {
                let name = ctx.elicit_as("step1", name_question("Step 1: your name?")).await?;
                let color = ctx
                    .elicit_as(
                        "step2",
                        ElicitParams::form(
                            "Step 2: your colour?",
                            json!({ "type": "object", "properties": { "color": { "type": "string" } } }),
                        ),
                    )
                    .await?;
                Ok(CallToolResult::text(format!(
                    "{} likes {}",
                    answer_text(&name, "name"),
                    answer_text(&color, "color")
                )))
            })
            .description("Asks two questions in two rounds"),
        )
        .tool(
            ToolDef::new("roots", |_args, ctx: Context| async move {
                let roots = ctx.list_roots().await?;
                Ok(CallToolResult::text(roots.roots.iter().map(|r| r.uri.as_str()).collect::<Vec<_>>().join(",")))
            })
            .description("Lists the client's roots"),
        )
        .tool(
            ToolDef::new(
                "region",
                |args, _ctx| async move { Ok(CallToolResult::text(Value::Object(args).to_string())) },
            )
            .description("Mirrors arguments in Mcp-Param headers")
            .input_schema(json!({
                "type": "object",
                "properties": {
                    "region": { "type": "string", "x-mcp-header": "Region" },
                    "count": { "type": "integer", "x-mcp-header": "Count" },
                    "dry": { "type": "boolean", "x-mcp-header": "Dry-Run" },
                    "query": { "type": "string" }
                }
            })),
        )
        .tool(
            ToolDef::new("slow", |_args, ctx: Context| async move {
                let _running = SetOnDrop(ctx.state::<CancelSeen>()?.clone());
                ctx.progress(1.0, Some(2.0), Some("started")).await?;
                tokio::time::sleep(Duration::from_secs(30)).await;
                Ok(CallToolResult::text("finished"))
            })
            .description("Runs until cancelled"),
        )
        .prompt(
            PromptDef::new("ask_context", |_args, ctx: Context| async move {
                let answer = ctx.elicit_as("context", name_question("Whose prompt is it?")).await?;
                let text = format!("A prompt for {}", answer_text(&answer, "name"));
                Ok(GetPromptResult::new(vec![PromptMessage::user(Content::text(text))]))
            })
            .description("Asks for context before it is built"),
        )
}
