//! Authorization end to end: anonymous access to mixed servers, all-private servers, the
//! server-level scopes, per-tool refusals in each refusal mode (HTTP 401/403 challenges, or an
//! `isError` result carrying the challenge for ChatGPT), sessions bound to their principal, and
//! the same rules for 2026-07-28 requests, whose request state is bound to its caller. The
//! tokens are JWTs signed with the fixture keys, which the server's verifier reads in process
//! (fetching them from an issuer is the subject of `auth.rs`).

mod common;

use common::auth::*;
use fastapps_core::auth::RefusalMode;
use fastapps_core::prelude::{CallToolResult, Context, Security, ToolDef};
use fastapps_core::protocol::ElicitParams;
use http::{HeaderValue, StatusCode};
use serde_json::{Value, json};

/// The 401 challenge of a request without a token that needs one.
fn missing_token_challenge(env: &Env, scope: &str) -> String {
    format!("Bearer resource_metadata=\"{}\", scope=\"{scope}\"", env.mcp.prm_url)
}

/// The 403 challenge of a token lacking scopes.
fn insufficient_scope_challenge(env: &Env, scope: &str, description: &str) -> String {
    format!(
        "Bearer error=\"insufficient_scope\", scope=\"{scope}\", resource_metadata=\"{}\", \
         error_description=\"{description}\"",
        env.mcp.prm_url
    )
}

async fn assert_missing_token(response: common::Response, env: &Env, scope: &str) {
    let challenge = missing_token_challenge(env, scope);
    assert_oauth(response, StatusCode::UNAUTHORIZED, &challenge, "invalid_token", "Authorization required").await;
}

async fn assert_insufficient_scope(response: common::Response, env: &Env, scope: &str, description: &str) {
    let challenge = insufficient_scope_challenge(env, scope, description);
    assert_oauth(response, StatusCode::FORBIDDEN, &challenge, "insufficient_scope", description).await;
}

/// The `isError` result a refused call gets in the tool-result form.
fn refusal_result(env: &Env, text: &str, scope: &str, description: &str) -> Value {
    json!({
        "content": [{ "type": "text", "text": text }],
        "isError": true,
        "_meta": { "mcp/www_authenticate": [insufficient_scope_challenge(env, scope, description)] }
    })
}

const SIGN_IN: &str = "Sign in to continue";
const NEEDS_READ: &str = "Additional permission required: notes:read";

// ---------------------------------------------------------------------------------------------
// Anonymous access to a mixed server

#[tokio::test]
async fn initialize_and_tools_list_work_without_a_token() {
    let env = Env::local_notes().await;
    let session = env.anonymous_session().await;
    let list = result(env.mcp.list(&session, None).await).await;
    let schemes: Vec<(Value, Value)> = list["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .map(|t| (t["name"].clone(), t["securitySchemes"].clone()))
        .collect();
    assert_eq!(
        schemes,
        [
            (json!("read_notes"), json!([{ "type": "oauth2", "scopes": ["notes:read"] }])),
            (json!("write_notes"), json!([{ "type": "oauth2", "scopes": ["notes:write"] }])),
            (json!("public_info"), json!([{ "type": "noauth" }])),
            (json!("search"), json!([{ "type": "noauth" }, { "type": "oauth2", "scopes": ["notes:read"] }])),
        ],
        "protected tools are listed to anonymous callers, with their requirements"
    );
}

#[tokio::test]
async fn public_tool_runs_anonymously_and_sees_the_user_with_a_token() {
    let env = Env::local_notes().await;
    let session = env.anonymous_session().await;
    assert_eq!(env.mcp.call_text(&session, None, "public_info").await, "public for anonymous");
    let token = env.token("alice", "");
    assert_eq!(env.mcp.call_text(&session, Some(&token), "public_info").await, "public for alice");
}

#[tokio::test]
async fn optional_tool_runs_anonymously_and_sees_the_user_with_a_token() {
    let env = Env::local_notes().await;
    let session = env.anonymous_session().await;
    assert_eq!(env.mcp.call_text(&session, None, "search").await, "search as anonymous");
    let token = env.token("alice", "notes:read");
    assert_eq!(env.mcp.call_text(&session, Some(&token), "search").await, "search as alice with [notes:read]");
    // Without the optional scopes it still runs, unprivileged.
    let token = env.token("bob", "");
    assert_eq!(env.mcp.call_text(&session, Some(&token), "search").await, "search as bob with []");
}

#[tokio::test]
async fn invalid_token_is_refused_even_for_a_public_tool_and_initialize() {
    let env = Env::local_notes().await;
    let session = env.anonymous_session().await;
    let expired = env.sign(&env.claims_with("alice", "notes:read", |c| {
        c.insert("exp".into(), json!(now() - 3600));
    }));
    assert_invalid_token(env.mcp.call(&session, Some(&expired), "public_info", None).await, &env.mcp).await;
    assert_invalid_token(env.mcp.call(&session, Some(&expired), "search", None).await, &env.mcp).await;
    assert_invalid_token(env.mcp.initialize_as(Some(&expired), "test-client").await, &env.mcp).await;
}

#[tokio::test]
async fn other_schemes_and_empty_bearer_count_as_no_token() {
    let env = Env::local_notes().await;
    let session = env.anonymous_session().await;
    let params = json!({ "name": "public_info", "arguments": {} });
    for header in ["Basic YWxpY2U6c2VjcmV0", "Bearer ", "Bearer"] {
        let response = env.mcp.post(Some(&session), &[header.to_owned()], &rpc("tools/call", params.clone())).await;
        assert_eq!(result(response).await["content"][0]["text"], "public for anonymous", "{header:?}");
    }
}

#[tokio::test]
async fn access_token_in_the_query_is_ignored() {
    let env = Env::local_notes().await;
    let session = env.anonymous_session().await;
    let token = env.token("alice", "notes:read");
    let url = format!("{}?access_token={token}", env.mcp.url);
    let call = rpc("tools/call", json!({ "name": "public_info", "arguments": {} }));
    let response = env.mcp.post_headers(&url, env.mcp.headers(Some(&session), &[]), &call).await;
    assert_eq!(result(response).await["content"][0]["text"], "public for anonymous");
}

// ---------------------------------------------------------------------------------------------
// Servers that require a token everywhere

#[tokio::test]
async fn initialize_without_a_token_is_challenged_when_every_tool_requires_sign_in() {
    let env =
        Env::local(vec![rsa_a().jwk], |auth| auth.required_scopes(["mcp:access"]), |b| b.tool(read_notes())).await;
    let response = env.mcp.initialize_as(None, "test-client").await;
    assert_missing_token(response, &env, "mcp:access").await;
    // With a token carrying the server's scopes everything works.
    let token = env.token("alice", "mcp:access notes:read");
    let session = env.mcp.session(Some(&token)).await;
    assert_eq!(env.mcp.call_text(&session, Some(&token), "read_notes").await, "notes of alice");
}

#[tokio::test]
async fn initialize_without_a_token_names_the_tools_scopes_when_the_server_requires_none() {
    let env = Env::local(
        vec![rsa_a().jwk],
        |auth| auth,
        |b| {
            let write = ToolDef::new("write_notes", |_args, _ctx| async { Ok(CallToolResult::text("written")) });
            b.tool(read_notes()).tool(write.security(Security::required(["notes:write"])))
        },
    )
    .await;
    let response = env.mcp.initialize_as(None, "test-client").await;
    assert_missing_token(response, &env, "notes:read notes:write").await;
}

#[tokio::test]
async fn other_scheme_is_challenged_like_no_token_on_an_all_private_server() {
    let env =
        Env::local(vec![rsa_a().jwk], |auth| auth.required_scopes(["mcp:access"]), |b| b.tool(read_notes())).await;
    let params =
        json!({ "protocolVersion": VERSION, "capabilities": {}, "clientInfo": { "name": "c", "version": "1" } });
    let response = env.mcp.post(None, &["Basic YWxpY2U6c2VjcmV0".to_owned()], &rpc("initialize", params)).await;
    assert_missing_token(response, &env, "mcp:access").await;
}

#[tokio::test]
async fn require_everywhere_challenges_initialize_on_a_mixed_server() {
    let env = Env::local(
        vec![rsa_a().jwk],
        |auth| auth.require_everywhere(true).required_scopes(["mcp:access"]),
        notes_tools,
    )
    .await;
    let response = env.mcp.initialize_as(None, "test-client").await;
    assert_missing_token(response, &env, "mcp:access").await;
}

// ---------------------------------------------------------------------------------------------
// Server-level scopes

#[tokio::test]
async fn token_without_the_server_required_scope_is_forbidden() {
    let env = Env::local(vec![rsa_a().jwk], |auth| auth.required_scopes(["mcp:access"]), notes_tools).await;
    let session = env.anonymous_session().await;
    let token = env.token("alice", "notes:read notes:write");
    let description = "The access token lacks the scopes mcp:access";
    // Every authenticated request, whatever it calls.
    assert_insufficient_scope(env.mcp.list(&session, Some(&token)).await, &env, "mcp:access", description).await;
    let response = env.mcp.call(&session, Some(&token), "public_info", None).await;
    assert_insufficient_scope(response, &env, "mcp:access", description).await;
    let response = env.mcp.initialize_as(Some(&token), "test-client").await;
    assert_insufficient_scope(response, &env, "mcp:access", description).await;
}

#[tokio::test]
async fn tool_refusal_names_the_tool_scopes_with_the_server_scopes() {
    let env = Env::local(vec![rsa_a().jwk], |auth| auth.required_scopes(["mcp:access"]), notes_tools).await;
    let session = env.anonymous_session().await;
    let token = env.token("alice", "mcp:access notes:read");
    let response = env.mcp.call(&session, Some(&token), "write_notes", None).await;
    let description = "Additional permission required: notes:write";
    assert_insufficient_scope(response, &env, "mcp:access notes:write", description).await;
    assert_eq!(env.mcp.call_text(&session, Some(&token), "read_notes").await, "notes of alice");
    // Without a token: 401 naming the same union.
    let response = env.mcp.call(&session, None, "write_notes", None).await;
    assert_missing_token(response, &env, "mcp:access notes:write").await;
}

// ---------------------------------------------------------------------------------------------
// Refusal modes

async fn env_with(mode: RefusalMode) -> Env {
    Env::local(vec![rsa_a().jwk], move |auth| auth.refusal(mode), notes_tools).await
}

#[tokio::test]
async fn http_mode_answers_a_call_without_a_token_with_401() {
    let env = env_with(RefusalMode::Http).await;
    let session = env.anonymous_session().await;
    let response = env.mcp.call(&session, None, "read_notes", None).await;
    assert_missing_token(response, &env, "notes:read").await;
}

#[tokio::test]
async fn http_mode_answers_a_token_lacking_the_scope_with_403() {
    let env = env_with(RefusalMode::Http).await;
    let session = env.anonymous_session().await;
    let token = env.token("alice", "notes:write");
    let response = env.mcp.call(&session, Some(&token), "read_notes", None).await;
    assert_insufficient_scope(response, &env, "notes:read", NEEDS_READ).await;
}

#[tokio::test]
async fn http_mode_answers_chatgpt_over_http_too() {
    let env = env_with(RefusalMode::Http).await;
    let session = env.mcp.session_as(None, "openai-mcp").await;
    let response = env.mcp.call(&session, None, "read_notes", Some(json!({ "openai/subject": "u-1" }))).await;
    assert_missing_token(response, &env, "notes:read").await;
}

#[tokio::test]
async fn tool_result_mode_answers_a_call_without_a_token_with_an_error_result() {
    let env = env_with(RefusalMode::ToolResult).await;
    let session = env.anonymous_session().await;
    let result = result(env.mcp.call(&session, None, "read_notes", None).await).await;
    let text = "Authentication required: sign in to use read_notes.";
    assert_eq!(result, refusal_result(&env, text, "notes:read", SIGN_IN));
}

#[tokio::test]
async fn tool_result_mode_answers_a_token_lacking_the_scope_with_an_error_result() {
    let env = env_with(RefusalMode::ToolResult).await;
    let session = env.anonymous_session().await;
    let token = env.token("alice", "notes:write");
    let result = result(env.mcp.call(&session, Some(&token), "read_notes", None).await).await;
    let text = "Permission required: read_notes needs the scopes notes:read.";
    assert_eq!(result, refusal_result(&env, text, "notes:read", NEEDS_READ));
    let challenges = result["_meta"]["mcp/www_authenticate"].as_array().expect("an array of challenges");
    assert_eq!(challenges.len(), 1);
    let challenge = challenges[0].as_str().expect("a string");
    for param in
        ["error=\"insufficient_scope\"", "scope=\"notes:read\"", "resource_metadata=\"", "error_description=\""]
    {
        assert!(challenge.contains(param), "{challenge} holds {param}");
    }
}

#[tokio::test]
async fn hybrid_mode_answers_the_openai_mcp_client_with_an_error_result() {
    let env = Env::local_notes().await;
    let session = env.mcp.session_as(None, "openai-mcp").await;
    let result = result(env.mcp.call(&session, None, "read_notes", None).await).await;
    let text = "Authentication required: sign in to use read_notes.";
    assert_eq!(result, refusal_result(&env, text, "notes:read", SIGN_IN));
    let token = env.token("alice", "notes:write");
    let result = common::auth::result(env.mcp.call(&session, Some(&token), "read_notes", None).await).await;
    let text = "Permission required: read_notes needs the scopes notes:read.";
    assert_eq!(result, refusal_result(&env, text, "notes:read", NEEDS_READ));
}

#[tokio::test]
async fn hybrid_mode_answers_a_call_with_openai_meta_with_an_error_result() {
    let env = Env::local_notes().await;
    let session = env.anonymous_session().await;
    let meta = json!({ "openai/subject": "anon-123", "openai/locale": "en-US" });
    let result = result(env.mcp.call(&session, None, "read_notes", Some(meta)).await).await;
    let text = "Authentication required: sign in to use read_notes.";
    assert_eq!(result, refusal_result(&env, text, "notes:read", SIGN_IN));
}

#[tokio::test]
async fn hybrid_mode_answers_other_clients_over_http() {
    let env = Env::local_notes().await;
    let session = env.anonymous_session().await;
    let response = env.mcp.call(&session, None, "read_notes", Some(json!({ "progressToken": 7 }))).await;
    assert_missing_token(response, &env, "notes:read").await;
    let token = env.token("alice", "notes:write");
    let response = env.mcp.call(&session, Some(&token), "read_notes", None).await;
    assert_insufficient_scope(response, &env, "notes:read", NEEDS_READ).await;
}

#[tokio::test]
async fn refused_call_is_answered_before_any_stream_starts() {
    // A client accepting only SSE still gets the HTTP refusal, not a stream.
    let env = env_with(RefusalMode::Http).await;
    let session = env.anonymous_session().await;
    let mut headers = env.mcp.headers(Some(&session), &[]);
    headers.insert("accept", HeaderValue::from_static("text/event-stream"));
    let call = rpc("tools/call", json!({ "name": "read_notes", "arguments": {} }));
    let response = env.mcp.post_headers(&env.mcp.url, headers, &call).await;
    assert_missing_token(response, &env, "notes:read").await;
}

// ---------------------------------------------------------------------------------------------
// Sessions bound to their principal

fn session_not_found() -> Value {
    json!({ "jsonrpc": "2.0", "id": null, "error": { "code": -32001, "message": "Session not found" } })
}

#[tokio::test]
async fn session_of_alice_used_with_bobs_token_is_not_found() {
    let env = Env::local_notes().await;
    let alice = env.token("alice", "notes:read");
    let session = env.mcp.session(Some(&alice)).await;
    assert_eq!(env.mcp.call_text(&session, Some(&alice), "read_notes").await, "notes of alice");
    let bob = env.token("bob", "notes:read");
    let response = env.mcp.list(&session, Some(&bob)).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(json_body(response).await, session_not_found());
    let response = env.mcp.call(&session, Some(&bob), "read_notes", None).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn session_of_alice_used_with_her_refreshed_token_works() {
    let env = Env::local_notes().await;
    let alice = env.token("alice", "notes:read");
    let session = env.mcp.session(Some(&alice)).await;
    // A new token: other jti, iat and exp, same issuer, subject and client.
    let refreshed = env.sign(&env.claims_with("alice", "notes:read", |c| {
        c.insert("iat".into(), json!(now() - 1));
        c.insert("exp".into(), json!(now() + 1800));
    }));
    assert_ne!(alice, refreshed);
    assert_eq!(env.mcp.call_text(&session, Some(&refreshed), "read_notes").await, "notes of alice");
    assert_eq!(env.mcp.list(&session, Some(&refreshed)).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn session_of_alice_used_with_her_token_for_another_client_is_not_found() {
    let env = Env::local_notes().await;
    let alice = env.token("alice", "notes:read");
    let session = env.mcp.session(Some(&alice)).await;
    let other_client = env.sign(&env.claims_with("alice", "notes:read", |c| {
        c.insert("client_id".into(), json!("client-2"));
    }));
    let response = env.mcp.list(&session, Some(&other_client)).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(json_body(response).await, session_not_found());
}

#[tokio::test]
async fn session_of_alice_used_without_a_token_is_challenged() {
    let env = Env::local_notes().await;
    let alice = env.token("alice", "notes:read");
    let session = env.mcp.session(Some(&alice)).await;
    // The session is alice's: without her token the client must sign in again (401 with the
    // challenge), not start over anonymously.
    let response = env.mcp.list(&session, None).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "challenge {:?}", www_authenticate(&response));
    let challenges = www_authenticate(&response);
    assert_eq!(challenges.len(), 1, "{challenges:?}");
    let expected = format!("Bearer resource_metadata=\"{}\"", env.mcp.prm_url);
    assert!(challenges[0].starts_with(&expected), "{challenges:?}");
    assert!(!challenges[0].contains("error="), "no error without credentials: {challenges:?}");
}

#[tokio::test]
async fn session_of_alice_used_with_her_expired_token_is_refused() {
    let env = Env::local_notes().await;
    let alice = env.token("alice", "notes:read");
    let session = env.mcp.session(Some(&alice)).await;
    let expired = env.sign(&env.claims_with("alice", "notes:read", |c| {
        c.insert("iat".into(), json!(now() - 7200));
        c.insert("exp".into(), json!(now() - 3600));
    }));
    assert_invalid_token(env.mcp.list(&session, Some(&expired)).await, &env.mcp).await;
}

#[tokio::test]
async fn anonymous_session_is_usable_after_signing_in() {
    let env = Env::local_notes().await;
    let session = env.anonymous_session().await;
    let response = env.mcp.call(&session, None, "read_notes", None).await;
    assert_missing_token(response, &env, "notes:read").await;
    let alice = env.token("alice", "notes:read");
    assert_eq!(env.mcp.call_text(&session, Some(&alice), "read_notes").await, "notes of alice");
}

// ---------------------------------------------------------------------------------------------
// 2026-07-28 requests

#[tokio::test]
async fn modern_requests_are_authenticated_and_authorized_as_legacy_ones() {
    let env = Env::local_notes().await;
    let token = env.token("alice", "notes:read");
    let done = result(env.mcp.call_modern(Some(&token), "test-client", "read_notes", json!({})).await).await;
    assert_eq!(done["content"][0]["text"], "notes of alice");
    assert_eq!(done["resultType"], "complete");
    assert_missing_token(env.mcp.call_modern(None, "test-client", "read_notes", json!({})).await, &env, "notes:read")
        .await;
    let lacking = env.token("bob", "notes:write");
    let response = env.mcp.call_modern(Some(&lacking), "test-client", "read_notes", json!({})).await;
    assert_insufficient_scope(response, &env, "notes:read", NEEDS_READ).await;
    let expired = env.sign(&env.claims_with("alice", "notes:read", |c| {
        c.insert("exp".into(), json!(now() - 3600));
    }));
    let response = env.mcp.call_modern(Some(&expired), "test-client", "public_info", json!({})).await;
    assert_invalid_token(response, &env.mcp).await;
    let response = env.mcp.post_modern(&auth_header(Some(&expired)), "test-client", "server/discover", json!({})).await;
    assert_invalid_token(response, &env.mcp).await;
    let public = result(env.mcp.call_modern(None, "test-client", "public_info", json!({})).await).await;
    assert_eq!(public["content"][0]["text"], "public for anonymous");
    let list = result(env.mcp.post_modern(&[], "test-client", "tools/list", json!({})).await).await;
    assert_eq!(list["tools"].as_array().map(Vec::len), Some(4));
    assert_eq!(list["cacheScope"], "private", "with auth, results may depend on who asks");
}

#[tokio::test]
async fn modern_chatgpt_gets_the_refusal_in_the_tool_result() {
    let env = Env::local_notes().await;
    let done = result(env.mcp.call_modern(None, "openai-mcp", "read_notes", json!({})).await).await;
    let expected = refusal_result(&env, "Authentication required: sign in to use read_notes.", "notes:read", SIGN_IN);
    assert_eq!(done["content"], expected["content"]);
    assert_eq!(done["isError"], json!(true));
    assert_eq!(done["_meta"]["mcp/www_authenticate"], expected["_meta"]["mcp/www_authenticate"]);
    assert_eq!(done["resultType"], "complete");
}

#[tokio::test]
async fn a_request_state_is_bound_to_its_caller() {
    let confirm = ToolDef::new("confirm_read", |_args, ctx: Context| async move {
        let schema = json!({ "type": "object", "properties": { "ok": { "type": "boolean" } } });
        let answer = ctx.elicit_as("confirm", ElicitParams::form("Read your notes?", schema)).await?;
        Ok(CallToolResult::text(format!("{:?} by {}", answer.action, caller(&ctx))))
    })
    .security(Security::required(["notes:read"]));
    let env = Env::local(vec![rsa_a().jwk], |auth| auth, |b| notes_tools(b).tool(confirm)).await;
    let alice = env.token("alice", "notes:read");
    let first = result(env.mcp.call_modern(Some(&alice), "test-client", "confirm_read", json!({})).await).await;
    assert_eq!(first["resultType"], "input_required");
    let retry = json!({
        "inputResponses": { "confirm": { "action": "accept", "content": { "ok": true } } },
        "requestState": first["requestState"]
    });
    let bob = env.token("bob", "notes:read");
    let response = env.mcp.call_modern(Some(&bob), "test-client", "confirm_read", retry.clone()).await;
    let body = json_body(response).await;
    assert_eq!(
        body["error"],
        json!({ "code": -32602, "message": "Invalid params: requestState belongs to another caller; retry the request without it" })
    );
    // Alice, with a refreshed token, may finish.
    let refreshed = env.token("alice", "notes:read");
    let done = result(env.mcp.call_modern(Some(&refreshed), "test-client", "confirm_read", retry).await).await;
    assert_eq!(done["content"][0]["text"], "Accept by alice");
}
