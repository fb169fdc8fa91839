use fastapps_core::prelude::*;

/// X.
#[widget(domain = "https://*.example.com")]
struct Thing {}

impl Widget for Thing {
    async fn execute(self, _ctx: &Context) -> Result<WidgetOutput> {
        Ok(WidgetOutput::new(serde_json::json!({})))
    }
}

fn main() {}
