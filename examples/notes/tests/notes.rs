//! The notes binary, run as a user runs it.
//!
//! With `--auth jwt` and no issuer configured it must not serve: it stops at once and says
//! which variables to set. With one (an issuer served by the test on 127.0.0.1: its discovery
//! document and JWKS, and tokens the test signs) every tool needs a token with its scope, and
//! each user sees, changes and deletes only their own notes. With no settings at all it runs
//! its own development authorization server.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::routing::get;
use serde_json::{Value, json};

const PRIVATE_KEY: &str = include_str!("fixtures/issuer-key.pem");
const MODULUS: &str = include_str!("fixtures/issuer-key.n");

/// The auth settings `notes` reads, and `PUBLIC_URL`: none may leak into a run.
const INHERITED_SETTINGS: [&str; 14] = [
    "NOTES_AUTH",
    "NOTES_DEV_USERS",
    "FASTAPPS_OAUTH_STORE",
    "FASTAPPS_OAUTH_SEALING_KEY",
    "FASTAPPS_OAUTH_UPSTREAM_ISSUER",
    "AUTH0_DOMAIN",
    "FASTAPPS_OAUTH_DEV_ALLOW_PUBLIC",
    "FASTAPPS_AUTH_ISSUER_URL",
    "FASTAPPS_AUTH_RESOURCE_SERVER_URL",
    "FASTAPPS_AUTH_AUDIENCE",
    "FASTAPPS_AUTH_JWKS_URI",
    "FASTAPPS_AUTH_REQUIRED_SCOPES",
    "FASTAPPS_AUTH_SCOPES_SUPPORTED",
    "PUBLIC_URL",
];

const EVERY_SCOPE: &str = "read:notes write:notes use:calculator";

/// An empty working directory of its own (so no `.env` or `fastapps.toml` is read, and the
/// database lands there), removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("notes-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        Self(dir)
    }

    fn db(&self) -> PathBuf {
        self.0.join("notes.db")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `notes --auth jwt --port 0` in `dir`, with `issuer` as `FASTAPPS_AUTH_ISSUER_URL` (unset
/// for `None`).
fn notes_command(dir: &Path, db: &Path, issuer: Option<&str>) -> Command {
    let mut command = bare_notes_command(dir, db);
    command.args(["--auth", "jwt"]);
    if let Some(issuer) = issuer {
        command.env("FASTAPPS_AUTH_ISSUER_URL", issuer);
    }
    command
}

/// `notes --port 0` in `dir` with none of the auth settings of the environment.
fn bare_notes_command(dir: &Path, db: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_notes"));
    command
        .args(["--host", "127.0.0.1", "--port", "0"])
        .current_dir(dir)
        .env("RUST_LOG", "warn")
        .env("NOTES_DB", db)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for name in INHERITED_SETTINGS {
        command.env_remove(name);
    }
    command
}

/// Runs notes without a usable issuer and waits for it to exit; still running after 30 s
/// fails the test.
fn run_to_exit(dir: &Scratch, issuer: Option<&str>) -> Output {
    let mut child = notes_command(&dir.0, &dir.db(), issuer).spawn().expect("notes starts");
    let started = Instant::now();
    while child.try_wait().expect("notes can be waited for").is_none() {
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("notes kept running without an authorization server");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("the output of notes")
}

fn assert_refuses_to_serve(dir: &Scratch, output: &Output) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "notes exited successfully; stderr: {stderr}");
    assert!(!stdout.contains("listening on"), "notes served: {stdout}");
    assert!(
        stderr.contains("FASTAPPS_AUTH_ISSUER_URL is not set") && stderr.contains("FASTAPPS_AUTH_AUDIENCE"),
        "the message names the variables to set: {stderr}"
    );
    // The resource URL it would default to names the bound address.
    assert!(stderr.contains("http://127.0.0.1:"), "{stderr}");
    assert!(!dir.db().exists(), "no database is created for a server that does not start");
}

#[test]
fn without_an_issuer_it_exits_and_says_what_to_set() {
    let dir = Scratch::new("no-issuer");
    let output = run_to_exit(&dir, None);
    assert_refuses_to_serve(&dir, &output);
}

#[tokio::test]
async fn with_no_settings_it_runs_the_development_sign_in() {
    let dir = Scratch::new("dev");
    let mut child = bare_notes_command(&dir.0, &dir.db()).spawn().expect("notes starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("a line");
    let mcp = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("{line}")).to_owned();
    let base = mcp.trim_end_matches("/mcp").to_owned();
    let metadata: Value = reqwest::get(format!("{base}/.well-known/oauth-authorization-server"))
        .await
        .expect("the authorization server answers")
        .json()
        .await
        .expect("JSON");
    assert_eq!(metadata["issuer"], base);
    assert_eq!(metadata["scopes_supported"].as_array().map(Vec::len), Some(3), "{metadata}");
    let prm: Value = reqwest::get(format!("{base}/.well-known/oauth-protected-resource/mcp"))
        .await
        .expect("the metadata answers")
        .json()
        .await
        .expect("JSON");
    assert_eq!(prm["authorization_servers"], json!([base]));
    // Every tool needs a user: no token, no session.
    let refused = reqwest::Client::new()
        .post(&mcp)
        .header("accept", "application/json, text/event-stream")
        .json(&json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}))
        .send()
        .await
        .expect("an answer");
    assert_eq!(refused.status(), 401);
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn a_blank_issuer_is_no_issuer() {
    let dir = Scratch::new("blank-issuer");
    let output = run_to_exit(&dir, Some("  "));
    assert_refuses_to_serve(&dir, &output);
}

/// Serves an issuer's discovery document and JWKS on 127.0.0.1; returns the issuer URL.
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

/// A running notes server; killed when dropped.
struct Notes {
    child: Child,
    url: String,
    issuer: String,
}

impl Drop for Notes {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Notes {
    fn start(dir: &Scratch, issuer: &str) -> Self {
        let mut child = notes_command(&dir.0, &dir.db(), Some(issuer)).stderr(Stdio::inherit()).spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped")).read_line(&mut line).expect("a first line");
        let url = line.trim().strip_prefix("listening on ").expect("the listening line").to_owned();
        Self { child, url, issuer: issuer.to_owned() }
    }

    /// A token of this server's issuer, for this server, for `subject` with `scope`.
    fn token(&self, subject: &str, scope: &str) -> String {
        let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
        let claims = json!({ "iss": self.issuer, "sub": subject, "aud": self.url, "exp": now + 600, "iat": now, "scope": scope });
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = Some("k1".into());
        let key = jsonwebtoken::EncodingKey::from_rsa_pem(PRIVATE_KEY.as_bytes()).unwrap();
        jsonwebtoken::encode(&header, &claims, &key).unwrap()
    }

    /// Signs in as `subject` with `scope` and opens a session.
    async fn user(&self, subject: &str, scope: &str) -> User {
        let token = self.token(subject, scope);
        let init = json!({
            "jsonrpc": "2.0", "id": 0, "method": "initialize",
            "params": { "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": { "name": "test", "version": "1" } }
        });
        let response = reqwest::Client::new().post(&self.url).bearer_auth(&token).json(&init).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let session = response.headers()["mcp-session-id"].to_str().unwrap().to_owned();
        User { url: self.url.clone(), token, session }
    }
}

/// A signed-in user's session.
struct User {
    url: String,
    token: String,
    session: String,
}

impl User {
    async fn post(&self, method: &str, params: Value) -> reqwest::Response {
        let body = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
        reqwest::Client::new()
            .post(&self.url)
            .bearer_auth(&self.token)
            .header("mcp-session-id", &self.session)
            .header("accept", "application/json")
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// Calls a tool; returns its result.
    async fn call(&self, name: &str, arguments: Value) -> Value {
        let response = self.post("tools/call", json!({ "name": name, "arguments": arguments })).await;
        assert_eq!(response.status(), 200, "{name}");
        let mut body: Value = response.json().await.unwrap();
        body["result"].take()
    }

    /// Calls a tool that must succeed; returns its structured content.
    async fn ok(&self, name: &str, arguments: Value) -> Value {
        let mut result = self.call(name, arguments).await;
        assert_eq!(result["isError"], json!(false), "{name}: {result}");
        result["structuredContent"].take()
    }

    /// Calls a tool that must fail; returns its text.
    async fn error(&self, name: &str, arguments: Value) -> String {
        let result = self.call(name, arguments).await;
        assert_eq!(result["isError"], json!(true), "{name}: {result}");
        result["content"][0]["text"].as_str().unwrap_or_default().to_owned()
    }
}

#[tokio::test]
async fn the_tools_their_scopes_and_the_metadata() {
    let dir = Scratch::new("list");
    let notes = Notes::start(&dir, &issuer().await);

    // Every tool needs sign-in, so every request does.
    let anonymous =
        reqwest::Client::new().post(&notes.url).json(&json!({ "jsonrpc": "2.0", "id": 0, "method": "ping" }));
    assert_eq!(anonymous.send().await.unwrap().status(), 401);

    let alice = notes.user("alice", EVERY_SCOPE).await;
    let list: Value = alice.post("tools/list", json!({})).await.json().await.unwrap();
    let tools: Vec<(String, Value, Value)> = list["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_owned(),
                t["securitySchemes"][0]["scopes"].clone(),
                t["annotations"].clone(),
            )
        })
        .collect();
    let scopes = |name: &str| tools.iter().find(|t| t.0 == name).map(|t| t.1.clone());
    let hints = |name: &str| {
        let a = &tools.iter().find(|t| t.0 == name).unwrap().2;
        (a["readOnlyHint"] == true, a["destructiveHint"] == true, a["idempotentHint"] == true)
    };
    let names: Vec<&str> = tools.iter().map(|t| t.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "add_numbers",
            "create_note",
            "delete_note",
            "divide_numbers",
            "list_notes",
            "multiply_numbers",
            "read_note",
            "subtract_numbers",
            "update_note"
        ]
    );
    for calculator in ["add_numbers", "subtract_numbers", "multiply_numbers", "divide_numbers"] {
        assert_eq!(scopes(calculator), Some(json!(["use:calculator"])), "{calculator}");
    }
    for write in ["create_note", "update_note", "delete_note"] {
        assert_eq!(scopes(write), Some(json!(["write:notes"])), "{write}");
    }
    for read in ["read_note", "list_notes"] {
        assert_eq!(scopes(read), Some(json!(["read:notes"])), "{read}");
        assert_eq!(hints(read), (true, false, false), "{read}");
    }
    assert_eq!(hints("create_note"), (false, false, false));
    assert_eq!(hints("update_note"), (false, false, true));
    assert_eq!(hints("delete_note"), (false, true, false));

    let origin = notes.url.trim_end_matches("/mcp");
    let metadata: Value =
        reqwest::get(format!("{origin}/.well-known/oauth-protected-resource/mcp")).await.unwrap().json().await.unwrap();
    assert_eq!(metadata["resource"], json!(notes.url));
    assert_eq!(metadata["authorization_servers"], json!([notes.issuer]));
    assert_eq!(metadata["resource_name"], json!("Notes"));
    let mut supported: Vec<&str> =
        metadata["scopes_supported"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    supported.sort_unstable();
    assert_eq!(supported, ["read:notes", "use:calculator", "write:notes"]);
}

#[tokio::test]
async fn a_note_from_creation_to_deletion() {
    let dir = Scratch::new("lifecycle");
    let notes = Notes::start(&dir, &issuer().await);
    let alice = notes.user("alice", EVERY_SCOPE).await;

    let created = alice.ok("create_note", json!({ "title": "Groceries", "content": "Eggs, milk" })).await;
    let id = created["id"].as_i64().expect("an integer id");
    assert_eq!((created["title"].as_str(), created["content"].as_str()), (Some("Groceries"), Some("Eggs, milk")));
    assert!(created["created_at"].as_str().is_some_and(|t| t.ends_with('Z')), "{created}");

    assert_eq!(alice.ok("read_note", json!({ "note_id": id })).await, created);
    assert_eq!(alice.ok("list_notes", json!({})).await, json!({ "notes": [created] }));

    let updated = alice.ok("update_note", json!({ "note_id": id, "title": "Shopping", "content": "Bread" })).await;
    assert_eq!((updated["id"].as_i64(), updated["title"].as_str()), (Some(id), Some("Shopping")));
    assert_eq!(updated["created_at"], created["created_at"]);
    assert_eq!(alice.ok("read_note", json!({ "note_id": id })).await, updated);

    let deleted = alice.call("delete_note", json!({ "note_id": id })).await;
    assert_eq!(deleted["content"][0]["text"], json!(format!("Deleted note {id}, \"Shopping\".")));
    assert_eq!(alice.error("read_note", json!({ "note_id": id })).await, format!("No note with id {id}."));
    assert_eq!(alice.ok("list_notes", json!({})).await, json!({ "notes": [] }));

    assert_eq!(
        alice.error("create_note", json!({ "title": "  ", "content": "x" })).await,
        "A note needs a title that is not blank."
    );
    let invalid = alice.error("read_note", json!({ "note_id": "seven" })).await;
    assert!(invalid.starts_with("Invalid arguments: `note_id`"), "{invalid}");
}

#[tokio::test]
async fn nobody_reaches_another_users_notes() {
    let dir = Scratch::new("isolation");
    let notes = Notes::start(&dir, &issuer().await);
    let alice = notes.user("alice", EVERY_SCOPE).await;
    let bob = notes.user("bob", EVERY_SCOPE).await;

    let diary = alice.ok("create_note", json!({ "title": "Diary", "content": "private" })).await;
    let id = diary["id"].as_i64().unwrap();
    let missing = format!("No note with id {id}.");

    assert_eq!(bob.ok("list_notes", json!({})).await, json!({ "notes": [] }));
    assert_eq!(bob.error("read_note", json!({ "note_id": id })).await, missing);
    let edit = json!({ "note_id": id, "title": "mine", "content": "now" });
    assert_eq!(bob.error("update_note", edit).await, missing);
    assert_eq!(bob.error("delete_note", json!({ "note_id": id })).await, missing);
    // The same answer as for an id nobody has.
    let unknown = id + 1000;
    assert_eq!(bob.error("read_note", json!({ "note_id": unknown })).await, format!("No note with id {unknown}."));

    // Bob's own note is his alone, and alice's is untouched.
    let bobs = bob.ok("create_note", json!({ "title": "Bob's", "content": "hello" })).await;
    assert_eq!(bob.ok("list_notes", json!({})).await, json!({ "notes": [bobs] }));
    assert_eq!(alice.ok("list_notes", json!({})).await, json!({ "notes": [diary] }));
}

#[tokio::test]
async fn each_tool_needs_its_scope() {
    let dir = Scratch::new("scopes");
    let notes = Notes::start(&dir, &issuer().await);
    let reader = notes.user("carol", "read:notes").await;

    assert_eq!(reader.ok("list_notes", json!({})).await, json!({ "notes": [] }));
    for (tool, arguments, scope) in [
        ("create_note", json!({ "title": "t", "content": "c" }), "write:notes"),
        ("add_numbers", json!({ "a": 1, "b": 2 }), "use:calculator"),
    ] {
        let refused = reader.post("tools/call", json!({ "name": tool, "arguments": arguments })).await;
        assert_eq!(refused.status(), 403, "{tool}");
        let challenge = refused.headers()["www-authenticate"].to_str().unwrap().to_owned();
        assert!(challenge.starts_with("Bearer error=\"insufficient_scope\""), "{challenge}");
        assert!(challenge.contains(scope), "{tool}: {challenge}");
    }
}

#[tokio::test]
async fn the_calculator() {
    let dir = Scratch::new("calculator");
    let notes = Notes::start(&dir, &issuer().await);
    let user = notes.user("dave", "use:calculator").await;

    let sum = user.call("add_numbers", json!({ "a": 2, "b": 40 })).await;
    assert_eq!(sum["structuredContent"], json!({ "result": 42.0 }));
    assert_eq!(sum["content"][0]["text"], json!("2 + 40 = 42"));
    assert_eq!(user.ok("subtract_numbers", json!({ "a": 2, "b": 0.5 })).await, json!({ "result": 1.5 }));
    assert_eq!(user.ok("multiply_numbers", json!({ "a": -3, "b": 4 })).await, json!({ "result": -12.0 }));
    assert_eq!(user.ok("divide_numbers", json!({ "a": 1, "b": 4 })).await, json!({ "result": 0.25 }));
    assert_eq!(user.error("divide_numbers", json!({ "a": 1, "b": 0 })).await, "Cannot divide by zero.");
}

#[tokio::test]
async fn notes_outlive_the_server() {
    let dir = Scratch::new("restart");
    let issuer = issuer().await;
    let kept = {
        let notes = Notes::start(&dir, &issuer);
        let alice = notes.user("alice", EVERY_SCOPE).await;
        alice.ok("create_note", json!({ "title": "Kept", "content": "on disk" })).await
    };
    assert!(dir.db().exists());
    let notes = Notes::start(&dir, &issuer);
    let alice = notes.user("alice", EVERY_SCOPE).await;
    assert_eq!(alice.ok("list_notes", json!({})).await, json!({ "notes": [kept] }));
}
