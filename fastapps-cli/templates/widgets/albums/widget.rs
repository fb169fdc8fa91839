//! The `{{id}}` widget: {{title}}. Its front end is `widgets/{{id}}/index.tsx`.

use fastapps_core::prelude::*;
use fastapps_core::serde_json::json;

/// The albums to show; replace them with your own data source.
const ALBUMS: [(&str, &str, &str, u16, &[&str]); 4] = [
    ("harbor", "Harbor Lights", "The Tidewater", 2021, &["Low Tide", "Lanterns", "Salt"]),
    ("static", "Static Bloom", "Ivy Radio", 2019, &["Signal", "Overgrown", "Antenna", "Dusk"]),
    ("paper", "Paper Planets", "Moth & Comet", 2023, &["Origami", "Orbit"]),
    ("granite", "Granite", "North Face Choir", 2018, &["Quarry", "Summit", "Scree"]),
];

/// {{title}}: album covers in a grid; picking one shows its tracks.
#[widget(
    id = "{{id}}",
    title = "{{title}}",
    invoking = "{{invoking}}",
    invoked = "{{invoked}}",
    read_only,
)]
{{auth}}pub struct {{struct}} {
    /// Only albums by this artist (case-insensitive)
    artist: Option<String>,
}

impl Widget for {{struct}} {
    async fn execute(self, _ctx: &Context) -> Result<WidgetOutput> {
        let artist = self.artist.map(|a| a.to_lowercase());
        let albums: Vec<_> = ALBUMS
            .iter()
            .filter(|(_, _, by, ..)| artist.as_ref().is_none_or(|a| by.to_lowercase() == *a))
            .map(|(id, title, artist, year, tracks)| {
                json!({ "id": id, "title": title, "artist": artist, "year": year, "tracks": tracks })
            })
            .collect();
        let text = format!("{} album(s).", albums.len());
        Ok(WidgetOutput::new(json!({ "albums": albums })).with_text(text))
    }
}
