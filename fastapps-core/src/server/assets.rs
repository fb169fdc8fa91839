//! `/assets/*`: the files of hosted widget builds, readable from any origin (widgets run in a
//! sandboxed origin of the host) and cached for a year when their name carries a content hash.

use std::path::Path;

use axum::Router;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use http::HeaderValue;
use http::header::{ACCESS_CONTROL_ALLOW_ORIGIN, CACHE_CONTROL};
use tower_http::services::ServeDir;

/// Whether a file name carries a content hash: `<name>-<8+ hex>.<ext>`.
fn is_hashed(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or_default();
    let stem = file.split('.').next().unwrap_or_default();
    stem.rsplit_once('-').is_some_and(|(_, hash)| hash.len() >= 8 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

async fn headers(request: Request, next: Next) -> Response {
    let immutable = is_hashed(request.uri().path());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    let cache = if immutable { "public, max-age=31536000, immutable" } else { "no-cache" };
    headers.insert(CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

/// The `/assets` router for `dir` (`ServeDir` keeps requests inside it).
pub(crate) fn router(dir: &Path) -> Router {
    Router::new().nest_service("/assets", ServeDir::new(dir)).layer(middleware::from_fn(headers))
}

#[cfg(test)]
mod tests {
    use super::is_hashed;

    #[test]
    fn hashed_names() {
        assert!(is_hashed("/assets/pizza-list-1a2b3c4d.js"));
        assert!(is_hashed("/assets/pizza-list-1a2b3c4d.html"));
        assert!(!is_hashed("/assets/pizza-list.js"));
        assert!(!is_hashed("/assets/logo-dark.png"));
        assert!(!is_hashed("/assets/manifest.json"));
    }
}
