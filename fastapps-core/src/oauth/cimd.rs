//! TEMPORARY stand-in (replaced on merge).
#![allow(missing_docs, dead_code)]
use super::clients::ClientRecord;
#[derive(Debug, Default)]
pub(crate) struct MetadataDocuments;
impl MetadataDocuments {
    pub(crate) fn new() -> Self {
        Self
    }
    pub(crate) fn allow_loopback_for_tests(self) -> Self {
        self
    }
    pub(crate) fn is_document_url(c: &str) -> bool {
        c.starts_with("https://")
    }
    pub(crate) async fn fetch(&self, _c: &str) -> Result<ClientRecord, String> {
        Err("unsupported".into())
    }
}
