//! `/_fastapps/preview`: served only when asked for, never framed, and wired to the server's
//! own MCP endpoint.

use fastapps_core::WidgetMcpServer;

async fn serve(server: WidgetMcpServer) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(server.serve_with_shutdown(listener, std::future::pending()));
    base
}

#[tokio::test]
async fn the_preview_page_is_off_by_default() {
    let server = WidgetMcpServer::builder("preview").macro_tools(false).build_server().unwrap();
    assert_eq!(server.preview_path(), None);
    let base = serve(server).await;
    let response = reqwest::get(format!("{base}/_fastapps/preview")).await.unwrap();
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn the_preview_page_talks_to_the_configured_endpoint() {
    let server = WidgetMcpServer::builder("preview")
        .macro_tools(false)
        .path("/apps/mcp")
        .dev_preview(true)
        .build_server()
        .unwrap();
    assert_eq!(server.preview_path(), Some("/_fastapps/preview"));
    let base = serve(server).await;
    let response = reqwest::get(format!("{base}/_fastapps/preview")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(response.headers()["x-frame-options"], "DENY");
    assert_eq!(response.headers()["cache-control"], "no-store");
    // No CSP of its own: the widget's srcdoc frame would inherit it.
    assert!(response.headers().get("content-security-policy").is_none());
    let page = response.text().await.unwrap();
    assert!(page.contains(r#"new URL("/apps/mcp", location.href)"#), "the page does not name the endpoint");
    assert!(!page.contains("__MCP_PATH__"));
    // Only GET.
    let post = reqwest::Client::new().post(format!("{base}/_fastapps/preview")).send().await.unwrap();
    assert_eq!(post.status(), 405);
}
