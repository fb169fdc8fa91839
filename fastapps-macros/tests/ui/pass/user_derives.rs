use fastapps_core::prelude::*;

/// Uses its own derives and serde attributes.
#[tool]
#[derive(Debug, serde::Deserialize, fastapps_core::schemars::JsonSchema)]
#[schemars(crate = "fastapps_core::schemars")]
#[serde(rename_all = "camelCase")]
struct Thing {
    /// A camelCase argument
    search_term: String,
}

impl Tool for Thing {
    async fn execute(self, _ctx: &Context) -> Result<ToolOutput> {
        Ok(ToolOutput::text("ok"))
    }
}

fn main() {}
