//! What only a server on a real socket shows; every other test drives the server in process.
//!
//! - Requests without the headers every HTTP client library adds (`Accept`), written by hand
//!   on a TCP connection.
//! - `serve_with_shutdown`: a graceful shutdown ends the open event streams (a GET stream, a
//!   `subscriptions/listen` stream with its final result) and the server stops cleanly.
//! - A client that hangs up its connection: what the server finds out through its keep-alive
//!   writes (a 2026-07-28 request is cancelled, an older one runs on).
//! - The start-up checks of `serve` (the issuer's keys fetched before the first request), which
//!   refuse to start against an issuer that is down, unreachable, keyless or another issuer.
//! - A server exactly as built, without auth: the in-process client gives such a server a test
//!   issuer so that tools' sign-in requirements are enforced, which changes how a tool that
//!   requires sign-in is refused.

mod common;

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::body::Body;
use common::auth::{build, issuer, notes_tools, rsa_a, weak_jwk};
use common::{
    ACCEPT_BOTH, CancelSeen, LATEST, MODERN, SESSION_HEADER, STEP, Sse, VERSION_HEADER, fixtures, modern_fixtures,
    modern_meta, notification, request,
};
use fastapps_core::ServeError;
use fastapps_core::prelude::*;
use reqwest::StatusCode;
use serde_json::{Map, Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A server serving on an ephemeral loopback port until [`stop`](Self::stop), and a client.
struct Served {
    addr: SocketAddr,
    url: String,
    http: reqwest::Client,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<Result<(), ServeError>>,
}

impl Served {
    async fn start(builder: ServerBuilder) -> Self {
        let server = builder.build_server().expect("the test server builds");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let url = format!("http://{addr}{}", server.path());
        let (shutdown, signal) = oneshot::channel::<()>();
        let task = tokio::spawn(server.serve_with_shutdown(listener, async move {
            let _ = signal.await;
        }));
        let http = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(20)).build().expect("a client");
        Self { addr, url, http, shutdown, task }
    }

    /// Shuts the server down and checks that it stopped cleanly.
    async fn stop(self) {
        let _ = self.shutdown.send(());
        let served = tokio::time::timeout(STEP, self.task).await.expect("the server shuts down promptly");
        served.expect("the server task did not panic").expect("the server stopped without error");
    }

    /// A POST of a JSON body with the usual content type and `Accept`, and these headers.
    async fn post(&self, body: &Value, headers: &[(&str, &str)]) -> reqwest::Response {
        let mut post =
            self.http.post(&self.url).header("content-type", "application/json").header("accept", ACCEPT_BOTH);
        for (name, value) in headers {
            post = post.header(*name, *value);
        }
        post.body(body.to_string()).send().await.expect("POST")
    }

    /// A 2026-07-28 request of `modern-test-client` with its `_meta` (and `extra` in it) and
    /// headers.
    async fn post_modern(&self, method: &str, mut params: Value, extra: Map<String, Value>) -> reqwest::Response {
        let info = json!({ "name": "modern-test-client", "version": "2.0.0" });
        params["_meta"] = modern_meta(&info, &json!({ "sampling": {}, "elicitation": {}, "roots": {} }), &extra);
        let response =
            self.post(&request(1, method, params), &[(VERSION_HEADER, MODERN), ("mcp-method", method)]).await;
        assert!(response.headers().get(SESSION_HEADER).is_none(), "no session id in 2026-07-28");
        response
    }

    /// A session: `initialize`, then `notifications/initialized`.
    async fn initialize(&self) -> String {
        let params =
            json!({ "protocolVersion": LATEST, "capabilities": {}, "clientInfo": { "name": "t", "version": "1" } });
        let response = self.post(&request(0, "initialize", params), &[]).await;
        assert_eq!(response.status(), StatusCode::OK, "initialize is answered");
        let id = response.headers()[SESSION_HEADER].to_str().expect("visible ASCII").to_owned();
        let headers = [(SESSION_HEADER, id.as_str()), (VERSION_HEADER, LATEST)];
        let response = self.post(&notification("notifications/initialized", None), &headers).await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        id
    }

    /// The JSON-RPC response to a request in `session`, answered with 200.
    async fn rpc(&self, session: &str, method: &str, params: Value) -> Value {
        let headers = [(SESSION_HEADER, session), (VERSION_HEADER, LATEST), ("accept", "application/json")];
        let response = self.post(&request(1, method, params), &headers).await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("a JSON body")
    }
}

/// The messages of an event stream received over HTTP.
fn events(response: reqwest::Response) -> Sse {
    Sse::new(http::Response::from(response).map(Body::new))
}

// ---------------------------------------------------------------------------------------------
// Headers every client library adds

/// A response as read from a raw socket.
#[derive(Debug)]
struct RawResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl RawResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

/// Sends a hand-written HTTP/1.1 request and reads the whole response (`Connection: close`).
async fn raw_http(addr: SocketAddr, head: &str, body: &[u8]) -> RawResponse {
    let mut wire = head.replace('\n', "\r\n").into_bytes();
    wire.extend_from_slice(b"\r\n");
    wire.extend_from_slice(body);
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        stream.write_all(&wire).await.expect("write");
        let mut received = Vec::new();
        stream.read_to_end(&mut received).await.expect("read");
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

#[tokio::test]
async fn a_missing_accept_header_is_accepted() {
    let server = Served::start(fixtures()).await;
    let session = server.initialize().await;
    let body = request(9, "ping", json!({})).to_string();
    let head = format!(
        "POST /mcp HTTP/1.1\nHost: 127.0.0.1:{}\nContent-Type: application/json\n{SESSION_HEADER}: {session}\n\
         {VERSION_HEADER}: {LATEST}\nContent-Length: {}\nConnection: close\n",
        server.addr.port(),
        body.len()
    );
    let response = raw_http(server.addr, &head, body.as_bytes()).await;
    assert_eq!(response.status, 200, "{response:?}");
    assert!(response.header("content-type").is_some_and(|v| v.starts_with("application/json")), "{response:?}");
    assert_eq!(response.json(), json!({ "jsonrpc": "2.0", "id": 9, "result": {} }));
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Graceful shutdown

#[tokio::test]
async fn shutdown_ends_open_streams() {
    let server = Served::start(fixtures()).await;
    let session = server.initialize().await;
    let get = server
        .http
        .get(&server.url)
        .header("accept", "text/event-stream")
        .header(SESSION_HEADER, &session)
        .header(VERSION_HEADER, LATEST)
        .send()
        .await
        .expect("GET");
    let mut sse = events(get);
    server.stop().await; // asserts the server stops within the step timeout
    assert_eq!(sse.next().await, None);
}

#[tokio::test]
async fn a_listen_stream_ends_with_the_server() {
    let server = Served::start(modern_fixtures(CancelSeen::default())).await;
    let filter = json!({ "notifications": { "resourceSubscriptions": ["test://static"] } });
    let mut stream = events(server.post_modern("subscriptions/listen", filter, Map::new()).await);
    stream.next().await.expect("the acknowledgement");
    let stopping = tokio::spawn(server.stop());
    let last = stream.next().await.expect("the subscription's result");
    assert_eq!(last["id"], json!(1));
    assert_eq!(last["result"]["resultType"], "complete");
    assert_eq!(last["result"]["_meta"]["io.modelcontextprotocol/subscriptionId"], json!(1));
    assert_eq!(stream.next().await, None, "then the stream ends");
    stopping.await.expect("the server stops");
}

// ---------------------------------------------------------------------------------------------
// A client that hangs up

/// Starts `slow` over a raw socket with these extra header lines, reads until its progress
/// notification, and closes the socket.
async fn start_slow_and_hang_up(server: &Served, body: &Value, extra_headers: &str) {
    let body = body.to_string();
    let head = format!(
        "POST /mcp HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\n\
         {extra_headers}Content-Length: {}\r\n\r\n",
        server.addr,
        body.len()
    );
    let mut socket = TcpStream::connect(server.addr).await.expect("connect");
    socket.write_all(head.as_bytes()).await.expect("write");
    socket.write_all(body.as_bytes()).await.expect("write");
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&received).contains("notifications/progress") {
        let n = tokio::time::timeout(STEP, socket.read(&mut buf)).await.expect("the stream starts").expect("read");
        assert!(n > 0, "the stream stays open until the progress notification");
        received.extend_from_slice(&buf[..n]);
    }
}

#[tokio::test]
async fn closing_the_response_stream_cancels_a_modern_request_only() {
    let seen = CancelSeen::default();
    // Frequent keep-alives: their writes are how the server finds out that the client left.
    let server = Served::start(modern_fixtures(seen.clone()).keep_alive(Duration::from_millis(50))).await;
    let info = json!({ "name": "modern-test-client", "version": "2.0.0" });
    let progress = Map::from_iter([("progressToken".to_owned(), json!("slow-1"))]);
    let meta = modern_meta(&info, &json!({ "sampling": {}, "elicitation": {}, "roots": {} }), &progress);
    let call = request(1, "tools/call", json!({ "name": "slow", "arguments": {}, "_meta": meta }));
    start_slow_and_hang_up(&server, &call, &format!("MCP-Protocol-Version: {MODERN}\r\n")).await;
    let deadline = tokio::time::Instant::now() + STEP;
    while !seen.0.load(Ordering::SeqCst) {
        assert!(tokio::time::Instant::now() < deadline, "the handler is stopped");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let discover = server.post_modern("server/discover", json!({}), Map::new()).await;
    assert_eq!(discover.status(), StatusCode::OK);
    let discover: Value = discover.json().await.expect("a JSON body");
    assert_eq!(discover["result"]["resultType"], "complete", "the server still answers server/discover");
    server.stop().await;

    // Before 2026-07-28 a disconnect is not a cancellation: the handler runs on.
    let seen = CancelSeen::default();
    let server =
        Served::start(modern_fixtures(seen.clone()).stateless(true).keep_alive(Duration::from_millis(50))).await;
    let call =
        request(1, "tools/call", json!({ "name": "slow", "arguments": {}, "_meta": { "progressToken": "slow-2" } }));
    start_slow_and_hang_up(&server, &call, &format!("MCP-Protocol-Version: {LATEST}\r\n")).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!seen.0.load(Ordering::SeqCst), "the legacy handler keeps running after the client left");
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// The start-up checks of `serve`

/// Serves until start-up fails or `STEP` passes; the error, or a panic when it started.
async fn start_up_error(server: WidgetMcpServer) -> ServeError {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
    let serving = server.serve_with_shutdown(listener, std::future::pending());
    match tokio::time::timeout(STEP, serving).await {
        Ok(Err(e)) => e,
        Ok(Ok(())) => panic!("the server stopped without an error"),
        Err(_) => panic!("the server started although it should have refused to"),
    }
}

#[tokio::test]
async fn start_up_fails_when_the_jwks_endpoint_is_down() {
    let issuer = issuer(vec![rsa_a().jwk]).await;
    issuer.set_available(false);
    let error = start_up_error(build(issuer.url(), |auth| auth, notes_tools)).await;
    assert!(matches!(error, ServeError::Auth(_)), "{error:?}");
}

#[tokio::test]
async fn start_up_fails_when_the_issuer_is_unreachable() {
    let unused = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let issuer = format!("http://{}", unused.local_addr().expect("address"));
    drop(unused);
    let error = start_up_error(build(&issuer, |auth| auth, notes_tools)).await;
    assert!(matches!(error, ServeError::Auth(_)), "{error:?}");
}

#[tokio::test]
async fn start_up_fails_when_the_jwks_has_no_usable_key() {
    let issuer = issuer(vec![weak_jwk()]).await;
    let error = start_up_error(build(issuer.url(), |auth| auth, notes_tools)).await;
    assert!(matches!(error, ServeError::Auth(_)), "{error:?}");
}

#[tokio::test]
async fn discovery_issuer_mismatch_is_a_start_up_error() {
    let issuer = issuer(vec![rsa_a().jwk]).await;
    let advertised = format!("{}/", issuer.url());
    issuer.advertise_issuer(&advertised);
    let error = start_up_error(build(issuer.url(), |auth| auth, notes_tools)).await;
    let ServeError::Auth(message) = &error else { panic!("an authorization error, got {error:?}") };
    let message = message.to_string();
    assert!(message.contains(&format!("{advertised:?}")), "the error names the advertised issuer: {message}");
    assert!(message.contains(&format!("{:?}", issuer.url())), "the error names the configured issuer: {message}");
    assert_eq!(issuer.jwks_fetches(), 0, "no keys are fetched from a mismatched issuer");
}

// ---------------------------------------------------------------------------------------------
// A server without auth, as built

#[tokio::test]
async fn auth_required_tools_are_not_run_without_a_user() {
    let delete = ToolDef::new("delete_note", |_, _| async { Ok(CallToolResult::text("deleted")) })
        .security(Security::required(["notes:write", "notes:read"]));
    let search = ToolDef::new("search", |_, _| async { Ok(CallToolResult::text("found")) })
        .security(Security::optional(["search"]));
    let served = Served::start(WidgetMcpServer::builder("no-auth").macro_tools(false).tool(delete).tool(search)).await;
    let session = served.initialize().await;
    let call = |name: &str, arguments: Value| json!({ "name": name, "arguments": arguments, "_meta": {} });
    let result = served.rpc(&session, "tools/call", call("delete_note", json!({ "note_id": 1 }))).await;
    assert_eq!(result["result"]["isError"], json!(true));
    let text = result["result"]["content"][0]["text"].as_str().unwrap();
    assert!(text.contains("Authentication required"), "{text}");
    // Optional auth runs for anonymous callers.
    let result = served.rpc(&session, "tools/call", call("search", json!({ "query": "x" }))).await;
    assert_eq!(result["result"]["isError"], json!(false));
    served.stop().await;
}
