//! The struct a tool macro is attached to: its fields (the arguments), its doc comment (the
//! description), its derives, and the auth attribute that rides along with it.

use proc_macro2::{Span, TokenStream};
use syn::spanned::Spanned as _;
use syn::{Attribute, Expr, Fields, Item, ItemStruct, LitStr, Meta};

use crate::attr::{Kind, string_list};

/// Which auth attribute a struct carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AuthKind {
    Required,
    Optional,
    None,
}

/// `#[auth_required(scopes = [...])]`, `#[optional_auth(scopes = [...])]` or `#[no_auth]`.
pub(crate) struct Auth {
    pub(crate) kind: AuthKind,
    pub(crate) scopes: Vec<LitStr>,
}

/// The parsed input of a tool macro.
pub(crate) struct Input {
    /// The struct, with the auth attributes removed.
    pub(crate) item: ItemStruct,
    /// The doc comment, lines joined.
    pub(crate) doc: Option<String>,
    pub(crate) auth: Option<Auth>,
    pub(crate) derives_deserialize: bool,
    pub(crate) derives_json_schema: bool,
}

/// The last segment of an attribute's path: `auth_required` for
/// `#[fastapps_core::auth_required]`.
pub(crate) fn attribute_name(attr: &Attribute) -> Option<String> {
    attr.path().segments.last().map(|s| s.ident.to_string())
}

fn doc_comment(attrs: &[Attribute]) -> Option<String> {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            Meta::NameValue(nv) => match &nv.value {
                Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .map(|line| line.strip_prefix(' ').unwrap_or(&line).trim_end().to_owned())
        .collect();
    // Paragraphs keep their breaks; lines within a paragraph are joined with spaces.
    let text = lines
        .split(|line| line.trim().is_empty())
        .map(|para| para.join(" "))
        .filter(|para| !para.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
    (!text.is_empty()).then_some(text)
}

fn derives(attrs: &[Attribute], name: &str) -> bool {
    attrs.iter().filter(|a| a.path().is_ident("derive")).any(|a| {
        let mut found = false;
        // A derive list that does not parse is the compiler's to report, not ours.
        let _ = a.parse_nested_meta(|meta| {
            found |= meta.path.segments.last().is_some_and(|s| s.ident == name);
            Ok(())
        });
        found
    })
}

fn parse_auth(attr: &Attribute, kind: AuthKind) -> syn::Result<Auth> {
    let mut scopes = Vec::new();
    match (&attr.meta, kind) {
        (Meta::Path(_), _) => {}
        (Meta::List(_), AuthKind::None) => {
            return Err(syn::Error::new(attr.meta.span(), "`#[no_auth]` takes no arguments"));
        }
        (Meta::List(_), _) => {
            let mut seen = false;
            attr.parse_nested_meta(|meta| {
                if !meta.path.is_ident("scopes") {
                    return Err(meta.error("unknown key; the only key is `scopes`: scopes = [\"read\"]"));
                }
                if seen {
                    return Err(meta.error("`scopes` is given twice; keep one"));
                }
                seen = true;
                let expr: Expr = meta.value()?.parse()?;
                scopes = string_list(expr, "scopes")?;
                Ok(())
            })?;
        }
        (Meta::NameValue(nv), _) => {
            return Err(syn::Error::new(nv.span(), "write `#[auth_required(scopes = [\"read\"])]`"));
        }
    }
    for scope in &scopes {
        let value = scope.value();
        if value.is_empty() || value.chars().any(|c| c.is_whitespace() || c == '"' || c == '\\') {
            return Err(syn::Error::new(
                scope.span(),
                "a scope is a non-empty string without spaces, quotes or backslashes",
            ));
        }
    }
    Ok(Auth { kind, scopes })
}

/// Parses the item a tool macro is attached to.
pub(crate) fn parse(kind: Kind, item: TokenStream) -> syn::Result<Input> {
    let item: Item = syn::parse2(item)?;
    let mut item = match item {
        Item::Struct(item) => item,
        Item::Enum(e) => return Err(not_a_struct(kind, e.enum_token.span)),
        Item::Union(u) => return Err(not_a_struct(kind, u.union_token.span)),
        other => return Err(not_a_struct(kind, other.span())),
    };
    if let Some(param) = item.generics.params.first() {
        return Err(syn::Error::new(
            param.span(),
            format!(
                "{} cannot go on a generic struct: a tool's arguments have one fixed schema; \
                 use concrete types",
                kind.attribute()
            ),
        ));
    }
    match &item.fields {
        Fields::Named(_) => {}
        Fields::Unit => {
            let name = &item.ident;
            return Err(syn::Error::new(
                item.ident.span(),
                format!("a tool without arguments is written with braces: `struct {name} {{}}`"),
            ));
        }
        Fields::Unnamed(fields) => {
            return Err(syn::Error::new(
                fields.span(),
                "a tool's arguments are named fields: `struct Search { query: String }`",
            ));
        }
    }

    let mut auth: Option<Auth> = None;
    let mut kept = Vec::with_capacity(item.attrs.len());
    for attr in std::mem::take(&mut item.attrs) {
        let auth_kind = match attribute_name(&attr).as_deref() {
            Some("auth_required") => AuthKind::Required,
            Some("optional_auth") => AuthKind::Optional,
            Some("no_auth") => AuthKind::None,
            _ => {
                kept.push(attr);
                continue;
            }
        };
        if auth.is_some() {
            return Err(syn::Error::new(
                attr.meta.span(),
                "a tool has one auth attribute: choose #[auth_required], #[optional_auth] or #[no_auth]",
            ));
        }
        auth = Some(parse_auth(&attr, auth_kind)?);
    }
    item.attrs = kept;
    Ok(Input {
        doc: doc_comment(&item.attrs),
        derives_deserialize: derives(&item.attrs, "Deserialize"),
        derives_json_schema: derives(&item.attrs, "JsonSchema"),
        auth,
        item,
    })
}

fn not_a_struct(kind: Kind, span: Span) -> syn::Error {
    syn::Error::new(span, format!("{} goes on a struct whose named fields are the tool's arguments", kind.attribute()))
}
