//! The widget template a render tool points at: its `ui://` URI and the resource-level
//! settings (CSP, domain, border, description) its HTML resource is served with.

/// Domains a widget's sandbox may reach, by purpose.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Csp {
    /// `fetch`/XHR/WebSocket targets (`connect_domains`, `connectDomains`).
    pub connect: Vec<String>,
    /// Scripts, styles, images, fonts (`resource_domains`, `resourceDomains`).
    pub resource: Vec<String>,
    /// Embedded iframes (`frame_domains`, `frameDomains`).
    pub frame: Vec<String>,
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
        }
    }
}
