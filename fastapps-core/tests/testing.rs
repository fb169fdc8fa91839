//! `fastapps_core::testing`: the in-process client against servers declared with the macros
//! and the builder, signed in and not, in both eras and both widget dialects, against a server
//! that trusts a real JWT issuer, and answering the server's questions.

use fastapps_core::auth::{Auth, RefusalMode};
use fastapps_core::prelude::*;
use fastapps_core::protocol::{ElicitAction, ElicitParams};
use fastapps_core::serde_json::{Value, json};
use fastapps_core::testing::{TestClient, TestError, TestIssuer};
use http::StatusCode;

/// Adds two numbers.
#[tool(read_only)]
#[no_auth]
struct Add {
    /// The first
    a: i64,
    /// The second
    b: i64,
}

impl Tool for Add {
    async fn execute(self, _ctx: &Context) -> Result<ToolOutput> {
        Ok(ToolOutput::text((self.a + self.b).to_string()))
    }
}

/// Reads the caller's notes.
#[tool(read_only)]
#[auth_required(scopes = ["read"])]
struct ReadNotes {}

impl Tool for ReadNotes {
    async fn execute(self, ctx: &Context) -> Result<ToolOutput> {
        Ok(ToolOutput::text(format!("notes of {}", ctx.user()?.subject())))
    }
}

/// Greets someone in a widget.
#[widget(id = "hello", title = "Say hello", read_only)]
#[no_auth]
struct Hello {
    /// Who
    name: Option<String>,
}

impl Widget for Hello {
    async fn execute(self, _ctx: &Context) -> Result<WidgetOutput> {
        Ok(WidgetOutput::new(json!({ "name": self.name })))
    }
}

fn server() -> WidgetMcpServer {
    WidgetMcpServer::builder("app")
        .widget_html("hello", "<!doctype html><div id=hello></div>")
        .build_server()
        .expect("the server builds")
}

fn text(result: &CallToolResult) -> &str {
    result.content[0].as_text().expect("a text block")
}

#[tokio::test]
async fn tools_are_listed_and_called_without_a_socket() {
    let client = TestClient::new(server());
    let names: Vec<String> = client.list_tools().await.unwrap().into_iter().map(|t| t.name).collect();
    assert_eq!(names, ["add", "ask_name", "hello", "read_notes"]);
    let sum = client.call_tool("add", json!({ "a": 2, "b": 3 })).await.unwrap();
    assert_eq!(text(&sum), "5");
    // A tool's own failure (bad arguments) is a result with isError, not an error.
    let bad = client.call_tool("add", json!({ "a": "two" })).await.unwrap();
    assert!(bad.is_error, "{bad:?}");
    // An unknown tool is a JSON-RPC error.
    let unknown = client.call_tool("nope", json!({})).await.unwrap_err();
    assert_eq!(unknown.rpc().map(|e| e.code), Some(-32602), "{unknown}");
}

#[tokio::test]
async fn auth_required_tools_need_a_caller_with_the_scope() {
    let client = TestClient::new(server());
    let anonymous = client.call_tool("read_notes", json!({})).await.unwrap_err();
    assert_eq!(anonymous.status(), Some(StatusCode::UNAUTHORIZED), "{anonymous}");
    let TestError::Http { www_authenticate: Some(challenge), .. } = &anonymous else { panic!("{anonymous:?}") };
    assert!(challenge.starts_with("Bearer resource_metadata="), "{challenge}");

    let alice = client.as_user("alice", ["read"]);
    assert_eq!(text(&alice.call_tool("read_notes", json!({})).await.unwrap()), "notes of alice");
    let bob = client.as_user("bob", Vec::<String>::new());
    let refused = bob.call_tool("read_notes", json!({})).await.unwrap_err();
    assert_eq!(refused.status(), Some(StatusCode::FORBIDDEN), "{refused}");
    assert!(refused.is_auth_refusal());
    // The public tools stay public for everyone.
    assert_eq!(text(&bob.call_tool("add", json!({ "a": 1, "b": 1 })).await.unwrap()), "2");
}

#[tokio::test]
async fn a_forged_token_is_refused_like_any_invalid_token() {
    let client = TestClient::new(server()).bearer("fastapps-test.forged");
    let error = client.list_tools().await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::UNAUTHORIZED), "{error}");
}

#[tokio::test]
async fn chatgpt_gets_the_challenge_in_the_result() {
    let chatgpt = TestClient::new(server()).client_info("openai-mcp", "1.0.0");
    let refused = chatgpt.call_tool("read_notes", json!({})).await.unwrap();
    assert!(refused.is_error);
    let meta = refused.meta.expect("a _meta");
    assert!(meta["mcp/www_authenticate"][0].as_str().is_some_and(|c| c.contains("insufficient_scope")), "{meta:?}");
}

#[tokio::test]
async fn both_widget_dialects() {
    let apps_sdk = TestClient::new(server());
    let read = apps_sdk.read_resource("ui://widget/hello.html").await.unwrap();
    assert_eq!(read.contents[0].mime_type.as_deref(), Some("text/html+skybridge"));
    let mcp_apps = apps_sdk.clone().mcp_apps();
    let read = mcp_apps.read_resource("ui://widget/hello.html").await.unwrap();
    assert_eq!(read.contents[0].mime_type.as_deref(), Some("text/html;profile=mcp-app"));
    assert_eq!(mcp_apps.read_text("ui://widget/hello.html").await.unwrap(), "<!doctype html><div id=hello></div>");
}

#[tokio::test]
async fn the_modern_era_carries_its_meta_and_headers() {
    let modern = TestClient::new(server()).protocol_version("2026-07-28");
    let discovered = modern.request("server/discover", json!({})).await.unwrap();
    assert!(discovered["supportedVersions"].as_array().is_some_and(|v| v.contains(&json!("2026-07-28"))));
    assert_eq!(text(&modern.call_tool("add", json!({ "a": 20, "b": 22 })).await.unwrap()), "42");
    let alice = modern.as_user("alice", ["read"]);
    assert_eq!(text(&alice.call_tool("read_notes", json!({})).await.unwrap()), "notes of alice");
    assert!(modern.call_tool("read_notes", json!({})).await.unwrap_err().is_auth_refusal());
}

/// Asks the user's name.
#[tool]
#[no_auth]
struct AskName {}

impl Tool for AskName {
    async fn execute(self, ctx: &Context) -> Result<ToolOutput> {
        let schema = json!({ "type": "object", "properties": { "name": { "type": "string" } } });
        let answer = ctx.elicit(ElicitParams::form("Your name?", schema)).await?;
        let name = match answer.action {
            ElicitAction::Accept => answer.content.and_then(|c| c["name"].as_str().map(str::to_owned)),
            _ => None,
        };
        Ok(ToolOutput::text(format!("hello {}", name.unwrap_or_default())))
    }
}

fn answer_ada(method: &str, _params: Value) -> Result<Value, fastapps_core::protocol::ErrorObject> {
    assert_eq!(method, "elicitation/create");
    Ok(json!({ "action": "accept", "content": { "name": "Ada" } }))
}

#[tokio::test]
async fn the_server_questions_are_answered_in_both_eras() {
    for version in ["2025-11-25", "2026-07-28"] {
        let client = TestClient::new(server())
            .protocol_version(version)
            .capabilities(json!({ "elicitation": {} }))
            .on_request(answer_ada);
        let result = client.call_tool("ask_name", json!({})).await.unwrap();
        assert_eq!(text(&result), "hello Ada", "{version}");
    }
}

#[tokio::test]
async fn a_server_with_a_real_issuer_keeps_verifying_its_tokens() {
    let issuer = TestIssuer::start().await.unwrap();
    let server = WidgetMcpServer::builder("app")
        .widget_html("hello", "<html></html>")
        .auth(issuer.auth().refusal(RefusalMode::Http))
        .build_server()
        .unwrap();
    let client = TestClient::new(server);
    assert_eq!(client.credential_issuer(), issuer.url());
    let by_jwt = client.bearer(issuer.token("carol", ["read"]));
    assert_eq!(text(&by_jwt.call_tool("read_notes", json!({})).await.unwrap()), "notes of carol");
    let by_credential = client.as_user("dave", ["read"]);
    assert_eq!(text(&by_credential.call_tool("read_notes", json!({})).await.unwrap()), "notes of dave");
    // A token of the issuer for another audience is refused by the real verifier.
    let elsewhere = issuer.sign(&json!({
        "iss": issuer.url(), "sub": "eve", "aud": "https://other.example/mcp", "scope": "read",
        "exp": 4_102_444_800u64,
    }));
    let refused = client.bearer(elsewhere).call_tool("read_notes", json!({})).await.unwrap_err();
    assert_eq!(refused.status(), Some(StatusCode::UNAUTHORIZED), "{refused}");
    assert!(issuer.jwks_fetches() >= 1);
}

#[tokio::test]
async fn required_scopes_apply_to_test_credentials_too() {
    let issuer = TestIssuer::start().await.unwrap();
    let server = WidgetMcpServer::builder("app")
        .widget_html("hello", "<html></html>")
        .auth(Auth::issuer(issuer.url()).resource_server_url("http://localhost/mcp").required_scopes(["app"]))
        .scopes_supported(["app", "read"])
        .build_server()
        .unwrap();
    let client = TestClient::new(server);
    let lacking = client.as_user("alice", ["read"]).list_tools().await.unwrap_err();
    assert_eq!(lacking.status(), Some(StatusCode::FORBIDDEN), "{lacking}");
    assert_eq!(client.as_user("alice", ["app", "read"]).list_tools().await.unwrap().len(), 4);
}
