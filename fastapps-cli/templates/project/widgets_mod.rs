//! The widgets: one module per widget, each a `#[widget]` struct whose front end is
//! `widgets/<id>/index.tsx`. `fastapps create <id>` adds one here.
