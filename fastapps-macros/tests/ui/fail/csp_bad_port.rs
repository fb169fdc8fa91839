use fastapps_core::prelude::*;

/// X.
#[widget(csp(connect = ["wss://live.example.com:99999"]))]
struct Thing {}

impl Widget for Thing {
    async fn execute(self, _ctx: &Context) -> Result<WidgetOutput> {
        Ok(WidgetOutput::new(serde_json::json!({})))
    }
}

fn main() {}
