use fastapps_core::prelude::*;

/// X.
#[widget(csp(resource = ["https://cdn.example.com/lib.js"]))]
struct Thing {}

fn main() {}
