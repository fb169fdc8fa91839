//! The `{{id}}` widget: {{title}}. Its front end is `widgets/{{id}}/index.tsx`.

use fastapps_core::prelude::*;
use fastapps_core::serde_json::json;

/// {{title}}: greets someone by name.
#[widget(
    id = "{{id}}",
    title = "{{title}}",
    invoking = "{{invoking}}",
    invoked = "{{invoked}}",
    widget_accessible,
    read_only,
)]
{{auth}}pub struct {{struct}} {
    /// Who to greet (default: "world")
    name: Option<String>,
}

impl Widget for {{struct}} {
    async fn execute(self, ctx: &Context) -> Result<WidgetOutput> {
        let name = self.name.filter(|n| !n.trim().is_empty()).unwrap_or_else(|| "world".to_owned());
        // The signed-in user, when the server has OAuth on and the caller sent a token.
        let user = ctx.user().ok().map(|user| user.subject().to_owned());
        Ok(WidgetOutput::new(json!({ "greeting": format!("Hello, {name}!"), "name": name, "user": user }))
            .with_text(format!("Greeted {name}.")))
    }
}
