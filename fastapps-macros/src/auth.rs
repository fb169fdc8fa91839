//! The auth attributes. The tool macro reads them off the struct; when one is written above
//! `#[widget]`/`#[tool]` it runs first, and moves itself below so the tool macro sees it.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use syn::Item;
use syn::spanned::Spanned as _;

use crate::ast::attribute_name;

/// Re-emits the item with `#[name(args)]` right after its `#[widget]`/`#[tool]` attribute.
pub(crate) fn place(name: &str, args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let mut item: Item = syn::parse2(item)?;
    let attrs = match &mut item {
        Item::Struct(s) => &mut s.attrs,
        other => {
            return Err(syn::Error::new(
                other.span(),
                format!("`#[{name}]` goes on a struct marked #[widget(...)] or #[tool(...)]"),
            ));
        }
    };
    let Some(position) =
        attrs.iter().position(|a| matches!(attribute_name(a).as_deref(), Some("widget") | Some("tool")))
    else {
        return Err(syn::Error::new(
            Span::call_site(),
            format!("`#[{name}]` needs #[widget(...)] or #[tool(...)] on the same struct"),
        ));
    };
    let ident = Ident::new(name, Span::call_site());
    let attr: syn::Attribute =
        if args.is_empty() { syn::parse_quote!(#[#ident]) } else { syn::parse_quote!(#[#ident(#args)]) };
    attrs.insert(position + 1, attr);
    Ok(quote!(#item))
}
