use fastapps_core::prelude::*;

/// X.
#[tool(id = "")]
struct Thing {}

impl Tool for Thing {
    async fn execute(self, _ctx: &Context) -> Result<ToolOutput> {
        Ok(ToolOutput::text("ok"))
    }
}

fn main() {}
