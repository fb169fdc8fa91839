//! Plain tools: no widget, just a result for the model (and for widgets that call them).

use fastapps_core::prelude::*;
use fastapps_core::schemars::JsonSchema;
use serde::Serialize;

/// The outcome of a roll.
#[derive(Serialize, JsonSchema)]
#[schemars(crate = "fastapps_core::schemars")]
pub struct Roll {
    /// How many sides the die has.
    sides: u32,
    /// The side that came up, from 1 to `sides`.
    value: u32,
}

/// Roll a die and tell which side came up.
#[tool(title = "Roll a die", output = Roll, visibility = ["model", "app"])]
#[no_auth]
pub struct RollDice {
    /// Number of sides, 2 to 1000 (default 6)
    sides: Option<u32>,
}

impl Tool for RollDice {
    async fn execute(self, _ctx: &Context) -> Result<ToolOutput> {
        let sides = self.sides.unwrap_or(6);
        if !(2..=1000).contains(&sides) {
            return Err(Error::msg(format!("a die has 2 to 1000 sides, not {sides}")));
        }
        let value = (random() % u64::from(sides)) as u32 + 1;
        Ok(ToolOutput::serialize(&Roll { sides, value })?.with_text(format!("Rolled a {value} on a d{sides}.")))
    }
}

/// A random number from the standard library's randomly keyed hasher.
fn random() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}
