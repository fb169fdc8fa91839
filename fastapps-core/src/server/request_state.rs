//! The `requestState` of a 2026-07-28 multi round-trip request.
//!
//! It carries the answers the client gave in earlier rounds, so the handler finds all of them
//! on the final retry without the server storing anything. The client can read it (it is its
//! own data) but not change it: the state is sealed with an HMAC-SHA256 under the server's key,
//! and bound to the request it belongs to (method, tool/prompt/resource, a digest of the
//! arguments), to its caller and to a deadline. Anything else is refused with `-32602`.
//!
//! Wire form: `base64url(payload JSON) "." base64url(MAC over the first part)`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::{digest, hmac, rand};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::context::AccessToken;
use crate::protocol::ErrorObject;

/// The key request states are sealed with.
#[derive(Clone)]
pub(crate) struct StateKey(hmac::Key);

impl std::fmt::Debug for StateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StateKey(..)")
    }
}

impl StateKey {
    /// A key from a secret shared by every instance of a deployment.
    pub(crate) fn from_secret(secret: &[u8]) -> Self {
        Self(hmac::Key::new(hmac::HMAC_SHA256, secret))
    }

    /// A fresh random key: states then only verify on this process.
    pub(crate) fn random() -> Self {
        let mut secret = [0u8; 32];
        if rand::fill(&mut secret).is_err() {
            // The system's random source failing is not recoverable in any useful way; a key
            // from process-unique ids still keeps other processes' states out.
            let fallback = format!("{}{}", uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
            return Self::from_secret(fallback.as_bytes());
        }
        Self::from_secret(&secret)
    }
}

/// What a state is bound to: the request it was issued for and the caller. Digested only when
/// a state is sealed or opened, so a call that asks nothing pays for a copy, not a hash.
#[derive(Clone, Debug)]
pub(crate) struct Binding {
    method: &'static str,
    name: String,
    /// The arguments, serialized canonically.
    arguments: Vec<u8>,
    /// Issuer, subject and client of the caller, when authenticated.
    principal: Option<(String, String, Option<String>)>,
}

fn sha256_b64(parts: &[&[u8]]) -> String {
    let mut ctx = digest::Context::new(&digest::SHA256);
    for part in parts {
        ctx.update(part);
        ctx.update(&[0]);
    }
    URL_SAFE_NO_PAD.encode(ctx.finish().as_ref())
}

impl Binding {
    /// `arguments` are the call's arguments; they serialize canonically (object keys sorted).
    pub(crate) fn new(
        method: &'static str,
        name: &str,
        arguments: &impl Serialize,
        user: Option<&AccessToken>,
    ) -> Self {
        let principal = user.map(|u| {
            let issuer = u.claim("iss").and_then(Value::as_str).unwrap_or_default().to_owned();
            (issuer, u.subject.clone(), u.client_id.clone())
        });
        // Serializing plain JSON data cannot fail.
        let arguments = serde_json::to_vec(arguments).unwrap_or_default();
        Self { method, name: name.to_owned(), arguments, principal }
    }

    fn arguments_digest(&self) -> String {
        sha256_b64(&[&self.arguments])
    }

    fn principal_digest(&self) -> Option<String> {
        self.principal.as_ref().map(|(issuer, subject, client)| {
            sha256_b64(&[issuer.as_bytes(), subject.as_bytes(), client.as_deref().unwrap_or("").as_bytes()])
        })
    }
}

#[derive(Serialize, Deserialize)]
struct Payload {
    /// Format version.
    v: u8,
    /// Method.
    m: String,
    /// Tool or prompt name, or resource URI.
    n: String,
    /// Digest of the arguments.
    d: String,
    /// Digest of the caller, when authenticated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    p: Option<String>,
    /// Expiry, seconds since the Unix epoch.
    e: u64,
    /// The answers so far.
    a: Map<String, Value>,
}

fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Seals `answers` for the next round of the request `binding` describes.
pub(crate) fn seal(key: &StateKey, binding: &Binding, answers: Map<String, Value>, ttl: Duration) -> String {
    let payload = Payload {
        v: 1,
        m: binding.method.to_owned(),
        n: binding.name.clone(),
        d: binding.arguments_digest(),
        p: binding.principal_digest(),
        e: now_secs().saturating_add(ttl.as_secs().max(1)),
        a: answers,
    };
    // A struct of strings, numbers and JSON values always serializes.
    let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload).unwrap_or_default());
    let tag = hmac::sign(&key.0, body.as_bytes());
    format!("{body}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
}

fn refused(why: &str) -> ErrorObject {
    ErrorObject::invalid_params(format!("Invalid params: requestState {why}; retry the request without it"))
}

/// The answers a state carries, once it is verified to be ours, unchanged, unexpired and for
/// this request and caller.
pub(crate) fn open(key: &StateKey, binding: &Binding, state: &str) -> Result<Map<String, Value>, ErrorObject> {
    let (body, tag) = state.split_once('.').ok_or_else(|| refused("is malformed"))?;
    let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| refused("is malformed"))?;
    hmac::verify(&key.0, body.as_bytes(), &tag).map_err(|_| refused("does not verify"))?;
    let bytes = URL_SAFE_NO_PAD.decode(body).map_err(|_| refused("is malformed"))?;
    let payload: Payload = serde_json::from_slice(&bytes).map_err(|_| refused("is malformed"))?;
    if payload.v != 1 {
        return Err(refused("has an unknown format"));
    }
    if payload.e < now_secs() {
        return Err(refused("has expired"));
    }
    if payload.m != binding.method || payload.n != binding.name || payload.d != binding.arguments_digest() {
        return Err(refused("belongs to another request"));
    }
    if payload.p != binding.principal_digest() {
        return Err(refused("belongs to another caller"));
    }
    Ok(payload.a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn binding(name: &str, user: Option<&AccessToken>) -> Binding {
        Binding::new("tools/call", name, &json!({ "a": 1 }), user)
    }

    #[test]
    fn a_sealed_state_opens_only_unchanged_for_its_request_and_caller() {
        let key = StateKey::random();
        let alice = AccessToken::new("alice", ["read"]);
        let mut answers = Map::new();
        answers.insert("step1".into(), json!({ "action": "accept", "content": { "name": "Alice" } }));
        let state = seal(&key, &binding("t", Some(&alice)), answers.clone(), Duration::from_secs(60));
        assert_eq!(open(&key, &binding("t", Some(&alice)), &state).unwrap(), answers);

        let code = |r: Result<Map<String, Value>, ErrorObject>| r.err().map(|e| e.code);
        assert_eq!(code(open(&key, &binding("t", Some(&alice)), &format!("{state}-TAMPERED"))), Some(-32602));
        assert_eq!(code(open(&key, &binding("other", Some(&alice)), &state)), Some(-32602));
        assert_eq!(code(open(&key, &binding("t", None), &state)), Some(-32602));
        let bob = AccessToken::new("bob", ["read"]);
        assert_eq!(code(open(&key, &binding("t", Some(&bob)), &state)), Some(-32602));
        let other_args = Binding::new("tools/call", "t", &json!({ "a": 2 }), Some(&alice));
        assert_eq!(code(open(&key, &other_args, &state)), Some(-32602));
        assert_eq!(code(open(&StateKey::random(), &binding("t", Some(&alice)), &state)), Some(-32602));
        for garbage in ["", ".", "abc", "a.b", "!!!.###"] {
            assert_eq!(code(open(&key, &binding("t", Some(&alice)), garbage)), Some(-32602), "{garbage}");
        }
    }

    #[test]
    fn an_expired_state_is_refused() {
        let key = StateKey::random();
        let b = binding("t", None);
        let payload = Payload {
            v: 1,
            m: b.method.into(),
            n: b.name.clone(),
            d: b.arguments_digest(),
            p: None,
            e: now_secs() - 1,
            a: Map::new(),
        };
        let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload).unwrap());
        let tag = hmac::sign(&key.0, body.as_bytes());
        let state = format!("{body}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()));
        let err = open(&key, &b, &state).unwrap_err();
        assert_eq!(err.message, "Invalid params: requestState has expired; retry the request without it");
        // The same payload with a future deadline opens.
        let fresh = seal(&key, &b, Map::new(), Duration::from_secs(60));
        assert!(open(&key, &b, &fresh).is_ok());
    }

    #[test]
    fn a_changed_payload_does_not_verify() {
        let key = StateKey::from_secret(b"shared secret");
        let state = seal(&key, &binding("t", None), Map::new(), Duration::from_secs(60));
        let (body, tag) = state.split_once('.').unwrap();
        let mut payload: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(body).unwrap()).unwrap();
        payload["a"] = json!({ "step1": { "action": "accept" } });
        let forged = format!("{}.{tag}", URL_SAFE_NO_PAD.encode(payload.to_string()));
        assert!(open(&key, &binding("t", None), &forged).is_err());
        // The same secret on another instance opens it.
        assert!(open(&StateKey::from_secret(b"shared secret"), &binding("t", None), &state).is_ok());
    }
}
