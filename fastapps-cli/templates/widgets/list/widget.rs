//! The `{{id}}` widget: {{title}}. Its front end is `widgets/{{id}}/index.tsx`.

use fastapps_core::prelude::*;
use fastapps_core::serde_json::json;

/// The items to show; replace them with your own data source.
const ITEMS: [(&str, &str, &str); 6] = [
    ("1", "Write the first tool", "Turn a struct into an MCP tool with #[tool]"),
    ("2", "Design the widget", "A React component in widgets/{{id}}/index.tsx"),
    ("3", "Build the assets", "fastapps build writes assets/{{id}}-<hash>.html"),
    ("4", "Preview it", "fastapps dev serves /_fastapps/preview"),
    ("5", "Connect ChatGPT", "Expose the server through a tunnel and add it as an app"),
    ("6", "Ship it", "cargo build --release embeds every widget in the binary"),
];

/// {{title}}: a list of items, optionally filtered by a search text.
#[widget(
    id = "{{id}}",
    title = "{{title}}",
    invoking = "{{invoking}}",
    invoked = "{{invoked}}",
    widget_accessible,
    read_only,
)]
{{auth}}pub struct {{struct}} {
    /// Only items whose title or description contains this text
    query: Option<String>,
    /// Most items to return (default 10)
    limit: Option<usize>,
}

impl Widget for {{struct}} {
    async fn execute(self, _ctx: &Context) -> Result<WidgetOutput> {
        let query = self.query.unwrap_or_default().trim().to_lowercase();
        let items: Vec<_> = ITEMS
            .iter()
            .filter(|(_, title, detail)| {
                query.is_empty() || title.to_lowercase().contains(&query) || detail.to_lowercase().contains(&query)
            })
            .take(self.limit.unwrap_or(10))
            .map(|(id, title, detail)| json!({ "id": id, "title": title, "detail": detail }))
            .collect();
        let text = format!("{} item(s) shown.", items.len());
        Ok(WidgetOutput::new(json!({ "query": query, "items": items })).with_text(text))
    }
}
