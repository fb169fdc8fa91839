//! The pizzaz binary, run as a user runs it: its `tools/list` pinned by a snapshot, and its
//! widgets answering calls.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

/// The running binary; killed when dropped.
struct Pizzaz {
    child: Child,
    url: String,
}

impl Drop for Pizzaz {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Pizzaz {
    fn start() -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_pizzaz"))
            .args(["--host", "127.0.0.1", "--port", "0"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .expect("pizzaz starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout is piped")).read_line(&mut line).expect("a first line");
        let url = line.trim().strip_prefix("listening on ").expect("the listening line").to_owned();
        Self { child, url }
    }

    async fn rpc(&self, client: &reqwest::Client, method: &str, params: Value) -> Value {
        let body = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
        let response = client.post(&self.url).header("accept", "application/json").json(&body).send().await.unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }
}

async fn session(pizzaz: &Pizzaz) -> reqwest::Client {
    let init = json!({
        "jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": { "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": { "name": "test", "version": "1" } }
    });
    let response = reqwest::Client::new().post(&pizzaz.url).json(&init).send().await.unwrap();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("mcp-session-id", response.headers()["mcp-session-id"].clone());
    reqwest::Client::builder().default_headers(headers).build().unwrap()
}

#[tokio::test]
async fn tools_list_is_pinned() {
    let pizzaz = Pizzaz::start();
    let client = session(&pizzaz).await;
    let list = pizzaz.rpc(&client, "tools/list", json!({})).await;
    insta::assert_json_snapshot!("pizzaz_tools_list", list["result"]);
}

#[tokio::test]
async fn the_list_favours_the_topping_asked_for() {
    let pizzaz = Pizzaz::start();
    let client = session(&pizzaz).await;
    let args = json!({ "name": "pizza-list", "arguments": { "pizzaTopping": "Olives" } });
    let result = pizzaz.rpc(&client, "tools/call", args).await["result"].clone();
    assert_eq!(result["isError"], json!(false));
    assert_eq!(result["structuredContent"]["topping"], json!("Olives"));
    assert_eq!(result["structuredContent"]["places"][0]["id"], json!("the-olive-oven"));
    assert_eq!(result["structuredContent"]["places"].as_array().map(Vec::len), Some(6));
    assert_eq!(result["content"][0]["text"], json!("Showing 6 pizza places, those known for Olives first."));
}

#[tokio::test]
async fn details_of_a_place_and_of_no_place() {
    let pizzaz = Pizzaz::start();
    let client = session(&pizzaz).await;
    let found = pizzaz
        .rpc(&client, "tools/call", json!({ "name": "pizza_details", "arguments": { "placeId": "verde-fire" } }))
        .await;
    assert_eq!(found["result"]["structuredContent"]["name"], json!("Verde Fire"));
    let missing =
        pizzaz.rpc(&client, "tools/call", json!({ "name": "pizza_details", "arguments": { "placeId": "nope" } })).await;
    assert_eq!(missing["result"]["isError"], json!(true));
    assert_eq!(missing["result"]["content"][0]["text"], json!("No pizza place has the id \"nope\"."));
}

#[tokio::test]
async fn the_map_is_centred_on_its_places() {
    let pizzaz = Pizzaz::start();
    let client = session(&pizzaz).await;
    let result =
        pizzaz.rpc(&client, "tools/call", json!({ "name": "pizza-map", "arguments": {} })).await["result"].clone();
    let lat = result["structuredContent"]["center"]["lat"].as_f64().unwrap();
    let lng = result["structuredContent"]["center"]["lng"].as_f64().unwrap();
    assert!((37.7..37.9).contains(&lat) && (-122.5..-122.3).contains(&lng), "{lat},{lng}");
}
