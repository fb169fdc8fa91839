//! TEMPORARY stand-in (replaced on merge).
#![allow(missing_docs, dead_code)]
use super::redirect::ApplicationType;
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct ClientRecord {
    pub client_id: String,
    pub client_name: Option<String>,
    pub redirect_uris: Vec<String>,
    pub application_type: ApplicationType,
    pub grant_types: Vec<String>,
    pub response_types: Vec<String>,
    pub token_endpoint_auth_method: String,
    pub scope: Option<String>,
    pub client_uri: Option<String>,
    pub logo_uri: Option<String>,
    pub software_id: Option<String>,
    pub software_version: Option<String>,
    pub issued_at: u64,
    pub source: ClientSource,
}
#[derive(Clone, Copy, Debug, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ClientSource {
    Registered,
    MetadataDocument,
}
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationError {
    pub error: &'static str,
    pub description: String,
}
impl RegistrationError {
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({"error": self.error, "error_description": self.description})
    }
}
pub(crate) fn register(body: &[u8], now: u64) -> Result<ClientRecord, RegistrationError> {
    let v: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| RegistrationError { error: "invalid_client_metadata", description: e.to_string() })?;
    let uris: Vec<String> = v["redirect_uris"]
        .as_array()
        .map(|a| a.iter().filter_map(|u| u.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    for u in &uris {
        super::redirect::check_registered(u, ApplicationType::Web)
            .map_err(|d| RegistrationError { error: "invalid_redirect_uri", description: d })?;
    }
    Ok(ClientRecord {
        client_id: super::crypto::random_token(16),
        client_name: v["client_name"].as_str().map(str::to_owned),
        redirect_uris: uris,
        application_type: ApplicationType::Web,
        grant_types: vec!["authorization_code".into(), "refresh_token".into()],
        response_types: vec!["code".into()],
        token_endpoint_auth_method: "none".into(),
        scope: None,
        client_uri: None,
        logo_uri: None,
        software_id: None,
        software_version: None,
        issued_at: now,
        source: ClientSource::Registered,
    })
}
pub(crate) fn registration_response(c: &ClientRecord) -> serde_json::Value {
    let mut v = serde_json::to_value(c).unwrap_or_default();
    if let Some(m) = v.as_object_mut() {
        m.retain(|_, x| !x.is_null());
    }
    v["client_id_issued_at"] = c.issued_at.into();
    v
}
