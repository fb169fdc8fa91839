//! RFC 9728 protected-resource metadata, served at the path-inserted URL
//! (`/.well-known/oauth-protected-resource/mcp`) and at the root one, readable from any origin.

use std::sync::Arc;

use axum::Router;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::header::{CACHE_CONTROL, CONTENT_TYPE};
use http::{HeaderValue, Method};
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::config::AuthRuntime;

/// The metadata routes.
pub(crate) fn metadata_router(auth: &Arc<AuthRuntime>) -> Router {
    let document = auth.metadata.clone();
    let serve = move || {
        let document = document.clone();
        async move {
            let mut response: Response = document.into_response();
            let headers = response.headers_mut();
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            headers.insert(CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
            response
        }
    };
    let mut router = Router::new().route(&auth.metadata_path, get(serve.clone()));
    let root = "/.well-known/oauth-protected-resource";
    if auth.metadata_path != root {
        router = router.route(root, get(serve));
    }
    router.layer(CorsLayer::new().allow_origin(AllowOrigin::any()).allow_methods([Method::GET, Method::HEAD]))
}
