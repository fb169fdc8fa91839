//! What a host sees of the server: the tools, the widget resources in both dialects, and a call
//! of each example tool, driven in process with fastapps' test client (no socket, no process).

use fastapps_core::serde_json::{Value, json};
use fastapps_core::testing::TestClient;

fn client() -> TestClient {
    TestClient::new({{crate_name}}::app().build_server().expect("the server builds"))
}

async fn call(client: &TestClient, tool: &str, arguments: Value) -> Value {
    let result = client.call_tool(tool, arguments).await.expect("the call is answered");
    fastapps_core::serde_json::to_value(result).expect("a result is JSON")
}

#[tokio::test]
async fn every_tool_is_listed_and_every_widget_has_its_html() {
    let client = client();
    let tools = client.list_tools().await.expect("the tools");
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_str()).collect();
    assert!(names.contains(&"hello") && names.contains(&"roll_dice"), "{names:?}");
    let mcp_apps = client.clone().mcp_apps();
    for tool in &tools {
        assert_eq!(tool.input_schema["type"], "object", "{}", tool.name);
        // A widget names its template; the server must serve it, built.
        let Some(uri) = tool.meta.as_ref().and_then(|m| m["ui"]["resourceUri"].as_str()) else { continue };
        let html = client.read_text(uri).await.expect("the widget's HTML");
        assert!(html.contains("<script"), "{uri} is not a built widget: {html:.200}");
        let read = client.read_resource(uri).await.expect("the widget resource");
        assert_eq!(read.contents[0].mime_type.as_deref(), Some("text/html+skybridge"));
        let read = mcp_apps.read_resource(uri).await.expect("the widget resource");
        assert_eq!(read.contents[0].mime_type.as_deref(), Some("text/html;profile=mcp-app"));
    }
}

#[tokio::test]
async fn hello_greets_by_name() {
    let result = call(&client(), "hello", json!({ "name": "Ada" })).await;
    assert_eq!(result["isError"], false);
    assert_eq!(result["structuredContent"]["greeting"], "Hello, Ada!");
    assert_eq!(result["_meta"]["openai/outputTemplate"], "ui://widget/hello.html");
}

#[tokio::test]
async fn a_roll_stays_on_the_die() {
    let client = client();
    for _ in 0..20 {
        let result = call(&client, "roll_dice", json!({ "sides": 3 })).await;
        let value = result["structuredContent"]["value"].as_u64().expect("a value");
        assert!((1..=3).contains(&value), "{result}");
    }
    let result = call(&client, "roll_dice", json!({ "sides": 1 })).await;
    assert_eq!(result["isError"], true, "{result}");
}

#[tokio::test]
async fn a_signed_in_caller_is_seen_by_the_widget() {
    let alice = client().as_user("alice", Vec::<String>::new());
    let result = call(&alice, "hello", json!({})).await;
    assert_eq!(result["structuredContent"]["user"], "alice");
}
