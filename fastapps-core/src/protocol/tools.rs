//! Tools: descriptors, calls and results.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::content::Content;
use super::meta::Meta;

/// Behaviour hints for a tool. Clients treat them as untrusted; the Apps SDK requires
/// `readOnlyHint`, `destructiveHint` and `openWorldHint` to be present.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolAnnotations {
    /// A display title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The tool only reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only_hint: Option<bool>,
    /// The tool may delete or overwrite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destructive_hint: Option<bool>,
    /// Calling it twice with the same arguments does nothing more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotent_hint: Option<bool>,
    /// The tool reaches outside the user's account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_world_hint: Option<bool>,
}

/// A tool as `tools/list` lists it: the wire descriptor, not the trait a typed tool
/// implements (`tool::Tool`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolDescriptor {
    /// Unique name: 1–128 characters of `[A-Za-z0-9_.-]`.
    pub name: String,
    /// Display title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// What the tool does, for the model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// JSON Schema of the arguments; its root is always an object schema.
    pub input_schema: Map<String, Value>,
    /// JSON Schema of `structuredContent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_schema: Option<Map<String, Value>>,
    /// Behaviour hints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<ToolAnnotations>,
    /// Metadata (widget templates, `securitySchemes` mirror, …).
    #[serde(default, rename = "_meta", skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Extra top-level fields outside the core schema, e.g. `securitySchemes`.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ToolDescriptor {
    /// A tool taking no arguments: `{"type":"object","additionalProperties":false}`.
    pub fn new(name: impl Into<String>) -> Self {
        let mut input_schema = Map::new();
        input_schema.insert("type".into(), "object".into());
        input_schema.insert("additionalProperties".into(), false.into());
        Self {
            name: name.into(),
            title: None,
            description: None,
            input_schema,
            output_schema: None,
            annotations: None,
            meta: None,
            extra: Map::new(),
        }
    }
}

/// `tools/call` parameters.
#[derive(Clone, Debug, Deserialize)]
pub struct CallToolParams {
    /// The tool's name.
    pub name: String,
    /// The arguments; absent means none.
    #[serde(default)]
    pub arguments: Option<Map<String, Value>>,
    /// Request metadata (`progressToken`, ChatGPT's `openai/*` keys, …).
    #[serde(default, rename = "_meta")]
    pub meta: Option<Meta>,
    /// 2026-07-28 retry: the client's answers to the input the server asked for.
    #[serde(default, rename = "inputResponses")]
    pub input_responses: Option<Value>,
    /// 2026-07-28 retry: the state the server sent with its `InputRequiredResult`.
    #[serde(default, rename = "requestState")]
    pub request_state: Option<String>,
}

/// The result of a tool call. A failure of the tool itself is a result with `isError: true`,
/// not a JSON-RPC error, so the model can read it and correct itself.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallToolResult {
    /// Content for the model (and the widget).
    pub content: Vec<Content>,
    /// Structured output: a widget's `toolOutput`; conforms to the `outputSchema`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub structured_content: Option<Value>,
    /// Whether the tool failed.
    #[serde(default)]
    pub is_error: bool,
    /// Metadata delivered to the widget only, never to the model.
    #[serde(default, rename = "_meta", skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

impl CallToolResult {
    /// A successful result with these content blocks.
    pub fn new(content: Vec<Content>) -> Self {
        Self { content, ..Self::default() }
    }

    /// A successful result with one text block.
    pub fn text(text: impl Into<String>) -> Self {
        Self::new(vec![Content::text(text)])
    }

    /// A successful result carrying `structuredContent`, mirrored as JSON text for clients that
    /// read only `content` (as the spec recommends).
    pub fn structured(value: Value) -> Self {
        let text = value.to_string();
        Self { content: vec![Content::text(text)], structured_content: Some(value), ..Self::default() }
    }

    /// A failed result (`isError: true`) with a message for the model.
    pub fn error(message: impl Into<String>) -> Self {
        Self { content: vec![Content::text(message)], is_error: true, ..Self::default() }
    }

    /// Attaches `_meta`.
    #[must_use]
    pub fn with_meta(mut self, meta: Meta) -> Self {
        self.meta = Some(meta);
        self
    }
}

/// `tools/list` result.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListToolsResult<'a> {
    /// One page of tools.
    pub tools: &'a [ToolDescriptor],
    /// The cursor of the next page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}
