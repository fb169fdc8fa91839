//! `/assets/*` for hosted widget builds: files served with CORS and caching headers, nothing
//! outside the folder reachable.

use fastapps_core::WidgetMcpServer;

#[tokio::test]
async fn assets_are_served_with_cors_and_cache_headers() {
    let dir = std::env::temp_dir().join(format!("fastapps-assets-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("list-0a1b2c3d.js"), "console.log('hashed')").unwrap();
    std::fs::write(dir.join("logo.svg"), "<svg/>").unwrap();
    let server = WidgetMcpServer::builder("assets").macro_tools(false).serve_assets(&dir).build_server().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(server.serve_with_shutdown(listener, std::future::pending()));
    let client = reqwest::Client::new();

    let hashed = client.get(format!("{base}/assets/list-0a1b2c3d.js")).send().await.unwrap();
    assert_eq!(hashed.status(), 200);
    assert_eq!(hashed.headers()["access-control-allow-origin"], "*");
    assert_eq!(hashed.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert!(hashed.headers()["content-type"].to_str().unwrap().contains("javascript"));
    assert_eq!(hashed.text().await.unwrap(), "console.log('hashed')");

    let plain = client.get(format!("{base}/assets/logo.svg")).send().await.unwrap();
    assert_eq!(plain.status(), 200);
    assert_eq!(plain.headers()["cache-control"], "no-cache");

    assert_eq!(client.get(format!("{base}/assets/missing.js")).send().await.unwrap().status(), 404);
    let escape = client.get(format!("{base}/assets/..%2f..%2fetc%2fpasswd")).send().await.unwrap();
    assert_eq!(escape.status(), 404);
    std::fs::remove_dir_all(dir).unwrap();
}
