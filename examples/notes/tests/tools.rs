//! The notes tools, driven in process against an issuer on 127.0.0.1 (its discovery document
//! and JWKS, and tokens it signs): every tool needs a token with its scope, and each user
//! sees, changes and deletes only their own notes.

use fastapps_core::axum::body::Body;
use fastapps_core::testing::{TestClient, TestIssuer};
use notes::NotesStore;
use serde_json::{Value, json};

const EVERY_SCOPE: [&str; 3] = ["read:notes", "write:notes", "use:calculator"];

/// The server (its notes in memory) behind `issuer`'s tokens.
async fn server() -> (TestIssuer, TestClient) {
    let issuer = TestIssuer::start().await.expect("the issuer starts");
    let store = NotesStore::in_memory().expect("an in-memory database");
    let server = notes::app().state(store).auth(notes::resource_side(issuer.auth())).build_server().expect("it builds");
    (issuer, TestClient::new(server))
}

/// A signed-in user: the client with `issuer`'s token for `subject` with `scopes`.
struct User(TestClient);

impl User {
    fn new(client: &TestClient, issuer: &TestIssuer, subject: &str, scopes: &[&str]) -> Self {
        Self(client.bearer(issuer.token(subject, scopes)))
    }

    /// Calls a tool; returns its result.
    async fn call(&self, name: &str, arguments: Value) -> Value {
        let result = self.0.call_tool(name, arguments).await.unwrap_or_else(|e| panic!("{name}: {e}"));
        serde_json::to_value(result).expect("JSON")
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
    let (issuer, client) = server().await;

    // Every tool needs sign-in, so every request does.
    let anonymous = client.request("ping", json!({})).await.unwrap_err();
    assert_eq!(anonymous.status().map(|s| s.as_u16()), Some(401), "{anonymous}");

    let alice = User::new(&client, &issuer, "alice", &EVERY_SCOPE);
    let list = alice.0.request("tools/list", json!({})).await.unwrap();
    let tools: Vec<(String, Value, Value)> = list["tools"]
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

    let metadata = client
        .send(http::Request::get("/.well-known/oauth-protected-resource/mcp").body(Body::empty()).unwrap())
        .await
        .json()
        .unwrap();
    assert_eq!(metadata["resource"], json!(issuer.audience()));
    assert_eq!(metadata["authorization_servers"], json!([issuer.url()]));
    assert_eq!(metadata["resource_name"], json!("Notes"));
    let mut supported: Vec<&str> =
        metadata["scopes_supported"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    supported.sort_unstable();
    assert_eq!(supported, ["read:notes", "use:calculator", "write:notes"]);
}

#[tokio::test]
async fn a_note_from_creation_to_deletion() {
    let (issuer, client) = server().await;
    let alice = User::new(&client, &issuer, "alice", &EVERY_SCOPE);

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
    let (issuer, client) = server().await;
    let alice = User::new(&client, &issuer, "alice", &EVERY_SCOPE);
    let bob = User::new(&client, &issuer, "bob", &EVERY_SCOPE);

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
    let (issuer, client) = server().await;
    let reader = User::new(&client, &issuer, "carol", &["read:notes"]);

    assert_eq!(reader.ok("list_notes", json!({})).await, json!({ "notes": [] }));
    for (tool, arguments, scope) in [
        ("create_note", json!({ "title": "t", "content": "c" }), "write:notes"),
        ("add_numbers", json!({ "a": 1, "b": 2 }), "use:calculator"),
    ] {
        let refused = reader.0.call_tool(tool, arguments).await.unwrap_err();
        assert_eq!(refused.status().map(|s| s.as_u16()), Some(403), "{tool}");
        let fastapps_core::testing::TestError::Http { www_authenticate: Some(challenge), .. } = &refused else {
            panic!("{tool}: {refused:?}")
        };
        assert!(challenge.starts_with("Bearer error=\"insufficient_scope\""), "{challenge}");
        assert!(challenge.contains(scope), "{tool}: {challenge}");
    }
}

#[tokio::test]
async fn the_calculator() {
    let (issuer, client) = server().await;
    let user = User::new(&client, &issuer, "dave", &["use:calculator"]);

    let sum = user.call("add_numbers", json!({ "a": 2, "b": 40 })).await;
    assert_eq!(sum["structuredContent"], json!({ "result": 42.0 }));
    assert_eq!(sum["content"][0]["text"], json!("2 + 40 = 42"));
    assert_eq!(user.ok("subtract_numbers", json!({ "a": 2, "b": 0.5 })).await, json!({ "result": 1.5 }));
    assert_eq!(user.ok("multiply_numbers", json!({ "a": -3, "b": 4 })).await, json!({ "result": -12.0 }));
    assert_eq!(user.ok("divide_numbers", json!({ "a": 1, "b": 4 })).await, json!({ "result": 0.25 }));
    assert_eq!(user.error("divide_numbers", json!({ "a": 1, "b": 0 })).await, "Cannot divide by zero.");
}
