//! The Streamable HTTP transport, driven in process: Host/Origin checks, sessions, the protocol
//! version header, message shapes, body limits, content negotiation, GET and DELETE, and the
//! stateless mode.

mod common;

use std::time::Duration;

use common::*;
use http::{HeaderMap, Method, StatusCode};
use serde_json::{Value, json};

fn ping(id: i64) -> Value {
    request(id, "ping", json!({}))
}

// ---------------------------------------------------------------------------------------------
// Host and Origin (DNS-rebinding protection)

#[tokio::test]
async fn a_foreign_origin_is_refused_with_403() {
    let server = TestServer::new(fixtures());
    let init = request(1, "initialize", init_params(LATEST, json!({})));

    let response = server.post_json(&init, &[("origin", "http://evil.example.com")]).await;
    assert!(response.headers().get(SESSION_HEADER).is_none(), "no session for a refused request");
    let message = assert_transport_error(response, StatusCode::FORBIDDEN, -32000).await;
    assert!(message.contains("\"http://evil.example.com\""), "{message}");
    assert_eq!(server.server.session_count(), 0, "a refused initialize creates no session");

    // A session-bound request from a foreign origin is refused too, before its session is looked at.
    let session = server.initialize().await;
    let response = session.post(&ping(2), &[("origin", "https://evil.example.com")]).await;
    assert_transport_error(response, StatusCode::FORBIDDEN, -32000).await;
    // `null` (sandboxed pages) is no origin we accept.
    let response = session.post(&ping(3), &[("origin", "null")]).await;
    assert_transport_error(response, StatusCode::FORBIDDEN, -32000).await;
    // A look-alike of localhost is not localhost.
    let response = session.post(&ping(4), &[("origin", "http://localhost.evil.example.com")]).await;
    assert_transport_error(response, StatusCode::FORBIDDEN, -32000).await;

    session.assert_alive().await;
}

#[tokio::test]
async fn a_forged_host_is_refused_with_403() {
    let server = TestServer::new(fixtures());
    let init = request(1, "initialize", init_params(LATEST, json!({})));

    let response = server.post_json(&init, &[("host", "evil.example.com")]).await;
    let message = assert_transport_error(response, StatusCode::FORBIDDEN, -32000).await;
    assert!(message.contains("Host \"evil.example.com\""), "{message}");

    // What the conformance suite's dns-rebinding scenario sends: forged Host and Origin.
    let response =
        server.post_json(&init, &[("host", "evil.example.com"), ("origin", "http://evil.example.com")]).await;
    assert_transport_error(response, StatusCode::FORBIDDEN, -32000).await;
    let response = server.post_json(&init, &[("host", "evil.example.com:8000")]).await;
    assert_transport_error(response, StatusCode::FORBIDDEN, -32000).await;
    assert_eq!(server.server.session_count(), 0);

    // GET and DELETE check Host as well.
    let session = server.initialize().await;
    let sid = session.id().to_owned();
    let response = server
        .get(&[("host", "evil.example.com"), ("accept", "text/event-stream"), (SESSION_HEADER, sid.as_str())])
        .await;
    assert_transport_error(response, StatusCode::FORBIDDEN, -32000).await;
    let response = server.delete(&[("host", "evil.example.com"), (SESSION_HEADER, sid.as_str())]).await;
    assert_transport_error(response, StatusCode::FORBIDDEN, -32000).await;

    session.assert_alive().await;
}

#[tokio::test]
async fn loopback_hosts_and_origins_are_accepted() {
    let server = TestServer::new(fixtures());
    let port = 8000;
    let init = request(1, "initialize", init_params(LATEST, json!({})));
    let cases = [
        (format!("localhost:{port}"), "http://localhost:5173".to_owned()),
        (format!("127.0.0.1:{port}"), format!("http://127.0.0.1:{port}")),
        (format!("[::1]:{port}"), "https://[::1]".to_owned()),
        ("localhost".to_owned(), "http://localhost".to_owned()),
    ];
    for (host, origin) in &cases {
        let response = server.post_json(&init, &[("host", host), ("origin", origin)]).await;
        assert_eq!(response.status(), StatusCode::OK, "Host {host}, Origin {origin}");
        assert!(response.headers().get(SESSION_HEADER).is_some());
        let body = json_body(response).await;
        assert_eq!(body["result"]["protocolVersion"], LATEST);
    }
    assert_eq!(server.server.session_count(), cases.len());
}

#[tokio::test]
async fn the_public_url_lets_its_host_and_origin_through() {
    let server = TestServer::new(fixtures().public_url("https://app.example.com"));
    let public = [("host", "app.example.com"), ("origin", "https://app.example.com")];

    let response = server.post_json(&request(1, "initialize", init_params(LATEST, json!({}))), &public).await;
    assert_eq!(response.status(), StatusCode::OK);
    let sid = response.headers()[SESSION_HEADER].to_str().unwrap().to_owned();
    json_body(response).await;
    let session = server.session(Some(sid), LATEST);
    let response = session.post(&request(2, "tools/list", json!({})), &public).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = json_body(response).await;
    assert_eq!(body["id"], 2);
    assert!(body["result"]["tools"].is_array());

    // Only that origin: another scheme or host is still refused.
    let response = session.post(&ping(3), &[("host", "app.example.com"), ("origin", "http://app.example.com")]).await;
    assert_transport_error(response, StatusCode::FORBIDDEN, -32000).await;
    let response = session.post(&ping(4), &[("host", "other.example.com")]).await;
    assert_transport_error(response, StatusCode::FORBIDDEN, -32000).await;
    // Loopback stays allowed.
    session.assert_alive().await;
}

#[tokio::test]
async fn allowed_origins_and_hosts_extend_the_lists() {
    let server = TestServer::new(fixtures().allowed_origins(["https://x.example"]).allowed_hosts(["api.example.com"]));
    let session = server.initialize().await;

    let response = session.post(&ping(1), &[("origin", "https://x.example")]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json_body(response).await, json!({ "jsonrpc": "2.0", "id": 1, "result": {} }));
    let response = session.post(&ping(2), &[("origin", "https://y.example")]).await;
    assert_transport_error(response, StatusCode::FORBIDDEN, -32000).await;

    let response = session.post(&ping(3), &[("host", "api.example.com:9000")]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = session.post(&ping(4), &[("host", "www.example.com")]).await;
    assert_transport_error(response, StatusCode::FORBIDDEN, -32000).await;

    session.assert_alive().await;
}

#[tokio::test]
async fn cors_preflight_answers_allowed_origins_only() {
    let server = TestServer::new(fixtures().allowed_origins(["https://x.example"]));
    let preflight = |origin: &'static str| {
        let headers = header_map(&[
            ("origin", origin),
            ("access-control-request-method", "POST"),
            ("access-control-request-headers", "content-type, mcp-session-id"),
        ]);
        server.send(Method::OPTIONS, headers, None)
    };
    let response = preflight("https://x.example").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["access-control-allow-origin"], "https://x.example");
    let allowed = response.headers()["access-control-allow-headers"].to_str().unwrap().to_ascii_lowercase();
    assert!(allowed.contains("mcp-session-id"), "{allowed}");

    let response = preflight("https://evil.example.com").await;
    assert!(response.headers().get("access-control-allow-origin").is_none());
}

// ---------------------------------------------------------------------------------------------
// Sessions

#[tokio::test]
async fn initialize_creates_a_session_with_a_visible_ascii_id() {
    let server = TestServer::new(fixtures());
    let a = server.initialize().await;
    let b = server.initialize().await;
    for id in [a.id(), b.id()] {
        assert!(id.len() >= 16, "{id}");
        assert!(id.bytes().all(|c| (0x21..=0x7e).contains(&c)), "{id}");
    }
    assert_ne!(a.id(), b.id());
    assert_eq!(server.server.session_count(), 2);
    a.assert_alive().await;
    b.assert_alive().await;
}

#[tokio::test]
async fn an_unknown_session_is_404() {
    let server = TestServer::new(fixtures());
    let stranger = server.session(Some("0123456789abcdef0123456789abcdef".into()), LATEST);
    let response = stranger.post(&ping(1), &[]).await;
    let message = assert_transport_error(response, StatusCode::NOT_FOUND, -32001).await;
    assert_eq!(message, "Session not found");
    // Notifications and client responses need a live session too.
    let response = stranger.post(&notification("notifications/initialized", None), &[]).await;
    assert_transport_error(response, StatusCode::NOT_FOUND, -32001).await;

    let session = server.initialize().await;
    session.assert_alive().await;
}

#[tokio::test]
async fn a_missing_session_id_is_400() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    let anonymous = server.session(None, LATEST);
    let response = anonymous.post(&ping(1), &[]).await;
    let message = assert_transport_error(response, StatusCode::BAD_REQUEST, -32000).await;
    assert!(message.contains("Mcp-Session-Id"), "{message}");
    let response = anonymous.post(&notification("notifications/initialized", None), &[]).await;
    assert_transport_error(response, StatusCode::BAD_REQUEST, -32000).await;

    // An id that is not visible ASCII is no id.
    let response = session.post(&ping(2), &[(SESSION_HEADER, "has space")]).await;
    assert_transport_error(response, StatusCode::BAD_REQUEST, -32000).await;

    session.assert_alive().await;
}

#[tokio::test]
async fn a_deleted_session_is_gone() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    let other = server.initialize().await;
    assert_eq!(server.server.session_count(), 2);

    let response = session.delete().await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(body_bytes(response).await.is_empty());
    assert_eq!(server.server.session_count(), 1);

    let response = session.post(&ping(1), &[]).await;
    assert_transport_error(response, StatusCode::NOT_FOUND, -32001).await;
    let response = session.delete().await;
    assert_transport_error(response, StatusCode::NOT_FOUND, -32001).await;
    let response = session.open_get().await;
    assert_transport_error(response, StatusCode::NOT_FOUND, -32001).await;

    // DELETE without a session id is a bad request.
    let response = server.delete(&[]).await;
    assert_transport_error(response, StatusCode::BAD_REQUEST, -32000).await;

    other.assert_alive().await;
}

#[tokio::test]
async fn an_idle_session_expires_after_its_ttl() {
    let server = TestServer::new(fixtures().session_ttl(Duration::from_millis(100)));
    let session = server.initialize().await;
    session.assert_alive().await;
    tokio::time::sleep(Duration::from_millis(250)).await;
    let response = session.post(&ping(1), &[]).await;
    assert_transport_error(response, StatusCode::NOT_FOUND, -32001).await;

    let fresh = server.initialize().await;
    fresh.assert_alive().await;
}

#[tokio::test]
async fn requests_keep_a_session_alive() {
    let server = TestServer::new(fixtures().session_ttl(Duration::from_millis(400)));
    let session = server.initialize().await;
    // Eight pings 100 ms apart: twice the TTL in all, but never idle for longer than it.
    for _ in 0..8 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        session.assert_alive().await;
    }
}

#[tokio::test]
async fn the_session_limit_answers_503() {
    let server = TestServer::new(fixtures().max_sessions(1));
    let first = server.initialize().await;
    let init = request(1, "initialize", init_params(LATEST, json!({})));
    let response = server.post_json(&init, &[]).await;
    assert!(response.headers().get(SESSION_HEADER).is_none());
    let message = assert_transport_error(response, StatusCode::SERVICE_UNAVAILABLE, -32000).await;
    assert!(message.contains("too many open sessions"), "{message}");
    assert_eq!(server.server.session_count(), 1);
    first.assert_alive().await;

    // Ending the session frees its slot.
    assert_eq!(first.delete().await.status(), StatusCode::OK);
    let second = server.initialize().await;
    second.assert_alive().await;
}

#[tokio::test]
async fn an_expired_session_frees_its_slot() {
    let server = TestServer::new(fixtures().max_sessions(1).session_ttl(Duration::from_millis(100)));
    let first = server.initialize().await;
    tokio::time::sleep(Duration::from_millis(250)).await;
    // The only session has been idle past its TTL: it no longer counts against the limit.
    let init = request(1, "initialize", init_params(LATEST, json!({})));
    let response = server.post_json(&init, &[]).await;
    assert_eq!(response.status(), StatusCode::OK, "initialize after the only session expired");
    assert!(response.headers().get(SESSION_HEADER).is_some());
    let response = first.post(&ping(2), &[]).await;
    assert_transport_error(response, StatusCode::NOT_FOUND, -32001).await;
}

// ---------------------------------------------------------------------------------------------
// MCP-Protocol-Version

#[tokio::test]
async fn an_unsupported_version_header_is_400() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    let response = session.post(&ping(1), &[(VERSION_HEADER, "1999-01-01")]).await;
    let message = assert_transport_error(response, StatusCode::BAD_REQUEST, -32000).await;
    assert_eq!(
        message,
        "Bad Request: Unsupported protocol version: 1999-01-01 (supported versions: 2026-07-28, 2025-11-25, 2025-06-18, 2025-03-26)"
    );
    // Notifications are checked as well.
    let response = session.post(&notification("notifications/initialized", None), &[(VERSION_HEADER, "2.0")]).await;
    assert_transport_error(response, StatusCode::BAD_REQUEST, -32000).await;
    session.assert_alive().await;
}

#[tokio::test]
async fn a_missing_version_header_is_accepted() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    let mut headers = session.headers(&[]);
    headers.remove(VERSION_HEADER);
    let response = server.send(Method::POST, headers, Some(ping(7).to_string().into())).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json_body(response).await, json!({ "jsonrpc": "2.0", "id": 7, "result": {} }));
}

#[tokio::test]
async fn any_supported_version_header_is_accepted_on_any_session() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    assert_eq!(session.version, "2025-11-25");
    for version in ["2025-03-26", "2025-06-18", "2025-11-25"] {
        let response = session.post(&ping(1), &[(VERSION_HEADER, version)]).await;
        assert_eq!(response.status(), StatusCode::OK, "{version}");
        assert_eq!(json_body(response).await["result"], json!({}));
    }
}

#[tokio::test]
async fn initialize_negotiates_the_protocol_version() {
    let server = TestServer::new(fixtures());
    for (requested, answered) in [
        ("2025-06-18", "2025-06-18"),
        ("2025-03-26", "2025-03-26"),
        ("2025-11-25", "2025-11-25"),
        ("2099-01-01", "2025-11-25"),
        ("2024-11-05", "2025-11-25"),
    ] {
        let response = server.post_json(&request(1, "initialize", init_params(requested, json!({}))), &[]).await;
        assert_eq!(response.status(), StatusCode::OK);
        let body = json_body(response).await;
        assert_eq!(body["id"], 1);
        assert_eq!(body["result"]["protocolVersion"], answered, "requested {requested}");
    }
}

#[tokio::test]
async fn initialize_without_a_protocol_version_is_invalid_params() {
    let server = TestServer::new(fixtures());
    let response = server.post_json(&request(5, "initialize", json!({ "capabilities": {} })), &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get(SESSION_HEADER).is_none());
    let body = json_body(response).await;
    assert_eq!(body["id"], 5);
    assert_eq!(body["error"]["code"], -32602, "{body}");
    assert_eq!(server.server.session_count(), 0);
    server.initialize().await.assert_alive().await;
}

// ---------------------------------------------------------------------------------------------
// What a POST may carry

#[tokio::test]
async fn a_notification_is_accepted_with_202() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await; // sends notifications/initialized, asserting 202
    let response = session.post(&notification("notifications/initialized", None), &[]).await;
    assert_eq!(response.headers().get(SESSION_HEADER).map(|v| v.to_str().unwrap()), Some(session.id()));
    assert_accepted(response).await;
    // Unknown notifications are ignored, not answered.
    session.notify("notifications/whatever", Some(json!({ "x": 1 }))).await;
    session.notify("notifications/roots/list_changed", None).await;
    session.assert_alive().await;
}

#[tokio::test]
async fn a_client_response_to_an_unknown_id_is_accepted_with_202() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    session.reply(&json!("no-such-request"), json!({})).await;
    session.reply(&json!(12345), json!({ "anything": true })).await;
    let response =
        session.post(&json!({ "jsonrpc": "2.0", "id": "nope", "error": { "code": -1, "message": "no" } }), &[]).await;
    assert_accepted(response).await;
    session.assert_alive().await;
}

#[tokio::test]
async fn a_batch_is_400_invalid_request() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    let response = session.post(&json!([ping(1), ping(2)]), &[]).await;
    let message = assert_transport_error(response, StatusCode::BAD_REQUEST, -32600).await;
    assert!(message.contains("batch"), "{message}");
    // A batch of one is still a batch; so is a batched initialize without a session.
    let response = session.post(&json!([ping(3)]), &[]).await;
    assert_transport_error(response, StatusCode::BAD_REQUEST, -32600).await;
    let batch = json!([request(4, "initialize", init_params(LATEST, json!({})))]);
    assert_transport_error(server.post_json(&batch, &[]).await, StatusCode::BAD_REQUEST, -32600).await;
    session.assert_alive().await;
}

#[tokio::test]
async fn malformed_json_is_400_parse_error() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    for body in [r#"{"jsonrpc":"2.0","id":1,"method":"#, "{nope", "[1, 2", "not json"] {
        let response = server.post_raw(body, &session_headers(&session)).await;
        let message = assert_transport_error(response, StatusCode::BAD_REQUEST, -32700).await;
        assert!(message.starts_with("Parse error"), "{message}");
    }
    session.assert_alive().await;
}

#[tokio::test]
async fn an_empty_body_is_400_parse_error() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    for body in ["", "  \n"] {
        let response = server.post_raw(body, &session_headers(&session)).await;
        assert_transport_error(response, StatusCode::BAD_REQUEST, -32700).await;
    }
    session.assert_alive().await;
}

#[tokio::test]
async fn a_message_that_is_not_json_rpc_2_is_400_invalid_request() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;

    let response = session.post(&json!({ "jsonrpc": "1.0", "id": 3, "method": "ping" }), &[]).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body = json_body(response).await;
    assert_eq!(body["error"]["code"], -32600, "{body}");
    // The id is readable, so the error answers it.
    assert_eq!(body["id"], 3, "{body}");

    for invalid in [
        json!({ "id": 1, "method": "ping" }),
        json!({ "jsonrpc": "2.0", "id": null, "method": "ping" }),
        json!({ "jsonrpc": "2.0", "id": {}, "method": "ping" }),
        json!({ "jsonrpc": "2.0", "id": 1 }),
        json!({ "jsonrpc": "2.0", "id": 1, "method": "ping", "params": [1] }),
        json!(42),
    ] {
        let response = session.post(&invalid, &[]).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{invalid}");
        let body = json_body(response).await;
        assert_eq!(body["error"]["code"], -32600, "{invalid} → {body}");
    }
    session.assert_alive().await;
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let server = TestServer::new(fixtures().max_body_bytes(1024));
    let session = server.initialize().await;
    let big = request(1, "tools/call", json!({ "name": "echo", "arguments": { "text": "x".repeat(2000) } }));
    let response = session.post(&big, &[]).await;
    let message = assert_transport_error(response, StatusCode::PAYLOAD_TOO_LARGE, -32000).await;
    assert_eq!(message, "Payload Too Large: the body exceeds 1024 bytes");
    session.assert_alive().await;

    // Without Content-Length (chunked), the limit holds while the body is read.
    let response = server.post_chunked(&big.to_string(), 300, session.headers(&[])).await;
    assert_transport_error(response, StatusCode::PAYLOAD_TOO_LARGE, -32000).await;
    session.assert_alive().await;

    // A body just under the limit is fine, chunked or not.
    let small = request(2, "tools/call", json!({ "name": "echo", "arguments": { "text": "y".repeat(500) } }));
    let response = server.post_chunked(&small.to_string(), 100, session.headers(&[])).await;
    assert_eq!(response.status(), StatusCode::OK);
    let reply = read_messages(response).await;
    assert_eq!(first_text(&reply[0]["result"]), "y".repeat(500));
}

// ---------------------------------------------------------------------------------------------
// Content negotiation

fn session_headers(session: &Session) -> Vec<(&'static str, &str)> {
    vec![(SESSION_HEADER, session.id()), (VERSION_HEADER, session.version.as_str())]
}

#[tokio::test]
async fn accept_any_is_answered_with_json() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    let response = session.post(&ping(1), &[("accept", "*/*")]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json_body(response).await, json!({ "jsonrpc": "2.0", "id": 1, "result": {} }));
    let response = session.post(&ping(2), &[("accept", "application/json")]).await;
    assert_eq!(json_body(response).await, json!({ "jsonrpc": "2.0", "id": 2, "result": {} }));
}

#[tokio::test]
async fn accepting_neither_json_nor_sse_is_406() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    let response = session.post(&ping(1), &[("accept", "text/html")]).await;
    let message = assert_transport_error(response, StatusCode::NOT_ACCEPTABLE, -32000).await;
    assert!(message.starts_with("Not Acceptable"), "{message}");
    let response = session.post(&ping(2), &[("accept", "application/json;q=0, text/event-stream;q=0")]).await;
    assert_transport_error(response, StatusCode::NOT_ACCEPTABLE, -32000).await;
    session.assert_alive().await;
}

#[tokio::test]
async fn lenient_content_types_are_accepted() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    for content_type in ["text/octet-stream", "application/octet-stream", "application/json; charset=utf-8"] {
        let response = session.post(&ping(1), &[("content-type", content_type)]).await;
        assert_eq!(response.status(), StatusCode::OK, "{content_type}");
        assert_eq!(json_body(response).await["result"], json!({}));
    }
    // No Content-Type at all.
    let mut headers = session.headers(&[]);
    headers.remove("content-type");
    let response = server.send(Method::POST, headers, Some(ping(2).to_string().into())).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json_body(response).await, json!({ "jsonrpc": "2.0", "id": 2, "result": {} }));
}

#[tokio::test]
async fn a_form_content_type_is_415() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    for content_type in ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x"] {
        let response = session.post(&ping(1), &[("content-type", content_type)]).await;
        let message = assert_transport_error(response, StatusCode::UNSUPPORTED_MEDIA_TYPE, -32000).await;
        assert!(message.starts_with("Unsupported Media Type"), "{message}");
    }
    session.assert_alive().await;
}

#[tokio::test]
async fn accepting_only_sse_gets_an_sse_reply() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    let response = session.post(&ping(4), &[("accept", "text/event-stream")]).await;
    assert_eq!(response.headers().get(SESSION_HEADER).map(|v| v.to_str().unwrap()), Some(session.id()));
    let messages = Sse::new(response).rest().await;
    assert_eq!(messages, vec![json!({ "jsonrpc": "2.0", "id": 4, "result": {} })]);

    let response = session
        .post(
            &request(5, "tools/call", json!({ "name": "echo", "arguments": { "text": "hi" } })),
            &[("accept", "text/event-stream")],
        )
        .await;
    let messages = Sse::new(response).rest().await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0]["id"], 5);
    assert_eq!(first_text(&messages[0]["result"]), "hi");
}

#[tokio::test]
async fn string_and_large_ids_are_echoed_exactly() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    for id in [json!("abc-1"), json!(12345678901234_i64), json!(0), json!(-7)] {
        let body = json!({ "jsonrpc": "2.0", "id": id, "method": "ping" });
        let response = session.post(&body, &[]).await;
        assert_eq!(json_body(response).await, json!({ "jsonrpc": "2.0", "id": id, "result": {} }));
    }
}

// ---------------------------------------------------------------------------------------------
// GET and DELETE

#[tokio::test]
async fn get_opens_one_event_stream_per_session() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    let first = session.open_get().await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(content_type(&first), "text/event-stream");
    assert_eq!(first.headers()[SESSION_HEADER], session.id());

    let second = session.open_get().await;
    let message = assert_transport_error(second, StatusCode::CONFLICT, -32000).await;
    assert!(message.starts_with("Conflict"), "{message}");

    // Another session has its own stream.
    let other = server.initialize().await;
    let other_stream = other.open_get().await;
    assert_eq!(other_stream.status(), StatusCode::OK);

    // POSTs still work while the stream is open.
    session.assert_alive().await;

    // Once the client leaves, the stream can be opened again.
    drop(first);
    let mut reopened = None;
    for _ in 0..50 {
        let response = session.open_get().await;
        if response.status() == StatusCode::OK {
            reopened = Some(response);
            break;
        }
        assert_eq!(response.status(), StatusCode::CONFLICT);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(reopened.is_some(), "a new GET stream opens after the first one closed");
    drop(reopened);
    drop(other_stream);
}

#[tokio::test]
async fn get_needs_a_session_and_an_sse_accept() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;

    let response = server.get(&[("accept", "text/event-stream")]).await;
    let message = assert_transport_error(response, StatusCode::BAD_REQUEST, -32000).await;
    assert!(message.contains("Mcp-Session-Id"), "{message}");

    let response =
        server.get(&[("accept", "text/event-stream"), (SESSION_HEADER, "0123456789abcdef0123456789abcdef")]).await;
    assert_transport_error(response, StatusCode::NOT_FOUND, -32001).await;

    let response = server.get(&[("accept", "application/json"), (SESSION_HEADER, session.id())]).await;
    assert_transport_error(response, StatusCode::NOT_ACCEPTABLE, -32000).await;

    let response = server
        .get(&[("accept", "text/event-stream"), (SESSION_HEADER, session.id()), (VERSION_HEADER, "1999-01-01")])
        .await;
    assert_transport_error(response, StatusCode::BAD_REQUEST, -32000).await;

    session.assert_alive().await;
}

#[tokio::test]
async fn delete_ends_the_open_get_stream() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    let stream = session.open_get().await;
    let mut sse = Sse::new(stream);
    assert_eq!(session.delete().await.status(), StatusCode::OK);
    assert_eq!(sse.next().await, None, "the GET stream ends with its session");
}

// ---------------------------------------------------------------------------------------------
// Stateless mode

#[tokio::test]
async fn stateless_mode_has_no_sessions() {
    let server = TestServer::new(fixtures().stateless(true));
    let response = server.post_json(&request(1, "initialize", init_params(LATEST, json!({}))), &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get(SESSION_HEADER).is_none(), "no Mcp-Session-Id in stateless mode");
    let body = json_body(response).await;
    assert_eq!(body["result"]["protocolVersion"], LATEST);
    assert_eq!(server.server.session_count(), 0);

    let client = server.session(None, LATEST);
    client.notify("notifications/initialized", None).await;
    let result = client.call_tool("echo", json!({ "text": "no session needed" })).await;
    assert_eq!(first_text(&result), "no session needed");
    assert_eq!(result["isError"], false);

    // A session id, even an unknown one, is ignored.
    let stranger = server.session(Some("whatever".into()), LATEST);
    stranger.assert_alive().await;
    // Without any header but the body.
    let response = server.post_raw(ping(3).to_string(), &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get(SESSION_HEADER).is_none());
    assert_eq!(json_body(response).await, json!({ "jsonrpc": "2.0", "id": 3, "result": {} }));
    assert_eq!(server.server.session_count(), 0);
}

#[tokio::test]
async fn stateless_mode_refuses_get_and_delete_with_405() {
    let server = TestServer::new(fixtures().stateless(true));
    let response = server.get(&[("accept", "text/event-stream")]).await;
    assert_eq!(response.headers()["allow"], "POST");
    assert_transport_error(response, StatusCode::METHOD_NOT_ALLOWED, -32000).await;
    let response = server.delete(&[(SESSION_HEADER, "anything")]).await;
    assert_eq!(response.headers()["allow"], "POST");
    assert_transport_error(response, StatusCode::METHOD_NOT_ALLOWED, -32000).await;
    server.session(None, LATEST).assert_alive().await;
}

#[tokio::test]
async fn stateless_mode_still_checks_origin_and_version() {
    let server = TestServer::new(fixtures().stateless(true));
    let client = server.session(None, LATEST);
    let response = client.post(&ping(1), &[("origin", "http://evil.example.com")]).await;
    assert_transport_error(response, StatusCode::FORBIDDEN, -32000).await;
    let response = client.post(&ping(2), &[(VERSION_HEADER, "1999-01-01")]).await;
    assert_transport_error(response, StatusCode::BAD_REQUEST, -32000).await;
    client.assert_alive().await;
}

// ---------------------------------------------------------------------------------------------
// More edges

#[tokio::test]
async fn initialize_honours_an_sse_only_accept() {
    let server = TestServer::new(fixtures());
    let init = request(1, "initialize", init_params(LATEST, json!({})));
    let response = server.post_json(&init, &[("accept", "text/event-stream")]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get(SESSION_HEADER).is_some());
    // Like every other request from a client that accepts only SSE, the reply is an event stream.
    let messages = Sse::new(response).rest().await;
    assert_eq!(messages.len(), 1, "{messages:#?}");
    assert_eq!(messages[0]["id"], 1);
    assert_eq!(messages[0]["result"]["protocolVersion"], LATEST);
}

fn padded_ping(total_len: usize) -> String {
    let empty = r#"{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":""}}"#;
    let body = empty.replace(r#""pad":"""#, &format!(r#""pad":"{}""#, "x".repeat(total_len - empty.len())));
    assert_eq!(body.len(), total_len);
    body
}

#[tokio::test]
async fn the_body_limit_is_inclusive() {
    let server = TestServer::new(fixtures().max_body_bytes(1024));
    let session = server.initialize().await;
    let headers = session_headers(&session);

    let response = server.post_raw(padded_ping(1024), &headers).await;
    assert_eq!(response.status(), StatusCode::OK, "exactly the limit is accepted");
    assert_eq!(json_body(response).await, json!({ "jsonrpc": "2.0", "id": 1, "result": {} }));
    let response = server.post_raw(padded_ping(1025), &headers).await;
    assert_transport_error(response, StatusCode::PAYLOAD_TOO_LARGE, -32000).await;

    let response = server.post_chunked(&padded_ping(1024), 256, header_map(&headers)).await;
    assert_eq!(response.status(), StatusCode::OK, "exactly the limit is accepted, chunked");
    let response = server.post_chunked(&padded_ping(1025), 256, header_map(&headers)).await;
    assert_transport_error(response, StatusCode::PAYLOAD_TOO_LARGE, -32000).await;
    session.assert_alive().await;
}

#[tokio::test]
async fn an_open_get_stream_keeps_its_session_alive() {
    let server = TestServer::new(fixtures().session_ttl(Duration::from_millis(100)));
    let session = server.initialize().await;
    let stream = session.open_get().await;
    assert_eq!(stream.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(250)).await;
    session.assert_alive().await;
    drop(stream);
}

#[tokio::test]
async fn other_methods_and_paths_are_not_the_endpoint() {
    let server = TestServer::new(fixtures().path("/custom/mcp"));
    assert_eq!(server.server.path(), "/custom/mcp");
    let session = server.initialize().await;
    session.assert_alive().await;

    let response = server.send(Method::PUT, HeaderMap::new(), Some("{}".into())).await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    let response = send(&server.client, Method::POST, "/mcp", HeaderMap::new(), Some(ping(1).to_string().into())).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    session.assert_alive().await;
}
