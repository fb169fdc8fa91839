//! Everything a server offers — tools, resources, resource templates, prompts — frozen at
//! start-up into an immutable [`Registry`].
//!
//! Validation happens once, when the registry is built: duplicate names, invalid tool names,
//! non-object schemas and unsupported URI templates are [`BuildError`]s with a message that
//! says what to change, never a panic mid-request. The list pages are serialized once here
//! too, so `tools/list` and friends cost a copy, not a serialization.

mod completion;
mod param_headers;
mod prompt;
mod registration;
mod resource;
mod security;
mod tool;
mod uri_template;
mod widget_template;

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::value::RawValue;

pub use prompt::PromptDef;
pub use registration::{Registration, registered_tools};
pub use resource::{ResourceDef, ResourceRequest, ResourceTemplateDef};
pub(crate) use security::Refusal;
pub use security::Security;
pub use tool::ToolDef;
pub use widget_template::{Csp, CspKey, WidgetDialect, WidgetHtml, WidgetTemplate};

pub(crate) use param_headers::{ParamHeader, ParamKind};
pub(crate) use uri_template::UriTemplate;

use crate::error::BuildError;
use crate::protocol::jsonrpc::to_raw;
use crate::protocol::{
    ErrorObject, ListPromptsResult, ListResourceTemplatesResult, ListResourcesResult, ListToolsResult, Prompt,
    Resource, ResourceTemplate, ToolDescriptor,
};

/// One kind of list, paginated and serialized ahead of time.
#[derive(Debug, Default)]
struct Pages(Vec<Box<RawValue>>);

impl Pages {
    fn build<T>(
        items: &[T],
        page_size: usize,
        kind: &'static str,
        page: impl Fn(&[T], Option<String>) -> Result<Box<RawValue>, ErrorObject>,
    ) -> Result<Self, BuildError> {
        let chunks: Vec<&[T]> = if items.is_empty() { vec![&[]] } else { items.chunks(page_size).collect() };
        let last = chunks.len() - 1;
        let pages = chunks
            .into_iter()
            .enumerate()
            .map(|(i, chunk)| {
                let next = (i < last).then(|| encode_cursor((i + 1) * page_size));
                page(chunk, next).map_err(|e| BuildError::Serialize(kind, e.message))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self(pages))
    }

    fn get(&self, cursor: Option<&str>, page_size: usize) -> Result<&RawValue, ErrorObject> {
        let index = match cursor {
            None => 0,
            Some(cursor) => decode_cursor(cursor)
                .filter(|offset| offset % page_size == 0)
                .map(|offset| offset / page_size)
                .ok_or_else(|| ErrorObject::invalid_params(format!("Invalid cursor: {cursor:?}")))?,
        };
        self.0
            .get(index)
            .map(AsRef::as_ref)
            .ok_or_else(|| ErrorObject::invalid_params(format!("Invalid cursor: {cursor:?}")))
    }
}

fn encode_cursor(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("offset:{offset}"))
}

fn decode_cursor(cursor: &str) -> Option<usize> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    std::str::from_utf8(&bytes).ok()?.strip_prefix("offset:")?.parse().ok()
}

/// Everything the server offers, validated and indexed.
#[derive(Debug)]
pub struct Registry {
    tools: Vec<ToolDef>,
    tool_index: HashMap<String, usize>,
    resources: Vec<ResourceDef>,
    resource_index: HashMap<String, usize>,
    templates: Vec<(UriTemplate, ResourceTemplateDef)>,
    prompts: Vec<PromptDef>,
    prompt_index: HashMap<String, usize>,
    page_size: usize,
    tool_pages: Pages,
    /// Per [`WidgetDialect`]: widget HTML is listed with the dialect's MIME type.
    resource_pages: [Pages; 2],
    template_pages: [Pages; 2],
    prompt_pages: Pages,
}

/// What goes into a [`Registry`].
#[derive(Debug, Default)]
pub(crate) struct Entries {
    pub(crate) tools: Vec<ToolDef>,
    pub(crate) resources: Vec<ResourceDef>,
    pub(crate) templates: Vec<ResourceTemplateDef>,
    pub(crate) prompts: Vec<PromptDef>,
}

fn index<T>(
    items: &[T],
    key: impl Fn(&T) -> &str,
    duplicate: impl Fn(String) -> BuildError,
) -> Result<HashMap<String, usize>, BuildError> {
    let mut map = HashMap::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        if map.insert(key(item).to_owned(), i).is_some() {
            return Err(duplicate(key(item).to_owned()));
        }
    }
    Ok(map)
}

impl Registry {
    /// Validates and indexes `entries`. `default_scopes` is the server's default requirement
    /// for tools that declare none: `Some(scopes)` when the server has auth, `None` without.
    /// When `scopes_supported` is given, every scope a tool names must be in it.
    pub(crate) fn build(
        entries: Entries,
        page_size: usize,
        default_scopes: Option<&[String]>,
        scopes_supported: Option<&[String]>,
    ) -> Result<Self, BuildError> {
        if page_size == 0 {
            return Err(BuildError::InvalidSetting { setting: "page_size", reason: "must be at least 1".into() });
        }
        let Entries { mut tools, resources, templates, prompts } = entries;
        for def in &mut tools {
            def.security = def.security.resolve(default_scopes);
            if let Some(schemes) = def.security.schemes() {
                // Top level for the Apps SDK, mirrored in `_meta` for clients that read only it.
                def.tool.extra.insert("securitySchemes".into(), schemes.clone());
                def.tool.meta.get_or_insert_with(Default::default).insert("securitySchemes".into(), schemes);
            }
            if let Some(supported) = scopes_supported
                && let Some(scope) = def.security.scopes().iter().find(|s| !supported.contains(s))
            {
                return Err(BuildError::UnknownScope {
                    tool: def.tool.name.clone(),
                    scope: scope.clone(),
                    supported: supported.join(", "),
                });
            }
            if def.security.requires_user() && default_scopes.is_none() {
                tracing::warn!(
                    tool = %def.tool.name,
                    "the tool requires a signed-in user but the server has no auth configured: every call is refused"
                );
            }
        }
        for def in &mut tools {
            // The rule `#[tool]` and `#[widget]` apply at compile time, for tools built at run time.
            fastapps_rules::tool_name::check(&def.tool.name)
                .map_err(|e| BuildError::InvalidToolName { name: def.tool.name.clone(), reason: e.to_string() })?;
            if let Some(field) = def.bad_schema {
                return Err(BuildError::SchemaNotObject { tool: def.tool.name.clone(), field });
            }
            def.param_headers = param_headers::collect(&def.tool.input_schema)
                .map_err(|reason| BuildError::InvalidParamHeader { tool: def.tool.name.clone(), reason })?;
        }
        let tool_index = index(&tools, |t| &t.tool.name, BuildError::DuplicateTool)?;
        let resource_index = index(&resources, |r| &r.resource.uri, BuildError::DuplicateResource)?;
        index(&templates, |t| &t.template.uri_template, BuildError::DuplicateResourceTemplate)?;
        let prompt_index = index(&prompts, |p| &p.prompt.name, BuildError::DuplicatePrompt)?;
        let templates = templates
            .into_iter()
            .map(|def| {
                UriTemplate::parse(&def.template.uri_template).map(|parsed| (parsed, def.clone())).map_err(|reason| {
                    BuildError::InvalidUriTemplate { template: def.template.uri_template.clone(), reason }
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        for (parsed, def) in &templates {
            if let Some(name) = def.completers.keys().find(|name| !parsed.variables().any(|v| v == name.as_str())) {
                return Err(BuildError::UnknownCompletionTarget {
                    owner: format!("resource template {:?}", def.template.uri_template),
                    name: name.clone(),
                    kind: "template variables",
                });
            }
        }
        for def in &prompts {
            if let Some(name) =
                def.completers.keys().find(|name| !def.prompt.arguments.iter().any(|a| &a.name == *name))
            {
                return Err(BuildError::UnknownCompletionTarget {
                    owner: format!("prompt {:?}", def.prompt.name),
                    name: name.clone(),
                    kind: "arguments",
                });
            }
        }

        let tool_list: Vec<ToolDescriptor> = tools.iter().map(|t| t.tool.clone()).collect();
        let dialect_pages = |dialect: WidgetDialect| -> Result<(Pages, Pages), BuildError> {
            let mime = |widget_html: bool, own: &Option<String>| {
                if widget_html { Some(dialect.mime_type().to_owned()) } else { own.clone() }
            };
            let resource_list: Vec<Resource> = resources
                .iter()
                .map(|r| Resource { mime_type: mime(r.widget_html, &r.resource.mime_type), ..r.resource.clone() })
                .collect();
            let template_list: Vec<ResourceTemplate> = templates
                .iter()
                .map(|(_, t)| ResourceTemplate {
                    mime_type: mime(t.widget_html, &t.template.mime_type),
                    ..t.template.clone()
                })
                .collect();
            let resource_pages = Pages::build(&resource_list, page_size, "resources", |resources, next_cursor| {
                to_raw(&ListResourcesResult { resources, next_cursor })
            })?;
            let template_pages =
                Pages::build(&template_list, page_size, "resource templates", |resource_templates, next_cursor| {
                    to_raw(&ListResourceTemplatesResult { resource_templates, next_cursor })
                })?;
            Ok((resource_pages, template_pages))
        };
        let (apps_resources, apps_templates) = dialect_pages(WidgetDialect::McpApps)?;
        let (sdk_resources, sdk_templates) = dialect_pages(WidgetDialect::AppsSdk)?;
        let prompt_list: Vec<Prompt> = prompts.iter().map(|p| p.prompt.clone()).collect();
        Ok(Self {
            tool_pages: Pages::build(&tool_list, page_size, "tools", |tools, next_cursor| {
                to_raw(&ListToolsResult { tools, next_cursor })
            })?,
            resource_pages: [apps_resources, sdk_resources],
            template_pages: [apps_templates, sdk_templates],
            prompt_pages: Pages::build(&prompt_list, page_size, "prompts", |prompts, next_cursor| {
                to_raw(&ListPromptsResult { prompts, next_cursor })
            })?,
            tools,
            tool_index,
            resources,
            resource_index,
            templates,
            prompts,
            prompt_index,
            page_size,
        })
    }

    /// The tool named `name`.
    pub fn tool(&self, name: &str) -> Option<&ToolDef> {
        self.tool_index.get(name).map(|&i| &self.tools[i])
    }

    /// Every tool, in registration order.
    pub fn tools(&self) -> impl Iterator<Item = &ToolDef> {
        self.tools.iter()
    }

    /// The resource with this exact URI.
    pub fn resource(&self, uri: &str) -> Option<&ResourceDef> {
        self.resource_index.get(uri).map(|&i| &self.resources[i])
    }

    /// The first template matching `uri`, with the variables it matched.
    pub fn match_template(&self, uri: &str) -> Option<(&ResourceTemplateDef, HashMap<String, String>)> {
        self.templates.iter().find_map(|(parsed, def)| parsed.matches(uri).map(|vars| (def, vars)))
    }

    /// The template whose `uriTemplate` is exactly `uri_template`.
    pub fn template(&self, uri_template: &str) -> Option<&ResourceTemplateDef> {
        self.templates.iter().map(|(_, def)| def).find(|def| def.template.uri_template == uri_template)
    }

    /// The prompt named `name`.
    pub fn prompt(&self, name: &str) -> Option<&PromptDef> {
        self.prompt_index.get(name).map(|&i| &self.prompts[i])
    }

    /// The widget templates render tools point at, once each, in tool order.
    pub fn widget_templates(&self) -> Vec<&WidgetTemplate> {
        let mut seen = std::collections::HashSet::new();
        self.tools.iter().filter_map(|t| t.widget.as_ref()).filter(|w| seen.insert(w.uri.as_str())).collect()
    }

    /// Whether any tool is registered.
    pub fn has_tools(&self) -> bool {
        !self.tools.is_empty()
    }

    /// Whether any resource or resource template is registered.
    pub fn has_resources(&self) -> bool {
        !self.resources.is_empty() || !self.templates.is_empty()
    }

    /// Whether any prompt is registered.
    pub fn has_prompts(&self) -> bool {
        !self.prompts.is_empty()
    }

    /// Whether anything offers argument completion.
    pub fn has_completions(&self) -> bool {
        self.prompts.iter().any(|p| !p.completers.is_empty())
            || self.templates.iter().any(|(_, t)| !t.completers.is_empty())
    }

    pub(crate) fn tools_page(&self, cursor: Option<&str>) -> Result<&RawValue, ErrorObject> {
        self.tool_pages.get(cursor, self.page_size)
    }

    pub(crate) fn resources_page(
        &self,
        cursor: Option<&str>,
        dialect: WidgetDialect,
    ) -> Result<&RawValue, ErrorObject> {
        self.resource_pages[dialect.index()].get(cursor, self.page_size)
    }

    pub(crate) fn templates_page(
        &self,
        cursor: Option<&str>,
        dialect: WidgetDialect,
    ) -> Result<&RawValue, ErrorObject> {
        self.template_pages[dialect.index()].get(cursor, self.page_size)
    }

    pub(crate) fn prompts_page(&self, cursor: Option<&str>) -> Result<&RawValue, ErrorObject> {
        self.prompt_pages.get(cursor, self.page_size)
    }
}
