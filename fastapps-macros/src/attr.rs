//! Parsing the arguments of `#[widget(...)]` and `#[tool(...)]` into typed keys, each with
//! the span of its token for error messages.

use fastapps_rules::CspKey;
use proc_macro2::{Span, TokenStream};
use syn::meta::ParseNestedMeta;
use syn::parse::Parser as _;
use syn::spanned::Spanned as _;
use syn::{Expr, ExprArray, ExprLit, Lit, LitBool, LitStr, Token};

/// Which macro is parsing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Tool,
    Widget,
}

impl Kind {
    pub(crate) fn attribute(self) -> &'static str {
        match self {
            Self::Tool => "#[tool]",
            Self::Widget => "#[widget]",
        }
    }
}

/// A flag (`read_only`, or `read_only = false`) and where it was written.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Flag {
    pub(crate) value: bool,
    pub(crate) span: Span,
}

/// `visibility = "public" | "private"` or `visibility = ["model", "app"]`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct VisibilityAttr {
    pub(crate) model: bool,
    pub(crate) app: bool,
    pub(crate) span: Span,
}

/// `csp(connect = [...], resource = [...], ...)`: one list per [`CspKey`], at its index.
#[derive(Clone, Debug, Default)]
pub(crate) struct CspAttr {
    pub(crate) lists: [Vec<LitStr>; CspKey::ALL.len()],
}

/// Every key of `#[widget]` / `#[tool]`.
#[derive(Default)]
pub(crate) struct Attrs {
    pub(crate) id: Option<LitStr>,
    pub(crate) title: Option<LitStr>,
    pub(crate) description: Option<LitStr>,
    pub(crate) invoking: Option<LitStr>,
    pub(crate) invoked: Option<LitStr>,
    pub(crate) template: Option<LitStr>,
    pub(crate) assets: Option<LitStr>,
    pub(crate) widget_description: Option<LitStr>,
    pub(crate) domain: Option<LitStr>,
    pub(crate) widget_accessible: Option<Flag>,
    pub(crate) prefers_border: Option<Flag>,
    pub(crate) read_only: Option<Flag>,
    pub(crate) destructive: Option<Flag>,
    pub(crate) idempotent: Option<Flag>,
    pub(crate) open_world: Option<Flag>,
    pub(crate) visibility: Option<VisibilityAttr>,
    pub(crate) output: Option<syn::Type>,
    pub(crate) csp: Option<CspAttr>,
    pub(crate) permissions: Option<Vec<LitStr>>,
}

const TOOL_KEYS: &[&str] = &[
    "id",
    "title",
    "description",
    "invoking",
    "invoked",
    "visibility",
    "widget_accessible",
    "output",
    "read_only",
    "destructive",
    "idempotent",
    "open_world",
];

/// Keys only `#[widget]` takes: `assets` among them, since only a widget has HTML to find in the
/// built assets folder.
const WIDGET_KEYS: &[&str] =
    &["template", "assets", "prefers_border", "widget_description", "csp", "domain", "permissions"];

fn set<T>(slot: &mut Option<T>, value: T, meta: &ParseNestedMeta<'_>, key: &str) -> syn::Result<()> {
    if slot.is_some() {
        return Err(meta.error(format_args!("`{key}` is given twice; keep one")));
    }
    *slot = Some(value);
    Ok(())
}

fn string(meta: &ParseNestedMeta<'_>, key: &str) -> syn::Result<LitStr> {
    let expr: Expr = meta.value()?.parse()?;
    match expr {
        Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) => Ok(s),
        other => Err(syn::Error::new(other.span(), format!("`{key}` takes a string literal: {key} = \"...\""))),
    }
}

fn flag(meta: &ParseNestedMeta<'_>, key: &str) -> syn::Result<Flag> {
    let span = meta.path.span();
    if !meta.input.peek(Token![=]) {
        return Ok(Flag { value: true, span });
    }
    let expr: Expr = meta.value()?.parse()?;
    match expr {
        Expr::Lit(ExprLit { lit: Lit::Bool(LitBool { value, .. }), .. }) => Ok(Flag { value, span }),
        other => Err(syn::Error::new(
            other.span(),
            format!("`{key}` is a flag: write `{key}` alone, or `{key} = true` / `{key} = false`"),
        )),
    }
}

/// A list of string literals: `[ "a", "b" ]`.
pub(crate) fn string_list(expr: Expr, key: &str) -> syn::Result<Vec<LitStr>> {
    let hint = || format!("`{key}` takes a list of string literals: {key} = [\"...\", \"...\"]");
    let Expr::Array(ExprArray { elems, .. }) = expr else {
        return Err(syn::Error::new(expr.span(), hint()));
    };
    elems
        .into_iter()
        .map(|elem| match elem {
            Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) => Ok(s),
            other => Err(syn::Error::new(other.span(), hint())),
        })
        .collect()
}

fn visibility(meta: &ParseNestedMeta<'_>) -> syn::Result<VisibilityAttr> {
    let span = meta.path.span();
    let expr: Expr = meta.value()?.parse()?;
    let hint = "`visibility` is \"public\", \"private\", or a list of \"model\" and \"app\": \
                visibility = [\"model\", \"app\"]";
    match expr {
        Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) => match s.value().as_str() {
            "public" => Ok(VisibilityAttr { model: true, app: false, span }),
            "private" => Ok(VisibilityAttr { model: false, app: false, span }),
            _ => Err(syn::Error::new(s.span(), hint)),
        },
        Expr::Array(array) => {
            let mut vis = VisibilityAttr { model: false, app: false, span };
            for item in string_list(Expr::Array(array), "visibility")? {
                match item.value().as_str() {
                    "model" => vis.model = true,
                    "app" => vis.app = true,
                    _ => return Err(syn::Error::new(item.span(), hint)),
                }
            }
            Ok(vis)
        }
        other => Err(syn::Error::new(other.span(), hint)),
    }
}

fn csp(meta: &ParseNestedMeta<'_>) -> syn::Result<CspAttr> {
    let mut csp = CspAttr::default();
    let mut seen = [false; CspKey::ALL.len()];
    meta.parse_nested_meta(|inner| {
        let name = inner.path.get_ident().map(ToString::to_string).unwrap_or_default();
        let Some(key) = CspKey::from_name(&name) else {
            return Err(inner.error(format_args!(
                "unknown CSP key `{name}`; expected {}: csp(connect = [\"https://api.example.com\"])",
                CspKey::names_for_message()
            )));
        };
        if std::mem::replace(&mut seen[key.index()], true) {
            return Err(inner.error(format_args!("`{name}` is given twice in `csp(...)`; keep one")));
        }
        let expr: Expr = inner.value()?.parse()?;
        csp.lists[key.index()] = string_list(expr, &name)?;
        Ok(())
    })?;
    Ok(csp)
}

/// Parses the arguments of `kind`'s attribute.
pub(crate) fn parse(kind: Kind, args: TokenStream) -> syn::Result<Attrs> {
    let mut attrs = Attrs::default();
    let parser = syn::meta::parser(|meta| {
        let key = meta.path.get_ident().map(ToString::to_string).unwrap_or_default();
        if kind == Kind::Tool && WIDGET_KEYS.contains(&key.as_str()) {
            return Err(meta
                .error(format_args!("`{key}` is a widget key; use #[widget(...)] for a tool that renders a widget")));
        }
        match key.as_str() {
            "id" => set(&mut attrs.id, string(&meta, &key)?, &meta, &key),
            "title" => set(&mut attrs.title, string(&meta, &key)?, &meta, &key),
            "description" => set(&mut attrs.description, string(&meta, &key)?, &meta, &key),
            "invoking" => set(&mut attrs.invoking, string(&meta, &key)?, &meta, &key),
            "invoked" => set(&mut attrs.invoked, string(&meta, &key)?, &meta, &key),
            "template" => set(&mut attrs.template, string(&meta, &key)?, &meta, &key),
            "assets" => set(&mut attrs.assets, string(&meta, &key)?, &meta, &key),
            "widget_description" => set(&mut attrs.widget_description, string(&meta, &key)?, &meta, &key),
            "domain" => set(&mut attrs.domain, string(&meta, &key)?, &meta, &key),
            "widget_accessible" => set(&mut attrs.widget_accessible, flag(&meta, &key)?, &meta, &key),
            "prefers_border" => set(&mut attrs.prefers_border, flag(&meta, &key)?, &meta, &key),
            "read_only" => set(&mut attrs.read_only, flag(&meta, &key)?, &meta, &key),
            "destructive" => set(&mut attrs.destructive, flag(&meta, &key)?, &meta, &key),
            "idempotent" => set(&mut attrs.idempotent, flag(&meta, &key)?, &meta, &key),
            "open_world" => set(&mut attrs.open_world, flag(&meta, &key)?, &meta, &key),
            "visibility" => set(&mut attrs.visibility, visibility(&meta)?, &meta, &key),
            "output" => {
                let value = meta.value()?;
                let ty: syn::Type = value.parse().map_err(|e| {
                    syn::Error::new(e.span(), "`output` takes the type of the structured output: output = Orders")
                })?;
                set(&mut attrs.output, ty, &meta, &key)
            }
            "csp" => set(&mut attrs.csp, csp(&meta)?, &meta, &key),
            "permissions" => {
                let expr: Expr = meta.value()?.parse()?;
                set(&mut attrs.permissions, string_list(expr, &key)?, &meta, &key)
            }
            _ => {
                let mut expected: Vec<&str> = TOOL_KEYS.to_vec();
                if kind == Kind::Widget {
                    expected.extend_from_slice(WIDGET_KEYS);
                }
                Err(meta.error(format_args!(
                    "unknown key `{}` for {}; expected one of: {}",
                    if key.is_empty() { "?".to_owned() } else { key },
                    kind.attribute(),
                    expected.join(", ")
                )))
            }
        }
    });
    parser.parse2(args)?;
    Ok(attrs)
}
