use fastapps_core::prelude::*;

/// X.
#[widget(csp(script = ["https://a.example"]))]
struct Thing {}

fn main() {}
