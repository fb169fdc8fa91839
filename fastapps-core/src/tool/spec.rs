//! What the `#[tool]` and `#[widget]` macros know about a tool, and how it becomes a
//! descriptor: schemas, annotations, invocation texts, visibility in both dialects.

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use crate::protocol::{Meta, ToolAnnotations};
use crate::registry::{Security, ToolDef};

/// Behaviour hints, always emitted explicitly: MCP's defaults for absent hints are the unsafe
/// ones (destructive, open world), which makes hosts ask for approval on every call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Hints {
    /// `readOnlyHint`
    pub read_only: bool,
    /// `destructiveHint`
    pub destructive: bool,
    /// `idempotentHint`
    pub idempotent: bool,
    /// `openWorldHint`
    pub open_world: bool,
}

/// Who may see and call a tool: the model (`"model"`, `openai/visibility: public`) and the
/// widget (`"app"`, `openai/widgetAccessible`). `explicit` says whether the declaration set
/// either, so plain tools that say nothing keep each host's default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Visibility {
    /// The model sees the tool.
    pub model: bool,
    /// The widget may call the tool.
    pub app: bool,
    /// Set by the declaration.
    pub explicit: bool,
}

impl Default for Visibility {
    fn default() -> Self {
        Self { model: true, app: false, explicit: false }
    }
}

impl Visibility {
    /// Writes the visibility keys of both dialects into `meta`; `resource_uri` is the widget
    /// template of a render tool.
    pub(crate) fn write(self, meta: &mut Meta, resource_uri: Option<&str>) {
        if !self.explicit && resource_uri.is_none() {
            return;
        }
        let mut ui = Map::new();
        if let Some(uri) = resource_uri {
            ui.insert("resourceUri".into(), uri.into());
        }
        let mut who = Vec::new();
        if self.model {
            who.push("model");
        }
        if self.app {
            who.push("app");
        }
        ui.insert("visibility".into(), json!(who));
        meta.insert("ui".into(), Value::Object(ui));
        if let Some(uri) = resource_uri {
            // The flat key is deprecated but still written by the MCP Apps SDK; ChatGPT reads
            // `openai/outputTemplate`.
            meta.insert("ui/resourceUri".into(), uri.into());
            meta.insert("openai/outputTemplate".into(), uri.into());
        }
        meta.insert("openai/widgetAccessible".into(), self.app.into());
        if !self.model {
            meta.insert("openai/visibility".into(), "private".into());
        }
    }
}

/// Everything a tool macro declares.
#[derive(Clone, Debug)]
pub struct ToolSpec {
    /// Tool name.
    pub name: &'static str,
    /// Display title.
    pub title: Option<&'static str>,
    /// Description (the doc comment unless given).
    pub description: Option<&'static str>,
    /// `openai/toolInvocation/invoking`
    pub invoking: Option<&'static str>,
    /// `openai/toolInvocation/invoked`
    pub invoked: Option<&'static str>,
    /// Annotations.
    pub hints: Hints,
    /// Visibility.
    pub visibility: Visibility,
    /// Security requirement.
    pub security: Security,
    /// The `outputSchema`, from the `output = Type` key.
    pub output_schema: Option<fn() -> Map<String, Value>>,
}

impl ToolSpec {
    /// The tool's `_meta` keys except the widget's.
    pub(crate) fn meta(&self) -> Meta {
        let mut meta = Meta::new();
        if let Some(text) = self.invoking {
            meta.insert("openai/toolInvocation/invoking".into(), text.into());
        }
        if let Some(text) = self.invoked {
            meta.insert("openai/toolInvocation/invoked".into(), text.into());
        }
        meta
    }

    /// Fills `def`'s descriptor from the declaration.
    pub(crate) fn apply(self, mut def: ToolDef, input_schema: Map<String, Value>) -> ToolDef {
        let mut meta = self.meta();
        self.visibility.write(&mut meta, None);
        self.apply_with_meta(&mut def, input_schema, meta);
        def
    }

    pub(crate) fn apply_with_meta(self, def: &mut ToolDef, input_schema: Map<String, Value>, meta: Meta) {
        let tool = &mut def.tool;
        tool.title = self.title.map(str::to_owned);
        tool.description = self.description.or(self.title).map(str::to_owned);
        tool.input_schema = input_schema;
        tool.output_schema = self.output_schema.map(|schema| schema());
        tool.annotations = Some(ToolAnnotations {
            title: None,
            read_only_hint: Some(self.hints.read_only),
            destructive_hint: Some(self.hints.destructive),
            idempotent_hint: Some(self.hints.idempotent),
            open_world_hint: Some(self.hints.open_world),
        });
        if !meta.is_empty() {
            tool.meta = Some(meta);
        }
        def.security = self.security;
    }
}

fn generate<T: JsonSchema>(settings: SchemaSettings) -> Map<String, Value> {
    let settings = settings.with(|s| s.meta_schema = None);
    let schema: Value = settings.into_generator().into_root_schema_for::<T>().into();
    let mut map = match schema {
        Value::Object(map) => map,
        // A non-object schema (`true`) means "anything": describe it as an open object.
        _ => Map::new(),
    };
    // The Rust type's name and doc comment are the tool's title and description already.
    map.remove("title");
    map.remove("description");
    map.entry("type").or_insert_with(|| "object".into());
    if map.get("properties").is_none_or(|p| p.as_object().is_some_and(Map::is_empty)) {
        // A tool without arguments, as the spec writes it.
        map.remove("properties");
        map.entry("additionalProperties").or_insert(false.into());
    }
    map
}

/// The `inputSchema` of `T`'s fields, as the arguments are deserialized.
pub(crate) fn input_schema<T: JsonSchema>() -> Map<String, Value> {
    generate::<T>(SchemaSettings::draft2020_12().for_deserialize())
}

#[doc(hidden)]
/// The `outputSchema` of `T`, as it is serialized.
pub fn schema_of<T: JsonSchema>() -> Map<String, Value> {
    generate::<T>(SchemaSettings::draft2020_12().for_serialize())
}
