use fastapps_core::prelude::*;

/// X.
#[tool(assets = "web/dist")]
struct Thing {}

impl Tool for Thing {
    async fn execute(self, _ctx: &Context) -> Result<ToolOutput> {
        Ok(ToolOutput::text("ok"))
    }
}

fn main() {}
