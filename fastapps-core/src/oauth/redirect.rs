//! TEMPORARY stand-in (replaced on merge).
#![allow(missing_docs, dead_code)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ApplicationType {
    #[default]
    Web,
    Native,
}
pub(crate) fn check_registered(uri: &str, _t: ApplicationType) -> Result<(), String> {
    if uri.starts_with("javascript:") { Err("bad".into()) } else { Ok(()) }
}
pub(crate) fn matching<'a>(registered: &'a [String], requested: &str) -> Option<&'a str> {
    registered.iter().find(|r| *r == requested).map(String::as_str)
}
