//! The 2026-07-28 era on the same endpoint as 2025-11-25: era detection, the required `_meta`,
//! the request headers against the body, version and method refusals, result shapes, logging
//! per request, multi round-trip requests with their sealed state, `x-mcp-header` arguments,
//! and `subscriptions/listen`. Every refusal is checked for its exact status and body, and the
//! server is checked to keep serving. (Cancellation by closing the stream is in `socket.rs`.)

mod common;

use std::time::Duration;

use common::*;
use fastapps_core::prelude::*;
use fastapps_core::protocol::modern::CacheScope;
use http::StatusCode;
use serde_json::{Value, json};

fn start() -> TestServer {
    TestServer::new(modern_fixtures(CancelSeen::default()))
}

/// A body of request `id` with this client's `_meta`.
fn body(client: &Modern, id: i64, method: &str, params: Value) -> Value {
    request(id, method, client.params(params))
}

// ---------------------------------------------------------------------------------------------
// One endpoint, both eras

#[tokio::test]
async fn legacy_and_modern_clients_share_the_endpoint() {
    let server = start();
    let legacy = server.initialize().await;
    let modern = server.modern();
    assert_eq!(first_text(&legacy.call_tool("echo", json!({ "text": "old" })).await), "old");
    assert_eq!(first_text(&modern.call_tool("echo", json!({ "text": "new" })).await), "new");
    // The legacy session is untouched by modern traffic, and modern requests make none.
    legacy.assert_alive().await;
    assert_eq!(server.server.session_count(), 1);
    // A session id on a modern request is ignored, not checked and not echoed.
    let (_, response) = modern
        .send("tools/call", json!({ "name": "echo", "arguments": { "text": "x" } }), &[(SESSION_HEADER, "nope")])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get(SESSION_HEADER).is_none());
    // On a stateless server too.
    let stateless = TestServer::new(fixtures().stateless(true));
    assert_eq!(first_text(&stateless.modern().call_tool("echo", json!({ "text": "s" })).await), "s");
}

#[tokio::test]
async fn per_request_meta_reaches_the_context() {
    let server = start();
    let ui = json!({ "io.modelcontextprotocol/ui": { "mimeTypes": ["text/html;profile=mcp-app"] } });
    let client = server
        .modern()
        .with_capabilities(json!({ "elicitation": {}, "extensions": ui }))
        .with_meta("openai/locale", json!("fr-FR"));
    let report = client.call_tool("context", json!({})).await["structuredContent"].clone();
    assert_eq!(
        report,
        json!({
            "era": "Modern",
            "version": "2026-07-28",
            "capabilities": { "elicitation": {}, "extensions": ui },
            "client": "modern-test-client 2.0.0",
            "session": null,
            "locale": "fr-FR",
            "mcpApps": true
        })
    );
    // Capabilities are per request: the next one declares none and is not credited with the
    // earlier ones.
    let report = server.modern().with_capabilities(json!({})).call_tool("context", json!({})).await;
    assert_eq!(report["structuredContent"]["capabilities"], json!({}));
    assert_eq!(report["structuredContent"]["mcpApps"], json!(false));
    // A legacy session reports its own era.
    let legacy = server.initialize().await.call_tool("context", json!({})).await;
    assert_eq!(legacy["structuredContent"]["era"], "Legacy");
    assert_eq!(legacy["structuredContent"]["version"], LATEST);
}

#[tokio::test]
async fn initialize_without_modern_meta_stays_legacy_even_with_a_modern_header() {
    let server = start();
    let init = request(1, "initialize", init_params(MODERN, json!({})));
    let response = server.post_json(&init, &[(VERSION_HEADER, MODERN)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get(SESSION_HEADER).is_some(), "initialize opens a legacy session");
    let body = json_body(response).await;
    assert_eq!(body["result"]["protocolVersion"], LATEST, "a modern version is answered with the latest legacy one");
}

// ---------------------------------------------------------------------------------------------
// Refusals: exact status and body, and the server keeps serving

#[tokio::test]
async fn the_required_meta_is_checked_first() {
    let server = start();
    let client = server.modern();
    let meta = |v: Value| json!({ "_meta": v });
    let cases = [
        (
            json!({}),
            "Invalid params: a 2026-07-28 request needs params._meta with io.modelcontextprotocol/protocolVersion and io.modelcontextprotocol/clientCapabilities",
        ),
        (meta(json!("2026-07-28")), "Invalid params: params._meta must be an object"),
        (
            meta(json!({ "io.modelcontextprotocol/clientCapabilities": {} })),
            "Invalid params: params._meta is missing the required io.modelcontextprotocol/protocolVersion",
        ),
        (
            meta(json!({ "io.modelcontextprotocol/protocolVersion": MODERN })),
            "Invalid params: params._meta is missing the required io.modelcontextprotocol/clientCapabilities",
        ),
        (
            meta(
                json!({ "io.modelcontextprotocol/protocolVersion": MODERN, "io.modelcontextprotocol/clientCapabilities": [] }),
            ),
            "Invalid params: params._meta io.modelcontextprotocol/clientCapabilities is malformed: not an object",
        ),
        (
            meta(json!({
                "io.modelcontextprotocol/protocolVersion": MODERN,
                "io.modelcontextprotocol/clientCapabilities": {},
                "io.modelcontextprotocol/logLevel": "loud"
            })),
            "Invalid params: params._meta io.modelcontextprotocol/logLevel is malformed: unknown variant `loud`, expected one of `debug`, `info`, `notice`, `warning`, `error`, `critical`, `alert`, `emergency`",
        ),
        (
            meta(json!({
                "io.modelcontextprotocol/protocolVersion": MODERN,
                "io.modelcontextprotocol/clientCapabilities": {},
                "io.modelcontextprotocol/clientInfo": "me"
            })),
            "Invalid params: params._meta io.modelcontextprotocol/clientInfo is malformed: invalid type: string \"me\", expected struct Implementation",
        ),
    ];
    for (i, (params, message)) in cases.into_iter().enumerate() {
        let id = 100 + i64::try_from(i).expect("small");
        let response = client.post_body(&request(id, "tools/list", params), &[]).await;
        let error = assert_modern_error(response, StatusCode::BAD_REQUEST, -32602, json!(id)).await;
        assert_eq!(error["message"], message);
    }
    // clientInfo is optional.
    let bare = json!({ "_meta": {
        "io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientCapabilities": {}
    } });
    let response = client.post_body(&request(7, "server/discover", bare), &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    client.assert_alive().await;
}

#[tokio::test]
async fn headers_that_contradict_the_body_are_refused() {
    let server = start();
    let client = server.modern();
    let call = |name: &str| json!({ "name": name, "arguments": { "text": "t" } });
    /// Method, params, extra headers, expected message.
    type Case<'a> = (&'a str, Value, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case<'_>> = vec![
        (
            "tools/list",
            json!({}),
            vec![(VERSION_HEADER, "2025-11-25")],
            "Header mismatch: MCP-Protocol-Version header value '2025-11-25' does not match body value '2026-07-28'",
        ),
        (
            "tools/list",
            json!({}),
            vec![("mcp-method", "prompts/list")],
            "Header mismatch: Mcp-Method header value 'prompts/list' does not match body value 'tools/list'",
        ),
        (
            "tools/list",
            json!({}),
            vec![("mcp-method", "TOOLS/LIST")],
            "Header mismatch: Mcp-Method header value 'TOOLS/LIST' does not match body value 'tools/list'",
        ),
        (
            "tools/call",
            call("echo"),
            vec![("mcp-name", "wrong_tool")],
            "Header mismatch: Mcp-Name header value 'wrong_tool' does not match body value 'echo'",
        ),
        (
            "tools/call",
            call("echo"),
            vec![("mcp-name", "=?base64?ZWNobw?=")],
            "Header mismatch: Mcp-Name header value has invalid characters",
        ),
        (
            "tools/call",
            call("echo"),
            vec![("mcp-name", "=?base64?YWRk?=")],
            "Header mismatch: Mcp-Name header value 'add' does not match body value 'echo'",
        ),
        (
            "tools/list",
            json!({}),
            vec![("mcp-name", "echo")],
            "Header mismatch: Mcp-Name header value 'echo' names nothing in a tools/list request",
        ),
        (
            "resources/read",
            json!({ "uri": "test://static" }),
            vec![("mcp-name", "test://other")],
            "Header mismatch: Mcp-Name header value 'test://other' does not match body value 'test://static'",
        ),
    ];
    for (i, (method, params, headers, message)) in cases.into_iter().enumerate() {
        let id = 200 + i64::try_from(i).expect("small");
        let response = client.post_body(&body(&client, id, method, params), &headers).await;
        let error = assert_modern_error(response, StatusCode::BAD_REQUEST, -32020, json!(id)).await;
        assert_eq!(error["message"], message, "{method} {headers:?}");
    }
    // A repeated header is malformed.
    let repeated = client
        .http_post_with(
            &body(&client, 300, "tools/list", json!({})),
            &[("mcp-method", "tools/list"), ("mcp-method", "tools/list")],
        )
        .await;
    let error = assert_modern_error(repeated, StatusCode::BAD_REQUEST, -32020, json!(300)).await;
    assert_eq!(error["message"], "Header mismatch: Mcp-Method header appears more than once");
    // What agrees is accepted: whitespace around values, a Base64 name, any header-name case.
    for headers in [
        vec![("mcp-name", "  echo  ")],
        vec![("mcp-name", "=?base64?ZWNobw==?=")],
        vec![("MCP-NAME", "echo"), ("Mcp-Method", "tools/call")],
    ] {
        let response = client.post_body(&body(&client, 400, "tools/call", call("echo")), &headers).await;
        assert_eq!(response.status(), StatusCode::OK, "{headers:?}");
        assert_eq!(first_text(&json_body(response).await["result"]), "t");
    }
    client.assert_alive().await;
}

#[tokio::test]
async fn missing_headers_are_taken_from_the_body_unless_they_are_required() {
    let lenient = start();
    // ChatGPT's captured traffic: modern `_meta`, no MCP headers at all.
    let client = lenient.modern().without_headers();
    assert_eq!(first_text(&client.call_tool("echo", json!({ "text": "no headers" })).await), "no headers");

    let strict = TestServer::new(modern_fixtures(CancelSeen::default()).require_request_headers(true));
    let client = strict.modern();
    let call = json!({ "name": "echo", "arguments": { "text": "t" } });
    for (missing, message) in [
        (VERSION_HEADER, "Header mismatch: the MCP-Protocol-Version header is required"),
        ("mcp-method", "Header mismatch: the Mcp-Method header is required"),
        ("mcp-name", "Header mismatch: the Mcp-Name header is required"),
    ] {
        let body = body(&client, 9, "tools/call", call.clone());
        let mut headers = client.headers_for(&body, &[]);
        headers.remove(missing);
        let response = client.http_post_headers(&body, headers).await;
        let error = assert_modern_error(response, StatusCode::BAD_REQUEST, -32020, json!(9)).await;
        assert_eq!(error["message"], message);
    }
    assert_eq!(first_text(&client.call_tool("echo", json!({ "text": "all headers" })).await), "all headers");
}

#[tokio::test]
async fn unsupported_versions_are_refused_with_the_supported_list() {
    let server = start();
    let client = server.modern();
    let with_version = |v: &str| {
        json!({ "_meta": {
            "io.modelcontextprotocol/protocolVersion": v,
            "io.modelcontextprotocol/clientCapabilities": {}
        } })
    };
    let supported = json!(["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"]);
    let response = client
        .post_body(&request(5, "server/discover", with_version("1900-01-01")), &[(VERSION_HEADER, "1900-01-01")])
        .await;
    let error = assert_modern_error(response, StatusCode::BAD_REQUEST, -32022, json!(5)).await;
    assert_eq!(
        error,
        json!({
            "code": -32022,
            "message": "Unsupported protocol version",
            "data": { "supported": supported, "requested": "1900-01-01" }
        })
    );
    // A legacy version cannot be used per request: it needs initialize.
    let response = client
        .post_body(&request(6, "tools/list", with_version("2025-11-25")), &[(VERSION_HEADER, "2025-11-25")])
        .await;
    let error = assert_modern_error(response, StatusCode::BAD_REQUEST, -32022, json!(6)).await;
    assert_eq!(
        error["message"],
        "Unsupported protocol version: 2025-11-25 is served after an initialize handshake, not per request"
    );
    assert_eq!(error["data"]["requested"], "2025-11-25");
    client.assert_alive().await;
}

#[tokio::test]
async fn methods_of_the_legacy_era_and_unknown_methods_are_not_found() {
    let server = start();
    let client = server.modern();
    for (i, method) in
        ["initialize", "ping", "logging/setLevel", "resources/subscribe", "resources/unsubscribe", "no/such"]
            .into_iter()
            .enumerate()
    {
        let id = 500 + i64::try_from(i).expect("small");
        let response = client.post_body(&body(&client, id, method, json!({ "uri": "test://static" })), &[]).await;
        let error = assert_modern_error(response, StatusCode::NOT_FOUND, -32601, json!(id)).await;
        assert_eq!(error["message"], format!("Method not found: {method}"));
    }
    // A server without prompts does not offer prompts/list in this era.
    let bare = TestServer::new(
        WidgetMcpServer::builder("bare")
            .tool(ToolDef::new("echo", |_, _| async { Ok(CallToolResult::text("e")) }).description("Echo")),
    );
    let client = bare.modern();
    let discovered = client.result("server/discover", json!({})).await;
    assert!(discovered["capabilities"].get("prompts").is_none());
    let response = client.post_body(&body(&client, 9, "prompts/list", json!({})), &[]).await;
    assert_modern_error(response, StatusCode::NOT_FOUND, -32601, json!(9)).await;
    let response =
        client.post_body(&body(&client, 10, "subscriptions/listen", json!({ "notifications": {} })), &[]).await;
    assert_modern_error(response, StatusCode::NOT_FOUND, -32601, json!(10)).await;
    client.assert_alive().await;
}

#[tokio::test]
async fn notifications_are_accepted_and_responses_refused() {
    let server = start();
    let client = server.modern();
    let cancel = notification("notifications/cancelled", Some(json!({ "requestId": 1 })));
    assert_accepted(client.post_body(&cancel, &[]).await).await;
    let answer = json!({ "jsonrpc": "2.0", "id": "abc", "result": {} });
    let response = client.post_body(&answer, &[]).await;
    let error = assert_modern_error(response, StatusCode::BAD_REQUEST, -32600, Value::Null).await;
    assert_eq!(
        error["message"],
        "Invalid Request: 2026-07-28 clients send no JSON-RPC responses; answer input requests with inputResponses on a retry"
    );
    client.assert_alive().await;
}

#[tokio::test]
async fn get_and_delete_naming_the_modern_version_are_405() {
    let server = start();
    let get = server.get(&[("accept", "text/event-stream"), (VERSION_HEADER, MODERN)]).await;
    let message = assert_transport_error(get, StatusCode::METHOD_NOT_ALLOWED, -32000).await;
    assert_eq!(message, "Method Not Allowed: 2026-07-28 has no GET stream and no sessions; use subscriptions/listen");
    let delete = server.delete(&[(VERSION_HEADER, MODERN)]).await;
    assert_eq!(delete.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(delete.headers()["allow"], "POST");
    server.modern().assert_alive().await;
}

// ---------------------------------------------------------------------------------------------
// Result shapes

#[tokio::test]
async fn results_carry_their_type_caching_hints_and_the_server() {
    let server = TestServer::new(modern_fixtures(CancelSeen::default()).version("4.5.6"));
    let client = server.modern();
    let server_info = json!({ "io.modelcontextprotocol/serverInfo": { "name": "test-server", "version": "4.5.6" } });
    for (method, params) in [
        ("server/discover", json!({})),
        ("tools/list", json!({})),
        ("resources/list", json!({})),
        ("resources/templates/list", json!({})),
        ("prompts/list", json!({})),
        ("resources/read", json!({ "uri": "test://static" })),
    ] {
        let result = client.result(method, params).await;
        assert_eq!(result["resultType"], "complete", "{method}");
        assert_eq!(result["ttlMs"], 0, "{method}");
        assert_eq!(result["cacheScope"], "public", "{method}");
        assert_eq!(result["_meta"], server_info, "{method}");
    }
    for (method, params) in [
        ("tools/call", json!({ "name": "echo", "arguments": { "text": "x" } })),
        ("prompts/get", json!({ "name": "greet", "arguments": { "name": "Ann" } })),
        (
            "completion/complete",
            json!({ "ref": { "type": "ref/prompt", "name": "greet" }, "argument": { "name": "name", "value": "A" } }),
        ),
    ] {
        let result = client.result(method, params).await;
        assert_eq!(result["resultType"], "complete", "{method}");
        assert!(result.get("ttlMs").is_none() && result.get("cacheScope").is_none(), "{method}: {result}");
        assert_eq!(result["_meta"], server_info, "{method}");
    }

    let server = TestServer::new(
        modern_fixtures(CancelSeen::default()).cache_ttl(Duration::from_secs(60)).cache_scope(CacheScope::Private),
    );
    let list = server.modern().result("tools/list", json!({})).await;
    assert_eq!((list["ttlMs"].clone(), list["cacheScope"].clone()), (json!(60_000), json!("private")));
}

#[tokio::test]
async fn an_unknown_resource_is_invalid_params_with_its_uri() {
    let server = start();
    let error = server.modern().error("resources/read", json!({ "uri": "test://nothing" })).await;
    assert_eq!(
        error,
        json!({ "code": -32602, "message": "Resource not found: test://nothing", "data": { "uri": "test://nothing" } })
    );
    // The legacy era keeps -32002.
    let legacy = server.initialize().await.error("resources/read", json!({ "uri": "test://nothing" })).await;
    assert_eq!(legacy["code"], -32002);
}

#[tokio::test]
async fn log_messages_need_a_log_level_in_the_request() {
    let server = start();
    let silent = server.modern().exchange("tools/call", json!({ "name": "log3", "arguments": {} })).await;
    assert_eq!(silent.len(), 1, "no log level, no notifications/message: {silent:#?}");
    let info = server.modern().with_meta("io.modelcontextprotocol/logLevel", json!("info"));
    let messages = info.exchange("tools/call", json!({ "name": "log3", "arguments": {} })).await;
    let logs: Vec<&Value> = messages.iter().filter(|m| m["method"] == "notifications/message").collect();
    assert_eq!(logs.len(), 3, "{messages:#?}");
    assert_eq!(logs[0]["params"], json!({ "level": "info", "data": "step 1" }));
    let warning = server.modern().with_meta("io.modelcontextprotocol/logLevel", json!("warning"));
    let messages = warning.exchange("tools/call", json!({ "name": "log3", "arguments": {} })).await;
    assert_eq!(messages.len(), 1, "info messages are below warning: {messages:#?}");
}

#[tokio::test]
async fn progress_streams_on_the_call() {
    let server = start();
    let client = server.modern().with_meta("progressToken", json!("p-1"));
    let messages = client.exchange("tools/call", json!({ "name": "progress3", "arguments": {} })).await;
    let progress: Vec<Value> = messages
        .iter()
        .filter(|m| m["method"] == "notifications/progress")
        .map(|m| m["params"]["progress"].clone())
        .collect();
    assert_eq!(progress, [json!(0.0), json!(50.0), json!(100.0)]);
    assert_eq!(messages.last().expect("response")["result"]["resultType"], "complete");
}

// ---------------------------------------------------------------------------------------------
// Multi round-trip requests

/// Calls `tool` with `extra` params (answers, state); the result.
async fn call_with(client: &Modern, tool: &str, arguments: Value, extra: Value) -> Value {
    let mut params = json!({ "name": tool, "arguments": arguments });
    params.as_object_mut().expect("object").extend(extra.as_object().expect("object").clone());
    client.result("tools/call", params).await
}

#[tokio::test]
async fn an_elicitation_is_asked_in_the_result_and_answered_on_the_retry() {
    let server = start();
    let client = server.modern();
    let first = client.call_tool("ask", json!({})).await;
    assert_eq!(first["resultType"], "input_required");
    assert_eq!(
        first["inputRequests"],
        json!({ "elicitation-1": { "method": "elicitation/create", "params": {
            "message": "What is your name?",
            "requestedSchema": { "type": "object", "properties": { "name": { "type": "string" } }, "required": ["name"] }
        } } })
    );
    assert!(first["requestState"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(first.get("ttlMs").is_none() && first.get("content").is_none(), "{first}");
    assert_eq!(first["_meta"]["io.modelcontextprotocol/serverInfo"]["name"], "test-server");
    let answer = json!({ "elicitation-1": { "action": "accept", "content": { "name": "Alice" } } });
    let done = call_with(
        &client,
        "ask",
        json!({}),
        json!({ "inputResponses": answer, "requestState": first["requestState"] }),
    )
    .await;
    assert_eq!(done["resultType"], "complete");
    assert_eq!(first_text(&done), "accept: Alice");
    // The state is only for the retry: answers alone work too (the state carried none yet).
    let done = call_with(&client, "ask", json!({}), json!({ "inputResponses": answer })).await;
    assert_eq!(first_text(&done), "accept: Alice");
    // Sampling and roots the same way.
    let first = client.call_tool("sample", json!({ "prompt": "hi" })).await;
    assert_eq!(first["inputRequests"]["sampling-1"]["method"], "sampling/createMessage");
    let sampled =
        json!({ "sampling-1": { "role": "assistant", "content": { "type": "text", "text": "hello" }, "model": "m" } });
    let done = call_with(&client, "sample", json!({ "prompt": "hi" }), json!({ "inputResponses": sampled })).await;
    assert_eq!(first_text(&done), "sampled: hello");
    let first = client.call_tool("roots", json!({})).await;
    assert_eq!(first["inputRequests"], json!({ "roots-1": { "method": "roots/list", "params": {} } }));
    let roots = json!({ "roots-1": { "roots": [{ "uri": "file:///a" }, { "uri": "file:///b", "name": "B" }] } });
    let done = call_with(&client, "roots", json!({}), json!({ "inputResponses": roots })).await;
    assert_eq!(first_text(&done), "file:///a,file:///b");
}

#[tokio::test]
async fn answers_are_carried_from_round_to_round_in_the_sealed_state() {
    let server = start();
    let client = server.modern();
    let round1 = client.call_tool("two_rounds", json!({})).await;
    assert_eq!(round1["inputRequests"]["step1"]["method"], "elicitation/create");
    let step1 = json!({ "step1": { "action": "accept", "content": { "name": "Ann" } } });
    let round2 = call_with(
        &client,
        "two_rounds",
        json!({}),
        json!({ "inputResponses": step1, "requestState": round1["requestState"] }),
    )
    .await;
    assert_eq!(round2["resultType"], "input_required");
    assert_eq!(round2["inputRequests"].as_object().expect("requests").keys().collect::<Vec<_>>(), ["step2"]);
    assert_ne!(round2["requestState"], round1["requestState"], "the new state carries the first answer");
    let step2 = json!({ "step2": { "action": "accept", "content": { "color": "teal" } } });
    let round3 = call_with(
        &client,
        "two_rounds",
        json!({}),
        json!({ "inputResponses": step2, "requestState": round2["requestState"] }),
    )
    .await;
    assert_eq!(first_text(&round3), "Ann likes teal");
    // Without the state the first answer is gone: the server keeps nothing between rounds.
    let again = call_with(&client, "two_rounds", json!({}), json!({ "inputResponses": step2 })).await;
    assert_eq!(again["inputRequests"].as_object().expect("requests").keys().collect::<Vec<_>>(), ["step1"]);
    // Prompts ask the same way.
    let first = client.result("prompts/get", json!({ "name": "ask_context" })).await;
    assert_eq!(first["resultType"], "input_required");
    let answer = json!({ "context": { "action": "accept", "content": { "name": "Bo" } } });
    let done = client.result("prompts/get", json!({ "name": "ask_context", "inputResponses": answer })).await;
    assert_eq!(done["messages"][0]["content"]["text"], "A prompt for Bo");
}

#[tokio::test]
async fn a_changed_or_misused_state_is_refused() {
    let server = start();
    let client = server.modern();
    let round1 = client.call_tool("two_rounds", json!({})).await;
    let state = round1["requestState"].as_str().expect("a state").to_owned();
    let step1 = json!({ "step1": { "action": "accept", "content": { "name": "Ann" } } });
    let cases = [
        (
            "two_rounds",
            json!({}),
            format!("{state}-TAMPERED"),
            "Invalid params: requestState does not verify; retry the request without it",
        ),
        (
            "ask",
            json!({}),
            state.clone(),
            "Invalid params: requestState belongs to another request; retry the request without it",
        ),
        (
            "two_rounds",
            json!({ "extra": 1 }),
            state.clone(),
            "Invalid params: requestState belongs to another request; retry the request without it",
        ),
        (
            "two_rounds",
            json!({}),
            "garbage".to_owned(),
            "Invalid params: requestState is malformed; retry the request without it",
        ),
    ];
    for (tool, arguments, sealed, message) in cases {
        let params = json!({ "name": tool, "arguments": arguments, "inputResponses": step1, "requestState": sealed });
        let error = client.error("tools/call", params).await;
        assert_eq!(error, json!({ "code": -32602, "message": message }), "{tool} {sealed}");
    }
    // Another server (another key) does not accept it either.
    let other = start();
    let params = json!({ "name": "two_rounds", "arguments": {}, "inputResponses": step1, "requestState": state });
    assert_eq!(other.modern().error("tools/call", params).await["code"], -32602);
    client.assert_alive().await;
}

#[tokio::test]
async fn malformed_answers_are_invalid_params() {
    let server = start();
    let client = server.modern();
    let cases = [
        (json!([]), "Invalid params: inputResponses must be an object"),
        (
            json!({ "elicitation-1": 12345 }),
            "Invalid params: inputResponses[\"elicitation-1\"] must be an object: the result of the request asked under that key",
        ),
        (
            json!({ "elicitation-1": { "action": "maybe" } }),
            "Invalid params: inputResponses[\"elicitation-1\"] is not an answer to its question: unknown variant `maybe`, expected one of `accept`, `decline`, `cancel`",
        ),
    ];
    for (answers, message) in cases {
        let error =
            client.error("tools/call", json!({ "name": "ask", "arguments": {}, "inputResponses": answers })).await;
        assert_eq!(error, json!({ "code": -32602, "message": message }));
    }
    // A null answer map is no answer: the question is asked again.
    let again = call_with(&client, "ask", json!({}), json!({ "inputResponses": null })).await;
    assert_eq!(again["resultType"], "input_required");
    // Unknown extra answers are ignored.
    let answers = json!({
        "elicitation-1": { "action": "decline" },
        "unrelated": { "action": "accept", "content": { "x": 1 } }
    });
    let done = call_with(&client, "ask", json!({}), json!({ "inputResponses": answers })).await;
    assert_eq!(first_text(&done), "decline: <none>");
}

#[tokio::test]
async fn a_capability_the_client_did_not_declare_is_32021() {
    let server = start();
    let client = server.modern().with_capabilities(json!({ "elicitation": {} }));
    for (tool, capability) in [("sample", "sampling"), ("roots", "roots")] {
        let (id, response) =
            client.send("tools/call", json!({ "name": tool, "arguments": { "prompt": "p" } }), &[]).await;
        let error = assert_modern_error(response, StatusCode::BAD_REQUEST, -32021, json!(id)).await;
        assert_eq!(
            error,
            json!({
                "code": -32021,
                "message": format!("Missing required client capability: {capability}"),
                "data": { "requiredCapabilities": { capability: {} } }
            })
        );
    }
    // What it declared is asked.
    assert_eq!(client.call_tool("ask", json!({})).await["resultType"], "input_required");
}

// ---------------------------------------------------------------------------------------------
// x-mcp-header arguments

#[tokio::test]
async fn mirrored_arguments_must_match_their_headers() {
    let server = start();
    let client = server.modern();
    async fn call(client: &Modern, args: Value, headers: Vec<(&str, &str)>) -> Response {
        let body = body(client, 42, "tools/call", json!({ "name": "region", "arguments": args }));
        client.post_body(&body, &headers).await
    }
    let args = json!({ "region": "us-west1", "count": 42, "dry": true, "query": "q" });
    let good = vec![("mcp-param-region", "us-west1"), ("mcp-param-count", "42.0"), ("Mcp-Param-Dry-Run", "true")];
    assert_eq!(call(&client, args.clone(), good).await.status(), StatusCode::OK);
    let encoded = call(
        &client,
        json!({ "region": "Hello, 世界" }),
        vec![("mcp-param-region", "=?base64?SGVsbG8sIOS4lueVjA==?=")],
    )
    .await;
    assert_eq!(encoded.status(), StatusCode::OK);
    // Lenient by default: a missing header is fine.
    assert_eq!(call(&client, args.clone(), vec![]).await.status(), StatusCode::OK);
    for (args, headers, message) in [
        (
            json!({ "region": "us-west1" }),
            vec![("mcp-param-region", "eu-north1")],
            "Header mismatch: Mcp-Param-Region header value 'eu-north1' does not match body value 'us-west1'",
        ),
        (
            json!({ "count": 42 }),
            vec![("mcp-param-count", "41")],
            "Header mismatch: Mcp-Param-Count header value '41' does not match body value '42'",
        ),
        (
            json!({ "dry": true }),
            vec![("mcp-param-dry-run", "TRUE")],
            "Header mismatch: Mcp-Param-Dry-Run header value 'TRUE' does not match body value 'true'",
        ),
        (
            json!({ "query": "q" }),
            vec![("mcp-param-region", "us-west1")],
            "Header mismatch: Mcp-Param-Region header is sent but argument region has no value",
        ),
        (
            json!({ "region": "Hello" }),
            vec![("mcp-param-region", "=?base64?SGVsbG8?=")],
            "Header mismatch: Mcp-Param-Region header value has invalid characters",
        ),
    ] {
        let response = call(&client, args, headers).await;
        let error = assert_modern_error(response, StatusCode::BAD_REQUEST, -32020, json!(42)).await;
        assert_eq!(error["message"], message);
    }

    let strict = TestServer::new(modern_fixtures(CancelSeen::default()).require_request_headers(true));
    let client = strict.modern();
    let body = body(&client, 43, "tools/call", json!({ "name": "region", "arguments": { "region": "us-west1" } }));
    let response = client.post_body(&body, &[]).await;
    let error = assert_modern_error(response, StatusCode::BAD_REQUEST, -32020, json!(43)).await;
    assert_eq!(
        error["message"],
        "Header mismatch: the Mcp-Param-Region header is required: argument region has a value"
    );
}

// ---------------------------------------------------------------------------------------------
// subscriptions/listen

async fn listen(client: &Modern, filter: Value) -> (i64, Sse) {
    let (id, response) = client.send("subscriptions/listen", json!({ "notifications": filter }), &[]).await;
    assert!(response.headers().get(SESSION_HEADER).is_none());
    (id, Sse::new(response))
}

#[tokio::test]
async fn a_listen_stream_acknowledges_and_carries_resource_updates() {
    let server = start();
    let client = server.modern();
    let filter = json!({ "toolsListChanged": true, "resourceSubscriptions": ["test://static"] });
    let (id, mut stream) = listen(&client, filter).await;
    let ack = stream.next().await.expect("the acknowledgement");
    assert_eq!(
        ack,
        json!({
            "jsonrpc": "2.0",
            "method": "notifications/subscriptions/acknowledged",
            // The tool list never changes here, so only the resource subscription is honoured.
            "params": {
                "notifications": { "resourceSubscriptions": ["test://static"] },
                "_meta": { "io.modelcontextprotocol/subscriptionId": id }
            }
        })
    );
    assert_eq!(server.server.subscription_count(), 1);
    assert_eq!(server.server.notify_resource_updated("test://elsewhere"), 0);
    assert_eq!(server.server.notify_resource_updated("test://static"), 1);
    let update = stream.next().await.expect("the update");
    assert_eq!(
        update,
        json!({
            "jsonrpc": "2.0",
            "method": "notifications/resources/updated",
            "params": { "uri": "test://static", "_meta": { "io.modelcontextprotocol/subscriptionId": id } }
        })
    );
    assert!(stream.next_within(Duration::from_millis(200)).await.is_err(), "nothing else arrives");
    // A legacy subscriber and a modern one are told alike.
    let legacy = server.initialize().await;
    legacy.result("resources/subscribe", json!({ "uri": "test://static" })).await;
    let get = Sse::new(legacy.open_get().await);
    assert_eq!(server.server.notify_resource_updated("test://static"), 2);
    drop(get);
    // Closing the stream ends the subscription.
    drop(stream);
    let deadline = tokio::time::Instant::now() + STEP;
    while server.server.subscription_count() != 0 {
        assert!(tokio::time::Instant::now() < deadline, "the closed stream is forgotten");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_listen_stream_needs_sse_and_a_filter() {
    let server = start();
    let client = server.modern();
    let body = body(&client, 61, "subscriptions/listen", json!({ "notifications": {} }));
    let response = client.post_body(&body, &[("accept", "application/json")]).await;
    let error = assert_modern_error(response, StatusCode::NOT_ACCEPTABLE, -32600, json!(61)).await;
    assert_eq!(
        error["message"],
        "Invalid Request: subscriptions/listen answers with an event stream: accept text/event-stream"
    );
    let body = self::body(&client, 62, "subscriptions/listen", json!({}));
    let response = client.post_body(&body, &[]).await;
    let error = assert_modern_error(response, StatusCode::BAD_REQUEST, -32602, json!(62)).await;
    let message = error["message"].as_str().expect("a message");
    assert!(message.starts_with("Invalid params: missing field `notifications`"), "{message}");
}
