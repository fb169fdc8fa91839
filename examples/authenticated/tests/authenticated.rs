//! The authenticated example run as a user runs it, against an issuer served by the test on
//! 127.0.0.1 (its metadata and JWKS): the three security shapes in `tools/list`, the metadata,
//! anonymous and signed-in calls, and both refusal forms.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::routing::get;
use serde_json::{Value, json};

const PRIVATE_KEY: &str = include_str!("fixtures/issuer-key.pem");
const MODULUS: &str = include_str!("fixtures/issuer-key.n");

/// Serves the issuer's discovery document and JWKS; returns the issuer URL.
async fn issuer() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    let metadata = json!({ "issuer": issuer, "jwks_uri": format!("{issuer}/jwks") });
    let jwks = json!({ "keys": [{ "kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig", "n": MODULUS.trim(), "e": "AQAB" }] });
    let app = Router::new()
        .route("/.well-known/openid-configuration", get(move || async move { axum::Json(metadata) }))
        .route("/jwks", get(move || async move { axum::Json(jwks) }));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    issuer
}

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(issuer: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_authenticated"))
            .args(["--host", "127.0.0.1", "--port", "0"])
            .env("AUTHORIZATION_SERVER_URL", issuer)
            .env_remove("FASTAPPS_AUTH_ISSUER_URL")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .expect("the example starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped")).read_line(&mut line).expect("a first line");
        let url = line.trim().strip_prefix("listening on ").expect("the listening line").to_owned();
        Self { child, url }
    }

    fn token(&self, issuer: &str, subject: &str, scope: &str) -> String {
        let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
        let claims =
            json!({ "iss": issuer, "sub": subject, "aud": self.url, "exp": now + 600, "iat": now, "scope": scope });
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = Some("k1".into());
        let key = jsonwebtoken::EncodingKey::from_rsa_pem(PRIVATE_KEY.as_bytes()).unwrap();
        jsonwebtoken::encode(&header, &claims, &key).unwrap()
    }

    /// Opens a session as `client_name`, with `token` if any; returns the session id.
    async fn session(&self, client_name: &str, token: Option<&str>) -> String {
        let init = json!({
            "jsonrpc": "2.0", "id": 0, "method": "initialize",
            "params": { "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": { "name": client_name, "version": "1" } }
        });
        let mut request = reqwest::Client::new().post(&self.url).json(&init);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        response.headers()["mcp-session-id"].to_str().unwrap().to_owned()
    }

    async fn post(&self, session: &str, token: Option<&str>, method: &str, params: Value) -> reqwest::Response {
        let body = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
        let mut request = reqwest::Client::new()
            .post(&self.url)
            .header("mcp-session-id", session)
            .header("accept", "application/json")
            .json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap()
    }
}

#[tokio::test]
async fn tools_list_shows_the_three_security_shapes() {
    let issuer = issuer().await;
    let server = Server::start(&issuer);
    let session = server.session("test", None).await;
    let list: Value = server.post(&session, None, "tools/list", json!({})).await.json().await.unwrap();
    let schemes = |name: &str| {
        let tool = list["result"]["tools"].as_array().unwrap().iter().find(|t| t["name"] == name).unwrap().clone();
        assert_eq!(tool["securitySchemes"], tool["_meta"]["securitySchemes"], "{name}: top level and _meta agree");
        tool["securitySchemes"].clone()
    };
    assert_eq!(schemes("see_past_orders"), json!([{ "type": "oauth2", "scopes": ["pizza:read"] }]));
    assert_eq!(schemes("list_toppings"), json!([{ "type": "noauth" }]));
    assert_eq!(
        schemes("search_pizza_sf"),
        json!([{ "type": "noauth" }, { "type": "oauth2", "scopes": ["pizza:read"] }])
    );
    insta::assert_json_snapshot!("authenticated_tools_list", list["result"]);
}

#[tokio::test]
async fn publishes_protected_resource_metadata() {
    let issuer = issuer().await;
    let server = Server::start(&issuer);
    let origin = server.url.trim_end_matches("/mcp");
    for path in ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"] {
        let metadata: Value = reqwest::get(format!("{origin}{path}")).await.unwrap().json().await.unwrap();
        assert_eq!(
            metadata,
            json!({
                "resource": server.url,
                "authorization_servers": [issuer],
                "scopes_supported": ["pizza:read"],
                "bearer_methods_supported": ["header"],
                "resource_name": "Pizzaz",
            })
        );
    }
}

#[tokio::test]
async fn anonymous_callers_search_and_are_challenged_for_their_orders() {
    let issuer = issuer().await;
    let server = Server::start(&issuer);
    let metadata_url = format!("{}/.well-known/oauth-protected-resource/mcp", server.url.trim_end_matches("/mcp"));

    let session = server.session("test", None).await;
    let search = server.post(&session, None, "tools/call", json!({ "name": "search_pizza_sf", "arguments": {} })).await;
    let search: Value = search.json().await.unwrap();
    assert_eq!(search["result"]["isError"], json!(false));
    assert!(search["result"]["content"][0]["text"].as_str().unwrap().contains("Sign in"));

    // An SDK client gets the MCP specification's HTTP challenge.
    let orders = server.post(&session, None, "tools/call", json!({ "name": "see_past_orders", "arguments": {} })).await;
    assert_eq!(orders.status(), 401);
    assert_eq!(
        orders.headers()["www-authenticate"],
        format!("Bearer resource_metadata=\"{metadata_url}\", scope=\"pizza:read\"").as_str()
    );

    // ChatGPT gets the challenge in the tool result, which starts its account linking.
    let chatgpt = server.session("openai-mcp", None).await;
    let orders = server.post(&chatgpt, None, "tools/call", json!({ "name": "see_past_orders", "arguments": {} })).await;
    assert_eq!(orders.status(), 200);
    let orders: Value = orders.json().await.unwrap();
    assert_eq!(orders["result"]["isError"], json!(true));
    assert_eq!(
        orders["result"]["_meta"]["mcp/www_authenticate"],
        json!([format!(
            "Bearer error=\"insufficient_scope\", scope=\"pizza:read\", resource_metadata=\"{metadata_url}\", \
             error_description=\"Sign in to continue\""
        )])
    );
}

#[tokio::test]
async fn signed_in_users_see_their_own_orders() {
    let issuer = issuer().await;
    let server = Server::start(&issuer);
    let alice = server.token(&issuer, "alice", "pizza:read");
    let session = server.session("test", Some(&alice)).await;
    let orders = server
        .post(&session, Some(&alice), "tools/call", json!({ "name": "see_past_orders", "arguments": { "limit": 3 } }))
        .await;
    assert_eq!(orders.status(), 200);
    let orders: Value = orders.json().await.unwrap();
    assert_eq!(orders["result"]["isError"], json!(false));
    assert_eq!(orders["result"]["structuredContent"]["places"].as_array().map(Vec::len), Some(3));

    // A token for another resource is refused, whatever the tool.
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let claims = json!({ "iss": issuer, "sub": "alice", "aud": "https://other.example/mcp", "exp": now + 600, "scope": "pizza:read" });
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some("k1".into());
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(PRIVATE_KEY.as_bytes()).unwrap();
    let foreign = jsonwebtoken::encode(&header, &claims, &key).unwrap();
    let refused = server.post(&session, Some(&foreign), "tools/call", json!({ "name": "list_toppings" })).await;
    assert_eq!(refused.status(), 401);
    assert!(refused.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer error=\"invalid_token\""));

    // A token lacking the scope: 403 with the scope to ask for.
    let bob = server.token(&issuer, "bob", "profile");
    let bob_session = server.session("test", Some(&bob)).await;
    let orders = server.post(&bob_session, Some(&bob), "tools/call", json!({ "name": "see_past_orders" })).await;
    assert_eq!(orders.status(), 403);
    let challenge = orders.headers()["www-authenticate"].to_str().unwrap().to_owned();
    assert!(challenge.starts_with("Bearer error=\"insufficient_scope\", scope=\"pizza:read\""), "{challenge}");
}
