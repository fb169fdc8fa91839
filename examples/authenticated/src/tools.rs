//! The three tools: two that need a signed-in user, one that works for everyone and does more
//! for signed-in users.

use fastapps_core::prelude::*;

use crate::data::{self, Places};

/// Show a carousel of pizza places for the signed-in user.
#[widget(
    id = "pizza-carousel",
    title = "Show pizza carousel",
    invoking = "Hand-tossing a carousel",
    invoked = "Served a fresh carousel",
    template = "pizza-carousel",
    assets = "../pizzaz/assets",
    output = Places,
    read_only,
)]
#[auth_required(scopes = ["pizza:read"])]
#[serde(rename_all = "camelCase")]
pub(crate) struct PizzaCarousel {
    /// A topping to look for
    search_term: Option<String>,
}

impl Widget for PizzaCarousel {
    async fn execute(self, ctx: &Context) -> Result<WidgetOutput> {
        let user = ctx.user()?;
        let places = data::search(self.search_term.as_deref());
        let text = format!("Showing {} pizza places for {}.", places.len(), user.subject());
        Ok(WidgetOutput::serialize(&Places { topping: self.search_term, places })?.with_text(text))
    }
}

/// See your past pizza orders.
#[widget(
    id = "see_past_orders",
    title = "See past orders",
    invoking = "Fetching your recent orders",
    invoked = "Served recent orders",
    template = "pizza-list",
    assets = "../pizzaz/assets",
    output = Places,
    read_only,
)]
#[auth_required(scopes = ["pizza:read"])]
pub(crate) struct SeePastOrders {
    /// How many orders to show, 1 to 20 (default 5)
    #[schemars(range(min = 1, max = 20))]
    limit: Option<u8>,
}

impl Widget for SeePastOrders {
    async fn execute(self, ctx: &Context) -> Result<WidgetOutput> {
        let limit = self.limit.unwrap_or(5);
        if !(1..=20).contains(&limit) {
            return Err(Error::msg("limit must be between 1 and 20"));
        }
        let orders = data::past_orders(ctx.user()?.subject(), usize::from(limit));
        let text = format!("Showing your {} most recent orders.", orders.len());
        Ok(WidgetOutput::serialize(&Places { topping: None, places: orders })?.with_text(text))
    }
}

/// Search pizza places in San Francisco; signed-in users also see their usual spots first.
#[widget(
    id = "search_pizza_sf",
    title = "Show pizza spots",
    invoking = "Searching pizza spots in San Francisco",
    invoked = "Served SF pizza search results",
    template = "pizza-list",
    assets = "../pizzaz/assets",
    output = Places,
    read_only,
)]
#[optional_auth(scopes = ["pizza:read"])]
#[serde(rename_all = "camelCase")]
pub(crate) struct SearchPizzaSf {
    /// What to look for: a name, a neighbourhood or a topping
    search_term: Option<String>,
}

impl Widget for SearchPizzaSf {
    async fn execute(self, ctx: &Context) -> Result<WidgetOutput> {
        let mut places = data::search(self.search_term.as_deref());
        let text = match ctx.user() {
            Ok(user) if user.has_scope("pizza:read") => {
                // Signed in: the places the user ordered from come first.
                let usual: Vec<String> = data::past_orders(user.subject(), 3).into_iter().map(|p| p.id).collect();
                places.sort_by_key(|p| !usual.contains(&p.id));
                format!("Found {} pizza spots; your usual places first.", places.len())
            }
            _ => format!("Found {} pizza spots. Sign in to see your usual places first.", places.len()),
        };
        Ok(WidgetOutput::serialize(&Places { topping: self.search_term, places })?.with_text(text))
    }
}

/// The toppings the pizza places are known for.
#[tool(id = "list_toppings", title = "List toppings", read_only, idempotent)]
#[no_auth]
pub(crate) struct ListToppings {}

impl Tool for ListToppings {
    async fn execute(self, _ctx: &Context) -> Result<ToolOutput> {
        let mut toppings: Vec<String> = data::search(None).into_iter().flat_map(|p| p.toppings).collect();
        toppings.sort();
        toppings.dedup();
        Ok(ToolOutput::new(fastapps_core::serde_json::json!({ "toppings": toppings })))
    }
}
