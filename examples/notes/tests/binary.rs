//! The notes binary, run as a user runs it: what only the program shows (the tools themselves
//! are tested in process, in `tools.rs`).
//!
//! With `--auth jwt` and no issuer configured it must not serve: it stops at once and says
//! which variables to set. With no settings at all it runs its own development authorization
//! server. Its notes are in the file `NOTES_DB` names, so they outlive a restart.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use fastapps_core::testing::TestIssuer;
use serde_json::{Value, json};

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

/// A running notes server; killed when dropped.
struct Notes {
    child: Child,
    url: String,
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
        Self { child, url }
    }

    /// Calls a tool over HTTP with `token`; returns its structured content.
    async fn call(&self, token: &str, name: &str, arguments: Value) -> Value {
        let http = reqwest::Client::new();
        let post = |body: Value, session: Option<String>| {
            let request = http
                .post(&self.url)
                .bearer_auth(token)
                .header("accept", "application/json")
                .header("mcp-protocol-version", "2025-11-25")
                .json(&body);
            match session {
                Some(session) => request.header("mcp-session-id", session),
                None => request,
            }
        };
        let init = json!({
            "jsonrpc": "2.0", "id": 0, "method": "initialize",
            "params": { "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": { "name": "test", "version": "1" } }
        });
        let response = post(init, None).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let session = response.headers()["mcp-session-id"].to_str().unwrap().to_owned();
        let call = json!({ "jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": { "name": name, "arguments": arguments } });
        let mut body: Value = post(call, Some(session)).send().await.unwrap().json().await.unwrap();
        assert_eq!(body["result"]["isError"], json!(false), "{name}: {body}");
        body["result"]["structuredContent"].take()
    }
}

#[tokio::test]
async fn notes_outlive_the_server() {
    let dir = Scratch::new("restart");
    let issuer = TestIssuer::start().await.unwrap();
    // The server's resource URL, the tokens' audience, is the address it bound.
    let token = |notes: &Notes| issuer.token_for(&notes.url, "alice", ["read:notes", "write:notes"]);
    let kept = {
        let notes = Notes::start(&dir, issuer.url());
        notes.call(&token(&notes), "create_note", json!({ "title": "Kept", "content": "on disk" })).await
    };
    assert!(dir.db().exists());
    let notes = Notes::start(&dir, issuer.url());
    let listed = notes.call(&token(&notes), "list_notes", json!({})).await;
    assert_eq!(listed, json!({ "notes": [kept] }));
}
