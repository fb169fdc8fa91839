//! Tools declared with `#[tool]` and `#[widget]`: every attribute combination as `tools/list`
//! shows it (pinned by a snapshot), arguments and request `_meta` reaching `execute`, and the
//! errors a bad call gets.

use std::time::Duration;

use fastapps_core::prelude::*;
use fastapps_core::serde_json::{Value, json};
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
    csp(connect = ["https://api.example.com"], resource = ["https://cdn.example.com"], frame = ["https://maps.example.com"]),
    domain = "https://pizzaz.example.com",
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

struct Served {
    url: String,
    client: reqwest::Client,
    session: String,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Served {
    async fn start() -> Self {
        let server = WidgetMcpServer::builder("macros").version("1.0.0").build_server().unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/mcp", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(server.serve_with_shutdown(listener, async move {
            let _ = stopped.await;
        }));
        let client = reqwest::Client::new();
        let init = json!({
            "jsonrpc": "2.0", "id": 0, "method": "initialize",
            "params": { "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": { "name": "t", "version": "1" } }
        });
        let response = client.post(&url).json(&init).send().await.unwrap();
        let session = response.headers()["mcp-session-id"].to_str().unwrap().to_owned();
        Self { url, client, session, _stop: stop }
    }

    async fn rpc(&self, method: &str, params: Value) -> Value {
        let body = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
        let response = self
            .client
            .post(&self.url)
            .header("mcp-session-id", &self.session)
            .header("accept", "application/json")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
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
    assert_eq!(fr["result"]["_meta"], json!({ "renderedBy": "test" }));
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

#[tokio::test]
async fn auth_required_tools_are_not_run_without_a_user() {
    let served = Served::start().await;
    let result = served.call("delete_note", json!({ "note_id": 1 }), json!({})).await;
    assert_eq!(result["result"]["isError"], json!(true));
    let text = result["result"]["content"][0]["text"].as_str().unwrap();
    assert!(text.contains("Authentication required"), "{text}");
    // Optional auth runs for anonymous callers.
    let result = served.call("search", json!({ "query": "x" }), json!({})).await;
    assert_eq!(result["result"]["isError"], json!(false));
}

#[test]
fn macro_tools_can_be_left_out() {
    let server = WidgetMcpServer::builder("plain").macro_tools(false).build_server().unwrap();
    assert_eq!(server.registry().tools().count(), 0);
    let server = WidgetMcpServer::builder("all").build_server().unwrap();
    let names: Vec<&str> = server.registry().tools().map(|t| t.descriptor().name.as_str()).collect();
    assert_eq!(
        names,
        ["all_hints", "delete_note", "hidden_panel", "inherited", "pizza-carousel", "refresh_list", "search"]
    );
    let templates: Vec<&str> = server.registry().widget_templates().iter().map(|t| t.uri.as_str()).collect();
    assert_eq!(templates, ["ui://widget/hidden_panel.html", "ui://widget/pizzaz-carousel.html"]);
}
