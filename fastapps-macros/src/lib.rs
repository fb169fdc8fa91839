//! Procedural macros of `fastapps-core`: `#[widget]`, `#[tool]`, `#[auth_required]`,
//! `#[optional_auth]` and `#[no_auth]`. Use them through `fastapps_core`, which re-exports
//! them and documents every key; this crate is an implementation detail.
//!
//! Layout: `attr.rs` and `ast.rs` parse, `valid.rs` checks, `expand.rs` generates, `auth.rs`
//! places the auth attributes.

mod ast;
mod attr;
mod auth;
mod expand;
mod valid;

use proc_macro::TokenStream;

use attr::Kind;

/// Declares a widget: a tool whose result a host renders with an HTML template. See
/// `fastapps_core::widget`.
#[proc_macro_attribute]
pub fn widget(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::tool_like(Kind::Widget, args.into(), item.into()).unwrap_or_else(syn::Error::into_compile_error).into()
}

/// Declares a tool. See `fastapps_core::tool`.
#[proc_macro_attribute]
pub fn tool(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::tool_like(Kind::Tool, args.into(), item.into()).unwrap_or_else(syn::Error::into_compile_error).into()
}

/// The tool needs a signed-in caller with these scopes: `#[auth_required(scopes = ["read"])]`.
#[proc_macro_attribute]
pub fn auth_required(args: TokenStream, item: TokenStream) -> TokenStream {
    auth::place("auth_required", args.into(), item.into()).unwrap_or_else(syn::Error::into_compile_error).into()
}

/// Anyone may call the tool; signed-in callers (with these scopes) get more:
/// `#[optional_auth(scopes = ["read"])]`.
#[proc_macro_attribute]
pub fn optional_auth(args: TokenStream, item: TokenStream) -> TokenStream {
    auth::place("optional_auth", args.into(), item.into()).unwrap_or_else(syn::Error::into_compile_error).into()
}

/// Anyone may call the tool, even on a server whose default is to require sign-in.
#[proc_macro_attribute]
pub fn no_auth(args: TokenStream, item: TokenStream) -> TokenStream {
    auth::place("no_auth", args.into(), item.into()).unwrap_or_else(syn::Error::into_compile_error).into()
}
