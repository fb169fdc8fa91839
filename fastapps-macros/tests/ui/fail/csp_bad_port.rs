use fastapps_core::prelude::*;

/// X.
#[widget(csp(connect = ["wss://live.example.com:99999"]))]
struct Thing {}

fn main() {}
