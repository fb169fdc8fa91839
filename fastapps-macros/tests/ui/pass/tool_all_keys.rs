use fastapps_core::prelude::*;

#[derive(serde::Serialize, fastapps_core::schemars::JsonSchema)]
#[schemars(crate = "fastapps_core::schemars")]
struct Sum {
    total: f64,
}

#[tool(
    id = "sum.numbers",
    title = "Sum numbers",
    description = "Add numbers together.",
    invoking = "Adding",
    invoked = "Added",
    visibility = ["model", "app"],
    widget_accessible,
    output = Sum,
    read_only,
    idempotent,
    open_world = false,
    destructive = false,
)]
struct Thing {
    /// The numbers
    numbers: Vec<f64>,
}

impl Tool for Thing {
    async fn execute(self, _ctx: &Context) -> Result<ToolOutput> {
        Ok(ToolOutput::text("ok"))
    }
}

fn main() {}
