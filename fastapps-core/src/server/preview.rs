//! `/_fastapps/preview`: the widget preview page of `fastapps dev`. A page of this server that
//! is a client of its MCP endpoint: pick a tool, fill in its arguments from the input schema,
//! call it, and see its widget rendered in an emulated host (ChatGPT's `window.openai` or the
//! MCP Apps postMessage bridge). Off unless asked for (`ServerBuilder::dev_preview`).

use axum::Router;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use http::HeaderValue;
use http::header::{CACHE_CONTROL, REFERRER_POLICY, X_FRAME_OPTIONS};

/// Where the page is served.
pub(crate) const PREVIEW_PATH: &str = "/_fastapps/preview";

const PAGE: &str = include_str!("preview.html");

/// The preview router; the page talks to the MCP endpoint at `mcp_path`.
pub(crate) fn router(mcp_path: &str) -> Router {
    // The page must not be framed by other sites. It sends no CSP of its own: the widget's
    // srcdoc frame would inherit it, and the widget gets the policy its resource declares.
    let page = PAGE.replace("__MCP_PATH__", mcp_path);
    Router::new().route(
        PREVIEW_PATH,
        get(move || {
            let page = page.clone();
            async move {
                (
                    [
                        (X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
                        (CACHE_CONTROL, HeaderValue::from_static("no-store")),
                        (REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
                    ],
                    Html(page),
                )
                    .into_response()
            }
        }),
    )
}
