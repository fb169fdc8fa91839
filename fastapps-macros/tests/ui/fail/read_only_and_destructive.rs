use fastapps_core::prelude::*;

/// X.
#[tool(read_only, destructive)]
struct Thing {}

impl Tool for Thing {
    async fn execute(self, _ctx: &Context) -> Result<ToolOutput> {
        Ok(ToolOutput::text("ok"))
    }
}

fn main() {}
