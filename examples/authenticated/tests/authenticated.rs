//! The authenticated example, driven in process against an issuer on 127.0.0.1 (its metadata
//! and JWKS): the three security shapes in `tools/list`, the metadata, anonymous and signed-in
//! calls, and both refusal forms.

use fastapps_core::axum::body::Body;
use fastapps_core::testing::{TestClient, TestError, TestIssuer};
use serde_json::{Value, json};

async fn server() -> (TestIssuer, TestClient) {
    let issuer = TestIssuer::start().await.expect("the issuer starts");
    let server = authenticated::app().auth(authenticated::auth(issuer.auth())).build_server().expect("it builds");
    (issuer, TestClient::new(server))
}

async fn call(client: &TestClient, tool: &str, arguments: Value) -> Result<Value, TestError> {
    client.call_tool(tool, arguments).await.map(|result| serde_json::to_value(result).expect("JSON"))
}

fn challenge(error: &TestError) -> &str {
    match error {
        TestError::Http { www_authenticate: Some(challenge), .. } => challenge,
        other => panic!("an HTTP challenge, not {other:?}"),
    }
}

const METADATA_URL: &str = "http://localhost/.well-known/oauth-protected-resource/mcp";

#[tokio::test]
async fn tools_list_shows_the_three_security_shapes() {
    let (_issuer, client) = server().await;
    let list = client.request("tools/list", json!({})).await.unwrap();
    let schemes = |name: &str| {
        let tool = list["tools"].as_array().unwrap().iter().find(|t| t["name"] == name).unwrap().clone();
        assert_eq!(tool["securitySchemes"], tool["_meta"]["securitySchemes"], "{name}: top level and _meta agree");
        tool["securitySchemes"].clone()
    };
    assert_eq!(schemes("see_past_orders"), json!([{ "type": "oauth2", "scopes": ["pizza:read"] }]));
    assert_eq!(schemes("list_toppings"), json!([{ "type": "noauth" }]));
    assert_eq!(
        schemes("search_pizza_sf"),
        json!([{ "type": "noauth" }, { "type": "oauth2", "scopes": ["pizza:read"] }])
    );
    insta::assert_json_snapshot!("authenticated_tools_list", list);
}

#[tokio::test]
async fn publishes_protected_resource_metadata() {
    let (issuer, client) = server().await;
    for path in ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"] {
        let response = client.send(http::Request::get(path).body(Body::empty()).unwrap()).await;
        assert_eq!(response.status, 200, "{path}");
        assert_eq!(
            response.json().unwrap(),
            json!({
                "resource": "http://localhost/mcp",
                "authorization_servers": [issuer.url()],
                "scopes_supported": ["pizza:read"],
                "bearer_methods_supported": ["header"],
                "resource_name": "Pizzaz",
            })
        );
    }
}

#[tokio::test]
async fn anonymous_callers_search_and_are_challenged_for_their_orders() {
    let (_issuer, client) = server().await;
    let search = call(&client, "search_pizza_sf", json!({})).await.unwrap();
    assert_eq!(search["isError"], json!(false));
    assert!(search["content"][0]["text"].as_str().unwrap().contains("Sign in"));

    // An SDK client gets the MCP specification's HTTP challenge.
    let orders = call(&client, "see_past_orders", json!({})).await.unwrap_err();
    assert_eq!(orders.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(challenge(&orders), format!("Bearer resource_metadata=\"{METADATA_URL}\", scope=\"pizza:read\""));

    // ChatGPT gets the challenge in the tool result, which starts its account linking.
    let chatgpt = client.clone().client_info("openai-mcp", "1");
    let orders = call(&chatgpt, "see_past_orders", json!({})).await.unwrap();
    assert_eq!(orders["isError"], json!(true));
    assert_eq!(
        orders["_meta"]["mcp/www_authenticate"],
        json!([format!(
            "Bearer error=\"insufficient_scope\", scope=\"pizza:read\", resource_metadata=\"{METADATA_URL}\", \
             error_description=\"Sign in to continue\""
        )])
    );
}

#[tokio::test]
async fn signed_in_users_see_their_own_orders() {
    let (issuer, client) = server().await;
    let alice = client.bearer(issuer.token("alice", ["pizza:read"]));
    let orders = call(&alice, "see_past_orders", json!({ "limit": 3 })).await.unwrap();
    assert_eq!(orders["isError"], json!(false));
    assert_eq!(orders["structuredContent"]["places"].as_array().map(Vec::len), Some(3));

    // A token for another resource is refused, whatever the tool.
    let foreign = issuer.sign(&json!({
        "iss": issuer.url(), "sub": "alice", "aud": "https://other.example/mcp", "exp": 4_102_444_800u64,
        "scope": "pizza:read",
    }));
    let refused = call(&client.bearer(foreign), "list_toppings", json!({})).await.unwrap_err();
    assert_eq!(refused.status().map(|s| s.as_u16()), Some(401));
    assert!(challenge(&refused).starts_with("Bearer error=\"invalid_token\""), "{refused}");

    // A token lacking the scope: 403 with the scope to ask for.
    let bob = client.bearer(issuer.token("bob", ["profile"]));
    let orders = call(&bob, "see_past_orders", json!({})).await.unwrap_err();
    assert_eq!(orders.status().map(|s| s.as_u16()), Some(403));
    let challenge = challenge(&orders);
    assert!(challenge.starts_with("Bearer error=\"insufficient_scope\", scope=\"pizza:read\""), "{challenge}");
}

/// The binary, run as a user runs it: it reads the Apps SDK example's variable names and
/// serves its metadata on the port it bound.
#[tokio::test]
async fn the_binary_takes_the_apps_sdk_settings() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let issuer = TestIssuer::start().await.unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_authenticated"))
        .args(["--host", "127.0.0.1", "--port", "0"])
        .env("AUTHORIZATION_SERVER_URL", issuer.url())
        .env_remove("FASTAPPS_AUTH_ISSUER_URL")
        .env_remove("PUBLIC_URL")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("the example starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped")).read_line(&mut line).expect("a first line");
    let url = line.trim().strip_prefix("listening on ").expect("the listening line").to_owned();
    let metadata_url = url.replace("/mcp", "/.well-known/oauth-protected-resource/mcp");
    let metadata: Value = reqwest::get(&metadata_url).await.unwrap().json().await.unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(metadata["resource"], json!(url), "the bound address is the resource URL");
    assert_eq!(metadata["authorization_servers"], json!([issuer.url()]));
}
