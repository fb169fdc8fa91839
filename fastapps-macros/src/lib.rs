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

/// Declares a widget: a tool whose result a host renders with an HTML template beside the
/// conversation. The struct's named fields are the arguments and its doc comment is the
/// description; implement `fastapps_core::widget::Widget` for it.
///
/// Keys (all optional): every key of `#[tool]`, plus
///
/// - `template = "name"`: the HTML asset, served as `ui://widget/<name>.html` (default: the id);
/// - `assets = "folder"`: where `fastapps build` wrote the HTML, relative to the crate
///   (default: `assets`);
/// - `prefers_border`: ask the host for a border;
/// - `widget_description = "..."`: what the widget shows, for the model;
/// - `csp(connect = [..], resource = [..], frame = [..], base_uri = [..], redirect = [..])`:
///   origins the widget may reach (`https://api.example.com`, a `*.` first label allowed);
/// - `domain = "https://..."`: a dedicated origin for the widget.
///
/// ```text
/// /// Show a carousel of pizza places.
/// #[widget(id = "pizza-carousel", invoking = "Hand-tossing a carousel", widget_accessible, read_only)]
/// struct PizzaCarousel { topping: Option<String> }
/// ```
///
/// Every key with its wire form: `docs/widgets.md`.
#[proc_macro_attribute]
pub fn widget(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::tool_like(Kind::Widget, args.into(), item.into()).unwrap_or_else(syn::Error::into_compile_error).into()
}

/// Declares a tool. The struct's named fields are the arguments and its doc comment is the
/// description; implement `fastapps_core::tool::Tool` for it.
///
/// Keys (all optional):
///
/// - `id = "name"`: the tool name (default: the struct name in snake_case);
/// - `title = "..."`, `description = "..."` (default: the doc comment);
/// - `invoking = "..."`, `invoked = "..."`: status texts, at most 64 characters;
/// - `visibility = "public" | "private" | ["model", "app"]`, `widget_accessible`: who sees and
///   calls the tool;
/// - `output = Type`: the `outputSchema`, from a type implementing `JsonSchema`;
/// - `read_only`, `destructive`, `idempotent`, `open_world`: annotations, always emitted.
///
/// ```text
/// /// Add numbers.
/// #[tool(id = "add", read_only, idempotent)]
/// struct Add { numbers: Vec<f64> }
/// ```
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
