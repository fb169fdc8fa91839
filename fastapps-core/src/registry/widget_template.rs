//! The widget template a render tool points at: its `ui://` URI and the resource-level
//! settings (CSP, domain, border, description) its HTML resource is served with.

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

/// Domains a widget's sandbox may reach, by purpose.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Csp {
    /// `fetch`/XHR/WebSocket targets (`connect_domains`, `connectDomains`).
    pub connect: Vec<String>,
    /// Scripts, styles, images, fonts (`resource_domains`, `resourceDomains`).
    pub resource: Vec<String>,
    /// Embedded iframes (`frame_domains`, `frameDomains`).
    pub frame: Vec<String>,
    /// `<base href>` targets (MCP Apps `baseUriDomains`).
    pub base_uri: Vec<String>,
    /// Links opened without ChatGPT's safe-link prompt (Apps SDK `redirect_domains`).
    pub redirect: Vec<String>,
}

impl Csp {
    /// Appends `other`'s domains that are not here yet, keeping the order of first mention.
    pub fn merge(&mut self, other: &Csp) {
        fn extend(into: &mut Vec<String>, from: &[String]) {
            for domain in from {
                if !into.contains(domain) {
                    into.push(domain.clone());
                }
            }
        }
        extend(&mut self.connect, &other.connect);
        extend(&mut self.resource, &other.resource);
        extend(&mut self.frame, &other.frame);
        extend(&mut self.base_uri, &other.base_uri);
        extend(&mut self.redirect, &other.redirect);
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
