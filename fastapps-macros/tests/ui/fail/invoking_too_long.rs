use fastapps_core::prelude::*;

/// X.
#[tool(invoking = "This status text is far too long to fit in the space ChatGPT gives it")]
struct Thing {}

fn main() {}
