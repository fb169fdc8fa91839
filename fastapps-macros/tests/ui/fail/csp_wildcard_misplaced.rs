use fastapps_core::prelude::*;

/// X.
#[widget(csp(connect = ["https://api.*.example.com"]))]
struct Thing {}

impl Widget for Thing {
    async fn execute(self, _ctx: &Context) -> Result<WidgetOutput> {
        Ok(WidgetOutput::new(serde_json::json!({})))
    }
}

fn main() {}
