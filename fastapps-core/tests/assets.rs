//! `/assets/*` for hosted widget builds: files served with CORS and caching headers, nothing
//! outside the folder reachable.

use axum::body::Body;
use fastapps_core::WidgetMcpServer;
use fastapps_core::testing::{TestClient, TestResponse};
use http::Request;

async fn get(client: &TestClient, path: &str) -> TestResponse {
    client.send(Request::get(path).body(Body::empty()).expect("a request")).await
}

#[tokio::test]
async fn assets_are_served_with_cors_and_cache_headers() {
    let dir = std::env::temp_dir().join(format!("fastapps-assets-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("list-0a1b2c3d.js"), "console.log('hashed')").unwrap();
    std::fs::write(dir.join("logo.svg"), "<svg/>").unwrap();
    let server = WidgetMcpServer::builder("assets").macro_tools(false).serve_assets(&dir).build_server().unwrap();
    let client = TestClient::new(server);

    let hashed = get(&client, "/assets/list-0a1b2c3d.js").await;
    assert_eq!(hashed.status, 200);
    assert_eq!(hashed.headers["access-control-allow-origin"], "*");
    assert_eq!(hashed.headers["cache-control"], "public, max-age=31536000, immutable");
    assert!(hashed.headers["content-type"].to_str().unwrap().contains("javascript"));
    assert_eq!(hashed.text(), "console.log('hashed')");

    let plain = get(&client, "/assets/logo.svg").await;
    assert_eq!(plain.status, 200);
    assert_eq!(plain.headers["cache-control"], "no-cache");

    assert_eq!(get(&client, "/assets/missing.js").await.status, 404);
    let escape = get(&client, "/assets/..%2f..%2fetc%2fpasswd").await;
    assert_eq!(escape.status, 404);
    std::fs::remove_dir_all(dir).unwrap();
}
