//! The pizza places the widgets show.

use fastapps_core::schemars::JsonSchema;
use serde::Serialize;

/// A pizza place.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(crate = "fastapps_core::schemars")]
pub(crate) struct Place {
    /// Stable id
    pub(crate) id: &'static str,
    /// Name
    pub(crate) name: &'static str,
    /// Neighbourhood
    pub(crate) city: &'static str,
    /// Average rating, 0 to 5
    pub(crate) rating: f64,
    /// Price level, 1 to 4
    pub(crate) price: u8,
    /// Toppings it is known for
    pub(crate) toppings: &'static [&'static str],
    /// Latitude
    pub(crate) lat: f64,
    /// Longitude
    pub(crate) lng: f64,
    /// One line about it
    pub(crate) description: &'static str,
}

pub(crate) const PLACES: &[Place] = &[
    Place {
        id: "nova-slice-lab",
        name: "Nova Slice Lab",
        city: "North Beach",
        rating: 4.8,
        price: 2,
        toppings: &["margherita", "basil", "burrata"],
        lat: 37.8001,
        lng: -122.4098,
        description: "Wood-fired Neapolitan pies with a blistered, airy crust.",
    },
    Place {
        id: "crust-and-orbit",
        name: "Crust & Orbit",
        city: "Mission",
        rating: 4.6,
        price: 2,
        toppings: &["pepperoni", "hot honey", "jalapeño"],
        lat: 37.7599,
        lng: -122.4148,
        description: "Detroit-style squares with caramelized cheese edges.",
    },
    Place {
        id: "fog-city-sourdough",
        name: "Fog City Sourdough Pizza",
        city: "Inner Sunset",
        rating: 4.5,
        price: 1,
        toppings: &["mushroom", "garlic", "sausage"],
        lat: 37.7641,
        lng: -122.4664,
        description: "Naturally leavened crust, sold by the slice until late.",
    },
    Place {
        id: "the-olive-oven",
        name: "The Olive Oven",
        city: "Hayes Valley",
        rating: 4.4,
        price: 3,
        toppings: &["olives", "anchovy", "capers"],
        lat: 37.7766,
        lng: -122.4241,
        description: "Roman al taglio with briny Mediterranean toppings.",
    },
    Place {
        id: "golden-gate-pies",
        name: "Golden Gate Pies",
        city: "Marina",
        rating: 4.3,
        price: 2,
        toppings: &["pepperoni", "mushroom", "onion"],
        lat: 37.8037,
        lng: -122.4368,
        description: "New York-style foldable slices and whole pies to share.",
    },
    Place {
        id: "verde-fire",
        name: "Verde Fire",
        city: "Noe Valley",
        rating: 4.7,
        price: 3,
        toppings: &["pesto", "zucchini", "ricotta"],
        lat: 37.7502,
        lng: -122.4337,
        description: "Seasonal vegetable pies from a farmers'-market menu.",
    },
];

/// The places, those known for `topping` first (case-insensitive), each group by rating.
pub(crate) fn ranked(topping: Option<&str>) -> Vec<Place> {
    let matches = |p: &Place| topping.is_some_and(|t| p.toppings.iter().any(|pt| pt.eq_ignore_ascii_case(t.trim())));
    let mut places = PLACES.to_vec();
    places.sort_by(|a, b| matches(b).cmp(&matches(a)).then(b.rating.total_cmp(&a.rating)));
    places
}

/// The place with this id.
pub(crate) fn find(id: &str) -> Option<&'static Place> {
    PLACES.iter().find(|p| p.id == id)
}
