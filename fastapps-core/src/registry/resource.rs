//! Resources and resource templates registered at run time.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use futures_util::future::BoxFuture;

use super::completion::{Completer, completer};
use crate::context::Context;
use crate::protocol::{ReadResourceResult, Resource, ResourceContents, ResourceTemplate};

/// A `resources/read` request as a handler sees it.
#[derive(Clone, Debug)]
pub struct ResourceRequest {
    /// The URI being read.
    pub uri: String,
    /// For a template, its variables as matched in `uri` (percent-decoded); else empty.
    pub variables: HashMap<String, String>,
}

pub(crate) type ResourceReader =
    Arc<dyn Fn(ResourceRequest, Context) -> BoxFuture<'static, crate::error::Result<ReadResourceResult>> + Send + Sync>;

fn reader<F, Fut>(read: F) -> ResourceReader
where
    F: Fn(ResourceRequest, Context) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = crate::error::Result<ReadResourceResult>> + Send + 'static,
{
    Arc::new(move |request, ctx| Box::pin(read(request, ctx)))
}

/// A resource with a fixed URI.
///
/// ```
/// use fastapps_core::prelude::*;
///
/// let readme = ResourceDef::text("docs://readme", "readme", "text/markdown", "# Hello");
/// assert_eq!(readme.descriptor().uri, "docs://readme");
/// ```
#[derive(Clone)]
pub struct ResourceDef {
    pub(crate) resource: Resource,
    pub(crate) reader: ResourceReader,
    /// A widget's HTML: listed with the MIME type of the client's widget dialect.
    pub(crate) widget_html: bool,
}

impl std::fmt::Debug for ResourceDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResourceDef").field("resource", &self.resource).finish_non_exhaustive()
    }
}

impl ResourceDef {
    /// A resource whose contents `read` produces on each `resources/read`.
    pub fn new<F, Fut>(uri: impl Into<String>, name: impl Into<String>, read: F) -> Self
    where
        F: Fn(ResourceRequest, Context) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = crate::error::Result<ReadResourceResult>> + Send + 'static,
    {
        Self { resource: Resource::new(uri, name), reader: reader(read), widget_html: false }
    }

    /// A resource with fixed text contents.
    pub fn text(
        uri: impl Into<String>,
        name: impl Into<String>,
        mime_type: impl Into<String>,
        text: impl Into<String>,
    ) -> Self {
        let uri = uri.into();
        let mime_type = mime_type.into();
        let contents = ResourceContents::text(uri.clone(), mime_type.clone(), text);
        Self::fixed(uri, name, mime_type, contents)
    }

    /// A resource with fixed binary contents, given base64-encoded.
    pub fn blob(
        uri: impl Into<String>,
        name: impl Into<String>,
        mime_type: impl Into<String>,
        base64: impl Into<String>,
    ) -> Self {
        let uri = uri.into();
        let mime_type = mime_type.into();
        let contents = ResourceContents::blob(uri.clone(), mime_type.clone(), base64);
        Self::fixed(uri, name, mime_type, contents)
    }

    fn fixed(uri: String, name: impl Into<String>, mime_type: String, contents: ResourceContents) -> Self {
        let result = ReadResourceResult::from(contents);
        let mut def = Self::new(uri, name, move |_, _| {
            let result = result.clone();
            async move { Ok(result) }
        });
        def.resource.mime_type = Some(mime_type);
        def
    }

    /// The display title.
    #[must_use]
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.resource.title = Some(title.into());
        self
    }

    /// What the resource holds.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.resource.description = Some(description.into());
        self
    }

    /// The MIME type listed by `resources/list`.
    #[must_use]
    pub fn mime_type(mut self, mime_type: impl Into<String>) -> Self {
        self.resource.mime_type = Some(mime_type.into());
        self
    }

    /// Sets one `_meta` key of the listed resource.
    #[must_use]
    pub fn meta(mut self, key: impl Into<String>, value: serde_json::Value) -> Self {
        self.resource.meta.get_or_insert_with(Default::default).insert(key.into(), value);
        self
    }

    /// The descriptor as `resources/list` shows it.
    pub fn descriptor(&self) -> &Resource {
        &self.resource
    }
}

/// A family of resources named by a URI template such as `notes://{id}`.
///
/// Supported template expressions are `{name}` (one path segment) and `{+name}` (anything).
///
/// ```
/// use fastapps_core::prelude::*;
/// use fastapps_core::protocol::{ReadResourceResult, ResourceContents};
///
/// let notes = ResourceTemplateDef::new("notes://{id}", "note", |req, _ctx| async move {
///     let id = &req.variables["id"];
///     Ok(ReadResourceResult::from(ResourceContents::text(&req.uri, "text/plain", format!("note {id}"))))
/// })
/// .complete("id", |typed, _context| async move { Ok(vec![format!("{typed}1"), format!("{typed}2")]) });
/// assert_eq!(notes.descriptor().uri_template, "notes://{id}");
/// ```
#[derive(Clone)]
pub struct ResourceTemplateDef {
    pub(crate) template: ResourceTemplate,
    pub(crate) reader: ResourceReader,
    pub(crate) completers: HashMap<String, Completer>,
    /// A widget's HTML: listed with the MIME type of the client's widget dialect.
    pub(crate) widget_html: bool,
}

impl std::fmt::Debug for ResourceTemplateDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResourceTemplateDef").field("template", &self.template).finish_non_exhaustive()
    }
}

impl ResourceTemplateDef {
    /// A template whose matching URIs `read` serves.
    pub fn new<F, Fut>(uri_template: impl Into<String>, name: impl Into<String>, read: F) -> Self
    where
        F: Fn(ResourceRequest, Context) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = crate::error::Result<ReadResourceResult>> + Send + 'static,
    {
        let template = ResourceTemplate { uri_template: uri_template.into(), name: name.into(), ..Default::default() };
        Self { template, reader: reader(read), completers: HashMap::new(), widget_html: false }
    }

    /// The display title.
    #[must_use]
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.template.title = Some(title.into());
        self
    }

    /// What the resources hold.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.template.description = Some(description.into());
        self
    }

    /// The MIME type of every matching resource.
    #[must_use]
    pub fn mime_type(mut self, mime_type: impl Into<String>) -> Self {
        self.template.mime_type = Some(mime_type.into());
        self
    }

    /// Sets one `_meta` key of the listed template.
    #[must_use]
    pub fn meta(mut self, key: impl Into<String>, value: serde_json::Value) -> Self {
        self.template.meta.get_or_insert_with(Default::default).insert(key.into(), value);
        self
    }

    /// Offers `completion/complete` for the variable `variable`: `complete(typed, context)`
    /// returns every candidate for what was typed so far (the server keeps the first 100 and
    /// reports the total).
    #[must_use]
    pub fn complete<F, Fut>(mut self, variable: impl Into<String>, complete: F) -> Self
    where
        F: Fn(String, HashMap<String, String>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = crate::error::Result<Vec<String>>> + Send + 'static,
    {
        self.completers.insert(variable.into(), completer(complete));
        self
    }

    /// The descriptor as `resources/templates/list` shows it.
    pub fn descriptor(&self) -> &ResourceTemplate {
        &self.template
    }
}
