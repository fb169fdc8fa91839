//! Server features, driven in process: methods and their errors, pagination, resources, prompts,
//! completion, logging, notifications on the request's stream, server-to-client requests
//! (sampling, elicitation), cancellation and resource subscriptions.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use fastapps_core::prelude::*;
use http::StatusCode;
use serde_json::{Value, json};
use tokio::sync::{Notify, mpsc};

// ---------------------------------------------------------------------------------------------
// Methods and their errors

#[tokio::test]
async fn ping_answers_an_empty_object() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    let response = session.request("ping", json!({})).await;
    assert_eq!(response, json!({ "jsonrpc": "2.0", "id": 1, "result": {} }));
    // Without params too.
    let response = session.post(&json!({ "jsonrpc": "2.0", "id": 2, "method": "ping" }), &[]).await;
    assert_eq!(json_body(response).await, json!({ "jsonrpc": "2.0", "id": 2, "result": {} }));
}

#[tokio::test]
async fn an_unknown_method_is_method_not_found() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    let (id, response) = session.send("foo/bar", json!({}), &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        json_body(response).await,
        json!({ "jsonrpc": "2.0", "id": id, "error": { "code": -32601, "message": "Method not found: foo/bar" } })
    );
    session.assert_alive().await;
}

#[tokio::test]
async fn an_unknown_tool_is_invalid_params() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    let error = session.error("tools/call", json!({ "name": "nope", "arguments": {} })).await;
    assert_eq!(error, json!({ "code": -32602, "message": "Unknown tool: nope" }));
    session.assert_alive().await;
}

#[tokio::test]
async fn a_failing_tool_returns_an_error_result() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    let result = session.call_tool("fail", json!({})).await;
    assert_eq!(
        result,
        json!({ "content": [{ "type": "text", "text": "the tool failed on purpose" }], "isError": true })
    );
    // Input validation inside a tool is a tool error too.
    let result = session.call_tool("add", json!({ "a": "one", "b": 2 })).await;
    assert_eq!(result["isError"], true);
    assert_eq!(first_text(&result), "`a` must be an integer");
    session.assert_alive().await;
}

#[tokio::test]
async fn a_panicking_tool_is_an_internal_error_and_the_server_keeps_serving() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    let error = session.error("tools/call", json!({ "name": "boom" })).await;
    assert_eq!(error["code"], -32603, "{error}");
    assert!(error["message"].as_str().unwrap().contains("boom"), "{error}");
    session.assert_alive().await;
    // Again, with the SSE-only reply path.
    let messages = session.exchange("tools/call", json!({ "name": "boom" }), &[("accept", "text/event-stream")]).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["error"]["code"], -32603);
    let result = session.call_tool("echo", json!({ "text": "still here" })).await;
    assert_eq!(first_text(&result), "still here");
}

#[tokio::test]
async fn malformed_params_are_invalid_params() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    for params in [
        json!({ "name": 5 }),
        json!({}),
        json!({ "name": "echo", "arguments": [1, 2] }),
        json!({ "name": "echo", "arguments": "text" }),
    ] {
        let error = session.error("tools/call", params.clone()).await;
        assert_eq!(error["code"], -32602, "{params} → {error}");
    }
    let error = session.error("resources/read", json!({})).await;
    assert_eq!(error["code"], -32602);
    let error = session.error("tools/list", json!({ "cursor": 7 })).await;
    assert_eq!(error["code"], -32602);
    session.assert_alive().await;
}

#[tokio::test]
async fn a_tool_result_with_structured_content() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    let result = session.call_tool("add", json!({ "a": 2, "b": 40 })).await;
    assert_eq!(
        result,
        json!({
            "content": [{ "type": "text", "text": "{\"sum\":42}" }],
            "structuredContent": { "sum": 42 },
            "isError": false
        })
    );
}

#[tokio::test]
async fn tools_see_who_the_client_is() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    assert_eq!(first_text(&session.call_tool("whoami", json!({})).await), "test-client 9.9.9");

    let server = TestServer::new(fixtures().stateless(true));
    let client = server.session(None, LATEST);
    assert_eq!(first_text(&client.call_tool("whoami", json!({})).await), "unknown");
}

// ---------------------------------------------------------------------------------------------
// Pagination

fn numbered_tools(count: usize) -> ServerBuilder {
    (1..=count).fold(WidgetMcpServer::builder("paged"), |builder, n| {
        builder.tool(ToolDef::new(format!("tool{n}"), |_, _| async { Ok(CallToolResult::text("ok")) }))
    })
}

fn names(items: &Value, field: &str) -> Vec<String> {
    items.as_array().unwrap().iter().map(|t| t[field].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn tools_list_pages_through_every_tool_in_order() {
    let server = TestServer::new(numbered_tools(5).page_size(2));
    let session = server.initialize().await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let params = match &cursor {
            Some(cursor) => json!({ "cursor": cursor }),
            None => json!({}),
        };
        let result = session.result("tools/list", params).await;
        pages += 1;
        let page = names(&result["tools"], "name");
        assert!(page.len() <= 2, "{page:?}");
        seen.extend(page);
        match result.get("nextCursor") {
            Some(next) => cursor = Some(next.as_str().expect("a string cursor").to_owned()),
            None => break,
        }
        assert!(pages < 10, "pagination does not end");
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ["tool1", "tool2", "tool3", "tool4", "tool5"]);

    // The first page's cursor is stable: asking again gives the same second page.
    let first = session.result("tools/list", json!({})).await;
    let again = session.result("tools/list", json!({})).await;
    assert_eq!(first, again);
    let second = session.result("tools/list", json!({ "cursor": first["nextCursor"] })).await;
    assert_eq!(names(&second["tools"], "name"), ["tool3", "tool4"]);
}

#[tokio::test]
async fn a_garbage_cursor_is_invalid_params() {
    let server = TestServer::new(numbered_tools(5).page_size(2));
    let session = server.initialize().await;
    for cursor in ["garbage", "", "b2Zmc2V0OjEwMA", "!!!"] {
        let error = session.error("tools/list", json!({ "cursor": cursor })).await;
        assert_eq!(error["code"], -32602, "cursor {cursor:?} → {error}");
        assert!(error["message"].as_str().unwrap().starts_with("Invalid cursor"), "{error}");
    }
    for method in ["resources/list", "resources/templates/list", "prompts/list"] {
        let error = session.error(method, json!({ "cursor": "garbage" })).await;
        assert_eq!(error["code"], -32602, "{method}");
    }
    session.assert_alive().await;
}

#[tokio::test]
async fn other_lists_paginate_too() {
    let builder = (1..=3).fold(WidgetMcpServer::builder("paged").page_size(2), |b, n| {
        b.resource(ResourceDef::text(format!("test://r{n}"), format!("r{n}"), "text/plain", "x")).prompt(
            PromptDef::new(format!("p{n}"), |_, _| async {
                Ok(fastapps_core::protocol::GetPromptResult::new(Vec::new()))
            }),
        )
    });
    let server = TestServer::new(builder);
    let session = server.initialize().await;
    let page = session.result("resources/list", json!({})).await;
    assert_eq!(names(&page["resources"], "uri"), ["test://r1", "test://r2"]);
    let page = session.result("resources/list", json!({ "cursor": page["nextCursor"] })).await;
    assert_eq!(names(&page["resources"], "uri"), ["test://r3"]);
    assert!(page.get("nextCursor").is_none());

    let page = session.result("prompts/list", json!({})).await;
    assert_eq!(names(&page["prompts"], "name"), ["p1", "p2"]);
    let page = session.result("prompts/list", json!({ "cursor": page["nextCursor"] })).await;
    assert_eq!(names(&page["prompts"], "name"), ["p3"]);
    assert!(page.get("nextCursor").is_none());

    // An empty list is one page without a cursor.
    assert_eq!(session.result("resources/templates/list", json!({})).await, json!({ "resourceTemplates": [] }));
}

// ---------------------------------------------------------------------------------------------
// Resources, prompts, completion

#[tokio::test]
async fn reading_an_unknown_resource_is_resource_not_found() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    let error = session.error("resources/read", json!({ "uri": "test://missing" })).await;
    assert_eq!(
        error,
        json!({ "code": -32002, "message": "Resource not found: test://missing", "data": { "uri": "test://missing" } })
    );
    // A URI the template does not match (an extra path segment) is not found either.
    let error = session.error("resources/read", json!({ "uri": "test://items/a/b" })).await;
    assert_eq!(error["code"], -32002);
    session.assert_alive().await;
}

#[tokio::test]
async fn resources_are_read() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    let result = session.result("resources/read", json!({ "uri": "test://static" })).await;
    assert_eq!(
        result,
        json!({ "contents": [{ "uri": "test://static", "mimeType": "text/plain", "text": "static text" }] })
    );
}

#[tokio::test]
async fn a_template_resolves_its_variables() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    let result = session.result("resources/read", json!({ "uri": "test://items/42" })).await;
    assert_eq!(
        result,
        json!({ "contents": [{ "uri": "test://items/42", "mimeType": "text/plain", "text": "item 42" }] })
    );
    // Variables are percent-decoded.
    let result = session.result("resources/read", json!({ "uri": "test://items/a%20b" })).await;
    assert_eq!(result["contents"][0]["text"], "item a b");
}

#[tokio::test]
async fn prompts_check_their_required_arguments() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    let result = session.result("prompts/get", json!({ "name": "greet", "arguments": { "name": "Ada" } })).await;
    assert_eq!(
        result,
        json!({ "messages": [{ "role": "user", "content": { "type": "text", "text": "Say hello to Ada" } }] })
    );

    let error = session.error("prompts/get", json!({ "name": "greet", "arguments": {} })).await;
    assert_eq!(error, json!({ "code": -32602, "message": "Missing required argument \"name\" for prompt \"greet\"" }));
    let error = session.error("prompts/get", json!({ "name": "greet" })).await;
    assert_eq!(error["code"], -32602);
    let error = session.error("prompts/get", json!({ "name": "nope" })).await;
    assert_eq!(error, json!({ "code": -32602, "message": "Unknown prompt: nope" }));
    session.assert_alive().await;
}

#[tokio::test]
async fn completion_completes_prompt_arguments_and_template_variables() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    let result = session
        .result(
            "completion/complete",
            json!({ "ref": { "type": "ref/prompt", "name": "greet" }, "argument": { "name": "name", "value": "Al" } }),
        )
        .await;
    assert_eq!(result, json!({ "completion": { "values": ["Alice", "Alfred"], "total": 2, "hasMore": false } }));

    let result = session
        .result(
            "completion/complete",
            json!({
                "ref": { "type": "ref/resource", "uri": "test://items/{id}" },
                "argument": { "name": "id", "value": "ap" }
            }),
        )
        .await;
    assert_eq!(result, json!({ "completion": { "values": ["apple", "apricot"], "total": 2, "hasMore": false } }));

    // An argument without a completer completes to nothing.
    let result = session
        .result(
            "completion/complete",
            json!({ "ref": { "type": "ref/prompt", "name": "greet" }, "argument": { "name": "other", "value": "" } }),
        )
        .await;
    assert_eq!(result["completion"]["values"], json!([]));

    let error = session
        .error(
            "completion/complete",
            json!({ "ref": { "type": "ref/prompt", "name": "nope" }, "argument": { "name": "name", "value": "" } }),
        )
        .await;
    assert_eq!(error["code"], -32602);
    session.assert_alive().await;
}

#[tokio::test]
async fn completion_caps_values_at_100() {
    let builder = WidgetMcpServer::builder("many").prompt(
        PromptDef::new("p", |_, _| async { Ok(fastapps_core::protocol::GetPromptResult::new(Vec::new())) })
            .argument("n", "a number", false)
            .complete("n", |_, _| async { Ok((0..150).map(|n| n.to_string()).collect()) }),
    );
    let server = TestServer::new(builder);
    let session = server.initialize().await;
    let result = session
        .result(
            "completion/complete",
            json!({ "ref": { "type": "ref/prompt", "name": "p" }, "argument": { "name": "n", "value": "" } }),
        )
        .await;
    assert_eq!(result["completion"]["values"].as_array().unwrap().len(), 100);
    assert_eq!(result["completion"]["values"][0], "0");
    assert_eq!(result["completion"]["total"], 150);
    assert_eq!(result["completion"]["hasMore"], true);
}

#[tokio::test]
async fn logging_set_level_validates_the_level() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    let error = session.error("logging/setLevel", json!({ "level": "loud" })).await;
    assert_eq!(error["code"], -32602, "{error}");
    assert!(error["message"].as_str().unwrap().contains("loud"), "{error}");
    let error = session.error("logging/setLevel", json!({})).await;
    assert_eq!(error["code"], -32602, "{error}");

    let response = session.request("logging/setLevel", json!({ "level": "debug" })).await;
    assert_eq!(response["result"], json!({}), "exactly {{}}: {response}");
    assert_eq!(response.as_object().unwrap().len(), 3, "jsonrpc, id and result only: {response}");
    session.assert_alive().await;
}

// ---------------------------------------------------------------------------------------------
// Notifications on the request's stream

fn log_message(message: &Value, level: &str, data: &str) {
    assert_eq!(
        message,
        &json!({ "jsonrpc": "2.0", "method": "notifications/message", "params": { "level": level, "data": data } })
    );
}

#[tokio::test]
async fn logs_stream_before_the_response() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    let (id, response) = session.send("tools/call", json!({ "name": "log3" }), &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[SESSION_HEADER], session.id());
    let messages = Sse::new(response).rest().await;
    assert_eq!(messages.len(), 4, "{messages:#?}");
    for (n, message) in messages[..3].iter().enumerate() {
        log_message(message, "info", &format!("step {}", n + 1));
    }
    assert_eq!(messages[3]["id"], id);
    assert_eq!(messages[3]["result"], json!({ "content": [{ "type": "text", "text": "logged" }], "isError": false }));
}

#[tokio::test]
async fn the_log_level_filters_logs() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    assert_eq!(session.result("logging/setLevel", json!({ "level": "error" })).await, json!({}));
    let messages = session.exchange("tools/call", json!({ "name": "log3" }), &[]).await;
    assert_eq!(messages.len(), 1, "info logs are filtered out: {messages:#?}");
    assert_eq!(first_text(&messages[0]["result"]), "logged");

    // The level is the session's: another session still gets every log.
    let other = server.initialize().await;
    let messages = other.exchange("tools/call", json!({ "name": "log3" }), &[]).await;
    assert_eq!(messages.len(), 4);

    // Lowering it again lets them through.
    assert_eq!(session.result("logging/setLevel", json!({ "level": "info" })).await, json!({}));
    let messages = session.exchange("tools/call", json!({ "name": "log3" }), &[]).await;
    assert_eq!(messages.len(), 4);
}

#[tokio::test]
async fn progress_is_sent_only_for_a_progress_token() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;

    for token in [json!("progress-test-1"), json!(7)] {
        let params = json!({ "name": "progress3", "arguments": {}, "_meta": { "progressToken": token } });
        let messages = session.exchange("tools/call", params, &[]).await;
        assert_eq!(messages.len(), 4, "{messages:#?}");
        for (message, progress) in messages[..3].iter().zip([0, 50, 100]) {
            assert_eq!(
                message,
                &json!({
                    "jsonrpc": "2.0",
                    "method": "notifications/progress",
                    "params": { "progressToken": token, "progress": f64::from(progress), "total": 100.0 }
                })
            );
        }
        assert_eq!(first_text(&messages[3]["result"]), "done");
    }

    let messages = session.exchange("tools/call", json!({ "name": "progress3", "arguments": {} }), &[]).await;
    assert_eq!(messages.len(), 1, "no progress without a token: {messages:#?}");
    assert_eq!(first_text(&messages[0]["result"]), "done");
}

#[tokio::test]
async fn a_json_only_client_gets_no_notifications() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    let (id, response) = session
        .send(
            "tools/call",
            json!({ "name": "log3", "_meta": { "progressToken": "t" } }),
            &[("accept", "application/json")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        json_body(response).await,
        json!({ "jsonrpc": "2.0", "id": id, "result": { "content": [{ "type": "text", "text": "logged" }], "isError": false } })
    );
}

// ---------------------------------------------------------------------------------------------
// Server-to-client requests

/// Calls `tool` and returns the SSE stream, whose first message must be a request of `method`.
async fn call_until_request(session: &Session, tool: &str, args: Value, method: &str) -> (i64, Sse, Value) {
    let (id, response) = session.send("tools/call", json!({ "name": tool, "arguments": args }), &[]).await;
    let mut sse = Sse::new(response);
    let request = sse.next().await.expect("a server-to-client request");
    assert_eq!(request["jsonrpc"], "2.0");
    assert_eq!(request["method"], method, "{request}");
    assert!(request["id"].is_string() || request["id"].is_number(), "{request}");
    (id, sse, request)
}

#[tokio::test]
async fn sampling_round_trip() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    let (id, mut sse, request) =
        call_until_request(&session, "sample", json!({ "prompt": "Hi?" }), "sampling/createMessage").await;
    assert_eq!(
        request["params"],
        json!({ "messages": [{ "role": "user", "content": { "type": "text", "text": "Hi?" } }], "maxTokens": 100 })
    );
    session
        .reply(
            &request["id"],
            json!({ "role": "assistant", "content": { "type": "text", "text": "Hello there" }, "model": "test-model" }),
        )
        .await;
    let response = sse.next().await.expect("the tool's response");
    assert_eq!(response["id"], id);
    assert_eq!(
        response["result"],
        json!({ "content": [{ "type": "text", "text": "sampled: Hello there" }], "isError": false })
    );
    assert_eq!(sse.next().await, None, "the stream ends after the response");

    // The request id is used once: replying again is accepted and ignored.
    session.reply(&request["id"], json!({ "role": "assistant", "content": { "type": "text", "text": "x" } })).await;
    session.assert_alive().await;
}

#[tokio::test]
async fn elicitation_round_trip() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    let (id, mut sse, request) = call_until_request(&session, "ask", json!({}), "elicitation/create").await;
    assert_eq!(request["params"]["message"], "What is your name?");
    assert_eq!(request["params"]["requestedSchema"]["properties"]["name"]["type"], "string");
    session.reply(&request["id"], json!({ "action": "accept", "content": { "name": "Ada" } })).await;
    let response = sse.next().await.expect("the tool's response");
    assert_eq!(response["id"], id);
    assert_eq!(first_text(&response["result"]), "accept: Ada");
    assert_eq!(response["result"]["isError"], false);
    assert_eq!(sse.next().await, None);

    // Declined.
    let (id, mut sse, request) = call_until_request(&session, "ask", json!({}), "elicitation/create").await;
    session.reply(&request["id"], json!({ "action": "decline" })).await;
    let response = sse.next().await.expect("the tool's response");
    assert_eq!(response["id"], id);
    assert_eq!(first_text(&response["result"]), "decline: <none>");
}

#[tokio::test]
async fn a_client_error_reply_reaches_the_tool() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    let (id, mut sse, request) =
        call_until_request(&session, "sample", json!({ "prompt": "?" }), "sampling/createMessage").await;
    let error_reply =
        json!({ "jsonrpc": "2.0", "id": request["id"], "error": { "code": -1, "message": "User rejected sampling" } });
    assert_accepted(session.post(&error_reply, &[]).await).await;
    let response = sse.next().await.expect("the tool's response");
    assert_eq!(response["id"], id);
    assert_eq!(response["result"]["isError"], true, "{response}");
    assert!(first_text(&response["result"]).contains("User rejected sampling"), "{response}");
}

#[tokio::test]
async fn sampling_needs_the_client_capability() {
    let server = TestServer::new(fixtures());
    let session = server.open(server.client.clone().capabilities(json!({}))).await;
    let messages =
        session.exchange("tools/call", json!({ "name": "sample", "arguments": { "prompt": "x" } }), &[]).await;
    assert_eq!(messages.len(), 1, "no sampling request is sent: {messages:#?}");
    let result = &messages[0]["result"];
    assert_eq!(result["isError"], true, "{result}");
    assert_eq!(first_text(result), "the client did not declare the `sampling` capability");

    let messages = session.exchange("tools/call", json!({ "name": "ask" }), &[]).await;
    assert_eq!(messages.len(), 1, "{messages:#?}");
    assert_eq!(first_text(&messages[0]["result"]), "the client did not declare the `elicitation` capability");
    session.assert_alive().await;
}

#[tokio::test]
async fn sampling_needs_an_event_stream() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    let (_, response) = session
        .send(
            "tools/call",
            json!({ "name": "sample", "arguments": { "prompt": "x" } }),
            &[("accept", "application/json")],
        )
        .await;
    let body = json_body(response).await;
    assert_eq!(body["result"]["isError"], true, "{body}");
    assert!(first_text(&body["result"]).contains("no event stream"), "{body}");
    session.assert_alive().await;
}

#[tokio::test]
async fn sampling_round_trip_in_stateless_mode() {
    let server = TestServer::new(fixtures().stateless(true));
    let client = server.session(None, LATEST);
    let (id, mut sse, request) =
        call_until_request(&client, "sample", json!({ "prompt": "stateless?" }), "sampling/createMessage").await;
    assert_eq!(request["params"]["messages"][0]["content"]["text"], "stateless?");
    // The reply carries no session header at all.
    let reply = json!({ "jsonrpc": "2.0", "id": request["id"], "result": {
        "role": "assistant", "content": { "type": "text", "text": "yes" }, "model": "m"
    } });
    let response = server.post_raw(reply.to_string(), &[("content-type", "application/json")]).await;
    assert!(response.headers().get(SESSION_HEADER).is_none());
    assert_accepted(response).await;
    let response = sse.next().await.expect("the tool's response");
    assert_eq!(response["id"], id);
    assert_eq!(first_text(&response["result"]), "sampled: yes");
    assert_eq!(sse.next().await, None);
}

#[tokio::test]
async fn an_unanswered_request_times_out_and_is_cancelled() {
    let server = TestServer::new(fixtures().request_timeout(Duration::from_millis(200)));
    let session = server.initialize().await;
    let (id, mut sse, request) =
        call_until_request(&session, "sample", json!({ "prompt": "?" }), "sampling/createMessage").await;
    let cancelled = sse.next().await.expect("a cancellation");
    assert_eq!(cancelled["method"], "notifications/cancelled", "{cancelled}");
    assert_eq!(cancelled["params"]["requestId"], request["id"]);
    assert!(cancelled.get("id").is_none());
    let response = sse.next().await.expect("the tool's response");
    assert_eq!(response["id"], id);
    assert_eq!(response["result"]["isError"], true);
    assert!(first_text(&response["result"]).contains("did not answer `sampling/createMessage`"), "{response}");
    assert_eq!(sse.next().await, None);
    // A late reply is accepted and ignored.
    session.reply(&request["id"], json!({ "role": "assistant", "content": { "type": "text", "text": "late" } })).await;
    session.assert_alive().await;
}

#[tokio::test]
async fn a_reply_from_another_session_is_ignored() {
    let server = TestServer::new(fixtures().request_timeout(Duration::from_millis(300)));
    let session = server.initialize().await;
    let intruder = server.initialize().await;
    let (id, mut sse, request) =
        call_until_request(&session, "sample", json!({ "prompt": "?" }), "sampling/createMessage").await;
    intruder
        .reply(&request["id"], json!({ "role": "assistant", "content": { "type": "text", "text": "forged" } }))
        .await;
    let cancelled = sse.next().await.expect("a cancellation");
    assert_eq!(cancelled["method"], "notifications/cancelled", "the forged reply was not taken: {cancelled}");
    let response = sse.next().await.expect("the tool's response");
    assert_eq!(response["id"], id);
    assert_eq!(response["result"]["isError"], true);
    assert!(!first_text(&response["result"]).contains("forged"));
}

// ---------------------------------------------------------------------------------------------
// Cancellation

/// Sends on `stopped` when dropped: proves the handler was stopped.
struct DropSignal(mpsc::UnboundedSender<()>);

impl Drop for DropSignal {
    fn drop(&mut self) {
        let _ = self.0.send(());
    }
}

/// A tool that signals `started`, optionally logs, then waits for cancellation or 30 s.
fn waiting_tool(started: Arc<Notify>, stopped: mpsc::UnboundedSender<()>) -> ToolDef {
    ToolDef::new("wait", move |args, ctx: Context| {
        let started = started.clone();
        let guard = DropSignal(stopped.clone());
        async move {
            let _guard = guard;
            if args.get("log").and_then(Value::as_bool) == Some(true) {
                ctx.log(LoggingLevel::Info, "waiting").await?;
            }
            started.notify_one();
            tokio::select! {
                () = ctx.cancelled() => Ok(CallToolResult::text("cancelled")),
                () = tokio::time::sleep(Duration::from_secs(30)) => Ok(CallToolResult::text("finished")),
            }
        }
    })
}

#[tokio::test]
async fn a_cancelled_request_ends_its_stream_without_a_result() {
    let started = Arc::new(Notify::new());
    let (stopped_tx, mut stopped) = mpsc::unbounded_channel();
    let server = TestServer::new(fixtures().tool(waiting_tool(started.clone(), stopped_tx)));
    let session = server.initialize().await;

    let (id, response) = session.send("tools/call", json!({ "name": "wait", "arguments": { "log": true } }), &[]).await;
    let mut sse = Sse::new(response);
    log_message(&sse.next().await.expect("the log"), "info", "waiting");
    tokio::time::timeout(STEP, started.notified()).await.expect("the tool started");

    session.notify("notifications/cancelled", Some(json!({ "requestId": id, "reason": "user stopped it" }))).await;
    let rest = sse.rest().await;
    assert!(rest.iter().all(|m| m.get("result").is_none()), "no result after cancellation: {rest:#?}");
    assert!(rest.iter().all(|m| m.get("id") != Some(&json!(id))), "no response after cancellation: {rest:#?}");
    tokio::time::timeout(STEP, stopped.recv()).await.expect("the handler was stopped");
    session.assert_alive().await;
}

#[tokio::test]
async fn a_cancelled_json_request_is_answered_with_request_cancelled() {
    let started = Arc::new(Notify::new());
    let (stopped_tx, mut stopped) = mpsc::unbounded_channel();
    let server = TestServer::new(fixtures().tool(waiting_tool(started.clone(), stopped_tx)));
    let session = server.initialize().await;

    let id = session.next_id();
    let call = {
        let session = session.clone();
        tokio::spawn(async move {
            let body = request(id, "tools/call", json!({ "name": "wait", "arguments": {} }));
            let response = session.post(&body, &[("accept", "application/json")]).await;
            (response.status(), json_body(response).await)
        })
    };
    tokio::time::timeout(STEP, started.notified()).await.expect("the tool started");
    // A cancellation naming another request changes nothing.
    session.notify("notifications/cancelled", Some(json!({ "requestId": id + 1000 }))).await;
    session.notify("notifications/cancelled", Some(json!({ "requestId": id }))).await;
    let (status, body) = tokio::time::timeout(STEP, call).await.expect("the call ends").unwrap();
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({ "jsonrpc": "2.0", "id": id, "error": { "code": -32800, "message": "Request cancelled" } })
    );
    tokio::time::timeout(STEP, stopped.recv()).await.expect("the handler was stopped");
    session.assert_alive().await;
}

#[tokio::test]
async fn another_session_cannot_cancel_a_request() {
    let started = Arc::new(Notify::new());
    let (stopped_tx, _stopped) = mpsc::unbounded_channel();
    let server = TestServer::new(fixtures().tool(waiting_tool(started.clone(), stopped_tx)));
    let session = server.initialize().await;
    let other = server.initialize().await;
    let (id, response) = session.send("tools/call", json!({ "name": "wait", "arguments": { "log": true } }), &[]).await;
    let mut sse = Sse::new(response);
    log_message(&sse.next().await.expect("the log"), "info", "waiting");
    other.notify("notifications/cancelled", Some(json!({ "requestId": id }))).await;
    assert!(sse.next_within(Duration::from_millis(200)).await.is_err(), "the request is still running");
    session.notify("notifications/cancelled", Some(json!({ "requestId": id }))).await;
    assert_eq!(sse.next().await, None);
}

// ---------------------------------------------------------------------------------------------
// Resource subscriptions on the GET stream

#[tokio::test]
async fn a_subscribed_resource_update_arrives_on_the_get_stream() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    assert_eq!(session.result("resources/subscribe", json!({ "uri": "test://static" })).await, json!({}));
    // Without a GET stream the update has nowhere to go.
    assert_eq!(server.server.notify_resource_updated("test://static"), 0);

    let mut stream = Sse::new(session.open_get().await);
    assert_eq!(server.server.notify_resource_updated("test://other"), 0, "nobody subscribed to it");
    assert_eq!(server.server.notify_resource_updated("test://static"), 1);
    let message = stream.next().await.expect("the update");
    assert_eq!(
        message,
        json!({ "jsonrpc": "2.0", "method": "notifications/resources/updated", "params": { "uri": "test://static" } })
    );

    assert_eq!(session.result("resources/unsubscribe", json!({ "uri": "test://static" })).await, json!({}));
    assert_eq!(server.server.notify_resource_updated("test://static"), 0);
    assert!(stream.next_within(Duration::from_millis(100)).await.is_err(), "nothing more arrives");
    drop(stream);
}

#[tokio::test]
async fn updates_reach_only_subscribed_sessions() {
    let server = TestServer::new(fixtures());
    let subscribed = server.initialize().await;
    let bystander = server.initialize().await;
    let mut subscribed_stream = Sse::new(subscribed.open_get().await);
    let mut bystander_stream = Sse::new(bystander.open_get().await);
    subscribed.result("resources/subscribe", json!({ "uri": "test://items/1" })).await;
    assert_eq!(server.server.notify_resource_updated("test://items/1"), 1);
    assert_eq!(subscribed_stream.next().await.unwrap()["params"]["uri"], "test://items/1");
    assert!(bystander_stream.next_within(Duration::from_millis(100)).await.is_err());
}

// ---------------------------------------------------------------------------------------------
// More handler errors and session lifetime

#[tokio::test]
async fn a_tool_may_answer_with_a_json_rpc_error() {
    let builder = fixtures()
        .tool(ToolDef::new("strict", |_, _| async { Err(Error::invalid_params("`x` is required")) }))
        .tool(ToolDef::new("custom", |_, _| async {
            Err(Error::rpc(
                fastapps_core::protocol::ErrorObject::new(-32042, "Go to the URL first")
                    .with_data(json!({ "url": "https://example.com" })),
            ))
        }));
    let server = TestServer::new(builder);
    let session = server.initialize().await;
    let error = session.error("tools/call", json!({ "name": "strict" })).await;
    assert_eq!(error, json!({ "code": -32602, "message": "`x` is required" }));
    let error = session.error("tools/call", json!({ "name": "custom" })).await;
    assert_eq!(
        error,
        json!({ "code": -32042, "message": "Go to the URL first", "data": { "url": "https://example.com" } })
    );
    session.assert_alive().await;
}

#[tokio::test]
async fn failing_resource_readers_and_prompts_are_internal_errors() {
    use fastapps_core::protocol::{GetPromptResult, ReadResourceResult};
    async fn broken_reader(
        _: fastapps_core::registry::ResourceRequest,
        _: Context,
    ) -> fastapps_core::Result<ReadResourceResult> {
        Err(Error::msg("disk on fire"))
    }
    async fn panicking_reader(
        _: fastapps_core::registry::ResourceRequest,
        _: Context,
    ) -> fastapps_core::Result<ReadResourceResult> {
        panic!("reader panicked on purpose")
    }
    async fn broken_prompt(
        _: std::collections::HashMap<String, String>,
        _: Context,
    ) -> fastapps_core::Result<GetPromptResult> {
        Err(Error::msg("template missing"))
    }
    let builder = fixtures()
        .resource(ResourceDef::new("test://broken", "broken", broken_reader))
        .resource(ResourceDef::new("test://panics", "panics", panicking_reader))
        .prompt(PromptDef::new("broken", broken_prompt));
    let server = TestServer::new(builder);
    let session = server.initialize().await;
    let error = session.error("resources/read", json!({ "uri": "test://broken" })).await;
    assert_eq!(error, json!({ "code": -32603, "message": "disk on fire" }));
    let error = session.error("resources/read", json!({ "uri": "test://panics" })).await;
    assert_eq!(error["code"], -32603);
    let error = session.error("prompts/get", json!({ "name": "broken" })).await;
    assert_eq!(error, json!({ "code": -32603, "message": "template missing" }));
    session.assert_alive().await;
}

#[tokio::test]
async fn a_malformed_client_reply_is_a_tool_error() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    let (id, mut sse, request) = call_until_request(&session, "ask", json!({}), "elicitation/create").await;
    session.reply(&request["id"], json!({ "action": "shrug" })).await;
    let response = sse.next().await.expect("the tool's response");
    assert_eq!(response["id"], id);
    assert_eq!(response["result"]["isError"], true);
    assert!(first_text(&response["result"]).starts_with("the client's answer is malformed"), "{response}");
    session.assert_alive().await;
}

#[tokio::test]
async fn a_session_waiting_on_the_client_does_not_expire() {
    // The TTL is shorter than the time the user takes to answer the elicitation.
    let server = TestServer::new(fixtures().session_ttl(Duration::from_millis(150)));
    let session = server.initialize().await;
    let (id, mut sse, request) = call_until_request(&session, "ask", json!({}), "elicitation/create").await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    // The session has a request in flight, so it is not idle: the answer is taken.
    let reply = json!({ "jsonrpc": "2.0", "id": request["id"], "result": { "action": "accept", "content": { "name": "Ada" } } });
    let response = session.post(&reply, &[]).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED, "the reply to a pending request is accepted");
    let response = sse.next().await.expect("the tool's response");
    assert_eq!(response["id"], id);
    assert_eq!(first_text(&response["result"]), "accept: Ada");
}

#[tokio::test]
async fn ending_a_session_cancels_its_requests() {
    let started = Arc::new(Notify::new());
    let (stopped_tx, mut stopped) = mpsc::unbounded_channel();
    let server = TestServer::new(fixtures().tool(waiting_tool(started.clone(), stopped_tx)));
    let session = server.initialize().await;
    let (id, response) = session.send("tools/call", json!({ "name": "wait", "arguments": { "log": true } }), &[]).await;
    let mut sse = Sse::new(response);
    log_message(&sse.next().await.expect("the log"), "info", "waiting");
    assert_eq!(session.delete().await.status(), StatusCode::OK);
    let rest = sse.rest().await;
    assert!(rest.iter().all(|m| m.get("id") != Some(&json!(id))), "no response: {rest:#?}");
    tokio::time::timeout(STEP, stopped.recv()).await.expect("the handler was stopped");
}

#[tokio::test]
async fn concurrent_requests_on_one_session() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    // What the conformance suite's multiple-streams scenario does: three at once, old version header.
    let calls = (0..3).map(|_| {
        let session = session.clone();
        tokio::spawn(async move { session.exchange("tools/list", json!({}), &[(VERSION_HEADER, "2025-03-26")]).await })
    });
    for call in calls {
        let messages = tokio::time::timeout(STEP, call).await.expect("answered in time").unwrap();
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0]["result"]["tools"].as_array().unwrap().len(), 9);
    }
    // Long-running requests do not hold up others.
    let (_, slow) = session.send("tools/call", json!({ "name": "sample", "arguments": { "prompt": "?" } }), &[]).await;
    let mut slow = Sse::new(slow);
    let request = slow.next().await.expect("the sampling request");
    session.assert_alive().await;
    session.reply(&request["id"], json!({ "role": "assistant", "content": { "type": "text", "text": "ok" } })).await;
    assert_eq!(first_text(&slow.next().await.unwrap()["result"]), "sampled: ok");
}

#[tokio::test]
async fn capabilities_follow_what_is_registered() {
    let tools_only =
        WidgetMcpServer::builder("tools-only").tool(ToolDef::new("t", |_, _| async { Ok(CallToolResult::text("")) }));
    let server = TestServer::new(tools_only);
    let response = server.post_json(&request(1, "initialize", init_params(LATEST, json!({}))), &[]).await;
    let body = json_body(response).await;
    assert_eq!(body["result"]["capabilities"], json!({ "tools": { "listChanged": false }, "logging": {} }));
    assert_eq!(body["result"]["serverInfo"], json!({ "name": "tools-only", "version": "0.0.0" }));
    assert!(body["result"].get("instructions").is_none());
}

#[tokio::test]
async fn text_with_newlines_and_unicode_survives_both_reply_types() {
    let server = TestServer::new(fixtures());
    let session = server.initialize().await;
    let text = "line one\nline two\r\n\u{2028}héllo ✓ \"quoted\" data: not a field";
    for accept in ["application/json", "text/event-stream"] {
        let messages = session
            .exchange("tools/call", json!({ "name": "echo", "arguments": { "text": text } }), &[("accept", accept)])
            .await;
        assert_eq!(messages.len(), 1);
        assert_eq!(first_text(&messages[0]["result"]), text, "{accept}");
    }
}
