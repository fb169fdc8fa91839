//! Typed tools: a struct whose fields are the arguments, declared with `#[tool]`, runs through
//! the [`Tool`] trait.
//!
//! ```
//! use fastapps_core::prelude::*;
//!
//! /// Add two numbers.
//! #[tool(id = "add", read_only)]
//! struct Add {
//!     /// The first number
//!     a: f64,
//!     /// The second number
//!     b: f64,
//! }
//!
//! impl Tool for Add {
//!     async fn execute(self, _ctx: &Context) -> Result<ToolOutput> {
//!         Ok(ToolOutput::new(serde_json::json!({ "sum": self.a + self.b })))
//!     }
//! }
//! # fn main() {}
//! ```

mod output;
mod spec;

use std::future::Future;

use schemars::JsonSchema;
use serde::de::DeserializeOwned;

pub use output::{ToolOutput, WidgetOutput};
pub(crate) use spec::input_schema;
pub use spec::schema_of;
#[doc(hidden)]
pub use spec::{Hints, ToolSpec, Visibility};

use crate::context::Context;
use crate::protocol::CallToolResult;
use crate::registry::ToolDef;

/// A tool whose arguments are `Self`. Implement it for a struct marked `#[tool(...)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is declared with #[tool] but does not implement `Tool`",
    label = "add `impl Tool for {Self} {{ async fn execute(self, ctx: &Context) -> Result<ToolOutput> {{ … }} }}`"
)]
pub trait Tool: DeserializeOwned + JsonSchema + Send + 'static {
    /// Runs the tool with its parsed arguments. An `Err` becomes an `isError: true` result
    /// carrying the message.
    fn execute(self, ctx: &Context) -> impl Future<Output = crate::error::Result<ToolOutput>> + Send;
}

/// Parses `args` into `T`; a failure becomes an `isError` result naming the field at fault,
/// so the model can correct its call.
pub(crate) fn parse_arguments<T: DeserializeOwned>(
    args: serde_json::Map<String, serde_json::Value>,
) -> Result<T, CallToolResult> {
    serde_path_to_error::deserialize(serde_json::Value::Object(args)).map_err(|e| {
        let path = e.path().to_string();
        let message = if path == "." {
            format!("Invalid arguments: {}", e.inner())
        } else {
            format!("Invalid arguments: `{path}`: {}", e.inner())
        };
        CallToolResult::error(message)
    })
}

#[doc(hidden)]
/// Builds the [`ToolDef`] of a `#[tool]` struct (called by the macro's generated code).
pub fn tool_def<T: Tool>(spec: ToolSpec) -> ToolDef {
    let def = ToolDef::new(spec.name, |args, ctx| async move {
        let this: T = match parse_arguments(args) {
            Ok(this) => this,
            Err(invalid) => return Ok(invalid),
        };
        Ok(this.execute(&ctx).await?.into_result())
    });
    spec.apply(def, input_schema::<T>())
}
