//! OAuth clients: RFC 7591 dynamic client registration, and the client record that registration
//! and Client ID Metadata Documents both produce.
//!
//! Every client is public (`token_endpoint_auth_method: "none"`): the server issues no client
//! secrets, PKCE binds each code to the client that asked for it. Registration is open to
//! anyone, so the request is treated as hostile input: size-capped, every field type-checked and
//! length-capped, redirect URIs held to [`check_registered`], unknown metadata ignored (RFC 7591
//! §2), and the record holds only what the server understood.

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::redirect::{ApplicationType, MAX_URI_LEN, check_registered};

/// The largest registration request body read, in bytes.
pub(crate) const MAX_REGISTRATION_BODY: usize = 16 * 1024;
/// The most redirect URIs one client may register.
pub(crate) const MAX_REDIRECT_URIS: usize = 20;
/// The longest `client_name`, `software_id` or `software_version`, in characters.
pub(crate) const MAX_NAME_CHARS: usize = 200;
/// The longest `scope` value, in bytes.
pub(crate) const MAX_SCOPE_LEN: usize = 1024;
/// Random bytes in a client id: 192 bits, 32 URL-safe characters.
const CLIENT_ID_BYTES: usize = 24;

/// The grant types a client may register.
pub(crate) const GRANT_TYPES: [&str; 2] = ["authorization_code", "refresh_token"];
/// The response types a client may register.
pub(crate) const RESPONSE_TYPES: [&str; 1] = ["code"];
/// The one client authentication method: public clients, no secret.
pub(crate) const AUTH_METHOD_NONE: &str = "none";

/// What the server knows of an OAuth client, however it became known.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ClientRecord {
    /// The client identifier: random for a registered client, the document URL for a client
    /// identified by its metadata document.
    pub client_id: String,
    /// A name to show the user on the consent page.
    pub client_name: Option<String>,
    /// The redirect URIs the client may use, each checked at registration.
    pub redirect_uris: Vec<String>,
    /// Whether the client is a web or a native application.
    pub application_type: ApplicationType,
    /// A subset of `authorization_code`, `refresh_token`; always holds `authorization_code`.
    pub grant_types: Vec<String>,
    /// `["code"]`.
    pub response_types: Vec<String>,
    /// `"none"`: every client is public.
    pub token_endpoint_auth_method: String,
    /// The scopes the client said it would ask for (space-separated), if it said.
    pub scope: Option<String>,
    /// The client's home page (https).
    pub client_uri: Option<String>,
    /// The client's logo (https).
    pub logo_uri: Option<String>,
    /// The client software's identifier, the same for every instance of it.
    pub software_id: Option<String>,
    /// The client software's version.
    pub software_version: Option<String>,
    /// When the client was registered or its document fetched, in unix seconds.
    pub issued_at: u64,
    /// How the client became known.
    pub source: ClientSource,
}

/// How a client became known to the server.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ClientSource {
    /// Through RFC 7591 dynamic client registration.
    Registered,
    /// Through its Client ID Metadata Document (its `client_id` is the document's URL).
    MetadataDocument,
}

/// A refused registration: an RFC 7591 §3.2.2 error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}: {description}")]
pub struct RegistrationError {
    /// `"invalid_redirect_uri"` or `"invalid_client_metadata"`.
    pub error: &'static str,
    /// What is wrong, for the developer (`error_description`).
    pub description: String,
}

impl RegistrationError {
    /// `error` of a refused redirect URI.
    pub const INVALID_REDIRECT_URI: &'static str = "invalid_redirect_uri";
    /// `error` of any other refused metadata.
    pub const INVALID_CLIENT_METADATA: &'static str = "invalid_client_metadata";

    fn metadata(description: impl Into<String>) -> Self {
        Self { error: Self::INVALID_CLIENT_METADATA, description: description.into() }
    }

    fn redirect(description: impl Into<String>) -> Self {
        Self { error: Self::INVALID_REDIRECT_URI, description: description.into() }
    }

    /// The response body: `{"error": …, "error_description": …}` (sent with status 400).
    pub fn to_json(&self) -> Value {
        json!({ "error": self.error, "error_description": self.description })
    }
}

/// Validates a registration request body (JSON, ≤ 16 KB) and makes the client's record with a
/// fresh random client id (192 bits, URL-safe; never an https URL).
///
/// Unknown metadata fields are ignored and `null` counts as absent; a `token_endpoint_auth_method`
/// other than `"none"` is refused (the server issues no secrets), and so are `grant_types` and
/// `response_types` outside the supported ones. Defaults: grant types `authorization_code` and
/// `refresh_token`, response type `code`, application type `web`.
pub(crate) fn register(body: &[u8], now: u64) -> Result<ClientRecord, RegistrationError> {
    if body.len() > MAX_REGISTRATION_BODY {
        return Err(RegistrationError::metadata(format!(
            "the registration request is larger than {MAX_REGISTRATION_BODY} bytes"
        )));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| RegistrationError::metadata(format!("the registration request is not JSON: {e}")))?;
    let Value::Object(fields) = value else {
        return Err(RegistrationError::metadata("the registration request must be a JSON object"));
    };
    let client_id = new_client_id().map_err(RegistrationError::metadata)?;
    // RFC 7591 §3.2.1 lets the server replace requested values: a client asking for a secret
    // method (Claude's connector asks for client_secret_post) is registered as the public
    // client every client here is, and the response says so.
    let mut fields = fields;
    if let Some(Value::String(method)) = fields.get("token_endpoint_auth_method")
        && SECRET_METHODS.contains(&method.as_str())
    {
        fields.insert("token_endpoint_auth_method".into(), AUTH_METHOD_NONE.into());
    }
    Ok(Metadata::read(&fields)?.into_record(client_id, now, ClientSource::Registered))
}

/// The RFC 7591 §3.2.1 response: the record's metadata plus `client_id` and
/// `client_id_issued_at` (no secret, no `null`s).
pub(crate) fn registration_response(client: &ClientRecord) -> Value {
    let mut out = Map::new();
    out.insert("client_id".into(), client.client_id.clone().into());
    out.insert("client_id_issued_at".into(), client.issued_at.into());
    let optional = |out: &mut Map<String, Value>, key: &str, value: &Option<String>| {
        if let Some(v) = value {
            out.insert(key.into(), v.clone().into());
        }
    };
    optional(&mut out, "client_name", &client.client_name);
    out.insert("redirect_uris".into(), client.redirect_uris.clone().into());
    out.insert("application_type".into(), client.application_type.as_str().into());
    out.insert("grant_types".into(), client.grant_types.clone().into());
    out.insert("response_types".into(), client.response_types.clone().into());
    out.insert("token_endpoint_auth_method".into(), client.token_endpoint_auth_method.clone().into());
    optional(&mut out, "scope", &client.scope);
    optional(&mut out, "client_uri", &client.client_uri);
    optional(&mut out, "logo_uri", &client.logo_uri);
    optional(&mut out, "software_id", &client.software_id);
    optional(&mut out, "software_version", &client.software_version);
    Value::Object(out)
}

/// A fresh client id: 192 random bits, base64url without padding.
fn new_client_id() -> Result<String, String> {
    let mut bytes = [0u8; CLIENT_ID_BYTES];
    SystemRandom::new().fill(&mut bytes).map_err(|_| "the system's random number generator failed".to_owned())?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// Client metadata that passed the rules registration and metadata documents share.
#[derive(Debug)]
pub(crate) struct Metadata {
    client_name: Option<String>,
    redirect_uris: Vec<String>,
    application_type: ApplicationType,
    grant_types: Vec<String>,
    response_types: Vec<String>,
    scope: Option<String>,
    client_uri: Option<String>,
    logo_uri: Option<String>,
    software_id: Option<String>,
    software_version: Option<String>,
}

/// The secret-based client authentication methods a registration may ask for, and gets
/// replaced by `none`.
const SECRET_METHODS: [&str; 2] = ["client_secret_post", "client_secret_basic"];

impl Metadata {
    /// Reads and checks the metadata fields of a registration request or metadata document
    /// (`client_id` and anything unknown are not looked at).
    pub(crate) fn read(fields: &Map<String, Value>) -> Result<Self, RegistrationError> {
        let auth_method = string(fields, "token_endpoint_auth_method", MAX_NAME_CHARS)?;
        if let Some(method) = auth_method.as_deref()
            && method != AUTH_METHOD_NONE
        {
            return Err(RegistrationError::metadata(format!(
                "token_endpoint_auth_method {method:?} is not supported: this server issues no client secrets, \
                 so clients are public and use \"none\" (with PKCE)"
            )));
        }
        let application_type = match string(fields, "application_type", MAX_NAME_CHARS)?.as_deref() {
            None | Some("web") => ApplicationType::Web,
            Some("native") => ApplicationType::Native,
            Some(other) => {
                return Err(RegistrationError::metadata(format!(
                    "application_type {other:?} is not supported; use \"web\" or \"native\""
                )));
            }
        };
        let grant_types = match strings(fields, "grant_types")? {
            None => GRANT_TYPES.iter().map(|g| (*g).to_owned()).collect(),
            Some(grants) => {
                if let Some(bad) = grants.iter().find(|g| !GRANT_TYPES.contains(&g.as_str())) {
                    return Err(RegistrationError::metadata(format!(
                        "grant type {bad:?} is not supported; use \"authorization_code\" and \"refresh_token\""
                    )));
                }
                if !grants.iter().any(|g| g == "authorization_code") {
                    return Err(RegistrationError::metadata(
                        "grant_types must include \"authorization_code\", the only way to obtain tokens here",
                    ));
                }
                grants
            }
        };
        let response_types = match strings(fields, "response_types")? {
            None => RESPONSE_TYPES.iter().map(|r| (*r).to_owned()).collect(),
            Some(types) if types == RESPONSE_TYPES => types,
            Some(types) => {
                return Err(RegistrationError::metadata(format!(
                    "response_types {types:?} is not supported; use [\"code\"]"
                )));
            }
        };
        let redirect_uris = redirect_uris(fields, application_type)?;
        let scope = string(fields, "scope", MAX_SCOPE_LEN)?.filter(|s| !s.is_empty());
        if let Some(scope) = &scope {
            check_scope(scope)?;
        }
        Ok(Self {
            client_name: name(fields, "client_name")?,
            redirect_uris,
            application_type,
            grant_types,
            response_types,
            scope,
            client_uri: https_uri(fields, "client_uri")?,
            logo_uri: https_uri(fields, "logo_uri")?,
            software_id: name(fields, "software_id")?,
            software_version: name(fields, "software_version")?,
        })
    }

    /// The client's record.
    pub(crate) fn into_record(self, client_id: String, issued_at: u64, source: ClientSource) -> ClientRecord {
        ClientRecord {
            client_id,
            client_name: self.client_name,
            redirect_uris: self.redirect_uris,
            application_type: self.application_type,
            grant_types: self.grant_types,
            response_types: self.response_types,
            token_endpoint_auth_method: AUTH_METHOD_NONE.to_owned(),
            scope: self.scope,
            client_uri: self.client_uri,
            logo_uri: self.logo_uri,
            software_id: self.software_id,
            software_version: self.software_version,
            issued_at,
            source,
        }
    }
}

fn redirect_uris(
    fields: &Map<String, Value>,
    application_type: ApplicationType,
) -> Result<Vec<String>, RegistrationError> {
    let uris = match fields.get("redirect_uris") {
        None | Some(Value::Null) => {
            return Err(RegistrationError::redirect("redirect_uris is required (at least one redirect URI)"));
        }
        Some(Value::Array(items)) => items,
        Some(_) => return Err(RegistrationError::redirect("redirect_uris must be an array of strings")),
    };
    if uris.is_empty() {
        return Err(RegistrationError::redirect("redirect_uris is empty; register at least one redirect URI"));
    }
    if uris.len() > MAX_REDIRECT_URIS {
        return Err(RegistrationError::redirect(format!("more than {MAX_REDIRECT_URIS} redirect_uris")));
    }
    let mut out: Vec<String> = Vec::with_capacity(uris.len());
    for uri in uris {
        let Value::String(uri) = uri else {
            return Err(RegistrationError::redirect("redirect_uris must be an array of strings"));
        };
        check_registered(uri, application_type).map_err(RegistrationError::redirect)?;
        if !out.contains(uri) {
            out.push(uri.clone());
        }
    }
    Ok(out)
}

/// An optional string field (`null` = absent), at most `max` characters.
fn string(fields: &Map<String, Value>, key: &str, max: usize) -> Result<Option<String>, RegistrationError> {
    match fields.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() > max => {
            Err(RegistrationError::metadata(format!("{key} is longer than {max} characters")))
        }
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(RegistrationError::metadata(format!("{key} must be a string"))),
    }
}

/// An optional array of strings (`null` = absent), duplicates dropped, order kept.
fn strings(fields: &Map<String, Value>, key: &str) -> Result<Option<Vec<String>>, RegistrationError> {
    let items = match fields.get(key) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(RegistrationError::metadata(format!("{key} must be an array of strings"))),
    };
    let mut out: Vec<String> = Vec::new();
    for item in items {
        let Value::String(s) = item else {
            return Err(RegistrationError::metadata(format!("{key} must be an array of strings")));
        };
        if !out.contains(s) {
            out.push(s.clone());
        }
    }
    Ok(Some(out))
}

/// A name shown to users: a string of at most [`MAX_NAME_CHARS`] characters, without control
/// characters; empty or blank counts as absent.
fn name(fields: &Map<String, Value>, key: &str) -> Result<Option<String>, RegistrationError> {
    let Some(value) = string(fields, key, MAX_NAME_CHARS)? else { return Ok(None) };
    if value.chars().any(char::is_control) {
        return Err(RegistrationError::metadata(format!("{key} contains control characters")));
    }
    let trimmed = value.trim();
    Ok((!trimmed.is_empty()).then(|| trimmed.to_owned()))
}

/// An https URI shown or linked on the consent page.
fn https_uri(fields: &Map<String, Value>, key: &str) -> Result<Option<String>, RegistrationError> {
    let Some(uri) = string(fields, key, MAX_URI_LEN)? else { return Ok(None) };
    let bad = |why: &str| Err(RegistrationError::metadata(format!("{key} {why}")));
    if uri.chars().any(|c| !c.is_ascii_graphic()) {
        return bad("contains a space, a control character or a non-ASCII character");
    }
    let Ok(parsed) = reqwest::Url::parse(&uri) else { return bad("is not an absolute URL") };
    if parsed.scheme() != "https" || !uri.get(..8).is_some_and(|s| s.eq_ignore_ascii_case("https://")) {
        return bad("must be an https URL");
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return bad("must not contain userinfo");
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return bad("has no host");
    }
    Ok(Some(uri))
}

/// RFC 6749 §3.3: scope tokens separated by single spaces, each of `%x21 / %x23-5B / %x5D-7E`.
fn check_scope(scope: &str) -> Result<(), RegistrationError> {
    let token_char = |b: u8| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b);
    if scope.split(' ').any(|token| token.is_empty() || !token.bytes().all(token_char)) {
        return Err(RegistrationError::metadata(
            "scope must be scope tokens separated by single spaces (RFC 6749 §3.3)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_760_000_000;

    fn register_json(body: Value) -> Result<ClientRecord, RegistrationError> {
        register(body.to_string().as_bytes(), NOW)
    }

    fn refused(body: Value) -> RegistrationError {
        match register_json(body.clone()) {
            Ok(record) => panic!("{body} should be refused, got {record:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn minimal_registration_gets_defaults() {
        let record = register_json(json!({ "redirect_uris": ["https://chatgpt.com/cb"] })).unwrap();
        assert_eq!(record.redirect_uris, ["https://chatgpt.com/cb"]);
        assert_eq!(record.application_type, ApplicationType::Web);
        assert_eq!(record.grant_types, ["authorization_code", "refresh_token"]);
        assert_eq!(record.response_types, ["code"]);
        assert_eq!(record.token_endpoint_auth_method, "none");
        assert_eq!(record.issued_at, NOW);
        assert_eq!(record.source, ClientSource::Registered);
        assert_eq!(record.client_name, None);
        assert_eq!(record.scope, None);
    }

    #[test]
    fn full_registration_is_kept() {
        let record = register_json(json!({
            "client_name": "  Claude Code  ",
            "redirect_uris": ["http://localhost:54212/callback", "http://localhost:54212/callback"],
            "application_type": "native",
            "grant_types": ["authorization_code", "refresh_token", "authorization_code"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "none",
            "scope": "read write offline_access",
            "client_uri": "https://example.com",
            "logo_uri": "https://example.com/logo.png",
            "software_id": "com.example.cli",
            "software_version": "2.1.0",
            "contacts": ["dev@example.com"],
            "tos_uri": "https://example.com/tos",
            "jwks": { "keys": [] },
            "client_name#fr": "Le client",
            "whatever": { "nested": [1, 2, 3] }
        }))
        .unwrap();
        assert_eq!(record.client_name.as_deref(), Some("Claude Code"));
        assert_eq!(record.redirect_uris, ["http://localhost:54212/callback"]);
        assert_eq!(record.application_type, ApplicationType::Native);
        assert_eq!(record.grant_types, ["authorization_code", "refresh_token"]);
        assert_eq!(record.scope.as_deref(), Some("read write offline_access"));
        assert_eq!(record.client_uri.as_deref(), Some("https://example.com"));
        assert_eq!(record.logo_uri.as_deref(), Some("https://example.com/logo.png"));
        assert_eq!(record.software_id.as_deref(), Some("com.example.cli"));
        assert_eq!(record.software_version.as_deref(), Some("2.1.0"));
    }

    #[test]
    fn nulls_count_as_absent() {
        let record = register_json(json!({
            "redirect_uris": ["https://a.example/cb"],
            "client_name": null, "scope": null, "grant_types": null, "response_types": null,
            "token_endpoint_auth_method": null, "application_type": null, "logo_uri": null
        }))
        .unwrap();
        assert_eq!(record.grant_types, ["authorization_code", "refresh_token"]);
        assert_eq!(record.client_name, None);
        assert_eq!(record.token_endpoint_auth_method, "none");
    }

    #[test]
    fn client_ids_are_random_url_safe_and_long() {
        let body = json!({ "redirect_uris": ["https://a.example/cb"] });
        let a = register_json(body.clone()).unwrap().client_id;
        let b = register_json(body).unwrap().client_id;
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'), "{a}");
        assert!(!a.contains(':'));
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).map(|v| v.len()).ok(), Some(CLIENT_ID_BYTES));
    }

    #[test]
    fn body_shape_errors() {
        let too_big = format!(r#"{{"redirect_uris":["https://a.example/cb"],"x":"{}"}}"#, "a".repeat(16 * 1024));
        let e = register(too_big.as_bytes(), NOW).unwrap_err();
        assert_eq!(e.error, "invalid_client_metadata");
        assert!(e.description.contains("larger than 16384"));
        let e = register(b"{not json", NOW).unwrap_err();
        assert_eq!(e.error, "invalid_client_metadata");
        assert!(e.description.contains("not JSON"));
        let e = register(b"[]", NOW).unwrap_err();
        assert!(e.description.contains("JSON object"));
        let e = register(b"", NOW).unwrap_err();
        assert_eq!(e.error, "invalid_client_metadata");
    }

    #[test]
    fn redirect_uri_errors() {
        for (body, why) in [
            (json!({}), "required"),
            (json!({ "redirect_uris": null }), "required"),
            (json!({ "redirect_uris": [] }), "empty"),
            (json!({ "redirect_uris": "https://a.example/cb" }), "array of strings"),
            (json!({ "redirect_uris": [42] }), "array of strings"),
            (json!({ "redirect_uris": ["javascript:alert(1)"] }), "`javascript:`"),
            (json!({ "redirect_uris": ["https://a.example/cb", "http://evil.example/cb"] }), "plain http"),
            (json!({ "redirect_uris": ["http://localhost@evil.com/cb"] }), "userinfo"),
            (json!({ "redirect_uris": ["https://a.example/cb/../x"] }), "path segment"),
            (json!({ "redirect_uris": ["com.example.app:/cb"] }), "web client"),
            (json!({ "redirect_uris": ["myapp:/cb"], "application_type": "native" }), "reverse domain"),
        ] {
            let e = refused(body.clone());
            assert_eq!(e.error, "invalid_redirect_uri", "{body}");
            assert!(e.description.contains(why), "{body}: {}", e.description);
        }
        let many: Vec<String> = (0..=MAX_REDIRECT_URIS).map(|i| format!("https://a.example/cb{i}")).collect();
        let e = refused(json!({ "redirect_uris": many }));
        assert!(e.description.contains("more than 20"));
        // A private-use scheme is fine for a native app.
        let native = register_json(json!({ "redirect_uris": ["com.example.app:/cb"], "application_type": "native" }));
        assert!(native.is_ok());
    }

    #[test]
    fn a_client_asking_for_a_secret_is_registered_public() {
        for method in ["client_secret_post", "client_secret_basic"] {
            let body = json!({ "redirect_uris": ["https://a.example/cb"], "token_endpoint_auth_method": method });
            let record = register_json(body).unwrap();
            assert_eq!(record.token_endpoint_auth_method, "none", "{method}");
            assert_eq!(registration_response(&record)["token_endpoint_auth_method"], "none");
        }
    }

    #[test]
    fn metadata_errors() {
        let uri = json!(["https://a.example/cb"]);
        for (extra, why) in [
            (json!({ "token_endpoint_auth_method": "private_key_jwt" }), "no client secrets"),
            (json!({ "token_endpoint_auth_method": "tls_client_auth" }), "no client secrets"),
            (json!({ "token_endpoint_auth_method": 1 }), "must be a string"),
            (json!({ "grant_types": ["client_credentials"] }), "not supported"),
            (json!({ "grant_types": ["authorization_code", "implicit"] }), "\"implicit\""),
            (json!({ "grant_types": ["refresh_token"] }), "must include \"authorization_code\""),
            (json!({ "grant_types": [] }), "must include \"authorization_code\""),
            (json!({ "grant_types": "authorization_code" }), "array of strings"),
            (json!({ "grant_types": [true] }), "array of strings"),
            (json!({ "response_types": ["token"] }), "not supported"),
            (json!({ "response_types": ["code", "token"] }), "not supported"),
            (json!({ "response_types": [] }), "not supported"),
            (json!({ "application_type": "desktop" }), "\"desktop\""),
            (json!({ "application_type": 3 }), "must be a string"),
            (json!({ "client_name": 7 }), "client_name must be a string"),
            (json!({ "client_name": "a".repeat(201) }), "longer than 200"),
            (json!({ "client_name": "line\nbreak" }), "control characters"),
            (json!({ "software_id": ["x"] }), "software_id must be a string"),
            (json!({ "software_version": "\u{7}" }), "control characters"),
            (json!({ "scope": "read  write" }), "single spaces"),
            (json!({ "scope": "read\"" }), "single spaces"),
            (json!({ "scope": "a".repeat(1025) }), "longer than 1024"),
            (json!({ "scope": ["read"] }), "scope must be a string"),
            (json!({ "client_uri": "http://example.com" }), "https"),
            (json!({ "client_uri": "javascript:alert(1)" }), "https"),
            (json!({ "client_uri": "/relative" }), "absolute URL"),
            (json!({ "logo_uri": "https://user@example.com/logo.png" }), "userinfo"),
            (json!({ "logo_uri": "https://example.com/a b.png" }), "space"),
            (json!({ "logo_uri": format!("https://example.com/{}", "a".repeat(2048)) }), "longer than 2048"),
        ] {
            let mut body = extra.clone();
            body["redirect_uris"] = uri.clone();
            let e = refused(body);
            assert_eq!(e.error, "invalid_client_metadata", "{extra}");
            assert!(e.description.contains(why), "{extra}: {}", e.description);
        }
    }

    #[test]
    fn blank_names_and_scopes_count_as_absent() {
        let record =
            register_json(json!({ "redirect_uris": ["https://a.example/cb"], "client_name": "   ", "scope": "" }))
                .unwrap();
        assert_eq!(record.client_name, None);
        assert_eq!(record.scope, None);
        let unicode =
            register_json(json!({ "redirect_uris": ["https://a.example/cb"], "client_name": "Ç".repeat(200) }));
        assert!(unicode.is_ok(), "200 characters, more bytes, is within the cap");
    }

    #[test]
    fn response_has_metadata_and_no_nulls_or_secret() {
        let record = register_json(json!({
            "redirect_uris": ["https://a.example/cb"],
            "client_name": "Example",
            "scope": "read"
        }))
        .unwrap();
        let response = registration_response(&record);
        assert_eq!(
            response,
            json!({
                "client_id": record.client_id,
                "client_id_issued_at": NOW,
                "client_name": "Example",
                "redirect_uris": ["https://a.example/cb"],
                "application_type": "web",
                "grant_types": ["authorization_code", "refresh_token"],
                "response_types": ["code"],
                "token_endpoint_auth_method": "none",
                "scope": "read"
            })
        );
    }

    #[test]
    fn error_json() {
        let e = RegistrationError::redirect("bad");
        assert_eq!(e.to_json(), json!({ "error": "invalid_redirect_uri", "error_description": "bad" }));
        assert_eq!(e.to_string(), "invalid_redirect_uri: bad");
    }

    #[test]
    fn record_round_trips_through_serde() {
        let record = register_json(json!({ "redirect_uris": ["https://a.example/cb"] })).unwrap();
        let stored = serde_json::to_string(&record).unwrap();
        assert!(stored.contains("\"source\":\"registered\""));
        assert_eq!(serde_json::from_str::<ClientRecord>(&stored).unwrap(), record);
    }
}
