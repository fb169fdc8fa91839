//! [`ToolOutput`]: what a typed tool returns, shaped into a `tools/call` result.

use serde::Serialize;
use serde_json::Value;

use crate::protocol::{CallToolResult, Content, Meta};

/// What a `#[tool]` or `#[widget]` returns: structured data for the model and the widget
/// (`structuredContent`, the widget's `toolOutput`), the text the model reads (by default the
/// same JSON), and `_meta` only the widget sees.
///
/// ```
/// use fastapps_core::tool::ToolOutput;
/// use serde_json::json;
///
/// let output = ToolOutput::new(json!({ "orders": [] }))
///     .with_text("You have no orders yet.")
///     .with_meta("cursor", json!("abc"));
/// let result = output.into_result();
/// assert_eq!(result.structured_content, Some(json!({ "orders": [] })));
/// assert_eq!(result.content[0].as_text(), Some("You have no orders yet."));
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ToolOutput {
    structured: Option<Value>,
    content: Option<Vec<Content>>,
    meta: Option<Meta>,
}

/// The output of a widget: the same as a tool's.
pub type WidgetOutput = ToolOutput;

impl ToolOutput {
    /// Structured output (an object, for clients of 2025-11-25 and earlier).
    pub fn new(structured: Value) -> Self {
        Self { structured: Some(structured), ..Self::default() }
    }

    /// Structured output from any serializable value.
    pub fn serialize<T: Serialize + ?Sized>(value: &T) -> crate::error::Result<Self> {
        Ok(Self::new(serde_json::to_value(value)?))
    }

    /// Text only, no structured output.
    pub fn text(text: impl Into<String>) -> Self {
        Self { content: Some(vec![Content::text(text)]), ..Self::default() }
    }

    /// Content blocks only (images, audio, resources…), no structured output.
    pub fn content(content: Vec<Content>) -> Self {
        Self { content: Some(content), ..Self::default() }
    }

    /// Replaces the model-facing text (by default the structured output as JSON).
    #[must_use]
    pub fn with_text(mut self, text: impl Into<String>) -> Self {
        self.content = Some(vec![Content::text(text)]);
        self
    }

    /// Replaces the content blocks entirely (images, resources, several texts…).
    #[must_use]
    pub fn with_content(mut self, content: Vec<Content>) -> Self {
        self.content = Some(content);
        self
    }

    /// Adds a result `_meta` key: delivered to the widget (`toolResponseMetadata`), never to
    /// the model.
    #[must_use]
    pub fn with_meta(mut self, key: impl Into<String>, value: Value) -> Self {
        self.meta.get_or_insert_with(Meta::new).insert(key.into(), value);
        self
    }

    /// The `tools/call` result.
    pub fn into_result(self) -> CallToolResult {
        let content = match (self.content, &self.structured) {
            (Some(content), _) => content,
            (None, Some(structured)) => vec![Content::text(structured.to_string())],
            (None, None) => Vec::new(),
        };
        CallToolResult { content, structured_content: self.structured, is_error: false, meta: self.meta }
    }
}

impl From<Value> for ToolOutput {
    fn from(structured: Value) -> Self {
        Self::new(structured)
    }
}
