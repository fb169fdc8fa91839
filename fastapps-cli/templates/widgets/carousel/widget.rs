//! The `{{id}}` widget: {{title}}. Its front end is `widgets/{{id}}/index.tsx`.

use fastapps_core::prelude::*;
use fastapps_core::serde_json::json;

/// The cards to show; replace them with your own data source.
const CARDS: [(&str, &str, &str, &str); 5] = [
    ("aurora", "Aurora", "Green lights over a frozen lake", "#0f766e"),
    ("dune", "Dune", "Wind-carved sand at sunrise", "#c2410c"),
    ("reef", "Reef", "Coral gardens in shallow water", "#0369a1"),
    ("canyon", "Canyon", "Red walls a mile deep", "#b91c1c"),
    ("meadow", "Meadow", "Wildflowers after the rain", "#4d7c0f"),
];

/// {{title}}: a carousel of cards; `start` picks the first one shown.
#[widget(
    id = "{{id}}",
    title = "{{title}}",
    invoking = "{{invoking}}",
    invoked = "{{invoked}}",
    read_only,
)]
{{auth}}pub struct {{struct}} {
    /// Id of the card to show first (e.g. "reef")
    start: Option<String>,
}

impl Widget for {{struct}} {
    async fn execute(self, _ctx: &Context) -> Result<WidgetOutput> {
        let cards: Vec<_> = CARDS
            .iter()
            .map(|(id, title, caption, color)| json!({ "id": id, "title": title, "caption": caption, "color": color }))
            .collect();
        let start = self.start.and_then(|s| CARDS.iter().position(|(id, ..)| *id == s)).unwrap_or(0);
        Ok(WidgetOutput::new(json!({ "cards": cards, "start": start }))
            .with_text(format!("Showing {} cards, starting with {}.", CARDS.len(), CARDS[start].1)))
    }
}
