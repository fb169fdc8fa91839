//! The widget template a render tool points at: its `ui://` URI and the resource-level
//! settings (CSP, domain, border, description) its HTML resource is served with.

use std::fmt;

pub use fastapps_rules::CspKey;
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};

/// The two ways hosts render widget HTML, told apart by the resource's MIME type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WidgetDialect {
    /// The MCP Apps standard: `text/html;profile=mcp-app`, for clients that declare the
    /// `io.modelcontextprotocol/ui` extension.
    McpApps,
    /// The OpenAI Apps SDK's original type, `text/html+skybridge`.
    AppsSdk,
}

impl WidgetDialect {
    /// The HTML resource's MIME type.
    pub const fn mime_type(self) -> &'static str {
        match self {
            Self::McpApps => "text/html;profile=mcp-app",
            Self::AppsSdk => "text/html+skybridge",
        }
    }

    pub(crate) const fn index(self) -> usize {
        self as usize
    }
}

/// Domains a widget's sandbox may reach: one list per [`CspKey`] (what each allows, and its
/// field in each dialect's `_meta`, are the key's).
///
/// It is also `[csp]` of `fastapps.toml` ([`CspConfig`](crate::widget::CspConfig)): it reads
/// from a table of the keys' names and refuses any other key, so a typo is an error rather than
/// a list silently left empty.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Csp {
    /// The [`CspKey::Connect`] list (`connectDomains`, `connect_domains`).
    pub connect: Vec<String>,
    /// The [`CspKey::Resource`] list (`resourceDomains`, `resource_domains`).
    pub resource: Vec<String>,
    /// The [`CspKey::Frame`] list (`frameDomains`, `frame_domains`).
    pub frame: Vec<String>,
    /// The [`CspKey::BaseUri`] list (MCP Apps `baseUriDomains`).
    pub base_uri: Vec<String>,
    /// The [`CspKey::Redirect`] list (Apps SDK `redirect_domains`).
    pub redirect: Vec<String>,
}

impl Csp {
    /// The `key` list.
    pub fn get(&self, key: CspKey) -> &[String] {
        match key {
            CspKey::Connect => &self.connect,
            CspKey::Resource => &self.resource,
            CspKey::Frame => &self.frame,
            CspKey::BaseUri => &self.base_uri,
            CspKey::Redirect => &self.redirect,
        }
    }

    /// The `key` list, to change.
    pub fn get_mut(&mut self, key: CspKey) -> &mut Vec<String> {
        match key {
            CspKey::Connect => &mut self.connect,
            CspKey::Resource => &mut self.resource,
            CspKey::Frame => &mut self.frame,
            CspKey::BaseUri => &mut self.base_uri,
            CspKey::Redirect => &mut self.redirect,
        }
    }

    /// Every list with its key, in the order of [`CspKey::ALL`].
    pub fn iter(&self) -> impl Iterator<Item = (CspKey, &[String])> {
        CspKey::ALL.into_iter().map(|key| (key, self.get(key)))
    }

    /// Appends `other`'s domains that are not here yet, keeping the order of first mention.
    ///
    /// ```
    /// use fastapps_core::registry::Csp;
    ///
    /// let mut csp = Csp { connect: vec!["https://a.example".into()], ..Csp::default() };
    /// csp.merge(&Csp { connect: vec!["https://b.example".into(), "https://a.example".into()], ..Csp::default() });
    /// assert_eq!(csp.connect, ["https://a.example", "https://b.example"]);
    /// ```
    pub fn merge(&mut self, other: &Csp) {
        for (key, domains) in other.iter() {
            let into = self.get_mut(key);
            for domain in domains {
                if !into.contains(domain) {
                    into.push(domain.clone());
                }
            }
        }
    }
}

impl<'de> Deserialize<'de> for Csp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Lists;

        impl<'de> Visitor<'de> for Lists {
            type Value = Csp;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a table of CSP lists: {}", CspKey::names_for_message())
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Csp, A::Error> {
                let mut csp = Csp::default();
                let mut seen = [false; CspKey::ALL.len()];
                while let Some(name) = map.next_key::<String>()? {
                    let key =
                        CspKey::from_name(&name).ok_or_else(|| de::Error::unknown_field(&name, &CspKey::NAMES))?;
                    if std::mem::replace(&mut seen[key.index()], true) {
                        return Err(de::Error::duplicate_field(key.name()));
                    }
                    *csp.get_mut(key) = map.next_value()?;
                }
                Ok(csp)
            }
        }

        deserializer.deserialize_struct("Csp", &CspKey::NAMES, Lists)
    }
}

/// Where a widget template's HTML comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WidgetHtml {
    /// Embedded in the binary at compile time (release builds): one file to deploy.
    Embedded(&'static str),
    /// Read from the project's built assets folder (holding `manifest.json`) on every read
    /// (debug builds), so a rebuild shows without a restart.
    Assets(std::path::PathBuf),
    /// Given to the builder as a string.
    Inline(std::sync::Arc<str>),
    /// No built asset existed when the crate was compiled.
    Missing,
}

/// A widget template as declared on a `#[widget]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WidgetTemplate {
    /// The template's asset name (`template = "…"`, default the widget id).
    pub name: String,
    /// `ui://widget/<name>.html`
    pub uri: String,
    /// CSP domains.
    pub csp: Csp,
    /// A dedicated origin for the widget (`ui.domain`, `openai/widgetDomain`).
    pub domain: Option<String>,
    /// Whether the host should draw a border (`ui.prefersBorder`, `openai/widgetPrefersBorder`).
    pub prefers_border: Option<bool>,
    /// What the widget shows, for the model (`openai/widgetDescription`).
    pub description: Option<String>,
    /// Device permissions the widget asks for (`ui.permissions`): `camera`, `microphone`,
    /// `geolocation`, `clipboardWrite`.
    pub permissions: Vec<String>,
    /// The HTML.
    pub html: WidgetHtml,
}

impl WidgetTemplate {
    /// A template named `name`, at `ui://widget/<name>.html`.
    pub fn new(name: impl Into<String>) -> Self {
        let name = name.into();
        Self {
            uri: format!("ui://widget/{name}.html"),
            name,
            csp: Csp::default(),
            domain: None,
            prefers_border: None,
            description: None,
            permissions: Vec::new(),
            html: WidgetHtml::Missing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_its_own_list() {
        let mut csp = Csp::default();
        for key in CspKey::ALL {
            csp.get_mut(key).push(key.name().to_owned());
        }
        assert_eq!(csp.connect, ["connect"]);
        assert_eq!(csp.resource, ["resource"]);
        assert_eq!(csp.frame, ["frame"]);
        assert_eq!(csp.base_uri, ["base_uri"]);
        assert_eq!(csp.redirect, ["redirect"]);
        let keys: Vec<CspKey> = csp.iter().map(|(key, _)| key).collect();
        assert_eq!(keys, CspKey::ALL);
    }

    #[test]
    fn merge_appends_new_domains_of_every_list_in_order() {
        let mut csp = Csp { connect: vec!["https://a.example".into()], ..Csp::default() };
        let mut other = Csp::default();
        for key in CspKey::ALL {
            other.get_mut(key).extend(["https://a.example".to_owned(), format!("https://{}.example", key.index())]);
        }
        csp.merge(&other);
        assert_eq!(csp.connect, ["https://a.example", "https://0.example"]);
        assert_eq!(csp.redirect, ["https://a.example", "https://4.example"]);
    }
}
