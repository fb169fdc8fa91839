use fastapps_core::prelude::*;

/// Show a list from a front end built elsewhere.
#[widget(template = "list", assets = "web/dist")]
struct Thing {}

impl Widget for Thing {
    async fn execute(self, _ctx: &Context) -> Result<WidgetOutput> {
        Ok(WidgetOutput::new(serde_json::json!({})))
    }
}

fn main() {
    // In a debug build the HTML is read from the `assets` folder at run time.
    let tools = fastapps_core::registry::registered_tools();
    let widget = tools[0].widget().expect("a widget");
    match &widget.html {
        fastapps_core::registry::WidgetHtml::Assets(dir) => assert!(dir.ends_with("web/dist"), "{}", dir.display()),
        other => panic!("{other:?}"),
    }
}
