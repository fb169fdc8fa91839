//! The pizza places and a user's order history.

use fastapps_core::schemars::JsonSchema;
use serde::Serialize;

/// A pizza place, in the shape the pizzaz widgets render.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(crate = "fastapps_core::schemars")]
pub(crate) struct Place {
    /// Stable id
    pub(crate) id: String,
    /// Name
    pub(crate) name: String,
    /// Neighbourhood
    pub(crate) city: String,
    /// Average rating, 0 to 5
    pub(crate) rating: f64,
    /// Price level, 1 to 4
    pub(crate) price: u8,
    /// Toppings it is known for
    pub(crate) toppings: Vec<String>,
    /// Latitude
    pub(crate) lat: f64,
    /// Longitude
    pub(crate) lng: f64,
    /// One line about it (for an order: what was ordered)
    pub(crate) description: String,
}

/// What the widgets receive.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(crate = "fastapps_core::schemars")]
pub(crate) struct Places {
    /// The topping or search term, if any
    pub(crate) topping: Option<String>,
    /// The places
    pub(crate) places: Vec<Place>,
}

struct Shop {
    id: &'static str,
    name: &'static str,
    city: &'static str,
    rating: f64,
    price: u8,
    toppings: &'static [&'static str],
    lat: f64,
    lng: f64,
    about: &'static str,
}

const SHOPS: &[Shop] = &[
    Shop {
        id: "mission-slice",
        name: "Mission Slice Co.",
        city: "Mission",
        rating: 4.6,
        price: 2,
        toppings: &["pepperoni", "jalapeño"],
        lat: 37.7612,
        lng: -122.4189,
        about: "Crackly thin slices, open late.",
    },
    Shop {
        id: "north-beach-oven",
        name: "North Beach Oven",
        city: "North Beach",
        rating: 4.8,
        price: 3,
        toppings: &["margherita", "basil"],
        lat: 37.7996,
        lng: -122.4077,
        about: "Neapolitan pies from a 900° oven.",
    },
    Shop {
        id: "sunset-square",
        name: "Sunset Square Pies",
        city: "Outer Sunset",
        rating: 4.4,
        price: 2,
        toppings: &["mushroom", "sausage"],
        lat: 37.7535,
        lng: -122.4941,
        about: "Detroit-style squares with crisp edges.",
    },
    Shop {
        id: "castro-crust",
        name: "Castro Crust",
        city: "Castro",
        rating: 4.5,
        price: 2,
        toppings: &["olives", "feta"],
        lat: 37.7609,
        lng: -122.4350,
        about: "Greek-leaning pies and big salads.",
    },
];

fn place(shop: &Shop, description: String) -> Place {
    Place {
        id: shop.id.to_owned(),
        name: shop.name.to_owned(),
        city: shop.city.to_owned(),
        rating: shop.rating,
        price: shop.price,
        toppings: shop.toppings.iter().map(|t| (*t).to_owned()).collect(),
        lat: shop.lat,
        lng: shop.lng,
        description,
    }
}

/// Places whose name, neighbourhood or toppings contain `term` (all of them for none).
pub(crate) fn search(term: Option<&str>) -> Vec<Place> {
    let term = term.map(|t| t.trim().to_lowercase()).filter(|t| !t.is_empty());
    SHOPS
        .iter()
        .filter(|s| {
            term.as_ref().is_none_or(|t| {
                s.name.to_lowercase().contains(t)
                    || s.city.to_lowercase().contains(t)
                    || s.toppings.iter().any(|top| top.contains(t.as_str()))
            })
        })
        .map(|s| place(s, s.about.to_owned()))
        .collect()
}

/// The user's most recent orders, newest first. Every user sees a history of their own:
/// derived from their subject, so two users never see the same one.
pub(crate) fn past_orders(subject: &str, limit: usize) -> Vec<Place> {
    let seed = subject.bytes().fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    (0..limit)
        .map(|i| {
            let shop = &SHOPS[(seed as usize + i * 3) % SHOPS.len()];
            let number = 4000 + (seed % 900) + i as u32;
            let items = shop.toppings.join(" & ");
            place(shop, format!("Order pz-{number}: one {items} pizza — delivered"))
        })
        .collect()
}
