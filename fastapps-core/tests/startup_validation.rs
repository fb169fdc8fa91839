//! Start-up refuses a server whose tools cannot all be served as declared, with a message that
//! names the problem. (A test binary of its own: its `#[tool]`s clash on purpose.)

use fastapps_core::prelude::*;
use fastapps_core::{BuildError, serde_json::json};

/// Delete a note.
#[tool(id = "delete_note", destructive)]
#[auth_required(scopes = ["notes:write"])]
struct DeleteNote {}

impl Tool for DeleteNote {
    async fn execute(self, _ctx: &Context) -> Result<ToolOutput> {
        Ok(ToolOutput::text("deleted"))
    }
}

/// Another tool that took the same name.
#[tool(id = "delete_note")]
struct DeleteNoteAgain {}

impl Tool for DeleteNoteAgain {
    async fn execute(self, _ctx: &Context) -> Result<ToolOutput> {
        Ok(ToolOutput::text("deleted again"))
    }
}

fn noop(name: &str) -> ToolDef {
    ToolDef::new(name, |_, _| async { Ok(CallToolResult::text("ok")) }).description("A tool")
}

#[test]
fn duplicate_macro_tool_names_are_refused() {
    let err = WidgetMcpServer::builder("dup").build_server().unwrap_err();
    assert!(matches!(&err, BuildError::DuplicateTool(name) if name == "delete_note"), "{err}");
    assert_eq!(err.to_string(), "two tools are named \"delete_note\"; tool names must be unique");
}

#[test]
fn duplicate_builder_tool_names_are_refused() {
    let err = WidgetMcpServer::builder("dup").macro_tools(false).tool(noop("x")).tool(noop("x")).build_server();
    assert!(matches!(err, Err(BuildError::DuplicateTool(name)) if name == "x"));
}

#[test]
fn scopes_outside_the_supported_ones_are_refused() {
    let secured = noop("secured").security(Security::required(["notes:read", "notes:admin"]));
    let err = WidgetMcpServer::builder("scopes")
        .macro_tools(false)
        .scopes_supported(["notes:read", "notes:write"])
        .tool(secured)
        .build_server()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "tool \"secured\" requires the scope \"notes:admin\", which is not among the scopes the server supports \
         (notes:read, notes:write); add it to the supported scopes or fix the tool's attribute"
    );
    let fine = noop("fine").security(Security::optional(["notes:read"]));
    assert!(
        WidgetMcpServer::builder("scopes")
            .macro_tools(false)
            .scopes_supported(["notes:read"])
            .tool(fine)
            .build_server()
            .is_ok()
    );
}

#[test]
fn invalid_declarations_are_refused_with_their_reason() {
    let build = |tool: ToolDef| WidgetMcpServer::builder("x").macro_tools(false).tool(tool).build_server();
    let err = build(noop("bad name")).unwrap_err();
    assert!(err.to_string().contains("tool name \"bad name\" is invalid"), "{err}");
    let err = build(noop("schema").input_schema(json!(["not", "an", "object"]))).unwrap_err();
    assert!(matches!(err, BuildError::SchemaNotObject { field: "inputSchema", .. }));
    let err = WidgetMcpServer::builder("x")
        .macro_tools(false)
        .resource_template(ResourceTemplateDef::new("notes://{?q}", "q", |_, _| async { Ok(Default::default()) }))
        .build_server()
        .unwrap_err();
    assert!(err.to_string().contains("unsupported expression {?q}"), "{err}");
    let err = WidgetMcpServer::builder("x")
        .macro_tools(false)
        .prompt(
            PromptDef::new("p", |_, _| async { Ok(Default::default()) })
                .argument("name", "Who", true)
                .complete("nmae", |_, _| async { Ok(vec![]) }),
        )
        .build_server()
        .unwrap_err();
    assert!(matches!(err, BuildError::UnknownCompletionTarget { .. }), "{err}");
}

#[test]
fn invalid_x_mcp_header_annotations_are_refused() {
    let mirrored = noop("mirrored").input_schema(json!({
        "type": "object",
        "properties": { "ratio": { "type": "number", "x-mcp-header": "Ratio" } }
    }));
    let err = WidgetMcpServer::builder("headers").macro_tools(false).tool(mirrored).build_server().unwrap_err();
    assert_eq!(
        err.to_string(),
        "tool \"mirrored\" has an invalid x-mcp-header: x-mcp-header \"Ratio\" on property \"ratio\" needs \"type\" \
         string, integer or boolean, not \"number\""
    );
    let nested = noop("nested").input_schema(json!({
        "type": "object",
        "properties": { "tags": { "type": "array", "items": { "type": "string", "x-mcp-header": "Tag" } } }
    }));
    let err = WidgetMcpServer::builder("headers").macro_tools(false).tool(nested).build_server().unwrap_err();
    assert!(matches!(&err, BuildError::InvalidParamHeader { tool, .. } if tool == "nested"), "{err}");
}

#[test]
fn a_short_request_state_secret_is_refused() {
    let err = WidgetMcpServer::builder("secret").macro_tools(false).request_state_secret("short").build_server();
    assert!(matches!(err, Err(BuildError::InvalidSetting { setting: "request_state_secret", .. })));
}
