use fastapps_core::prelude::*;

/// Delete everything.
#[auth_required(scopes = ["admin"])]
#[tool(destructive)]
struct Thing {}

impl Tool for Thing {
    async fn execute(self, _ctx: &Context) -> Result<ToolOutput> {
        Ok(ToolOutput::text("ok"))
    }
}

fn main() {}
