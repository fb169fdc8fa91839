//! Starts the server the way a user does and checks what a host sees: the tools, the widget
//! resources, and a call of each example tool.

use std::process::Stdio;

use fastapps_core::serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The server, running on a port of its own; stopped when dropped.
struct Server {
    _child: Child,
    url: String,
    http: reqwest::Client,
    session: Option<String>,
}

impl Server {
    async fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_{{name}}"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("HOST", "127.0.0.1")
            .env("PORT", "0")
            .env_remove("FASTAPPS_AUTH_ISSUER_URL")
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("the server starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).await.expect("the server prints its address");
        let url = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("unexpected line {line:?}"));
        let mut server = Server { url: url.to_owned(), _child: child, http: reqwest::Client::new(), session: None };
        let init = server
            .rpc("initialize", json!({
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": { "name": "{{name}}-tests", "version": "1" }
            }))
            .await;
        assert_eq!(init["serverInfo"]["name"], "{{name}}");
        server.notify("notifications/initialized").await;
        server
    }

    fn post(&self, body: Value) -> reqwest::RequestBuilder {
        let request = self
            .http
            .post(&self.url)
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2025-11-25")
            .json(&body);
        match &self.session {
            Some(id) => request.header("mcp-session-id", id),
            None => request,
        }
    }

    /// Sends a request and returns its `result`.
    async fn rpc(&mut self, method: &str, params: Value) -> Value {
        let response = self.post(json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params })).send().await;
        let response = response.expect("the server answers");
        assert_eq!(response.status(), 200, "{method}");
        if let Some(id) = response.headers().get("mcp-session-id") {
            self.session = Some(id.to_str().expect("a text session id").to_owned());
        }
        let body: Value = response.json().await.expect("a JSON reply");
        assert!(body["error"].is_null(), "{method} failed: {body}");
        body["result"].clone()
    }

    async fn notify(&self, method: &str) {
        let response = self.post(json!({ "jsonrpc": "2.0", "method": method })).send().await.expect("sent");
        assert_eq!(response.status(), 202, "{method}");
    }
}

#[tokio::test]
async fn every_tool_is_listed_and_every_widget_has_its_html() {
    let mut server = Server::start().await;
    let tools = server.rpc("tools/list", json!({})).await["tools"].as_array().cloned().expect("a tool list");
    let names: Vec<&str> = tools.iter().filter_map(|t| t["name"].as_str()).collect();
    assert!(names.contains(&"hello") && names.contains(&"roll_dice"), "{names:?}");
    for tool in &tools {
        assert_eq!(tool["inputSchema"]["type"], "object", "{tool}");
        // A widget names its template; the server must serve it, built.
        let Some(uri) = tool["_meta"]["ui"]["resourceUri"].as_str() else { continue };
        assert_eq!(tool["_meta"]["openai/outputTemplate"], uri);
        let read = server.rpc("resources/read", json!({ "uri": uri })).await;
        let html = read["contents"][0]["text"].as_str().unwrap_or_default();
        assert!(html.contains("<script"), "{uri} is not a built widget: {html:.200}");
        assert_eq!(read["contents"][0]["mimeType"], "text/html+skybridge");
    }
}

#[tokio::test]
async fn hello_greets_by_name() {
    let mut server = Server::start().await;
    let result = server.rpc("tools/call", json!({ "name": "hello", "arguments": { "name": "Ada" } })).await;
    assert_eq!(result["isError"], false);
    assert_eq!(result["structuredContent"]["greeting"], "Hello, Ada!");
    assert_eq!(result["_meta"]["openai/outputTemplate"], "ui://widget/hello.html");
}

#[tokio::test]
async fn a_roll_stays_on_the_die() {
    let mut server = Server::start().await;
    for _ in 0..20 {
        let result = server.rpc("tools/call", json!({ "name": "roll_dice", "arguments": { "sides": 3 } })).await;
        let value = result["structuredContent"]["value"].as_u64().expect("a value");
        assert!((1..=3).contains(&value), "{result}");
    }
    let result = server.rpc("tools/call", json!({ "name": "roll_dice", "arguments": { "sides": 1 } })).await;
    assert_eq!(result["isError"], true, "{result}");
}
