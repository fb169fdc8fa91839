use fastapps_core::prelude::*;

/// X.
#[tool(invoking = "This status text is far too long to fit in the space ChatGPT gives it")]
struct Thing {}

impl Tool for Thing {
    async fn execute(self, _ctx: &Context) -> Result<ToolOutput> {
        Ok(ToolOutput::text("ok"))
    }
}

fn main() {}
