//! The fixtures, by kind. Names, texts and shapes are the ones the conformance scenarios check.
//! Plain tools are declared with `#[tool]`; the one fixture about preserving a hand-written
//! JSON Schema is registered with the builder.

use std::time::Duration;

use fastapps_core::prelude::*;
use fastapps_core::protocol::{
    CreateMessageParams, ElicitParams, GetPromptResult, PromptMessage, ReadResourceResult, ResourceContents,
};
use fastapps_core::serde_json::{Value, json};

/// A 1×1 PNG.
const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC";
/// Eight samples of 8 kHz silence as WAV.
const WAV: &str = "UklGRiwAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQgAAACAgICAgICAgA==";

/// Adds the fixtures the builder registers (the `#[tool]`s register themselves).
pub(crate) fn register(builder: ServerBuilder) -> ServerBuilder {
    let builder = resources().into_iter().fold(builder, ServerBuilder::resource);
    let builder = prompts().into_iter().fold(builder, ServerBuilder::prompt);
    builder.tool(json_schema_2020_12_tool()).resource_template(
        ResourceTemplateDef::new("test://template/{id}/data", "template-data", |req, _| async move {
            let id = req.variables.get("id").cloned().unwrap_or_default();
            let body = json!({ "id": id, "templateTest": true, "data": format!("Data for ID: {id}") });
            Ok(ReadResourceResult::from(ResourceContents::text(req.uri, "application/json", body.to_string())))
        })
        .description("A resource template with an id parameter")
        .mime_type("application/json")
        .complete("id", |typed, _| async move {
            Ok(["123", "456", "789"].into_iter().filter(|id| id.starts_with(&typed)).map(String::from).collect())
        }),
    )
}

/// Tests simple text content response
#[tool(read_only)]
struct TestSimpleText {}

impl Tool for TestSimpleText {
    async fn execute(self, _ctx: &Context) -> Result<ToolOutput> {
        Ok(ToolOutput::text("This is a simple text response for testing."))
    }
}

/// Tests image content response
#[tool(read_only)]
struct TestImageContent {}

impl Tool for TestImageContent {
    async fn execute(self, _ctx: &Context) -> Result<ToolOutput> {
        Ok(ToolOutput::content(vec![Content::image(PNG, "image/png")]))
    }
}

/// Tests audio content response
#[tool(read_only)]
struct TestAudioContent {}

impl Tool for TestAudioContent {
    async fn execute(self, _ctx: &Context) -> Result<ToolOutput> {
        Ok(ToolOutput::content(vec![Content::audio(WAV, "audio/wav")]))
    }
}

/// Tests embedded resource content response
#[tool(read_only)]
struct TestEmbeddedResource {}

impl Tool for TestEmbeddedResource {
    async fn execute(self, _ctx: &Context) -> Result<ToolOutput> {
        Ok(ToolOutput::content(vec![Content::resource(ResourceContents::text(
            "test://embedded-resource",
            "text/plain",
            "This is an embedded resource content.",
        ))]))
    }
}

/// Tests response with multiple content types (text, image, resource)
#[tool(read_only)]
struct TestMultipleContentTypes {}

impl Tool for TestMultipleContentTypes {
    async fn execute(self, _ctx: &Context) -> Result<ToolOutput> {
        Ok(ToolOutput::content(vec![
            Content::text("Multiple content types test:"),
            Content::image(PNG, "image/png"),
            Content::resource(ResourceContents::text(
                "test://mixed-content-resource",
                "application/json",
                json!({ "test": "data", "value": 123 }).to_string(),
            )),
        ]))
    }
}

/// Tests tool that emits log messages during execution
#[tool(read_only)]
struct TestToolWithLogging {}

impl Tool for TestToolWithLogging {
    async fn execute(self, ctx: &Context) -> Result<ToolOutput> {
        for (i, message) in
            ["Tool execution started", "Tool processing data", "Tool execution completed"].into_iter().enumerate()
        {
            if i > 0 {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            ctx.log(LoggingLevel::Info, message).await?;
        }
        Ok(ToolOutput::text("Tool with logging executed successfully"))
    }
}

/// Tests error response handling
#[tool(read_only)]
struct TestErrorHandling {}

impl Tool for TestErrorHandling {
    async fn execute(self, _ctx: &Context) -> Result<ToolOutput> {
        Err(Error::msg("This tool intentionally returns an error for testing"))
    }
}

/// Tests tool that reports progress notifications
#[tool(read_only)]
struct TestToolWithProgress {}

impl Tool for TestToolWithProgress {
    async fn execute(self, ctx: &Context) -> Result<ToolOutput> {
        for (i, progress) in [0.0, 50.0, 100.0].into_iter().enumerate() {
            if i > 0 {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            ctx.progress(progress, Some(100.0), Some(&format!("Completed step {i} of 2"))).await?;
        }
        Ok(ToolOutput::text(format!("Progress tool completed (token: {:?})", ctx.progress_token())))
    }
}

/// Tests server-initiated sampling (LLM completion request)
#[tool(read_only)]
struct TestSampling {
    /// The prompt to send to the LLM
    prompt: String,
}

impl Tool for TestSampling {
    async fn execute(self, ctx: &Context) -> Result<ToolOutput> {
        let answer = ctx.create_message(CreateMessageParams::user_text(self.prompt, 100)).await?;
        Ok(ToolOutput::text(format!("LLM response: {}", answer.text().unwrap_or("<no text>"))))
    }
}

/// Tests server-initiated elicitation (user input request)
#[tool(read_only)]
struct TestElicitation {
    /// The message to show the user
    message: String,
}

impl Tool for TestElicitation {
    async fn execute(self, ctx: &Context) -> Result<ToolOutput> {
        let schema = json!({
            "type": "object",
            "properties": {
                "username": { "type": "string", "description": "User's response" },
                "email": { "type": "string", "description": "User's email address" }
            },
            "required": ["username", "email"]
        });
        let answer = ctx.elicit(ElicitParams::form(self.message, schema)).await?;
        Ok(ToolOutput::text(format!("User response: {}", json!(answer))))
    }
}

/// Tests elicitation with default values per SEP-1034
#[tool(id = "test_elicitation_sep1034_defaults", read_only)]
struct TestElicitationDefaults {}

impl Tool for TestElicitationDefaults {
    async fn execute(self, ctx: &Context) -> Result<ToolOutput> {
        let schema = json!({
            "type": "object",
            "properties": {
                "name": { "type": "string", "description": "User name", "default": "John Doe" },
                "age": { "type": "integer", "description": "User age", "default": 30 },
                "score": { "type": "number", "description": "User score", "default": 95.5 },
                "status": {
                    "type": "string",
                    "description": "User status",
                    "enum": ["active", "inactive", "pending"],
                    "default": "active"
                },
                "verified": { "type": "boolean", "description": "Verification status", "default": true }
            },
            "required": []
        });
        let answer =
            ctx.elicit(ElicitParams::form("Please review and update the form fields with defaults", schema)).await?;
        Ok(ToolOutput::text(format!("Elicitation completed: {}", json!(answer))))
    }
}

/// Tests elicitation with enum schema improvements per SEP-1330
#[tool(id = "test_elicitation_sep1330_enums", read_only)]
struct TestElicitationEnums {}

impl Tool for TestElicitationEnums {
    async fn execute(self, ctx: &Context) -> Result<ToolOutput> {
        let titled = |prefix: &str, names: [&str; 3]| {
            names
                .iter()
                .enumerate()
                .map(|(i, title)| json!({ "const": format!("{prefix}{}", i + 1), "title": title }))
                .collect::<Vec<_>>()
        };
        let schema = json!({
            "type": "object",
            "properties": {
                "untitledSingle": {
                    "type": "string",
                    "description": "Select one option",
                    "enum": ["option1", "option2", "option3"]
                },
                "titledSingle": {
                    "type": "string",
                    "description": "Select one option with titles",
                    "oneOf": titled("value", ["First Option", "Second Option", "Third Option"])
                },
                "legacyEnum": {
                    "type": "string",
                    "description": "Select one option (legacy)",
                    "enum": ["opt1", "opt2", "opt3"],
                    "enumNames": ["Option One", "Option Two", "Option Three"]
                },
                "untitledMulti": {
                    "type": "array",
                    "description": "Select multiple options",
                    "minItems": 1,
                    "maxItems": 3,
                    "items": { "type": "string", "enum": ["option1", "option2", "option3"] }
                },
                "titledMulti": {
                    "type": "array",
                    "description": "Select multiple options with titles",
                    "minItems": 1,
                    "maxItems": 3,
                    "items": { "anyOf": titled("value", ["First Choice", "Second Choice", "Third Choice"]) }
                }
            },
            "required": []
        });
        let answer = ctx.elicit(ElicitParams::form("Please select options from the enum fields", schema)).await?;
        Ok(ToolOutput::text(format!("Elicitation completed: {}", json!(answer))))
    }
}

/// A tool whose input schema is written by hand, to show it reaches clients unchanged.
fn json_schema_2020_12_tool() -> ToolDef {
    ToolDef::new("json_schema_2020_12_tool", |args, _| async move {
        Ok(CallToolResult::text(format!("JSON Schema 2020-12 tool called with: {}", Value::Object(args))))
    })
    .description("Tool with JSON Schema 2020-12 features")
    .input_schema(json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "$defs": {
            "address": {
                "type": "object",
                "properties": { "street": { "type": "string" }, "city": { "type": "string" } }
            }
        },
        "properties": { "name": { "type": "string" }, "address": { "$ref": "#/$defs/address" } },
        "additionalProperties": false
    }))
}

fn resources() -> Vec<ResourceDef> {
    vec![
        ResourceDef::text(
            "test://static-text",
            "static-text",
            "text/plain",
            "This is the content of the static text resource.",
        )
        .description("A static text resource for testing"),
        ResourceDef::blob("test://static-binary", "static-binary", "image/png", PNG)
            .description("A static binary resource (image) for testing"),
        ResourceDef::text("test://watched-resource", "watched-resource", "text/plain", "Watched resource content")
            .description("A resource that can be subscribed to"),
    ]
}

fn prompts() -> Vec<PromptDef> {
    vec![
        PromptDef::new("test_simple_prompt", |_, _| async {
            Ok(GetPromptResult::new(vec![PromptMessage::user(Content::text("This is a simple prompt for testing."))]))
        })
        .description("A simple prompt without arguments"),
        PromptDef::new("test_prompt_with_arguments", |args, _| async move {
            let text = format!("Prompt with arguments: arg1='{}', arg2='{}'", args["arg1"], args["arg2"]);
            Ok(GetPromptResult::new(vec![PromptMessage::user(Content::text(text))]))
        })
        .description("A prompt with required arguments")
        .argument("arg1", "First test argument", true)
        .argument("arg2", "Second test argument", true)
        .complete("arg1", |typed, _| async move {
            Ok(["paris", "park", "party", "test"]
                .into_iter()
                .filter(|v| v.starts_with(&typed))
                .map(String::from)
                .collect())
        }),
        PromptDef::new("test_prompt_with_embedded_resource", |args, _| async move {
            let uri = args["resourceUri"].clone();
            Ok(GetPromptResult::new(vec![
                PromptMessage::user(Content::resource(ResourceContents::text(
                    uri,
                    "text/plain",
                    "Embedded resource content for testing.",
                ))),
                PromptMessage::user(Content::text("Please process the embedded resource above.")),
            ]))
        })
        .description("A prompt that includes an embedded resource")
        .argument("resourceUri", "URI of the resource to embed", true),
        PromptDef::new("test_prompt_with_image", |_, _| async {
            Ok(GetPromptResult::new(vec![
                PromptMessage::user(Content::image(PNG, "image/png")),
                PromptMessage::user(Content::text("Please analyze the image above.")),
            ]))
        })
        .description("A prompt that includes image content"),
    ]
}
