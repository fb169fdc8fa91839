//! Bearer token validation end to end: a real issuer (discovery + JWKS on 127.0.0.1), the
//! server driven in process, and one test per bad token of the profile (every failure is a 401 `invalid_token`
//! with the same generic challenge and body), the JWKS cache and key rotation, and the
//! protected-resource metadata. (The start-up checks of `serve` are in `socket.rs`.)

mod common;

use common::auth::*;
use http::{HeaderMap, HeaderValue, StatusCode};
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// Signature and algorithm

#[tokio::test]
async fn alg_none_token_is_refused() {
    let env = Env::notes().await;
    let header = json!({ "alg": "none", "typ": "JWT" });
    let token = format!("{}.{}.", b64(&header), b64(&env.claims("alice", "notes:read")));
    env.assert_refused(&token).await;
}

#[tokio::test]
async fn alg_none_token_with_a_signature_segment_is_refused() {
    let env = Env::notes().await;
    for alg in ["none", "None", "NONE"] {
        let header = json!({ "alg": alg, "typ": "JWT", "kid": KID_A });
        let token = format!("{}.{}.c2lnbmF0dXJl", b64(&header), b64(&env.claims("alice", "notes:read")));
        env.assert_refused(&token).await;
    }
}

#[tokio::test]
async fn hs256_keyed_with_the_rsa_public_key_pem_is_refused() {
    let env = Env::notes().await;
    let secret = EncodingKey::from_secret(RSA_A_PUBLIC_PEM);
    let header = json!({ "alg": "HS256", "typ": "JWT", "kid": KID_A });
    let token = sign_with(&secret, Algorithm::HS256, &header, &env.claims("alice", "notes:read"));
    env.assert_refused(&token).await;
}

#[tokio::test]
async fn ps256_signed_with_the_rs256_key_is_refused() {
    let env = Env::notes().await;
    let header = json!({ "alg": "PS256", "typ": "JWT", "kid": KID_A });
    let token = sign_with(&rsa_a().encoding, Algorithm::PS256, &header, &env.claims("alice", "notes:read"));
    env.assert_refused(&token).await;
}

#[tokio::test]
async fn forged_signature_with_a_known_kid_is_refused() {
    let env = Env::notes().await;
    // Signed with key B (not published) under key A's kid.
    let token = sign(&rsa_b(), &header(&rsa_a()), &env.claims("alice", "notes:read"));
    env.assert_refused(&token).await;
}

#[tokio::test]
async fn tampered_payload_is_refused() {
    let env = Env::notes().await;
    let token = env.token("alice", "notes:read");
    let parts: Vec<&str> = token.split('.').collect();
    let escalated = env.claims("alice", "notes:read notes:write admin");
    let tampered = format!("{}.{}.{}", parts[0], b64(&escalated), parts[2]);
    env.assert_refused(&tampered).await;
    // The untouched token is fine.
    env.assert_accepted(&token).await;
}

#[tokio::test]
async fn unknown_crit_header_is_refused() {
    let env = Env::notes().await;
    let header = json!({ "alg": "RS256", "typ": "JWT", "kid": KID_A, "crit": ["urn:example:unknown"], "urn:example:unknown": true });
    let token = sign(&env.key, &header, &env.claims("alice", "notes:read"));
    env.assert_refused(&token).await;
}

#[tokio::test]
async fn es256_token_is_refused_when_only_rs256_is_allowed() {
    let env = Env::start(vec![rsa_a().jwk, ec().jwk], |auth| auth, notes_tools).await;
    let key = ec();
    let token = sign(&key, &header(&key), &env.claims("alice", "notes:read"));
    env.assert_refused(&token).await;
}

#[tokio::test]
async fn es256_token_is_accepted_when_es256_is_allowed() {
    let env = Env::start(
        vec![rsa_a().jwk, ec().jwk],
        |auth| auth.algorithms([Algorithm::RS256, Algorithm::ES256]),
        notes_tools,
    )
    .await;
    let key = ec();
    let token = sign(&key, &header(&key), &env.claims("alice", "notes:read"));
    env.assert_accepted(&token).await;
}

#[tokio::test]
async fn token_signed_with_a_1024_bit_key_is_refused() {
    // The 1024-bit token is pre-signed for a fixed issuer and audience (aws-lc-rs cannot sign
    // with such a key), so this server names them explicitly and fetches the JWKS directly.
    let issuer = issuer(vec![rsa_a().jwk, weak_jwk()]).await;
    let jwks_uri = format!("{}/jwks", issuer.url());
    let server = build(WEAK_ISSUER, |auth| auth.jwks_uri(jwks_uri).audience(WEAK_AUDIENCE), notes_tools);
    let env = Env::serving(issuer, server).await;
    env.assert_refused(WEAK_TOKEN.trim()).await;
    // The same claims signed with a 2048-bit key pass: only the key strength differs.
    let claims = unb64(WEAK_TOKEN.trim().split('.').nth(1).expect("a payload"));
    assert_eq!(claims["iss"], WEAK_ISSUER);
    env.assert_accepted(&env.sign(&claims)).await;
}

// ---------------------------------------------------------------------------------------------
// Framing and the header

#[tokio::test]
async fn two_part_token_is_refused() {
    let env = Env::notes().await;
    let token = env.token("alice", "notes:read");
    let two_parts = token.rsplit_once('.').expect("three parts").0.to_owned();
    env.assert_refused(&two_parts).await;
}

#[tokio::test]
async fn non_base64_token_is_refused() {
    let env = Env::notes().await;
    env.assert_refused("not$base64.at~all.!!!").await;
    env.assert_refused("garbage").await;
}

#[tokio::test]
async fn five_part_jwe_token_is_refused() {
    let env = Env::notes().await;
    let header = json!({ "alg": "RSA-OAEP", "enc": "A256GCM", "kid": KID_A });
    env.assert_refused(&format!("{}.a2V5.aXY.Y2lwaGVy.dGFn", b64(&header))).await;
}

#[tokio::test]
async fn hundred_kb_token_is_a_bad_request() {
    let env = Env::notes().await;
    let session = env.anonymous_session().await;
    let token = "a".repeat(100 * 1024);
    let response = env.mcp.call(&session, Some(&token), "read_notes", None).await;
    let challenge = format!(
        "Bearer error=\"invalid_request\", error_description=\"the token is too large\", resource_metadata=\"{}\"",
        env.mcp.prm_url
    );
    assert_oauth(response, StatusCode::BAD_REQUEST, &challenge, "invalid_request", "the token is too large").await;
}

#[tokio::test]
async fn two_authorization_headers_are_a_bad_request() {
    let env = Env::notes().await;
    let session = env.anonymous_session().await;
    let token = env.token("alice", "notes:read");
    let headers = [format!("Bearer {token}"), format!("Bearer {token}")];
    let response = env.mcp.post(Some(&session), &headers, &rpc("tools/list", json!({}))).await;
    let challenge = format!(
        "Bearer error=\"invalid_request\", error_description=\"several Authorization headers\", \
         resource_metadata=\"{}\"",
        env.mcp.prm_url
    );
    assert_oauth(response, StatusCode::BAD_REQUEST, &challenge, "invalid_request", "several Authorization headers")
        .await;
}

#[tokio::test]
async fn lowercase_bearer_scheme_is_accepted() {
    let env = Env::notes().await;
    let session = env.anonymous_session().await;
    let token = env.token("alice", "notes:read");
    for scheme in ["bearer", "BEARER"] {
        let headers = [format!("{scheme} {token}")];
        let params = json!({ "name": "read_notes", "arguments": {} });
        let response = env.mcp.post(Some(&session), &headers, &rpc("tools/call", params)).await;
        let result = result(response).await;
        assert_eq!(result["content"][0]["text"], "notes of alice", "{scheme}");
    }
}

#[tokio::test]
async fn several_spaces_after_bearer_are_accepted() {
    let env = Env::notes().await;
    let session = env.anonymous_session().await;
    let token = env.token("alice", "notes:read");
    let headers = [format!("Bearer  {token}")];
    let params = json!({ "name": "read_notes", "arguments": {} });
    let response = env.mcp.post(Some(&session), &headers, &rpc("tools/call", params)).await;
    assert_eq!(result(response).await["content"][0]["text"], "notes of alice");
}

// ---------------------------------------------------------------------------------------------
// Header parameters: kid and typ

#[tokio::test]
async fn unknown_kid_is_refused() {
    let env = Env::notes().await;
    let header = json!({ "alg": "RS256", "typ": "JWT", "kid": "no-such-key" });
    let token = sign(&env.key, &header, &env.claims("alice", "notes:read"));
    env.assert_refused(&token).await;
}

#[tokio::test]
async fn no_kid_with_two_keys_in_the_jwks_is_refused() {
    let env = Env::start(vec![rsa_a().jwk, rsa_b().jwk], |auth| auth, notes_tools).await;
    let token = sign(&env.key, &json!({ "alg": "RS256", "typ": "JWT" }), &env.claims("alice", "notes:read"));
    env.assert_refused(&token).await;
}

#[tokio::test]
async fn no_kid_with_a_single_key_in_the_jwks_is_accepted() {
    let env = Env::notes().await;
    let token = sign(&env.key, &json!({ "alg": "RS256", "typ": "JWT" }), &env.claims("alice", "notes:read"));
    env.assert_accepted(&token).await;
}

#[tokio::test]
async fn id_token_typ_is_refused() {
    let env = Env::notes().await;
    for typ in ["id_token+jwt", "logout+jwt"] {
        let header = json!({ "alg": "RS256", "typ": typ, "kid": KID_A });
        let token = sign(&env.key, &header, &env.claims("alice", "notes:read"));
        env.assert_refused(&token).await;
    }
}

#[tokio::test]
async fn at_jwt_typ_is_accepted() {
    let env = Env::notes().await;
    for typ in ["at+jwt", "application/at+jwt"] {
        let header = json!({ "alg": "RS256", "typ": typ, "kid": KID_A });
        let token = sign(&env.key, &header, &env.claims("alice", "notes:read"));
        env.assert_accepted(&token).await;
    }
}

// ---------------------------------------------------------------------------------------------
// Claims: time

#[tokio::test]
async fn expired_beyond_the_leeway_is_refused() {
    let env = Env::notes().await;
    let claims = env.claims_with("alice", "notes:read", |c| {
        c.insert("iat".into(), json!(now() - 900));
        c.insert("exp".into(), json!(now() - 120));
    });
    env.assert_refused(&env.sign(&claims)).await;
}

#[tokio::test]
async fn expired_within_the_leeway_is_accepted() {
    let env = Env::notes().await;
    let claims = env.claims_with("alice", "notes:read", |c| {
        c.insert("iat".into(), json!(now() - 900));
        c.insert("exp".into(), json!(now() - 30));
    });
    env.assert_accepted(&env.sign(&claims)).await;
}

#[tokio::test]
async fn token_without_exp_is_refused() {
    let env = Env::notes().await;
    let claims = env.claims_with("alice", "notes:read", |c| {
        c.remove("exp");
    });
    env.assert_refused(&env.sign(&claims)).await;
}

#[tokio::test]
async fn nbf_in_the_future_is_refused() {
    let env = Env::notes().await;
    let claims = env.claims_with("alice", "notes:read", |c| {
        c.insert("nbf".into(), json!(now() + 3600));
        c.insert("exp".into(), json!(now() + 7200));
    });
    env.assert_refused(&env.sign(&claims)).await;
}

#[tokio::test]
async fn iat_in_the_future_is_refused() {
    let env = Env::notes().await;
    let claims = env.claims_with("alice", "notes:read", |c| {
        c.insert("iat".into(), json!(now() + 86_400));
        c.insert("exp".into(), json!(now() + 90_000));
    });
    env.assert_refused(&env.sign(&claims)).await;
}

// ---------------------------------------------------------------------------------------------
// Claims: issuer, audience, subject, scopes

#[tokio::test]
async fn wrong_issuer_is_refused() {
    let env = Env::notes().await;
    let claims = env.claims_with("alice", "notes:read", |c| {
        c.insert("iss".into(), json!("https://evil.example.com"));
    });
    env.assert_refused(&env.sign(&claims)).await;
}

#[tokio::test]
async fn missing_issuer_is_refused() {
    let env = Env::notes().await;
    let claims = env.claims_with("alice", "notes:read", |c| {
        c.remove("iss");
    });
    env.assert_refused(&env.sign(&claims)).await;
}

#[tokio::test]
async fn issuer_with_an_added_trailing_slash_is_refused() {
    let env = Env::notes().await;
    let slashed = format!("{}/", env.issuer().url());
    let claims = env.claims_with("alice", "notes:read", |c| {
        c.insert("iss".into(), json!(slashed));
    });
    env.assert_refused(&env.sign(&claims)).await;
}

#[tokio::test]
async fn wrong_audience_is_refused() {
    let env = Env::notes().await;
    let claims = env.claims_with("alice", "notes:read", |c| {
        c.insert("aud".into(), json!("http://127.0.0.1:1/mcp"));
    });
    env.assert_refused(&env.sign(&claims)).await;
}

#[tokio::test]
async fn missing_audience_is_refused() {
    let env = Env::notes().await;
    let claims = env.claims_with("alice", "notes:read", |c| {
        c.remove("aud");
    });
    env.assert_refused(&env.sign(&claims)).await;
}

#[tokio::test]
async fn audience_array_containing_ours_is_accepted() {
    let env = Env::notes().await;
    let ours = env.mcp.url.clone();
    let claims = env.claims_with("alice", "notes:read", |c| {
        c.insert("aud".into(), json!(["https://tenant.example.com/userinfo", ours]));
    });
    env.assert_accepted(&env.sign(&claims)).await;
}

#[tokio::test]
async fn empty_audience_array_is_refused() {
    let env = Env::notes().await;
    let claims = env.claims_with("alice", "notes:read", |c| {
        c.insert("aud".into(), json!([]));
    });
    env.assert_refused(&env.sign(&claims)).await;
}

#[tokio::test]
async fn token_without_sub_is_refused() {
    let env = Env::notes().await;
    let claims = env.claims_with("alice", "notes:read", |c| {
        c.remove("sub");
    });
    env.assert_refused(&env.sign(&claims)).await;
}

#[tokio::test]
async fn token_without_scopes_is_valid_but_forbidden_for_a_scoped_tool() {
    let env = Env::notes().await;
    let claims = env.claims_with("alice", "", |c| {
        c.remove("scope");
    });
    let token = env.sign(&claims);
    let session = env.anonymous_session().await;
    let response = env.mcp.call(&session, Some(&token), "read_notes", None).await;
    let challenge = format!(
        "Bearer error=\"insufficient_scope\", scope=\"notes:read\", resource_metadata=\"{}\", \
         error_description=\"Additional permission required: notes:read\"",
        env.mcp.prm_url
    );
    let description = "Additional permission required: notes:read";
    assert_oauth(response, StatusCode::FORBIDDEN, &challenge, "insufficient_scope", description).await;
    // The token itself is valid: discovery and public tools work with it.
    assert_eq!(env.mcp.list(&session, Some(&token)).await.status(), StatusCode::OK);
    assert_eq!(env.mcp.call_text(&session, Some(&token), "public_info").await, "public for alice");
}

// ---------------------------------------------------------------------------------------------
// The JWKS: rotation, floods, outages, the verified-token cache

#[tokio::test]
async fn rotated_key_is_accepted_at_first_sight() {
    let env = Env::notes().await;
    assert_eq!(env.issuer().jwks_fetches(), 1, "the keys are fetched once at start-up");
    env.mcp.wait_refresh_interval().await;
    env.issuer().set_keys(vec![rsa_a().jwk, rsa_b().jwk]);
    let key = rsa_b();
    let token = sign(&key, &header(&key), &env.claims("alice", "notes:read"));
    env.assert_accepted(&token).await;
    assert_eq!(env.issuer().jwks_fetches(), 2, "one refresh found the new key");
}

#[tokio::test]
async fn rotated_key_first_seen_within_the_refresh_interval_is_accepted_once_it_passed() {
    let env = Env::notes().await;
    // Published and used right after a fetch (here the start-up one): the key store may wait
    // out its refresh interval, but must not remember the genuine kid as unknown.
    env.issuer().set_keys(vec![rsa_a().jwk, rsa_b().jwk]);
    let key = rsa_b();
    let token = sign(&key, &header(&key), &env.claims("alice", "notes:read"));
    let session = env.anonymous_session().await;
    let first = env.mcp.call(&session, Some(&token), "read_notes", None).await;
    assert!(matches!(first.status(), StatusCode::OK | StatusCode::UNAUTHORIZED), "{}", first.status());
    env.mcp.wait_refresh_interval().await;
    env.assert_accepted(&token).await;
}

#[tokio::test]
async fn flood_of_unknown_kids_causes_at_most_a_couple_of_jwks_fetches() {
    let env = Env::notes().await;
    env.mcp.wait_refresh_interval().await;
    let before = env.issuer().jwks_fetches();
    let session = env.anonymous_session().await;
    let claims = env.claims("alice", "notes:read");
    let mut calls = tokio::task::JoinSet::new();
    for i in 0..50 {
        let token = sign(&env.key, &json!({ "alg": "RS256", "typ": "JWT", "kid": format!("bogus-{i}") }), &claims);
        let client = env.mcp.client.clone();
        let headers = env.mcp.headers(Some(&session), &auth_header(Some(&token)));
        calls.spawn(async move {
            let body = rpc("tools/list", json!({})).to_string();
            common::send(&client, http::Method::POST, RESOURCE, headers, Some(body.into())).await
        });
    }
    while let Some(response) = calls.join_next().await {
        assert_invalid_token(response.expect("the call ran"), &env.mcp).await;
    }
    let fetches = env.issuer().jwks_fetches() - before;
    assert!(fetches <= 2, "50 unknown kids caused {fetches} JWKS fetches");
    // Good tokens are unaffected.
    env.assert_accepted(&env.token("alice", "notes:read")).await;
}

#[tokio::test]
async fn cached_keys_keep_working_when_the_jwks_endpoint_goes_down() {
    let env = Env::notes().await;
    env.issuer().set_available(false);
    // A token never seen before: verified with the cached keys.
    env.assert_accepted(&env.token("alice", "notes:read")).await;
    // Forged tokens are still refused (no key to match, none fetchable).
    let unknown = sign(&env.key, &json!({ "alg": "RS256", "kid": "no-such-key" }), &env.claims("alice", "notes:read"));
    env.assert_refused(&unknown).await;
}

#[tokio::test]
async fn verified_token_cache_serves_a_token_whose_key_was_rotated_out() {
    let env = Env::notes().await;
    let token = env.token("alice", "notes:read");
    env.assert_accepted(&token).await;
    // Key A leaves the JWKS; an unknown kid after the refresh interval makes the store refetch.
    env.issuer().set_keys(vec![rsa_b().jwk]);
    env.mcp.wait_refresh_interval().await;
    let unknown = sign(&env.key, &json!({ "alg": "RS256", "kid": "no-such-key" }), &env.claims("alice", "notes:read"));
    env.assert_refused(&unknown).await;
    assert_eq!(env.issuer().jwks_fetches(), 2, "the unknown kid refreshed the keys");
    // The verified token needs no key; another token of key A is refused, the key being gone.
    env.assert_accepted(&token).await;
    env.assert_refused(&env.token("alice", "notes:read")).await;
    // And the JWKS endpoint can be down altogether.
    env.issuer().set_available(false);
    env.assert_accepted(&token).await;
}

#[tokio::test]
async fn verified_token_cache_needs_no_jwks_for_a_token_seen_before() {
    let env = Env::notes().await;
    let token = env.token("alice", "notes:read");
    env.assert_accepted(&token).await;
    let fetches = env.issuer().jwks_fetches();
    env.issuer().set_available(false);
    env.assert_accepted(&token).await;
    assert_eq!(env.issuer().jwks_fetches(), fetches, "no fetch for a verified token");
}

// ---------------------------------------------------------------------------------------------
// Protected-resource metadata

async fn assert_prm(env: &Env, url: &str, scopes: Value) {
    let headers = HeaderMap::from_iter([(http::header::ORIGIN, HeaderValue::from_static("https://chatgpt.com"))]);
    let response = env.mcp.get(url, headers).await;
    assert_eq!(response.status(), StatusCode::OK);
    let header = |name: &str| response.headers().get(name).map(|v| v.to_str().expect("ASCII").to_owned());
    assert_eq!(header("access-control-allow-origin").as_deref(), Some("*"));
    assert_eq!(header("cache-control").as_deref(), Some("public, max-age=3600"));
    let body = json_body(response).await;
    assert_eq!(
        body,
        json!({
            "resource": env.mcp.url,
            "authorization_servers": [env.issuer().url()],
            "scopes_supported": scopes,
            "bearer_methods_supported": ["header"],
        })
    );
}

#[tokio::test]
async fn prm_is_served_at_the_path_inserted_url() {
    let env = Env::notes().await;
    assert_prm(&env, &env.mcp.prm_url, json!(["notes:read", "notes:write"])).await;
}

#[tokio::test]
async fn prm_is_served_at_the_root_url() {
    let env = Env::notes().await;
    assert_prm(&env, &env.mcp.root_prm_url, json!(["notes:read", "notes:write"])).await;
}

#[tokio::test]
async fn prm_lists_the_configured_scopes_supported() {
    let env = Env::start(
        vec![rsa_a().jwk],
        |auth| auth.required_scopes(["mcp:access"]).scopes_supported(["mcp:access", "notes:read", "notes:write"]),
        notes_tools,
    )
    .await;
    assert_prm(&env, &env.mcp.prm_url, json!(["mcp:access", "notes:read", "notes:write"])).await;
}

#[tokio::test]
async fn issuer_with_a_trailing_slash_is_used_verbatim() {
    // Auth0-style: the issuer identifier ends with a slash, in the metadata and the tokens.
    let issuer = issuer(vec![rsa_a().jwk]).await;
    let slashed = format!("{}/", issuer.url());
    issuer.advertise_issuer(&slashed);
    let env = Env::serving(issuer, build(&slashed, |auth| auth, notes_tools)).await;
    let response = env.mcp.get(&env.mcp.prm_url, HeaderMap::new()).await;
    assert_eq!(json_body(response).await["authorization_servers"], json!([slashed]));
    let claims = env.claims_with("alice", "notes:read", |c| {
        c.insert("iss".into(), json!(slashed));
    });
    env.assert_accepted(&env.sign(&claims)).await;
    // Without the slash it is another issuer.
    env.assert_refused(&env.token("alice", "notes:read")).await;
}
