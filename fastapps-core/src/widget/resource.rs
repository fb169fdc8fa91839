//! Every widget template becomes a resource (`ui://widget/<name>.html`) and a resource template
//! with the same URI (as the Apps SDK examples list them), served with its `_meta` in both
//! dialects and the MIME type the client's dialect expects.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::assets;
use crate::error::BuildError;
use crate::protocol::{Meta, ReadResourceResult, ResourceContents};
use crate::registry::{Csp, Entries, ResourceDef, ResourceTemplateDef, WidgetDialect, WidgetHtml, WidgetTemplate};

/// Server-wide widget settings.
#[derive(Clone, Debug, Default)]
pub(crate) struct WidgetSettings {
    /// Domains added to every widget's own, in order: the project's config, the public URL,
    /// the builder's.
    pub(crate) global_csp: Csp,
    /// Serve `text/html;profile=mcp-app` to every client, not only those declaring MCP Apps.
    pub(crate) mcp_apps_for_all: bool,
    /// HTML given to the builder, by template name; wins over built assets.
    pub(crate) html: HashMap<String, Arc<str>>,
}

impl WidgetSettings {
    /// The dialect to answer a client in.
    pub(crate) fn dialect(&self, declares_mcp_apps: bool) -> WidgetDialect {
        if self.mcp_apps_for_all || declares_mcp_apps { WidgetDialect::McpApps } else { WidgetDialect::AppsSdk }
    }
}

fn list(domains: &[String]) -> Value {
    json!(domains)
}

/// The resource `_meta` in both dialects: the full set goes on the read content item.
fn content_meta(template: &WidgetTemplate, csp: &Csp) -> Meta {
    let mut ui = Map::new();
    let mut ui_csp = Map::new();
    let mut openai_csp = Map::new();
    for (key, domains) in csp.iter() {
        if domains.is_empty() && !key.always_emitted() {
            continue;
        }
        if let Some(field) = key.mcp_apps_field() {
            ui_csp.insert(field.into(), list(domains));
        }
        if let Some(field) = key.apps_sdk_field() {
            openai_csp.insert(field.into(), list(domains));
        }
    }
    ui.insert("csp".into(), Value::Object(ui_csp));
    let mut meta = Meta::new();
    if let Some(domain) = &template.domain {
        ui.insert("domain".into(), domain.as_str().into());
        meta.insert("openai/widgetDomain".into(), domain.as_str().into());
    }
    if let Some(border) = template.prefers_border {
        ui.insert("prefersBorder".into(), border.into());
        meta.insert("openai/widgetPrefersBorder".into(), border.into());
    }
    if !template.permissions.is_empty() {
        let permissions: Map<String, Value> =
            template.permissions.iter().map(|p| (p.clone(), Value::Object(Map::new()))).collect();
        ui.insert("permissions".into(), Value::Object(permissions));
    }
    if let Some(description) = &template.description {
        meta.insert("openai/widgetDescription".into(), description.as_str().into());
    }
    meta.insert("openai/widgetCSP".into(), Value::Object(openai_csp));
    meta.insert("ui".into(), Value::Object(ui));
    meta
}

/// The list entry's `_meta`: border and description, which hosts read before fetching.
fn list_meta(template: &WidgetTemplate) -> Meta {
    let mut meta = Meta::new();
    if let Some(border) = template.prefers_border {
        meta.insert("ui".into(), json!({ "prefersBorder": border }));
        meta.insert("openai/widgetPrefersBorder".into(), border.into());
    }
    if let Some(description) = &template.description {
        meta.insert("openai/widgetDescription".into(), description.as_str().into());
    }
    meta
}

/// Adds the resource and the resource template of every widget template the tools render,
/// after checking each one's HTML can be served.
pub(crate) fn add_widget_resources(entries: &mut Entries, settings: &Arc<WidgetSettings>) -> Result<(), BuildError> {
    let mut seen = HashSet::new();
    let templates: Vec<WidgetTemplate> =
        entries.tools.iter().filter_map(|t| t.widget.clone()).filter(|t| seen.insert(t.uri.clone())).collect();
    for mut template in templates {
        if let Some(html) = settings.html.get(&template.name) {
            template.html = WidgetHtml::Inline(html.clone());
        }
        assets::check(&template.name, &template.html)
            .map_err(|reason| BuildError::WidgetHtml { template: template.name.clone(), reason })?;
        let mut csp = template.csp.clone();
        csp.merge(&settings.global_csp);
        let content_meta = Arc::new(content_meta(&template, &csp));
        let list_meta = list_meta(&template);
        let template = Arc::new(template);
        let read = {
            let (template, settings) = (template.clone(), settings.clone());
            move |_, ctx: crate::context::Context| {
                let (template, settings, meta) = (template.clone(), settings.clone(), content_meta.clone());
                async move {
                    let dialect = settings.dialect(ctx.supports_mcp_apps());
                    let text = assets::load(&template.name, &template.html).await.map_err(crate::error::Error::msg)?;
                    let contents = ResourceContents::text(template.uri.clone(), dialect.mime_type(), text)
                        .with_meta((*meta).clone());
                    Ok(ReadResourceResult::from(contents))
                }
            }
        };
        let description = format!("Widget markup for {}", template.name);
        let mut resource = ResourceDef::new(template.uri.clone(), template.name.clone(), read.clone())
            .description(description.clone());
        let mut resource_template =
            ResourceTemplateDef::new(template.uri.clone(), template.name.clone(), read).description(description);
        resource.widget_html = true;
        resource_template.widget_html = true;
        if !list_meta.is_empty() {
            resource.resource.meta = Some(list_meta.clone());
            resource_template.template.meta = Some(list_meta);
        }
        entries.resources.push(resource);
        entries.templates.push(resource_template);
    }
    Ok(())
}
