//! The harness shared by the HTTP integration tests: a real server on 127.0.0.1, a reqwest
//! client, sessions, SSE reading, and the fixtures most tests need.
//!
//! Every test binary uses a different part of it.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use fastapps_core::ServeError;
use fastapps_core::prelude::*;
use fastapps_core::protocol::{
    CreateMessageParams, ElicitAction, ElicitParams, GetPromptResult, PromptMessage, ReadResourceResult,
    ResourceContents,
};
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Map, Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

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

/// A server serving on an ephemeral loopback port until [`stop`](Self::stop).
pub(crate) struct TestServer {
    pub(crate) addr: SocketAddr,
    pub(crate) url: String,
    /// A clone of the served server (same sessions), for `notify_resource_updated` and co.
    pub(crate) server: WidgetMcpServer,
    pub(crate) http: Client,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), ServeError>>>,
}

impl TestServer {
    /// Builds the server and serves it in a background task.
    pub(crate) async fn start(builder: ServerBuilder) -> Self {
        let server = builder.build_server().expect("the test server builds");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let (tx, rx) = oneshot::channel::<()>();
        let serving = server.clone();
        let task = tokio::spawn(async move {
            serving
                .serve_with_shutdown(listener, async move {
                    let _ = rx.await;
                })
                .await
        });
        let http = Client::builder().no_proxy().timeout(Duration::from_secs(20)).build().expect("reqwest client");
        Self {
            addr,
            url: format!("http://{addr}{}", server.path()),
            server,
            http,
            shutdown: Some(tx),
            task: Some(task),
        }
    }

    /// Shuts the server down and checks that it stopped cleanly.
    pub(crate) async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let task = self.task.take().expect("the server task");
        let served = tokio::time::timeout(STEP, task).await.expect("the server shuts down promptly");
        served.expect("the server task did not panic").expect("the server stopped without error");
    }

    /// A POST to the endpoint with exactly these headers (reqwest adds `Accept: */*` when
    /// none is given, and `Host`).
    pub(crate) async fn post_raw(&self, body: impl Into<reqwest::Body>, headers: &[(&str, &str)]) -> Response {
        self.http.post(&self.url).headers(header_map(headers)).body(body).send().await.expect("POST")
    }

    /// A POST of a JSON body with `Content-Type: application/json` and the usual `Accept`,
    /// either of which `headers` may replace.
    pub(crate) async fn post_json(&self, body: &Value, headers: &[(&str, &str)]) -> Response {
        let mut map = header_map(&[("content-type", "application/json"), ("accept", ACCEPT_BOTH)]);
        for (name, value) in header_map(headers) {
            if let Some(name) = name {
                map.insert(name, value);
            }
        }
        self.http.post(&self.url).headers(map).body(body.to_string()).send().await.expect("POST")
    }

    /// A GET of the endpoint with these headers.
    pub(crate) async fn get(&self, headers: &[(&str, &str)]) -> Response {
        self.http.get(&self.url).headers(header_map(headers)).send().await.expect("GET")
    }

    /// A DELETE of the endpoint with these headers.
    pub(crate) async fn delete(&self, headers: &[(&str, &str)]) -> Response {
        self.http.delete(&self.url).headers(header_map(headers)).send().await.expect("DELETE")
    }

    /// `initialize` (latest version, sampling and elicitation declared) then
    /// `notifications/initialized`.
    pub(crate) async fn initialize(&self) -> Session {
        self.initialize_with(init_params(LATEST, json!({ "sampling": {}, "elicitation": {} }))).await
    }

    /// `initialize` with these params, then `notifications/initialized`. In stateful mode the
    /// reply must carry a session id.
    pub(crate) async fn initialize_with(&self, params: Value) -> Session {
        let response = self.post_json(&request(0, "initialize", params), &[]).await;
        assert_eq!(response.status(), StatusCode::OK, "initialize is answered");
        let id = response.headers().get(SESSION_HEADER).map(|v| v.to_str().expect("visible ASCII").to_owned());
        let body = json_body(response).await;
        let version = body["result"]["protocolVersion"].as_str().expect("a negotiated version").to_owned();
        let session = self.session(id, &version);
        session.notify("notifications/initialized", None).await;
        session
    }

    /// A 2026-07-28 client: every request carries its `_meta` and the request headers.
    pub(crate) fn modern(&self) -> Modern {
        Modern {
            http: self.http.clone(),
            url: self.url.clone(),
            capabilities: json!({ "sampling": {}, "elicitation": {}, "roots": {} }),
            extra_meta: Map::new(),
            headers: true,
            next_id: Arc::new(AtomicI64::new(1)),
        }
    }

    /// A client that talks to the server as `id` (none in stateless mode) without
    /// initializing.
    pub(crate) fn session(&self, id: Option<String>, version: &str) -> Session {
        Session {
            http: self.http.clone(),
            url: self.url.clone(),
            id,
            version: version.to_owned(),
            next_id: Arc::new(AtomicI64::new(1)),
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        // A test that failed before `stop` still ends its server.
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

fn header_map(headers: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        let name = HeaderName::from_bytes(name.as_bytes()).expect("a header name");
        map.append(name, HeaderValue::from_str(value).expect("a header value"));
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

/// One client's view of the server: its session id, protocol version and request ids.
#[derive(Clone)]
pub(crate) struct Session {
    http: Client,
    url: String,
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
        for (name, value) in extra {
            let name = HeaderName::from_bytes(name.as_bytes()).expect("a header name");
            map.insert(name, HeaderValue::from_str(value).expect("a header value"));
        }
        map
    }

    /// POSTs any body with the session's headers.
    pub(crate) async fn post(&self, body: &Value, extra: &[(&str, &str)]) -> Response {
        self.http.post(&self.url).headers(self.headers(extra)).body(body.to_string()).send().await.expect("POST")
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
        let response = self.request(method, params).await;
        assert!(response.get("error").is_none(), "{method} failed: {response}");
        response["result"].clone()
    }

    /// The `error` of a request that must fail with a JSON-RPC error (HTTP 200).
    pub(crate) async fn error(&self, method: &str, params: Value) -> Value {
        let response = self.request(method, params).await;
        assert!(response.get("result").is_none(), "{method} unexpectedly succeeded: {response}");
        response["error"].clone()
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
        self.http.get(&self.url).headers(headers).send().await.expect("GET")
    }

    /// Ends the session.
    pub(crate) async fn delete(&self) -> Response {
        let mut headers = self.headers(&[]);
        headers.remove(CONTENT_TYPE);
        headers.remove(ACCEPT);
        self.http.delete(&self.url).headers(headers).send().await.expect("DELETE")
    }
}

/// A 2026-07-28 client: no session, the protocol version, client info and capabilities in
/// every request's `_meta`, and (unless turned off) `MCP-Protocol-Version`, `Mcp-Method` and
/// `Mcp-Name` headers derived from the body.
#[derive(Clone)]
pub(crate) struct Modern {
    http: Client,
    url: String,
    pub(crate) capabilities: Value,
    pub(crate) extra_meta: Map<String, Value>,
    pub(crate) headers: bool,
    next_id: Arc<AtomicI64>,
}

impl Modern {
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
        let mut meta = self.extra_meta.clone();
        meta.insert("io.modelcontextprotocol/protocolVersion".into(), json!(MODERN));
        meta.insert(
            "io.modelcontextprotocol/clientInfo".into(),
            json!({ "name": "modern-test-client", "version": "2.0.0" }),
        );
        meta.insert("io.modelcontextprotocol/clientCapabilities".into(), self.capabilities.clone());
        Value::Object(meta)
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
        for (name, value) in extra {
            let name = HeaderName::from_bytes(name.as_bytes()).expect("a header name");
            map.insert(name, HeaderValue::from_str(value).expect("a header value"));
        }
        map
    }

    /// POSTs a whole body with the headers derived from it, then `extra`.
    pub(crate) async fn post_body(&self, body: &Value, extra: &[(&str, &str)]) -> Response {
        let headers = self.headers_for(body, extra);
        self.http_post_headers(body, headers).await
    }

    /// POSTs a body with exactly these headers.
    pub(crate) async fn http_post_headers(&self, body: &Value, headers: HeaderMap) -> Response {
        self.http.post(&self.url).headers(headers).body(body.to_string()).send().await.expect("POST")
    }

    /// POSTs a body with the derived headers, where the headers named in `values` are replaced
    /// by all of those values (to send one header several times).
    pub(crate) async fn http_post_with(&self, body: &Value, values: &[(&str, &str)]) -> Response {
        let mut headers = self.headers_for(body, &[]);
        for (name, _) in values {
            headers.remove(*name);
        }
        for (name, value) in values {
            let name = HeaderName::from_bytes(name.as_bytes()).expect("a header name");
            headers.append(name, HeaderValue::from_str(value).expect("a header value"));
        }
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
        let response = self.request(method, params).await;
        assert!(response.get("error").is_none(), "{method} failed: {response}");
        response["result"].clone()
    }

    /// The `error` of a request answered with 200 and a JSON-RPC error.
    pub(crate) async fn error(&self, method: &str, params: Value) -> Value {
        let response = self.request(method, params).await;
        assert!(response.get("result").is_none(), "{method} unexpectedly succeeded: {response}");
        response["error"].clone()
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
    let body = response.bytes().await.expect("body");
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

/// A JSON body (asserting `Content-Type: application/json`).
pub(crate) async fn json_body(response: Response) -> Value {
    assert_eq!(content_type(&response), "application/json", "a JSON reply");
    let bytes = response.bytes().await.expect("body");
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
    response: Response,
    buf: Vec<u8>,
    ended: bool,
}

impl Sse {
    /// Wraps a `text/event-stream` response.
    pub(crate) fn new(response: Response) -> Self {
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(content_type(&response), "text/event-stream", "an SSE reply");
        Self { response, buf: Vec::new(), ended: false }
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
            match self.response.chunk().await.expect("reading the SSE stream") {
                Some(chunk) => self.buf.extend(chunk.iter().copied().filter(|&b| b != b'\r')),
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

/// A response as read from a raw socket.
#[derive(Debug)]
pub(crate) struct RawResponse {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl RawResponse {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

/// Sends a hand-written HTTP/1.1 request (for headers reqwest always adds, such as `Accept`)
/// and reads the whole response (`Connection: close`).
pub(crate) async fn raw_http(addr: SocketAddr, head: &str, body: &[u8]) -> RawResponse {
    let mut wire = head.replace('\n', "\r\n").into_bytes();
    wire.extend_from_slice(b"\r\n");
    wire.extend_from_slice(body);
    let exchange = async {
        let stream = TcpStream::connect(addr).await.expect("connect");
        let mut written = 0;
        while written < wire.len() {
            stream.writable().await.expect("writable");
            match stream.try_write(&wire[written..]) {
                Ok(n) => written += n,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => panic!("write: {e}"),
            }
        }
        let mut received = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            stream.readable().await.expect("readable");
            match stream.try_read(&mut buf) {
                Ok(0) => break,
                Ok(n) => received.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => panic!("read: {e}"),
            }
        }
        received
    };
    let received = tokio::time::timeout(STEP, exchange).await.expect("the raw exchange completes");
    parse_raw(&received)
}

fn parse_raw(received: &[u8]) -> RawResponse {
    let split = received.windows(4).position(|w| w == b"\r\n\r\n").expect("a complete response head");
    let head = std::str::from_utf8(&received[..split]).expect("ASCII head");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().expect("a status line");
    let status = status_line.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status code");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let raw_body = &received[split + 4..];
    let chunked = headers.iter().any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    let body = if chunked { dechunk(raw_body) } else { raw_body.to_vec() };
    RawResponse { status, headers, body }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n").expect("a chunk size line");
        let size_text = std::str::from_utf8(&data[..line_end]).expect("ASCII size");
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or_default().trim(), 16).expect("hex");
        data = &data[line_end + 2..];
        if size == 0 {
            return body;
        }
        body.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
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
        .tool(
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
                })),
        )
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
