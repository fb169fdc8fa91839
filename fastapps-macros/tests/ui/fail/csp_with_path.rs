use fastapps_core::prelude::*;

/// X.
#[widget(csp(resource = ["https://cdn.example.com/lib.js"]))]
struct Thing {}

impl Widget for Thing {
    async fn execute(self, _ctx: &Context) -> Result<WidgetOutput> {
        Ok(WidgetOutput::new(serde_json::json!({})))
    }
}

fn main() {}
