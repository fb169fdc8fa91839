//! The authorization server's HTML pages: consent, the development login form, errors. Served
//! with headers that keep them out of frames and caches, with every value escaped.

use axum::response::{Html, IntoResponse, Response};
use http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_FRAME_OPTIONS};
use http::{HeaderValue, StatusCode};

/// HTML-escapes `text` for element content and quoted attributes.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:15px/1.5 system-ui,sans-serif;max-width:30rem;margin:3rem auto;padding:0 1rem;color:#18181b}\
h1{font-size:1.3rem}.card{border:1px solid #d4d4d8;border-radius:12px;padding:1rem 1.25rem}\
code{background:#f4f4f5;padding:0 .3rem;border-radius:4px;word-break:break-all}\
ul{padding-left:1.2rem}.row{display:flex;gap:.5rem;margin-top:1rem}\
button{font:inherit;padding:.45rem 1.1rem;border-radius:8px;border:1px solid #d4d4d8;background:#fff;cursor:pointer}\
button.primary{background:#18181b;color:#fff;border-color:#18181b}\
input{font:inherit;width:100%;box-sizing:border-box;padding:.4rem .6rem;margin:.2rem 0 .8rem;border:1px solid #d4d4d8;border-radius:8px}\
.banner{background:#fef3c7;border:1px solid #f59e0b;border-radius:8px;padding:.6rem .8rem;margin-bottom:1rem}\
.error{color:#b91c1c}.muted{color:#71717a;font-size:.9rem}";

/// A page with the anti-framing, no-cache and restrictive CSP headers.
pub(crate) fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width, initial-scale=1\"><title>{}</title><style>{STYLE}</style></head>\
         <body>{body}</body></html>",
        escape(title)
    );
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'",
        ),
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

/// An error page: for requests that cannot be sent back to a client safely.
pub(crate) fn error(status: StatusCode, message: &str) -> Response {
    let body = format!(
        "<h1>Sign-in cannot continue</h1><div class=\"card\"><p class=\"error\">{}</p>\
         <p class=\"muted\">Go back to the application and start again.</p></div>",
        escape(message)
    );
    page(status, "Sign-in error", &body)
}

/// What the consent page shows.
pub(crate) struct Consent<'a> {
    pub(crate) server_name: &'a str,
    pub(crate) client_name: Option<&'a str>,
    pub(crate) client_id: &'a str,
    pub(crate) redirect_uri: &'a str,
    pub(crate) scopes: &'a [String],
    pub(crate) upstream: Option<&'a str>,
    pub(crate) dev_banner: bool,
    pub(crate) txn: &'a str,
    pub(crate) csrf: &'a str,
}

pub(crate) fn consent(c: &Consent<'_>) -> Response {
    let client = c.client_name.filter(|n| !n.trim().is_empty()).unwrap_or("An application");
    let scopes = if c.scopes.is_empty() {
        "<li>its basic access</li>".to_owned()
    } else {
        c.scopes.iter().map(|s| format!("<li><code>{}</code></li>", escape(s))).collect()
    };
    let host = if super::redirect::is_loopback_uri(c.redirect_uri) {
        "an application on this computer".to_owned()
    } else {
        reqwest::Url::parse(c.redirect_uri).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_default()
    };
    let next = match c.upstream {
        Some(name) => format!("<p class=\"muted\">You will then sign in with {}.</p>", escape(name)),
        None => String::new(),
    };
    let banner = if c.dev_banner { DEV_BANNER } else { "" };
    let body = format!(
        "{banner}<h1>{client} wants to use {server}</h1><div class=\"card\">\
         <p><strong>{client}</strong> <span class=\"muted\">(client <code>{client_id}</code>)</span> asks for:</p>\
         <ul>{scopes}</ul>\
         <p class=\"muted\">After you approve, you are sent back to <code>{redirect}</code> on <strong>{host}</strong>. \
         Approve only if you started this from an application you trust.</p>{next}\
         <form method=\"post\" action=\"/oauth/consent\">\
         <input type=\"hidden\" name=\"txn\" value=\"{txn}\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <div class=\"row\"><button class=\"primary\" name=\"decision\" value=\"approve\" type=\"submit\">Approve</button>\
         <button name=\"decision\" value=\"deny\" type=\"submit\">Deny</button></div></form></div>",
        client = escape(client),
        server = escape(c.server_name),
        client_id = escape(c.client_id),
        redirect = escape(c.redirect_uri),
        host = escape(&host),
        txn = escape(c.txn),
        csrf = escape(c.csrf),
    );
    page(StatusCode::OK, "Approve access", &body)
}

const DEV_BANNER: &str = "<div class=\"banner\"><strong>Development sign-in.</strong> This authorization server \
    uses test accounts from a local file and is not meant for production.</div>";

/// The development login form.
pub(crate) fn login(server_name: &str, txn: &str, csrf: &str, users: &[&str], failed: bool) -> Response {
    let error = if failed { "<p class=\"error\">Wrong username or password.</p>" } else { "" };
    let hint = users.iter().map(|u| format!("<code>{}</code>", escape(u))).collect::<Vec<_>>().join(", ");
    let body = format!(
        "{DEV_BANNER}<h1>Sign in to {server}</h1><div class=\"card\">{error}\
         <form method=\"post\" action=\"/oauth/login\">\
         <input type=\"hidden\" name=\"txn\" value=\"{txn}\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <label>Username<input name=\"username\" autocomplete=\"username\" required autofocus></label>\
         <label>Password<input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>\
         <button class=\"primary\" type=\"submit\">Sign in</button></form>\
         <p class=\"muted\">Test accounts: {hint}</p></div>",
        server = escape(server_name),
        txn = escape(txn),
        csrf = escape(csrf),
    );
    page(if failed { StatusCode::UNAUTHORIZED } else { StatusCode::OK }, "Sign in", &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(escape("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    }
}
