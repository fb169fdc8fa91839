use fastapps_core::prelude::*;

/// Say hello.
#[tool]
struct Thing {}

impl Tool for Thing {
    async fn execute(self, _ctx: &Context) -> Result<ToolOutput> {
        Ok(ToolOutput::text("ok"))
    }
}

fn main() {}
