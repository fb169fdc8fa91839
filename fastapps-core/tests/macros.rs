//! Tools declared with `#[tool]` and `#[widget]`: every attribute combination as `tools/list`
//! shows it (pinned by a snapshot), arguments and request `_meta` reaching `execute`, and the
//! errors a bad call gets. (What a server without auth answers for a tool that requires
//! sign-in is in `socket.rs`.)

mod common;

use std::time::Duration;

use common::{Modern, Session, TestServer, json_body};
use fastapps_core::prelude::*;
use fastapps_core::registry::Csp;
use fastapps_core::serde_json::{Value, json};
use fastapps_core::widget::ProjectConfig;
use serde::Serialize;

/// A public tool with every annotation set.
#[tool(id = "all_hints", title = "All hints", read_only, idempotent, open_world)]
#[no_auth]
struct AllHints {}

impl Tool for AllHints {
    async fn execute(self, _ctx: &Context) -> Result<ToolOutput> {
        Ok(ToolOutput::text("ok"))
    }
}

/// Delete a note.
///
/// The note is gone for good.
#[tool(destructive)]
#[auth_required(scopes = ["notes:write", "notes:read"])]
struct DeleteNote {
    /// The note's id
    note_id: u64,
}

impl Tool for DeleteNote {
    async fn execute(self, _ctx: &Context) -> Result<ToolOutput> {
        Ok(ToolOutput::new(json!({ "deleted": self.note_id })))
    }
}

/// The shape of a search result.
#[derive(Serialize, schemars::JsonSchema)]
struct SearchResults {
    /// Matching items
    items: Vec<String>,
}

/// Search items; signed-in users also see their private ones.
#[optional_auth(scopes = ["search"])]
#[tool(output = SearchResults, read_only)]
struct Search {
    /// What to look for
    query: String,
    /// At most this many results
    limit: Option<u32>,
}

impl Tool for Search {
    async fn execute(self, _ctx: &Context) -> Result<ToolOutput> {
        let limit = self.limit.unwrap_or(3) as usize;
        let items: Vec<String> = (1..=limit).map(|i| format!("{} {i}", self.query)).collect();
        ToolOutput::serialize(&SearchResults { items })
    }
}

/// Inherits the server's default: no `securitySchemes` on a server without auth.
#[tool]
struct Inherited {}

impl Tool for Inherited {
    async fn execute(self, _ctx: &Context) -> Result<ToolOutput> {
        Ok(ToolOutput::text("inherited"))
    }
}

/// Refresh the list; called by the widget only.
#[tool(visibility = ["app"])]
struct RefreshList {}

impl Tool for RefreshList {
    async fn execute(self, _ctx: &Context) -> Result<ToolOutput> {
        Ok(ToolOutput::new(json!({ "refreshed": true })))
    }
}

/// Show a carousel of pizza places.
#[widget(
    id = "pizza-carousel",
    title = "Show pizza carousel",
    invoking = "Hand-tossing a carousel",
    invoked = "Served a fresh carousel",
    template = "pizzaz-carousel",
    widget_accessible,
    prefers_border,
    widget_description = "A horizontally scrolling carousel of pizza places.",
    csp(
        connect = ["https://api.example.com"],
        resource = ["https://cdn.example.com"],
        frame = ["https://maps.example.com"],
        base_uri = ["https://cdn.example.com"],
        redirect = ["https://checkout.example.com"],
    ),
    domain = "https://pizzaz.example.com",
    permissions = ["geolocation", "clipboard_write"],
    read_only,
)]
struct PizzaCarousel {
    /// Topping to highlight
    topping: Option<String>,
}

impl Widget for PizzaCarousel {
    async fn execute(self, ctx: &Context) -> Result<WidgetOutput> {
        // Long enough for concurrent calls to overlap.
        tokio::time::sleep(Duration::from_millis(50)).await;
        Ok(WidgetOutput::new(json!({ "topping": self.topping, "locale": ctx.locale() }))
            .with_text("Here is the carousel.")
            .with_meta("renderedBy", json!("test")))
    }
}

/// A widget that is not shown to the model: it is opened by another tool's widget.
#[widget(visibility = "private", widget_accessible)]
struct HiddenPanel {}

impl Widget for HiddenPanel {
    async fn execute(self, _ctx: &Context) -> Result<WidgetOutput> {
        Err(Error::msg("the panel is empty"))
    }
}

/// The test's widgets have no built assets; their HTML is given to the builder.
fn builder() -> ServerBuilder {
    WidgetMcpServer::builder("macros")
        .version("1.0.0")
        .widget_html("pizzaz-carousel", "<!doctype html><div id=\"pizzaz-carousel-root\"></div>")
        .widget_html("hidden_panel", "<!doctype html><p>panel</p>")
}

/// A session of a client `t 1` declaring `capabilities`, and a 2026-07-28 client.
struct Served {
    session: Session,
    /// A 2026-07-28 client of the same server.
    modern: Modern,
}

impl Served {
    async fn start() -> Self {
        Self::start_as(builder(), json!({})).await
    }

    async fn start_as(builder: ServerBuilder, capabilities: Value) -> Self {
        let server = TestServer::new(builder);
        let session = server.open(server.client.clone().client_info("t", "1").capabilities(capabilities)).await;
        Self { session, modern: server.modern() }
    }

    /// The JSON-RPC response.
    async fn rpc(&self, method: &str, params: Value) -> Value {
        self.session.request(method, params).await
    }

    async fn call(&self, name: &str, arguments: Value, meta: Value) -> Value {
        self.rpc("tools/call", json!({ "name": name, "arguments": arguments, "_meta": meta })).await
    }
}

#[tokio::test]
async fn tools_list_shows_every_attribute_combination() {
    let served = Served::start().await;
    let list = served.rpc("tools/list", json!({})).await;
    insta::assert_json_snapshot!("tools_list", list["result"]);
}

#[tokio::test]
async fn widget_execute_sees_its_arguments_and_the_request_locale() {
    let served = Served::start().await;
    let fr = served.call("pizza-carousel", json!({ "topping": "olives" }), json!({ "openai/locale": "fr-FR" }));
    let ja = served.call("pizza-carousel", json!({ "topping": "nori" }), json!({ "webplus/i18n": "ja-JP" }));
    let (fr, ja) = tokio::join!(fr, ja);
    assert_eq!(fr["result"]["structuredContent"], json!({ "topping": "olives", "locale": "fr-FR" }));
    assert_eq!(ja["result"]["structuredContent"], json!({ "topping": "nori", "locale": "ja-JP" }));
    assert_eq!(fr["result"]["content"], json!([{ "type": "text", "text": "Here is the carousel." }]));
    assert_eq!(fr["result"]["_meta"]["renderedBy"], json!("test"));
    assert_eq!(fr["result"]["isError"], json!(false));
}

#[tokio::test]
async fn structured_output_is_mirrored_as_text() {
    let served = Served::start().await;
    let result = served.call("search", json!({ "query": "pizza", "limit": 2 }), json!({})).await;
    let expected = json!({ "items": ["pizza 1", "pizza 2"] });
    assert_eq!(result["result"]["structuredContent"], expected);
    let text = result["result"]["content"][0]["text"].as_str().unwrap();
    assert_eq!(serde_json::from_str::<Value>(text).unwrap(), expected);
}

#[tokio::test]
async fn bad_arguments_are_an_error_result_naming_the_field() {
    let served = Served::start().await;
    let wrong_type = served.call("search", json!({ "query": 7 }), json!({})).await;
    assert_eq!(wrong_type["result"]["isError"], json!(true));
    let text = wrong_type["result"]["content"][0]["text"].as_str().unwrap();
    assert!(text.starts_with("Invalid arguments: `query`"), "{text}");
    let missing = served.call("search", json!({}), json!({})).await;
    assert_eq!(missing["result"]["content"][0]["text"], json!("Invalid arguments: missing field `query`"));
}

#[tokio::test]
async fn execute_errors_become_error_results() {
    let served = Served::start().await;
    let result = served.call("hidden_panel", json!({}), json!({})).await;
    assert_eq!(
        result["result"],
        json!({ "content": [{ "type": "text", "text": "the panel is empty" }], "isError": true })
    );
}

#[test]
fn macro_tools_can_be_left_out() {
    let server = WidgetMcpServer::builder("plain").macro_tools(false).build_server().unwrap();
    assert_eq!(server.registry().tools().count(), 0);
    let server = builder().build_server().unwrap();
    let names: Vec<&str> = server.registry().tools().map(|t| t.descriptor().name.as_str()).collect();
    assert_eq!(
        names,
        ["all_hints", "delete_note", "greet", "hidden_panel", "inherited", "pizza-carousel", "refresh_list", "search"]
    );
    let templates: Vec<&str> = server.registry().widget_templates().iter().map(|t| t.uri.as_str()).collect();
    assert_eq!(templates, ["ui://widget/hidden_panel.html", "ui://widget/pizzaz-carousel.html"]);
}

fn mcp_apps() -> Value {
    json!({ "extensions": { "io.modelcontextprotocol/ui": { "mimeTypes": ["text/html;profile=mcp-app"] } } })
}

#[tokio::test]
async fn widget_resources_in_both_dialects() {
    for (dialect, capabilities) in [("apps_sdk", json!({})), ("mcp_apps", mcp_apps())] {
        let served = Served::start_as(
            builder()
                .public_url("https://pizzaz.example.com")
                .widget_csp(Csp {
                    connect: vec!["https://api.example.com".into(), "https://global.example.com".into()],
                    ..Csp::default()
                })
                .project_config(ProjectConfig::parse("[csp]\nresource = [\"https://project.example.com\"]\n").unwrap()),
            capabilities,
        )
        .await;
        let list = served.rpc("resources/list", json!({})).await;
        insta::assert_json_snapshot!(format!("resources_list_{dialect}"), list["result"]);
        let templates = served.rpc("resources/templates/list", json!({})).await;
        insta::assert_json_snapshot!(format!("resources_templates_list_{dialect}"), templates["result"]);
        let read = served.rpc("resources/read", json!({ "uri": "ui://widget/pizzaz-carousel.html" })).await;
        insta::assert_json_snapshot!(format!("resources_read_{dialect}"), read["result"]);
    }
}

#[tokio::test]
async fn mcp_apps_for_all_serves_the_standard_type_to_everyone() {
    let served = Served::start_as(builder().mcp_apps_for_all(true), json!({})).await;
    let read = served.rpc("resources/read", json!({ "uri": "ui://widget/hidden_panel.html" })).await;
    assert_eq!(read["result"]["contents"][0]["mimeType"], json!("text/html;profile=mcp-app"));
    assert_eq!(read["result"]["contents"][0]["text"], json!("<!doctype html><p>panel</p>"));
}

#[tokio::test]
async fn an_unknown_widget_uri_is_an_error_not_an_empty_success() {
    let served = Served::start().await;
    let read = served.rpc("resources/read", json!({ "uri": "ui://widget/nope.html" })).await;
    assert_eq!(read["error"]["code"], json!(-32002));
    assert!(read.get("result").is_none());
}

#[tokio::test]
async fn the_server_declares_the_mcp_apps_extension() {
    let init = json!({
        "jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": { "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": { "name": "t", "version": "1" } }
    });
    let body = json_body(TestServer::new(builder()).post_json(&init, &[]).await).await;
    assert_eq!(body["result"]["capabilities"]["extensions"], json!({ "io.modelcontextprotocol/ui": {} }));
}

#[tokio::test]
async fn widget_results_carry_the_template_and_invocation_texts() {
    let served = Served::start().await;
    let result = served.call("pizza-carousel", json!({}), json!({})).await;
    assert_eq!(
        result["result"]["_meta"],
        json!({
            "renderedBy": "test",
            "openai/outputTemplate": "ui://widget/pizzaz-carousel.html",
            "openai/toolInvocation/invoking": "Hand-tossing a carousel",
            "openai/toolInvocation/invoked": "Served a fresh carousel",
        })
    );
}

#[test]
fn a_widget_without_html_stops_the_server_at_start_up() {
    let err = WidgetMcpServer::builder("x").build_server().unwrap_err();
    assert!(matches!(err, fastapps_core::BuildError::WidgetHtml { .. }), "{err}");
    assert!(err.to_string().contains("hidden_panel"), "{err}");
}

/// Application state the tests give the server.
struct Greeting(&'static str);

/// Reads the application state.
#[tool]
struct Greet {}

impl Tool for Greet {
    async fn execute(self, ctx: &Context) -> Result<ToolOutput> {
        Ok(ToolOutput::text(ctx.state::<Greeting>()?.0))
    }
}

#[tokio::test]
async fn tools_read_the_application_state() {
    let served = Served::start_as(builder().state(Greeting("hello from state")), json!({})).await;
    let result = served.call("greet", json!({}), json!({})).await;
    assert_eq!(result["result"]["content"][0]["text"], json!("hello from state"));
    let served = Served::start().await;
    let result = served.call("greet", json!({}), json!({})).await;
    assert_eq!(result["result"]["isError"], json!(true));
    let text = result["result"]["content"][0]["text"].as_str().unwrap();
    assert!(text.contains("has no state of type") && text.contains("Greeting"), "{text}");
}

/// A 2026-07-28 request of `openai-mcp 1.0.0` declaring `capabilities`: the whole response.
async fn modern_rpc(served: &Served, method: &str, params: Value, capabilities: Value) -> Value {
    let client = served.modern.clone().with_client("openai-mcp", "1.0.0").with_capabilities(capabilities);
    client.with_meta("openai/locale", json!("en-US")).request(method, params).await
}

#[tokio::test]
async fn widgets_in_the_modern_era() {
    let served = Served::start().await;
    let legacy = served.rpc("tools/list", json!({})).await;
    let modern = modern_rpc(&served, "tools/list", json!({}), json!({})).await;
    assert_eq!(modern["result"]["tools"], legacy["result"]["tools"], "the same descriptors in both eras");
    insta::assert_json_snapshot!("modern_tools_list", modern["result"]);
    // The dialect follows the request's own capabilities (ChatGPT declares the MCP Apps
    // extension in them).
    for (dialect, capabilities) in [("apps_sdk", json!({})), ("mcp_apps", mcp_apps())] {
        let params = json!({ "uri": "ui://widget/pizzaz-carousel.html" });
        let read = modern_rpc(&served, "resources/read", params.clone(), capabilities.clone()).await;
        let legacy = Served::start_as(builder(), capabilities).await.rpc("resources/read", params).await;
        assert_eq!(read["result"]["contents"], legacy["result"]["contents"], "{dialect}");
        insta::assert_json_snapshot!(format!("modern_resources_read_{dialect}"), read["result"]);
    }
    let call = modern_rpc(
        &served,
        "tools/call",
        json!({ "name": "pizza-carousel", "arguments": { "topping": "basil" } }),
        mcp_apps(),
    )
    .await;
    insta::assert_json_snapshot!("modern_widget_call", call["result"]);
}
