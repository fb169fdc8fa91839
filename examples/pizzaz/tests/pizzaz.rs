//! The pizzaz server, driven in process as a host drives it: its `tools/list` pinned by a
//! snapshot, its widgets answering calls.

use fastapps_core::testing::TestClient;
use serde_json::{Value, json};

fn client() -> TestClient {
    TestClient::new(pizzaz::app().build_server().expect("pizzaz builds"))
}

async fn call(client: &TestClient, tool: &str, arguments: Value) -> Value {
    let result = client.call_tool(tool, arguments).await.expect("the call is answered");
    serde_json::to_value(result).expect("a result is JSON")
}

#[tokio::test]
async fn tools_list_is_pinned() {
    let list = client().request("tools/list", json!({})).await.unwrap();
    insta::assert_json_snapshot!("pizzaz_tools_list", list);
}

#[tokio::test]
async fn the_list_favours_the_topping_asked_for() {
    let result = call(&client(), "pizza-list", json!({ "pizzaTopping": "Olives" })).await;
    assert_eq!(result["isError"], json!(false));
    assert_eq!(result["structuredContent"]["topping"], json!("Olives"));
    assert_eq!(result["structuredContent"]["places"][0]["id"], json!("the-olive-oven"));
    assert_eq!(result["structuredContent"]["places"].as_array().map(Vec::len), Some(6));
    assert_eq!(result["content"][0]["text"], json!("Showing 6 pizza places, those known for Olives first."));
}

#[tokio::test]
async fn details_of_a_place_and_of_no_place() {
    let client = client();
    let found = call(&client, "pizza_details", json!({ "placeId": "verde-fire" })).await;
    assert_eq!(found["structuredContent"]["name"], json!("Verde Fire"));
    let missing = call(&client, "pizza_details", json!({ "placeId": "nope" })).await;
    assert_eq!(missing["isError"], json!(true));
    assert_eq!(missing["content"][0]["text"], json!("No pizza place has the id \"nope\"."));
}

#[tokio::test]
async fn the_map_is_centred_on_its_places() {
    let result = call(&client(), "pizza-map", json!({})).await;
    let lat = result["structuredContent"]["center"]["lat"].as_f64().unwrap();
    let lng = result["structuredContent"]["center"]["lng"].as_f64().unwrap();
    assert!((37.7..37.9).contains(&lat) && (-122.5..-122.3).contains(&lng), "{lat},{lng}");
}

#[tokio::test]
async fn every_widget_is_served_in_both_dialects() {
    let apps_sdk = client();
    let mcp_apps = client().mcp_apps();
    for uri in ["ui://widget/pizza-list.html", "ui://widget/pizza-carousel.html", "ui://widget/pizza-map.html"] {
        let html = apps_sdk.read_text(uri).await.unwrap();
        assert!(html.contains("<script"), "{uri} is a built widget");
        let read = apps_sdk.read_resource(uri).await.unwrap();
        assert_eq!(read.contents[0].mime_type.as_deref(), Some("text/html+skybridge"));
        let read = mcp_apps.read_resource(uri).await.unwrap();
        assert_eq!(read.contents[0].mime_type.as_deref(), Some("text/html;profile=mcp-app"));
        assert_eq!(mcp_apps.read_text(uri).await.unwrap(), html, "the same HTML for both hosts");
    }
}
