//! The OAuth 2.1 authorization server: an OAuth proxy in front of an upstream OpenID provider,
//! and an embedded development server, with the [`store`] that holds their state.

pub mod store;
