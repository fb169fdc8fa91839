use fastapps_core::prelude::*;

/// X.
#[widget(csp(connect = "https://a.example"))]
struct Thing {}

fn main() {}
