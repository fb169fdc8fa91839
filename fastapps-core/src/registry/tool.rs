//! Tools registered at run time: a descriptor and a handler.

use std::future::Future;
use std::sync::Arc;

use serde_json::{Map, Value};

use futures_util::future::BoxFuture;

use super::security::Security;
use super::widget_template::WidgetTemplate;
use crate::context::Context;
use crate::protocol::{CallToolResult, ToolAnnotations, ToolDescriptor};

pub(crate) type ToolHandler =
    Arc<dyn Fn(Map<String, Value>, Context) -> BoxFuture<'static, crate::error::Result<CallToolResult>> + Send + Sync>;

/// A tool: its `tools/list` descriptor and the function that runs it.
///
/// The handler receives the call's `arguments` (an empty object when the client sent none) and
/// the request's [`Context`]. An `Err` becomes an `isError: true` result carrying the message,
/// unless it is a JSON-RPC error object ([`Error::rpc`](crate::error::Error::rpc)), which is answered
/// as such.
///
/// ```
/// use fastapps_core::prelude::*;
/// use serde_json::json;
///
/// let echo = ToolDef::new("echo", |args, _ctx| async move {
///     let text = args.get("text").and_then(|v| v.as_str()).unwrap_or_default();
///     Ok(CallToolResult::text(text))
/// })
/// .description("Echo the text back")
/// .input_schema(json!({
///     "type": "object",
///     "properties": { "text": { "type": "string" } },
///     "required": ["text"]
/// }));
/// assert_eq!(echo.descriptor().name, "echo");
/// ```
#[derive(Clone)]
pub struct ToolDef {
    pub(crate) tool: ToolDescriptor,
    pub(crate) handler: ToolHandler,
    pub(crate) security: Security,
    pub(crate) widget: Option<WidgetTemplate>,
    /// A schema that was not a JSON object, reported by the registry at build time.
    pub(crate) bad_schema: Option<&'static str>,
    /// The arguments mirrored into `Mcp-Param-*` headers (`x-mcp-header`), found at build time.
    pub(crate) param_headers: Vec<super::param_headers::ParamHeader>,
}

impl std::fmt::Debug for ToolDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToolDef").field("tool", &self.tool).field("security", &self.security).finish_non_exhaustive()
    }
}

impl ToolDef {
    /// A tool named `name` taking no arguments until [`input_schema`](Self::input_schema) says
    /// otherwise.
    pub fn new<F, Fut>(name: impl Into<String>, handler: F) -> Self
    where
        F: Fn(Map<String, Value>, Context) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = crate::error::Result<CallToolResult>> + Send + 'static,
    {
        Self {
            tool: ToolDescriptor::new(name),
            handler: Arc::new(move |args, ctx| Box::pin(handler(args, ctx))),
            security: Security::Inherit,
            widget: None,
            bad_schema: None,
            param_headers: Vec::new(),
        }
    }

    /// The display title.
    #[must_use]
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.tool.title = Some(title.into());
        self
    }

    /// What the tool does, for the model.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.tool.description = Some(description.into());
        self
    }

    /// The JSON Schema of the arguments; it must be an object schema. A missing `"type"` is
    /// filled in as `"object"`.
    #[must_use]
    pub fn input_schema(mut self, schema: Value) -> Self {
        match schema {
            Value::Object(mut map) => {
                map.entry("type").or_insert_with(|| "object".into());
                self.tool.input_schema = map;
            }
            _ => self.bad_schema = Some("inputSchema"),
        }
        self
    }

    /// The JSON Schema of the tool's `structuredContent`; it must be an object schema.
    #[must_use]
    pub fn output_schema(mut self, schema: Value) -> Self {
        match schema {
            Value::Object(map) => self.tool.output_schema = Some(map),
            _ => self.bad_schema = Some("outputSchema"),
        }
        self
    }

    /// Behaviour hints.
    #[must_use]
    pub fn annotations(mut self, annotations: ToolAnnotations) -> Self {
        self.tool.annotations = Some(annotations);
        self
    }

    /// Sets one `_meta` key.
    #[must_use]
    pub fn meta(mut self, key: impl Into<String>, value: Value) -> Self {
        self.tool.meta.get_or_insert_with(Map::new).insert(key.into(), value);
        self
    }

    /// Sets one extra top-level descriptor field (outside the core MCP schema).
    #[must_use]
    pub fn extra(mut self, key: impl Into<String>, value: Value) -> Self {
        self.tool.extra.insert(key.into(), value);
        self
    }

    /// What the tool requires of its caller (default: the server's default).
    #[must_use]
    pub fn security(mut self, security: Security) -> Self {
        self.security = security;
        self
    }

    /// Marks the tool as a render tool for `template` (set by `#[widget]`). The descriptor's
    /// widget `_meta` keys are the caller's to write.
    #[must_use]
    pub fn widget_template(mut self, template: WidgetTemplate) -> Self {
        self.widget = Some(template);
        self
    }

    /// The widget template, for a render tool.
    pub fn widget(&self) -> Option<&WidgetTemplate> {
        self.widget.as_ref()
    }

    /// The descriptor as `tools/list` shows it.
    pub fn descriptor(&self) -> &ToolDescriptor {
        &self.tool
    }

    /// The tool's security requirement (resolved against the server's default once the
    /// server is built).
    pub fn security_requirement(&self) -> &Security {
        &self.security
    }
}
