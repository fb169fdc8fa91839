use fastapps_core::prelude::*;

/// X.
#[widget(widget_description = 3)]
struct Thing {}

fn main() {}
