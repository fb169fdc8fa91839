//! The widgets and the tool the widgets call.

use fastapps_core::prelude::*;
use fastapps_core::schemars::JsonSchema;
use fastapps_core::serde_json::json;
use serde::Serialize;

use crate::places::{self, Place};

/// What the list and the carousel render.
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(crate = "fastapps_core::schemars")]
pub(crate) struct Places {
    /// The topping asked for, if any
    topping: Option<String>,
    /// The places, best match first
    places: Vec<Place>,
}

fn places_for(topping: Option<String>) -> Result<WidgetOutput> {
    let places = places::ranked(topping.as_deref());
    let narration = match &topping {
        Some(t) => format!("Showing {} pizza places, those known for {t} first.", places.len()),
        None => format!("Showing {} pizza places.", places.len()),
    };
    Ok(WidgetOutput::serialize(&Places { topping, places })?.with_text(narration))
}

/// Show a ranked list of pizza places, optionally favouring a topping.
#[widget(
    id = "pizza-list",
    title = "Show pizza list",
    invoking = "Hand-tossing a list",
    invoked = "Served a fresh list",
    template = "pizza-list",
    widget_accessible,
    output = Places,
    read_only,
)]
#[no_auth]
#[serde(rename_all = "camelCase")]
pub(crate) struct PizzaList {
    /// Topping to favour, e.g. "pepperoni"
    pizza_topping: Option<String>,
}

impl Widget for PizzaList {
    async fn execute(self, _ctx: &Context) -> Result<WidgetOutput> {
        places_for(self.pizza_topping)
    }
}

/// Show pizza places as a swipeable carousel of cards.
#[widget(
    id = "pizza-carousel",
    title = "Show pizza carousel",
    invoking = "Hand-tossing a carousel",
    invoked = "Served a fresh carousel",
    template = "pizza-carousel",
    widget_accessible,
    output = Places,
    read_only,
)]
#[no_auth]
#[serde(rename_all = "camelCase")]
pub(crate) struct PizzaCarousel {
    /// Topping to favour, e.g. "mushroom"
    pizza_topping: Option<String>,
}

impl Widget for PizzaCarousel {
    async fn execute(self, _ctx: &Context) -> Result<WidgetOutput> {
        places_for(self.pizza_topping)
    }
}

/// Show pizza places on a map of San Francisco.
#[widget(
    id = "pizza-map",
    title = "Show pizza map",
    invoking = "Hand-tossing a map",
    invoked = "Served a fresh map",
    template = "pizza-map",
    widget_accessible,
    prefers_border,
    widget_description = "A map of San Francisco with a pin per pizza place; selecting a pin shows its details.",
    read_only
)]
#[no_auth]
#[serde(rename_all = "camelCase")]
pub(crate) struct PizzaMap {
    /// Topping to favour, e.g. "olives"
    pizza_topping: Option<String>,
}

impl Widget for PizzaMap {
    async fn execute(self, _ctx: &Context) -> Result<WidgetOutput> {
        let places = places::ranked(self.pizza_topping.as_deref());
        let count = places.len() as f64;
        let center = json!({
            "lat": places.iter().map(|p| p.lat).sum::<f64>() / count,
            "lng": places.iter().map(|p| p.lng).sum::<f64>() / count,
        });
        Ok(WidgetOutput::new(json!({ "topping": self.pizza_topping, "center": center, "zoom": 12, "places": places }))
            .with_text(format!("Showing {} pizza places on a map of San Francisco.", places.len())))
    }
}

/// Details of one pizza place; the widgets call it when a place is selected.
#[tool(id = "pizza_details", title = "Pizza place details", widget_accessible, output = Place, read_only)]
#[no_auth]
#[serde(rename_all = "camelCase")]
pub(crate) struct PizzaDetails {
    /// The place's id, e.g. "nova-slice-lab"
    place_id: String,
}

impl Tool for PizzaDetails {
    async fn execute(self, _ctx: &Context) -> Result<ToolOutput> {
        let place = places::find(&self.place_id)
            .ok_or_else(|| Error::msg(format!("No pizza place has the id {:?}.", self.place_id)))?;
        Ok(ToolOutput::serialize(place)?.with_text(format!("{}: {}", place.name, place.description)))
    }
}
