//! A release build of pizzaz is one self-contained file: every widget's HTML is embedded in
//! the binary at compile time (never read from `assets/` at run time), and what it serves is
//! exactly the built file `assets/manifest.json` names. Only release builds embed, so the file
//! holds tests only there: `cargo test --release -p pizzaz --test release`.
#![cfg(not(debug_assertions))]

use fastapps_core::registry::WidgetHtml;
use fastapps_core::testing::TestClient;
use serde_json::Value;

const ASSETS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/assets");

fn manifest() -> Value {
    let text = std::fs::read_to_string(format!("{ASSETS}/manifest.json")).expect("the built widgets' manifest");
    serde_json::from_str(&text).expect("a JSON manifest")
}

#[tokio::test]
async fn every_widget_is_embedded_and_served_as_built() {
    let server = pizzaz::app().build_server().expect("pizzaz builds");
    let templates: Vec<_> = server.registry().widget_templates().into_iter().cloned().collect();
    let manifest = manifest();
    let built = manifest["widgets"].as_object().expect("the manifest lists the widgets");
    assert_eq!(templates.len(), built.len(), "one template per built widget");
    let client = TestClient::new(server);
    for template in templates {
        assert!(
            matches!(template.html, WidgetHtml::Embedded(_)),
            "{} is not embedded in the binary: {:?}",
            template.name,
            template.html
        );
        let file = built[&template.name]["html"].as_str().expect("the widget's file");
        let expected = std::fs::read_to_string(format!("{ASSETS}/{file}")).expect("the built HTML");
        let served = client.read_text(&template.uri).await.expect("the widget is served");
        assert!(served == expected, "{}: the served HTML differs from {file}", template.uri);
    }
}
