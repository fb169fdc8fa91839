//! The fixtures, by kind. Names, texts and shapes are the ones the conformance scenarios check.
//! Plain tools are declared with `#[tool]`; the one fixture about preserving a hand-written
//! JSON Schema is registered with the builder.

use std::time::Duration;

use fastapps_core::prelude::*;
use fastapps_core::protocol::{
    CreateMessageParams, ElicitParams, ElicitResult, GetPromptResult, PromptMessage, ReadResourceResult,
    ResourceContents,
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
    builder
        .tool(json_schema_2020_12_tool())
        .tool(header_param_tool())
        .prompt(input_required_prompt())
        .resource_template(
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
                "$anchor": "addressDef",
                "type": "object",
                "properties": { "street": { "type": "string" }, "city": { "type": "string" } }
            }
        },
        "properties": {
            "name": { "type": "string" },
            "address": { "$ref": "#/$defs/address" },
            "contactMethod": { "type": "string", "enum": ["phone", "email"] },
            "phone": { "type": "string" },
            "email": { "type": "string" }
        },
        "allOf": [{ "anyOf": [{ "required": ["phone"] }, { "required": ["email"] }] }],
        "if": { "properties": { "contactMethod": { "const": "phone" } }, "required": ["contactMethod"] },
        "then": { "required": ["phone"] },
        "else": { "required": ["email"] },
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

// ---------------------------------------------------------------------------------------------
// 2026-07-28: input requests (multi round-trip requests), capabilities and logging per request.
// The same tools work on a legacy session, where each question is a request on the call's
// event stream.

fn text_answer(answer: &ElicitResult, field: &str) -> String {
    answer.content.as_ref().and_then(|c| c.get(field)).and_then(Value::as_str).unwrap_or("<none>").to_owned()
}

fn name_question(message: &str) -> ElicitParams {
    ElicitParams::form(
        message,
        json!({ "type": "object", "properties": { "name": { "type": "string" } }, "required": ["name"] }),
    )
}

fn confirm_question() -> ElicitParams {
    ElicitParams::form(
        "Please confirm",
        json!({ "type": "object", "properties": { "ok": { "type": "boolean" } }, "required": ["ok"] }),
    )
}

/// Asks the user's name (an elicitation input request) and greets them
#[tool(read_only)]
struct TestInputRequiredResultElicitation {}

impl Tool for TestInputRequiredResultElicitation {
    async fn execute(self, ctx: &Context) -> Result<ToolOutput> {
        let answer = ctx.elicit_as("user_name", name_question("What is your name?")).await?;
        Ok(ToolOutput::text(format!("Hello, {}!", text_answer(&answer, "name"))))
    }
}

/// Asks the client's model a question (a sampling input request)
#[tool(read_only)]
struct TestInputRequiredResultSampling {}

impl Tool for TestInputRequiredResultSampling {
    async fn execute(self, ctx: &Context) -> Result<ToolOutput> {
        let question = CreateMessageParams::user_text("What is the capital of France?", 100);
        let answer = ctx.create_message_as("capital_question", question).await?;
        Ok(ToolOutput::text(format!("The model says: {}", answer.text().unwrap_or("<no text>"))))
    }
}

/// Asks the client for its roots (a roots/list input request)
#[tool(read_only)]
struct TestInputRequiredResultListRoots {}

impl Tool for TestInputRequiredResultListRoots {
    async fn execute(self, ctx: &Context) -> Result<ToolOutput> {
        let roots = ctx.list_roots_as("client_roots").await?;
        let uris: Vec<&str> = roots.roots.iter().map(|r| r.uri.as_str()).collect();
        Ok(ToolOutput::text(format!("Client roots: {}", uris.join(", "))))
    }
}

/// Asks for a confirmation and completes once the sealed request state verifies
#[tool(read_only)]
struct TestInputRequiredResultRequestState {}

impl Tool for TestInputRequiredResultRequestState {
    async fn execute(self, ctx: &Context) -> Result<ToolOutput> {
        let answer = ctx.elicit_as("confirm", confirm_question()).await?;
        // Reaching this point on a retry means the server verified the echoed requestState.
        Ok(ToolOutput::text(format!("state-ok: confirmation {:?}", answer.action)))
    }
}

/// Asks three questions at once: an elicitation, a sampling request and the client's roots
#[tool(read_only)]
struct TestInputRequiredResultMultipleInputs {}

impl Tool for TestInputRequiredResultMultipleInputs {
    async fn execute(self, ctx: &Context) -> Result<ToolOutput> {
        let (name, greeting, roots) = tokio::join!(
            ctx.elicit_as("user_name", name_question("What is your name?")),
            ctx.create_message_as("greeting", CreateMessageParams::user_text("Generate a greeting", 50)),
            ctx.list_roots_as("client_roots"),
        );
        let (name, greeting, roots) = (name?, greeting?, roots?);
        Ok(ToolOutput::text(format!(
            "{} {} ({} roots)",
            greeting.text().unwrap_or("Hello"),
            text_answer(&name, "name"),
            roots.roots.len()
        )))
    }
}

/// Asks two questions in two rounds: a name, then a favourite colour
#[tool(read_only)]
struct TestInputRequiredResultMultiRound {}

impl Tool for TestInputRequiredResultMultiRound {
    async fn execute(self, ctx: &Context) -> Result<ToolOutput> {
        let name = ctx.elicit_as("step1", name_question("Step 1: What is your name?")).await?;
        let color = ctx
            .elicit_as(
                "step2",
                ElicitParams::form(
                    "Step 2: What is your favorite color?",
                    json!({ "type": "object", "properties": { "color": { "type": "string" } }, "required": ["color"] }),
                ),
            )
            .await?;
        Ok(ToolOutput::text(format!("{} likes {}", text_answer(&name, "name"), text_answer(&color, "color"))))
    }
}

/// Asks for a confirmation; a retry with a changed request state is refused
#[tool(read_only)]
struct TestInputRequiredResultTamperedState {}

impl Tool for TestInputRequiredResultTamperedState {
    async fn execute(self, ctx: &Context) -> Result<ToolOutput> {
        let answer = ctx.elicit_as("confirm", confirm_question()).await?;
        Ok(ToolOutput::text(format!("Confirmed: {:?}", answer.action)))
    }
}

/// Asks only for the kinds of input the client declared (sampling, elicitation)
#[tool(read_only)]
struct TestInputRequiredResultCapabilities {}

impl Tool for TestInputRequiredResultCapabilities {
    async fn execute(self, ctx: &Context) -> Result<ToolOutput> {
        let declared = ctx.client_capabilities().cloned().unwrap_or_default();
        let sampling = async {
            match declared.supports_sampling() {
                true => {
                    ctx.create_message_as("summary", CreateMessageParams::user_text("Summarize", 50)).await.map(Some)
                }
                false => Ok(None),
            }
        };
        let elicitation = async {
            match declared.supports_elicitation() {
                true => ctx.elicit_as("user_name", name_question("What is your name?")).await.map(Some),
                false => Ok(None),
            }
        };
        let (sampling, elicitation) = tokio::join!(sampling, elicitation);
        let (sampling, elicitation) = (sampling?, elicitation?);
        Ok(ToolOutput::text(format!("sampling: {}, elicitation: {}", sampling.is_some(), elicitation.is_some())))
    }
}

/// Needs sampling: refused with -32021 for a client that does not declare it
#[tool(read_only)]
struct TestMissingCapability {}

impl Tool for TestMissingCapability {
    async fn execute(self, ctx: &Context) -> Result<ToolOutput> {
        let answer = ctx.create_message(CreateMessageParams::user_text("Say hello", 20)).await?;
        Ok(ToolOutput::text(format!("LLM response: {}", answer.text().unwrap_or("<no text>"))))
    }
}

/// Asks for input while its response streams: the stream carries no request of the server's
#[tool(read_only)]
struct TestStreamingElicitation {}

impl Tool for TestStreamingElicitation {
    async fn execute(self, ctx: &Context) -> Result<ToolOutput> {
        ctx.progress(0.0, Some(1.0), Some("asking")).await?;
        let answer = ctx.elicit(name_question("What is your name?")).await?;
        Ok(ToolOutput::text(format!("Hello, {}!", text_answer(&answer, "name"))))
    }
}

/// Logs at info level; a 2026-07-28 client gets the messages only when it sets a log level
#[tool(read_only)]
struct TestLoggingTool {}

impl Tool for TestLoggingTool {
    async fn execute(self, ctx: &Context) -> Result<ToolOutput> {
        for message in ["Logging tool started", "Logging tool finished"] {
            ctx.log(LoggingLevel::Info, message).await?;
        }
        Ok(ToolOutput::text("Logging tool executed"))
    }
}

/// A prompt that needs the user's context first (an elicitation input request).
fn input_required_prompt() -> PromptDef {
    PromptDef::new("test_input_required_result_prompt", |_, ctx: Context| async move {
        let question = ElicitParams::form(
            "What context should the prompt use?",
            json!({ "type": "object", "properties": { "context": { "type": "string" } }, "required": ["context"] }),
        );
        let answer = ctx.elicit_as("user_context", question).await?;
        let text = format!("Use this context: {}", text_answer(&answer, "context"));
        Ok(GetPromptResult::new(vec![PromptMessage::user(Content::text(text))]))
    })
    .description("A prompt that asks the user for context before it is built")
}

/// A tool whose `region` argument is mirrored in the `Mcp-Param-Region` header (2026-07-28).
fn header_param_tool() -> ToolDef {
    ToolDef::new("test_header_param", |args, _| async move {
        let region = args.get("region").and_then(Value::as_str).unwrap_or("<none>");
        Ok(CallToolResult::text(format!("Region: {region}")))
    })
    .description("Tool whose region argument is mirrored in the Mcp-Param-Region header")
    .input_schema(json!({
        "type": "object",
        "properties": {
            "region": { "type": "string", "description": "Where to run", "x-mcp-header": "Region" },
            "query": { "type": "string", "description": "What to run" }
        }
    }))
}
