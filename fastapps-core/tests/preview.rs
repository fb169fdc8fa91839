//! `/_fastapps/preview`: served only when asked for, never framed, and wired to the server's
//! own MCP endpoint.

use axum::body::Body;
use fastapps_core::WidgetMcpServer;
use fastapps_core::testing::{TestClient, TestResponse};
use http::{Method, Request};

async fn preview(client: &TestClient, method: Method) -> TestResponse {
    client.send(Request::builder().method(method).uri("/_fastapps/preview").body(Body::empty()).unwrap()).await
}

#[tokio::test]
async fn the_preview_page_is_off_by_default() {
    let server = WidgetMcpServer::builder("preview").macro_tools(false).build_server().unwrap();
    assert_eq!(server.preview_path(), None);
    let response = preview(&TestClient::new(server), Method::GET).await;
    assert_eq!(response.status, 404);
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
    let client = TestClient::new(server);
    let response = preview(&client, Method::GET).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(response.headers["x-frame-options"], "DENY");
    assert_eq!(response.headers["cache-control"], "no-store");
    // No CSP of its own: the widget's srcdoc frame would inherit it.
    assert!(response.headers.get("content-security-policy").is_none());
    let page = response.text();
    assert!(page.contains(r#"new URL("/apps/mcp", location.href)"#), "the page does not name the endpoint");
    assert!(!page.contains("__MCP_PATH__"));
    // Only GET.
    assert_eq!(preview(&client, Method::POST).await.status, 405);
}
