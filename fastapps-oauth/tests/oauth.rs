//! The app's own authorization server (the development user source) over real HTTP: the whole
//! sign-in as a browser and an MCP client do it, the tokens it issues accepted by the server's
//! own resource side, and every attack of the list refused with the right OAuth error.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fastapps_core::WidgetMcpServer;
use fastapps_core::auth::Auth;
use fastapps_core::prelude::*;
use fastapps_core::serde_json::{Value, json};
use fastapps_oauth::{AuthorizationServer, DevUser, DevUsers, Quota, RateLimits};
use reqwest::StatusCode;
use reqwest::header::LOCATION;

const REDIRECT: &str = "http://127.0.0.1:9/callback";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

fn users() -> DevUsers {
    DevUsers::new([
        DevUser::new("alice", "alice-pw").profile("Alice", "alice@example.com"),
        DevUser::new("bob", "bob-pw").scopes(["notes:read"]),
    ])
}

/// A server with one tool needing `notes:write` and one needing `notes:read`.
struct App {
    base: String,
    mcp: String,
}

async fn start(server: AuthorizationServer) -> App {
    start_with(server, |b| b).await
}

async fn start_with(
    server: AuthorizationServer,
    edit: impl FnOnce(fastapps_core::ServerBuilder) -> fastapps_core::ServerBuilder,
) -> App {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let write = ToolDef::new("write_note", |_, ctx| async move {
        Ok(CallToolResult::text(format!("written by {}", ctx.user()?.subject())))
    })
    .security(Security::required(["notes:write"]));
    let read = ToolDef::new("read_note", |_, ctx| async move {
        Ok(CallToolResult::text(format!("read by {}", ctx.user()?.subject())))
    })
    .security(Security::required(["notes:read"]));
    let builder = WidgetMcpServer::builder("notes")
        .macro_tools(false)
        .tool(write)
        .tool(read)
        .extension(server)
        .auth(Auth::local().default_resource_server_url(format!("{base}/mcp")));
    let built = edit(builder).build_server().expect("the server builds");
    tokio::spawn(built.serve_with_shutdown(listener, std::future::pending()));
    App { mcp: format!("{base}/mcp"), base }
}

/// A browser: cookies kept, redirects not followed (the test reads every Location).
fn browser() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// A hidden form field's value in a page.
fn field(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker).unwrap_or_else(|| panic!("no {name} field in {page}")) + marker.len();
    page[start..start + page[start..].find('"').unwrap()].to_owned()
}

fn query_of(location: &str) -> HashMap<String, String> {
    reqwest::Url::parse(location).unwrap().query_pairs().into_owned().collect()
}

fn location(response: &reqwest::Response) -> String {
    response.headers()[LOCATION].to_str().unwrap().to_owned()
}

impl App {
    async fn register(&self, body: Value) -> reqwest::Response {
        reqwest::Client::new().post(format!("{}/register", self.base)).json(&body).send().await.unwrap()
    }

    async fn client(&self) -> String {
        let response = self.register(json!({ "client_name": "Test client", "redirect_uris": [REDIRECT] })).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json::<Value>().await.unwrap()["client_id"].as_str().unwrap().to_owned()
    }

    fn authorize_url(&self, client_id: &str, extra: &[(&str, &str)]) -> String {
        let mut url = reqwest::Url::parse(&format!("{}/authorize", self.base)).unwrap();
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("response_type", "code")
                .append_pair("client_id", client_id)
                .append_pair("redirect_uri", REDIRECT)
                .append_pair("state", "client-state")
                .append_pair("code_challenge", CHALLENGE)
                .append_pair("code_challenge_method", "S256")
                .append_pair("scope", "notes:read notes:write")
                .append_pair("resource", &self.mcp);
            for (k, v) in extra {
                q.append_pair(k, v);
            }
        }
        url.into()
    }

    /// Consent and login in `browser`; returns the redirect back to the client.
    async fn sign_in(&self, browser: &reqwest::Client, client_id: &str, user: (&str, &str)) -> HashMap<String, String> {
        let consent = browser.get(self.authorize_url(client_id, &[])).send().await.unwrap();
        assert_eq!(consent.status(), StatusCode::OK);
        assert_eq!(consent.headers()["x-frame-options"], "DENY");
        let page = consent.text().await.unwrap();
        assert!(page.contains("Test client") && page.contains("notes:write"), "{page}");
        let approved = browser
            .post(format!("{}/oauth/consent", self.base))
            .form(&[("txn", field(&page, "txn")), ("csrf", field(&page, "csrf")), ("decision", "approve".into())])
            .send()
            .await
            .unwrap();
        assert_eq!(approved.status(), StatusCode::SEE_OTHER);
        let login = browser.get(format!("{}{}", self.base, location(&approved))).send().await.unwrap();
        assert_eq!(login.status(), StatusCode::OK);
        let page = login.text().await.unwrap();
        assert!(page.contains("Development sign-in"), "the login page says it is for development");
        let done = browser
            .post(format!("{}/oauth/login", self.base))
            .form(&[
                ("txn", field(&page, "txn")),
                ("csrf", field(&page, "csrf")),
                ("username", user.0.into()),
                ("password", user.1.into()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(done.status(), StatusCode::SEE_OTHER, "{:?}", done.text().await);
        let back = location(&done);
        assert!(back.starts_with(REDIRECT), "{back}");
        query_of(&back)
    }

    async fn token(&self, form: &[(&str, &str)]) -> (StatusCode, Value) {
        let response = reqwest::Client::new().post(format!("{}/token", self.base)).form(form).send().await.unwrap();
        assert_eq!(response.headers()["cache-control"], "no-store");
        (response.status(), response.json().await.unwrap())
    }

    async fn redeem(&self, client_id: &str, code: &str) -> (StatusCode, Value) {
        self.token(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("client_id", client_id),
            ("code_verifier", VERIFIER),
        ])
        .await
    }

    async fn refresh(&self, client_id: &str, refresh_token: &str) -> (StatusCode, Value) {
        self.token(&[("grant_type", "refresh_token"), ("refresh_token", refresh_token), ("client_id", client_id)]).await
    }

    /// Signs alice in and returns her token response.
    async fn tokens(&self, client_id: &str) -> Value {
        let back = self.sign_in(&browser(), client_id, ("alice", "alice-pw")).await;
        let (status, tokens) = self.redeem(client_id, &back["code"]).await;
        assert_eq!(status, StatusCode::OK, "{tokens}");
        tokens
    }

    /// `tools/call` of `tool` with `token` (stateless: initialize, then call).
    async fn call(&self, token: &str, tool: &str) -> (StatusCode, Value) {
        let http = reqwest::Client::new();
        let post = |body: Value, session: Option<String>| {
            let mut request = http
                .post(&self.mcp)
                .bearer_auth(token)
                .header("accept", "application/json, text/event-stream")
                .json(&body);
            if let Some(id) = session {
                request = request.header("mcp-session-id", id).header("mcp-protocol-version", "2025-11-25");
            }
            request.send()
        };
        let init = post(
            json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}),
            None,
        )
        .await
        .unwrap();
        if init.status() != StatusCode::OK {
            return (init.status(), Value::Null);
        }
        let session = init.headers().get("mcp-session-id").map(|v| v.to_str().unwrap().to_owned());
        let call =
            post(json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":tool,"arguments":{}}}), session)
                .await
                .unwrap();
        let status = call.status();
        (status, call.json().await.unwrap_or(Value::Null))
    }
}

fn claims(jwt: &str) -> (Value, Value) {
    let parts: Vec<&str> = jwt.split('.').collect();
    let decode = |p: &str| serde_json::from_slice::<Value>(&URL_SAFE_NO_PAD.decode(p).unwrap()).unwrap();
    (decode(parts[0]), decode(parts[1]))
}

#[tokio::test]
async fn metadata_names_every_endpoint() {
    let app = start(AuthorizationServer::development(users())).await;
    let metadata: Value = reqwest::get(format!("{}/.well-known/oauth-authorization-server", app.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(metadata["issuer"], app.base);
    for (key, path) in [
        ("authorization_endpoint", "/authorize"),
        ("token_endpoint", "/token"),
        ("registration_endpoint", "/register"),
        ("revocation_endpoint", "/revoke"),
        ("jwks_uri", "/jwks"),
    ] {
        assert_eq!(metadata[key], format!("{}{path}", app.base), "{key}");
    }
    assert_eq!(metadata["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(metadata["scopes_supported"], json!(["notes:write", "notes:read"]));
    let oidc: Value =
        reqwest::get(format!("{}/.well-known/openid-configuration", app.base)).await.unwrap().json().await.unwrap();
    assert_eq!(oidc, metadata);
    // The protected-resource metadata sends clients here.
    let prm: Value = reqwest::get(format!("{}/.well-known/oauth-protected-resource/mcp", app.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(prm["authorization_servers"], json!([app.base]));
    assert_eq!(prm["resource"], app.mcp);
    let jwks: Value = reqwest::get(format!("{}/jwks", app.base)).await.unwrap().json().await.unwrap();
    assert_eq!(jwks["keys"][0]["kty"], "EC");
    assert_eq!(jwks["keys"][0]["alg"], "ES256");
}

#[tokio::test]
async fn the_whole_sign_in_gives_tokens_the_server_accepts() {
    let app = start(AuthorizationServer::development(users())).await;
    let client_id = app.client().await;
    let back = app.sign_in(&browser(), &client_id, ("alice", "alice-pw")).await;
    assert_eq!(back["state"], "client-state");
    assert_eq!(back["iss"], app.base);
    let (status, tokens) = app.redeem(&client_id, &back["code"]).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["scope"], "notes:read notes:write");
    let access = tokens["access_token"].as_str().unwrap();
    let (header, body) = claims(access);
    assert_eq!(header["alg"], "ES256");
    assert_eq!(header["typ"], "at+jwt");
    assert!(header["kid"].is_string());
    assert_eq!(body["iss"], app.base);
    assert_eq!(body["aud"], app.mcp);
    assert_eq!(body["sub"], "alice");
    assert_eq!(body["client_id"], client_id);
    assert_eq!(body["email"], "alice@example.com");
    let (status, result) = app.call(access, "write_note").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(result["result"]["content"][0]["text"], "written by alice", "{result}");
    // The refresh token works once and gives a new pair that works.
    let (status, refreshed) = app.refresh(&client_id, tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{refreshed}");
    assert_ne!(refreshed["refresh_token"], tokens["refresh_token"]);
    assert_eq!(app.call(refreshed["access_token"].as_str().unwrap(), "read_note").await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_user_gets_only_the_scopes_allowed_to_them() {
    let app = start(AuthorizationServer::development(users())).await;
    let client_id = app.client().await;
    let back = app.sign_in(&browser(), &client_id, ("bob", "bob-pw")).await;
    let (_, tokens) = app.redeem(&client_id, &back["code"]).await;
    assert_eq!(tokens["scope"], "notes:read");
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(app.call(access, "read_note").await.0, StatusCode::OK);
    // Writing needs a scope bob lacks: the step-up challenge of the resource side.
    assert_eq!(app.call(access, "write_note").await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_wrong_password_shows_the_form_again() {
    let app = start(AuthorizationServer::development(users())).await;
    let client_id = app.client().await;
    let browser = browser();
    let page = browser.get(app.authorize_url(&client_id, &[])).send().await.unwrap().text().await.unwrap();
    let approved = browser
        .post(format!("{}/oauth/consent", app.base))
        .form(&[("txn", field(&page, "txn")), ("csrf", field(&page, "csrf")), ("decision", "approve".into())])
        .send()
        .await
        .unwrap();
    let login = browser.get(format!("{}{}", app.base, location(&approved))).send().await.unwrap().text().await.unwrap();
    let wrong = browser
        .post(format!("{}/oauth/login", app.base))
        .form(&[
            ("txn", field(&login, "txn")),
            ("csrf", field(&login, "csrf")),
            ("username", "alice".into()),
            ("password", "nope".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.text().await.unwrap().contains("Wrong username or password"));
}

#[tokio::test]
async fn denying_sends_access_denied_back() {
    let app = start(AuthorizationServer::development(users())).await;
    let client_id = app.client().await;
    let browser = browser();
    let page = browser.get(app.authorize_url(&client_id, &[])).send().await.unwrap().text().await.unwrap();
    let denied = browser
        .post(format!("{}/oauth/consent", app.base))
        .form(&[("txn", field(&page, "txn")), ("csrf", field(&page, "csrf")), ("decision", "deny".into())])
        .send()
        .await
        .unwrap();
    let back = query_of(&location(&denied));
    assert_eq!(back["error"], "access_denied");
    assert_eq!(back["state"], "client-state");
}

// ----- the attacks ------------------------------------------------------------------------------

#[tokio::test]
async fn pkce_is_required_and_s256_only() {
    let app = start(AuthorizationServer::development(users())).await;
    let client_id = app.client().await;
    for (drop, method) in [("code_challenge", "S256"), ("", "plain")] {
        let mut url = reqwest::Url::parse(&app.authorize_url(&client_id, &[])).unwrap();
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .into_owned()
            .filter(|(k, _)| k != drop && k != "code_challenge_method")
            .chain([("code_challenge_method".into(), method.into())])
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
        let response = browser().get(url).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let back = query_of(&location(&response));
        assert_eq!(back["error"], "invalid_request", "{back:?}");
        assert_eq!(back["state"], "client-state");
    }
}

#[tokio::test]
async fn a_wrong_code_verifier_is_invalid_grant() {
    let app = start(AuthorizationServer::development(users())).await;
    let client_id = app.client().await;
    let back = app.sign_in(&browser(), &client_id, ("alice", "alice-pw")).await;
    let (status, error) = app
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &back["code"]),
            ("redirect_uri", REDIRECT),
            ("client_id", &client_id),
            ("code_verifier", "wrong-verifier-wrong-verifier-wrong-verifier-x"),
        ])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["error"], "invalid_grant");
    // The code is spent even so: the right verifier comes too late.
    assert_eq!(app.redeem(&client_id, &back["code"]).await.1["error"], "invalid_grant");
}

#[tokio::test]
async fn a_replayed_code_is_refused_and_revokes_what_it_gave() {
    let app = start(AuthorizationServer::development(users())).await;
    let client_id = app.client().await;
    let back = app.sign_in(&browser(), &client_id, ("alice", "alice-pw")).await;
    let (status, tokens) = app.redeem(&client_id, &back["code"]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, error) = app.redeem(&client_id, &back["code"]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["error"], "invalid_grant");
    let (status, error) = app.refresh(&client_id, tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!((status, error["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
}

#[tokio::test]
async fn a_reused_refresh_token_revokes_the_family() {
    let app = start(AuthorizationServer::development(users())).await;
    let client_id = app.client().await;
    let tokens = app.tokens(&client_id).await;
    let first = tokens["refresh_token"].as_str().unwrap();
    let (_, second) = app.refresh(&client_id, first).await;
    let second = second["refresh_token"].as_str().unwrap().to_owned();
    // The first one again (stolen and replayed): refused, and the family ends.
    let (status, error) = app.refresh(&client_id, first).await;
    assert_eq!((status, error["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
    let (status, error) = app.refresh(&client_id, &second).await;
    assert_eq!((status, error["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")), "{error}");
}

#[tokio::test]
async fn concurrent_refreshes_have_one_winner() {
    let app = start(AuthorizationServer::development(users())).await;
    let client_id = app.client().await;
    let tokens = app.tokens(&client_id).await;
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    let attempts = (0..8).map(|_| app.refresh(&client_id, &refresh));
    let results = futures_util::future::join_all(attempts).await;
    let won = results.iter().filter(|(status, _)| *status == StatusCode::OK).count();
    assert!(won <= 1, "{won} requests rotated the same refresh token");
}

#[tokio::test]
async fn a_refresh_token_of_another_client_or_wider_scope_is_refused() {
    let app = start(AuthorizationServer::development(users())).await;
    let client_id = app.client().await;
    let other = app.client().await;
    let bob = {
        let back = app.sign_in(&browser(), &client_id, ("bob", "bob-pw")).await;
        app.redeem(&client_id, &back["code"]).await.1
    };
    let refresh = bob["refresh_token"].as_str().unwrap();
    assert_eq!(app.refresh(&other, refresh).await.1["error"], "invalid_grant");
    let (status, error) = app
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
            ("client_id", &client_id),
            ("scope", "notes:write"),
        ])
        .await;
    assert_eq!((status, error["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_scope")));
}

#[tokio::test]
async fn an_unregistered_redirect_uri_never_redirects() {
    let app = start(AuthorizationServer::development(users())).await;
    let client_id = app.client().await;
    let url = app.authorize_url(&client_id, &[]).replace("127.0.0.1%3A9%2Fcallback", "evil.example%2Fsteal");
    assert!(url.contains("evil.example"));
    let response = browser().get(url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().get(LOCATION).is_none());
    // An unknown client neither.
    let response = browser().get(app.authorize_url("nobody", &[])).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().get(LOCATION).is_none());
}

#[tokio::test]
async fn a_javascript_redirect_uri_cannot_be_registered() {
    let app = start(AuthorizationServer::development(users())).await;
    let response = app.register(json!({ "redirect_uris": ["javascript:alert(document.cookie)"] })).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.json::<Value>().await.unwrap()["error"], "invalid_redirect_uri");
}

#[tokio::test]
async fn a_consent_without_its_csrf_token_is_refused() {
    let app = start(AuthorizationServer::development(users())).await;
    let client_id = app.client().await;
    let browser = browser();
    let page = browser.get(app.authorize_url(&client_id, &[])).send().await.unwrap().text().await.unwrap();
    let forged = browser
        .post(format!("{}/oauth/consent", app.base))
        .form(&[("txn", field(&page, "txn")), ("csrf", "forged".into()), ("decision", "approve".into())])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_consent_from_another_browser_is_refused() {
    let app = start(AuthorizationServer::development(users())).await;
    let client_id = app.client().await;
    let page = browser().get(app.authorize_url(&client_id, &[])).send().await.unwrap().text().await.unwrap();
    // The attacker's page posts the victim's transaction from another browser.
    let other = browser();
    let response = other
        .post(format!("{}/oauth/consent", app.base))
        .form(&[("txn", field(&page, "txn")), ("csrf", field(&page, "csrf")), ("decision", "approve".into())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_login_in_another_browser_than_the_consent_is_refused() {
    let app = start(AuthorizationServer::development(users())).await;
    let client_id = app.client().await;
    let first = browser();
    let page = first.get(app.authorize_url(&client_id, &[])).send().await.unwrap().text().await.unwrap();
    let approved = first
        .post(format!("{}/oauth/consent", app.base))
        .form(&[("txn", field(&page, "txn")), ("csrf", field(&page, "csrf")), ("decision", "approve".into())])
        .send()
        .await
        .unwrap();
    let login_url = format!("{}{}", app.base, location(&approved));
    let victim = browser();
    assert_eq!(victim.get(&login_url).send().await.unwrap().status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_wrong_resource_is_invalid_target() {
    let app = start(AuthorizationServer::development(users())).await;
    let client_id = app.client().await;
    let url = app.authorize_url(&client_id, &[]).replace("%2Fmcp", "%2Fother");
    let response = browser().get(url).send().await.unwrap();
    let back = query_of(&location(&response));
    assert_eq!(back["error"], "invalid_target");
    // ChatGPT's query on the resource is tolerated.
    let url = app.authorize_url(&client_id, &[]).replace("%2Fmcp", "%2Fmcp%3Fkb_name%3Dx");
    assert_eq!(browser().get(url).send().await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn an_unknown_scope_is_invalid_scope() {
    let app = start(AuthorizationServer::development(users())).await;
    let client_id = app.client().await;
    let url = app.authorize_url(&client_id, &[]).replace("notes%3Aread+notes%3Awrite", "admin");
    let back = query_of(&location(&browser().get(url).send().await.unwrap()));
    assert_eq!(back["error"], "invalid_scope");
}

#[tokio::test]
async fn token_errors_follow_rfc_6749() {
    let app = start(AuthorizationServer::development(users())).await;
    let client_id = app.client().await;
    let (status, error) = app.token(&[("grant_type", "password"), ("client_id", &client_id)]).await;
    assert_eq!((status, error["error"].as_str()), (StatusCode::BAD_REQUEST, Some("unsupported_grant_type")));
    let (status, error) = app.token(&[("grant_type", "authorization_code"), ("code", "x")]).await;
    assert_eq!((status, error["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_client")));
    let (status, error) =
        app.token(&[("grant_type", "authorization_code"), ("client_id", &client_id), ("client_id", &client_id)]).await;
    assert_eq!((status, error["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")));
    assert_eq!(app.redeem(&client_id, "no-such-code").await.1["error"], "invalid_grant");
}

#[tokio::test]
async fn revoking_a_refresh_token_ends_the_sign_in() {
    let app = start(AuthorizationServer::development(users())).await;
    let client_id = app.client().await;
    let tokens = app.tokens(&client_id).await;
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let response = reqwest::Client::new()
        .post(format!("{}/revoke", app.base))
        .form(&[("token", refresh), ("client_id", &client_id)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(app.refresh(&client_id, refresh).await.1["error"], "invalid_grant");
}

#[tokio::test]
async fn registration_is_rate_limited() {
    let limits = RateLimits { register: Quota { requests: 2, per: Duration::from_secs(60) }, ..RateLimits::default() };
    let app = start(AuthorizationServer::development(users()).rate_limits(limits)).await;
    let body = json!({ "redirect_uris": [REDIRECT] });
    assert_eq!(app.register(body.clone()).await.status(), StatusCode::CREATED);
    assert_eq!(app.register(body.clone()).await.status(), StatusCode::CREATED);
    let refused = app.register(body).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn signing_keys_rotate_and_old_tokens_stay_valid() {
    let app = start(AuthorizationServer::development(users()).signing_key_lifetime(Duration::from_secs(1))).await;
    let client_id = app.client().await;
    let before = app.tokens(&client_id).await["access_token"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let after = app.tokens(&client_id).await["access_token"].as_str().unwrap().to_owned();
    assert_ne!(claims(&before).0["kid"], claims(&after).0["kid"]);
    let jwks: Value = reqwest::get(format!("{}/jwks", app.base)).await.unwrap().json().await.unwrap();
    // Both keys are published (a third may have started signing since: the lifetime is 1 s).
    let kids: Vec<&Value> = jwks["keys"].as_array().unwrap().iter().map(|k| &k["kid"]).collect();
    assert!(kids.contains(&&claims(&before).0["kid"]) && kids.contains(&&claims(&after).0["kid"]), "{jwks}");
    assert_eq!(app.call(&after, "read_note").await.0, StatusCode::OK);
    assert_eq!(app.call(&before, "read_note").await.0, StatusCode::OK);
}

#[tokio::test]
async fn the_development_server_refuses_a_public_url() {
    let result = WidgetMcpServer::builder("notes")
        .macro_tools(false)
        .public_url("https://notes.example.com")
        .extension(AuthorizationServer::development(users()))
        .build_server();
    let err = result.unwrap_err().to_string();
    assert!(err.contains("only on loopback"), "{err}");
    let forced = WidgetMcpServer::builder("notes")
        .macro_tools(false)
        .public_url("https://notes.example.com")
        .extension(AuthorizationServer::development(users()).allow_public(true))
        .build_server();
    assert!(forced.is_ok());
}

#[tokio::test]
async fn the_development_server_refuses_to_listen_beyond_loopback() {
    let server = WidgetMcpServer::builder("notes")
        .macro_tools(false)
        .public_url("http://127.0.0.1:1")
        .extension(AuthorizationServer::development(users()))
        .build_server()
        .unwrap();
    let listener = tokio::net::TcpListener::bind("0.0.0.0:0").await.unwrap();
    let err = server.serve_with_shutdown(listener, std::future::pending()).await.unwrap_err().to_string();
    assert!(err.contains("only on loopback"), "{err}");
}

#[tokio::test]
async fn an_external_issuer_and_an_own_server_are_exclusive() {
    let result = WidgetMcpServer::builder("notes")
        .macro_tools(false)
        .public_url("http://127.0.0.1:1")
        .extension(AuthorizationServer::development(users()))
        .auth(Auth::issuer("https://tenant.example/"))
        .build_server();
    assert!(result.unwrap_err().to_string().contains("Auth::local()"));
}
