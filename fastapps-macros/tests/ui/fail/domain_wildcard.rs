use fastapps_core::prelude::*;

/// X.
#[widget(domain = "https://*.example.com")]
struct Thing {}

fn main() {}
