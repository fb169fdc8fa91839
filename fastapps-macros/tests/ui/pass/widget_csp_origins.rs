use fastapps_core::prelude::*;

/// Show a live map.
#[widget(
    csp(
        connect = ["HTTPS://API.Example.com:443/", "https://api.example.com", "wss://*.live.example.com:8443"],
        resource = ["https://*.cdn.example.com", "http://[::1]:8000", "http://127.0.0.1:5173"],
        redirect = ["https://bücher.example"],
    ),
    domain = "https://Map.Example.com/",
)]
struct Thing {}

impl Widget for Thing {
    async fn execute(self, _ctx: &Context) -> Result<WidgetOutput> {
        Ok(WidgetOutput::new(serde_json::json!({})))
    }
}

fn main() {
    // Origins are emitted as `fastapps csp` writes them: normalized, each once.
    let tools = fastapps_core::registry::registered_tools();
    let widget = tools[0].widget().expect("a widget");
    assert_eq!(widget.csp.connect, ["https://api.example.com", "wss://*.live.example.com:8443"]);
    assert_eq!(widget.csp.resource, ["https://*.cdn.example.com", "http://[::1]:8000", "http://127.0.0.1:5173"]);
    assert_eq!(widget.csp.redirect, ["https://xn--bcher-kva.example"]);
    assert_eq!(widget.domain.as_deref(), Some("https://map.example.com"));
}
