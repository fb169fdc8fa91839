use fastapps_core::prelude::*;

/// Show a map.
#[widget(
    id = "pizza-map",
    title = "Pizza map",
    invoking = "Drawing the map",
    invoked = "Map ready",
    template = "pizzaz-map",
    assets = "web/dist",
    widget_accessible = true,
    visibility = "public",
    prefers_border,
    widget_description = "A map of pizza places.",
    csp(
        connect = ["https://api.example.com"],
        resource = ["https://cdn.example.com"],
        frame = ["https://maps.example.com"],
        base_uri = ["https://cdn.example.com"],
        redirect = ["https://checkout.example.com"],
    ),
    permissions = ["camera", "microphone", "geolocation", "clipboard_write"],
    domain = "https://pizzaz.example.com",
    read_only,
)]
struct Thing {
    /// Center latitude
    lat: Option<f64>,
}

impl Widget for Thing {
    async fn execute(self, _ctx: &Context) -> Result<WidgetOutput> {
        Ok(WidgetOutput::new(serde_json::json!({})))
    }
}

fn main() {}
