//! Golden snapshots of what goes over the wire: results of the lifecycle and list methods, a
//! structured tool result, the SSE framing, and every transport error body. Each snapshot
//! records the status, the content type, whether a session id was sent (never its value) and
//! the body.

mod common;

use common::*;
use fastapps_core::prelude::*;
use http::StatusCode;
use serde_json::{Value, json};

fn wire_server() -> ServerBuilder {
    WidgetMcpServer::builder("wire-server")
        .version("1.2.3")
        .instructions("Use `add` to add numbers and read test://static for context.")
        .tool(add_tool().title("Add").annotations(ToolAnnotations {
            read_only_hint: Some(true),
            destructive_hint: Some(false),
            open_world_hint: Some(false),
            ..ToolAnnotations::default()
        }))
        .tool(ToolDef::new("log3", |_args, ctx: Context| async move {
            for step in 1..=3 {
                ctx.log(LoggingLevel::Info, format!("step {step}")).await?;
            }
            Ok(CallToolResult::text("logged"))
        }))
        .resource(
            ResourceDef::text("test://static", "static", "text/plain", "static text")
                .title("Static")
                .description("Fixed text"),
        )
        .resource_template(item_template())
        .prompt(greet_prompt().title("Greeting").argument("tone", "How to greet", false))
}

/// What a snapshot records of a JSON response; the session id, which is random, only as a
/// placeholder.
async fn wire(response: Response) -> Value {
    let status = response.status().as_u16();
    let session = response.headers().get(SESSION_HEADER).map(|id| {
        let id = id.to_str().expect("visible ASCII");
        assert!(!id.is_empty() && id.bytes().all(|b| (0x21..=0x7e).contains(&b)), "{id}");
        "[session-id]"
    });
    let content_type = content_type(&response);
    let body = json_body(response).await;
    json!({ "status": status, "contentType": content_type, "mcpSessionId": session, "body": body })
}

/// Sends a request on a session and records the reply.
async fn record(session: &Session, id: i64, method: &str, params: Value, extra: &[(&str, &str)]) -> Value {
    wire(session.post(&request(id, method, params), extra).await).await
}

async fn started() -> Session {
    TestServer::new(wire_server()).initialize().await
}

async fn snapshot_request(method: &str, params: Value) -> Value {
    let session = started().await;
    wire(session.post(&request(2, method, params), &[]).await).await
}

// ---------------------------------------------------------------------------------------------
// Results

#[tokio::test]
async fn initialize_result() {
    let server = TestServer::new(wire_server());
    let body = request(
        1,
        "initialize",
        init_params(LATEST, json!({ "sampling": {}, "elicitation": { "form": {} }, "roots": { "listChanged": true } })),
    );
    let recorded = wire(server.post_json(&body, &[]).await).await;
    insta::assert_json_snapshot!("initialize_result", recorded);
}

#[tokio::test]
async fn tools_list() {
    let recorded = snapshot_request("tools/list", json!({})).await;
    insta::assert_json_snapshot!("tools_list", recorded);
}

#[tokio::test]
async fn resources_list() {
    let recorded = snapshot_request("resources/list", json!({})).await;
    insta::assert_json_snapshot!("resources_list", recorded);
}

#[tokio::test]
async fn resources_templates_list() {
    let recorded = snapshot_request("resources/templates/list", json!({})).await;
    insta::assert_json_snapshot!("resources_templates_list", recorded);
}

#[tokio::test]
async fn prompts_list() {
    let recorded = snapshot_request("prompts/list", json!({})).await;
    insta::assert_json_snapshot!("prompts_list", recorded);
}

#[tokio::test]
async fn tool_result_with_structured_content() {
    let recorded = snapshot_request("tools/call", json!({ "name": "add", "arguments": { "a": 40, "b": 2 } })).await;
    insta::assert_json_snapshot!("tool_result_structured", recorded);
}

#[tokio::test]
async fn resource_read_and_prompt_get() {
    let session = started().await;
    let read = record(&session, 2, "resources/read", json!({ "uri": "test://items/7" }), &[]).await;
    let prompt =
        record(&session, 3, "prompts/get", json!({ "name": "greet", "arguments": { "name": "Ada" } }), &[]).await;
    let params = json!({
        "ref": { "type": "ref/resource", "uri": "test://items/{id}" },
        "argument": { "name": "id", "value": "a" }
    });
    let completion = record(&session, 4, "completion/complete", params, &[]).await;
    let recorded = json!([read, prompt, completion]);
    insta::assert_json_snapshot!("resource_read_prompt_get_completion", recorded);
}

#[tokio::test]
async fn json_rpc_errors() {
    let session = started().await;
    let mut recorded = Vec::new();
    for (id, method, params) in [
        (2, "nope/nope", json!({})),
        (3, "tools/call", json!({ "name": "missing" })),
        (4, "tools/list", json!({ "cursor": "garbage" })),
        (5, "resources/read", json!({ "uri": "test://missing" })),
        (6, "prompts/get", json!({ "name": "greet" })),
        (7, "logging/setLevel", json!({ "level": "loud" })),
    ] {
        recorded.push(record(&session, id, method, params, &[]).await);
    }
    insta::assert_json_snapshot!("json_rpc_errors", recorded);
}

/// The exact bytes of an SSE reply: `event: message` frames, notifications first, the response
/// last.
#[tokio::test]
async fn sse_reply_framing() {
    let session = started().await;
    let response = session.post(&request(2, "tools/call", json!({ "name": "log3" })), &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(content_type(&response), "text/event-stream");
    assert_eq!(response.headers()[SESSION_HEADER], session.id());
    assert_eq!(response.headers()["cache-control"], "no-cache");
    let recorded = body_text(response).await;
    insta::assert_snapshot!("sse_reply_framing", recorded);
}

// ---------------------------------------------------------------------------------------------
// Transport errors

#[tokio::test]
async fn error_403_origin() {
    let session = started().await;
    let recorded = record(&session, 2, "ping", json!({}), &[("origin", "http://evil.example.com")]).await;
    insta::assert_json_snapshot!("error_403_origin", recorded);
}

#[tokio::test]
async fn error_403_host() {
    let server = TestServer::new(wire_server());
    let body = request(1, "initialize", init_params(LATEST, json!({})));
    let recorded = wire(server.post_json(&body, &[("host", "evil.example.com")]).await).await;
    insta::assert_json_snapshot!("error_403_host", recorded);
}

#[tokio::test]
async fn error_404_unknown_session() {
    let server = TestServer::new(wire_server());
    let stranger = server.session(Some("0123456789abcdef0123456789abcdef".into()), LATEST);
    let recorded = wire(stranger.post(&request(2, "ping", json!({})), &[]).await).await;
    insta::assert_json_snapshot!("error_404_unknown_session", recorded);
}

#[tokio::test]
async fn error_400_missing_session() {
    let server = TestServer::new(wire_server());
    let recorded = wire(server.session(None, LATEST).post(&request(2, "ping", json!({})), &[]).await).await;
    insta::assert_json_snapshot!("error_400_missing_session", recorded);
}

#[tokio::test]
async fn error_400_version() {
    let session = started().await;
    let recorded = record(&session, 2, "ping", json!({}), &[(VERSION_HEADER, "1999-01-01")]).await;
    insta::assert_json_snapshot!("error_400_version", recorded);
}

#[tokio::test]
async fn error_400_parse() {
    let server = TestServer::new(wire_server());
    let session = server.initialize().await;
    let headers = [(SESSION_HEADER, session.id()), (VERSION_HEADER, LATEST)];
    let recorded = wire(server.post_raw(r#"{"jsonrpc":"2.0","id":2,"#, &headers).await).await;
    insta::assert_json_snapshot!("error_400_parse", recorded);
}

#[tokio::test]
async fn error_400_batch_and_invalid_request() {
    let session = started().await;
    let batch = wire(session.post(&json!([request(2, "ping", json!({}))]), &[]).await).await;
    let version = wire(session.post(&json!({ "jsonrpc": "1.0", "id": 3, "method": "ping" }), &[]).await).await;
    let recorded = json!([batch, version]);
    insta::assert_json_snapshot!("error_400_invalid_request", recorded);
}

#[tokio::test]
async fn error_413() {
    let server = TestServer::new(wire_server().max_body_bytes(1024));
    let session = server.initialize().await;
    let body = request(2, "tools/call", json!({ "name": "add", "arguments": { "pad": "x".repeat(2048) } }));
    let recorded = wire(session.post(&body, &[]).await).await;
    insta::assert_json_snapshot!("error_413", recorded);
}

#[tokio::test]
async fn error_406_415() {
    let session = started().await;
    let not_acceptable = record(&session, 2, "ping", json!({}), &[("accept", "text/html")]).await;
    let form = [("content-type", "application/x-www-form-urlencoded")];
    let unsupported = record(&session, 3, "ping", json!({}), &form).await;
    let recorded = json!([not_acceptable, unsupported]);
    insta::assert_json_snapshot!("error_406_415", recorded);
}

#[tokio::test]
async fn error_409_second_get() {
    let session = started().await;
    let first = session.open_get().await;
    assert_eq!(first.status(), StatusCode::OK);
    let recorded = wire(session.open_get().await).await;
    insta::assert_json_snapshot!("error_409_second_get", recorded);
    drop(first);
}

#[tokio::test]
async fn error_405_stateless() {
    let server = TestServer::new(wire_server().stateless(true));
    let get = wire(server.get(&[("accept", "text/event-stream")]).await).await;
    let delete = wire(server.delete(&[]).await).await;
    let recorded = json!([get, delete]);
    insta::assert_json_snapshot!("error_405_stateless", recorded);
}

#[tokio::test]
async fn error_503_session_limit() {
    let server = TestServer::new(wire_server().max_sessions(1));
    let _first = server.initialize().await;
    let body = request(1, "initialize", init_params(LATEST, json!({})));
    let recorded = wire(server.post_json(&body, &[]).await).await;
    insta::assert_json_snapshot!("error_503_session_limit", recorded);
}

// ---------------------------------------------------------------------------------------------
// 2026-07-28: the same registry, per request

/// Records a 2026-07-28 request with this id.
async fn record_modern(client: &Modern, id: i64, method: &str, params: Value, extra: &[(&str, &str)]) -> Value {
    wire(client.post_body(&request(id, method, client.params(params)), extra).await).await
}

async fn snapshot_modern(method: &str, params: Value) -> Value {
    record_modern(&TestServer::new(wire_server()).modern(), 2, method, params, &[]).await
}

#[tokio::test]
async fn modern_discover() {
    let recorded = snapshot_modern("server/discover", json!({})).await;
    insta::assert_json_snapshot!("modern_discover", recorded);
}

#[tokio::test]
async fn modern_tools_list() {
    let recorded = snapshot_modern("tools/list", json!({})).await;
    insta::assert_json_snapshot!("modern_tools_list", recorded);
}

#[tokio::test]
async fn modern_resource_read() {
    let recorded = snapshot_modern("resources/read", json!({ "uri": "test://items/7" })).await;
    insta::assert_json_snapshot!("modern_resource_read", recorded);
}

#[tokio::test]
async fn modern_tool_result_with_structured_content() {
    let recorded = snapshot_modern("tools/call", json!({ "name": "add", "arguments": { "a": 40, "b": 2 } })).await;
    insta::assert_json_snapshot!("modern_tool_result_structured", recorded);
}

/// Between eras only the modern fields differ: the registry's output is the same.
#[tokio::test]
async fn both_eras_list_the_same_tools_and_read_the_same_contents() {
    let server = TestServer::new(wire_server());
    let session = server.initialize().await;
    let modern = server.modern();
    for (method, params, key) in [
        ("tools/list", json!({}), "tools"),
        ("resources/read", json!({ "uri": "test://items/7" }), "contents"),
        ("tools/call", json!({ "name": "add", "arguments": { "a": 1, "b": 2 } }), "structuredContent"),
    ] {
        let legacy = session.result(method, params.clone()).await;
        let current = modern.result(method, params).await;
        assert_eq!(legacy[key], current[key], "{method}");
    }
}

#[tokio::test]
async fn modern_input_required_result() {
    let builder = wire_server().tool(ToolDef::new("confirm", |_args, ctx: Context| async move {
        let schema = json!({ "type": "object", "properties": { "ok": { "type": "boolean" } }, "required": ["ok"] });
        let answer =
            ctx.elicit_as("confirm", fastapps_core::protocol::ElicitParams::form("Please confirm", schema)).await?;
        Ok(CallToolResult::text(format!("{:?}", answer.action)))
    }));
    let server = TestServer::new(builder);
    let mut recorded = record_modern(&server.modern(), 2, "tools/call", json!({ "name": "confirm" }), &[]).await;
    // The sealed state differs on every run.
    let state = recorded["body"]["result"]["requestState"].take();
    assert!(state.as_str().is_some_and(|s| s.contains('.')), "a sealed state: {state}");
    recorded["body"]["result"]["requestState"] = json!("[sealed]");
    insta::assert_json_snapshot!("modern_input_required", recorded);
}

/// Every 2026-07-28 refusal: its status and its JSON-RPC error, answering the request's id.
#[tokio::test]
async fn modern_errors() {
    let builder = wire_server().tool(
        ToolDef::new("sample", |_args, ctx: Context| async move {
            let answer =
                ctx.create_message(fastapps_core::protocol::CreateMessageParams::user_text("Say hi", 10)).await?;
            Ok(CallToolResult::text(answer.text().unwrap_or_default().to_owned()))
        })
        .description("Needs sampling"),
    );
    let server = TestServer::new(builder);
    let client = server.modern().with_capabilities(json!({}));
    let mut recorded = Vec::new();
    recorded.push(wire(client.post_body(&request(2, "tools/list", json!({})), &[]).await).await);
    recorded.push(record_modern(&client, 3, "tools/list", json!({}), &[("mcp-method", "prompts/list")]).await);
    let unsupported = json!({ "_meta": {
        "io.modelcontextprotocol/protocolVersion": "1900-01-01",
        "io.modelcontextprotocol/clientCapabilities": {}
    } });
    recorded.push(
        wire(client.post_body(&request(4, "tools/list", unsupported), &[(VERSION_HEADER, "1900-01-01")]).await).await,
    );
    recorded.push(record_modern(&client, 5, "ping", json!({}), &[]).await);
    recorded.push(record_modern(&client, 6, "tools/call", json!({ "name": "sample" }), &[]).await);
    recorded.push(record_modern(&client, 7, "resources/read", json!({ "uri": "test://missing" }), &[]).await);
    insta::assert_json_snapshot!("modern_errors", recorded);
}
