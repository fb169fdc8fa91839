//! Checks that need the whole declaration, turned into the final values the code generator
//! emits. Every error points at the token at fault and says what to write instead.

use fastapps_rules::CspKey;
use proc_macro2::Span;
use syn::LitStr;

use crate::ast::{Auth, Input};
use crate::attr::{Attrs, CspAttr, Kind};

/// ChatGPT shows at most this many characters of a status text.
const MAX_STATUS_CHARS: usize = 64;

/// A validated declaration.
pub(crate) struct Spec {
    pub(crate) kind: Kind,
    pub(crate) name: String,
    pub(crate) title: Option<String>,
    pub(crate) description: String,
    pub(crate) invoking: Option<String>,
    pub(crate) invoked: Option<String>,
    pub(crate) read_only: bool,
    pub(crate) destructive: bool,
    pub(crate) idempotent: bool,
    pub(crate) open_world: bool,
    pub(crate) model_visible: bool,
    pub(crate) app_callable: bool,
    pub(crate) visibility_explicit: bool,
    pub(crate) output: Option<syn::Type>,
    pub(crate) auth: Option<Auth>,
    pub(crate) template: String,
    /// Whether `template` was written (a missing asset is then a compile error in release).
    pub(crate) template_explicit: bool,
    /// The built assets folder, relative to the crate (default `assets`).
    pub(crate) assets: String,
    /// The CSP domains, normalized: one list per key, at its index.
    pub(crate) csp: [Vec<String>; CspKey::ALL.len()],
    /// MCP Apps permission names.
    pub(crate) permissions: Vec<String>,
    /// The widget's dedicated origin, normalized.
    pub(crate) domain: Option<String>,
    pub(crate) prefers_border: Option<bool>,
    pub(crate) widget_description: Option<String>,
}

/// `PizzaCarousel` → `pizza_carousel`, `ShowHTMLPage` → `show_html_page`.
fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_lower) {
                out.push('_');
            }
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// Tool names and template names follow the MCP tool-name rule, the one the server applies to
/// tools built at run time.
fn check_identifier(value: &str, span: Span, what: &str) -> syn::Result<()> {
    fastapps_rules::tool_name::check(value).map_err(|e| syn::Error::new(span, format!("{what} {e}")))
}

fn non_empty(lit: &Option<LitStr>, key: &str) -> syn::Result<Option<String>> {
    match lit {
        Some(lit) if lit.value().trim().is_empty() => {
            Err(syn::Error::new(lit.span(), format!("`{key}` is empty; remove it or write some text")))
        }
        Some(lit) => Ok(Some(lit.value())),
        None => Ok(None),
    }
}

fn status_text(lit: &Option<LitStr>, key: &str) -> syn::Result<Option<String>> {
    let value = non_empty(lit, key)?;
    if let (Some(text), Some(lit)) = (&value, lit) {
        let chars = text.chars().count();
        if chars > MAX_STATUS_CHARS {
            return Err(syn::Error::new(
                lit.span(),
                format!("`{key}` is {chars} characters long; ChatGPT shows at most {MAX_STATUS_CHARS}, so shorten it"),
            ));
        }
    }
    Ok(value)
}

/// The CSP domains of each list, checked and normalized by the rule `fastapps csp` applies, so
/// the macro refuses at compile time what the CLI refuses, and emits what the CLI would write.
fn csp_domains(csp: &CspAttr) -> syn::Result<[Vec<String>; CspKey::ALL.len()]> {
    let mut lists: [Vec<String>; CspKey::ALL.len()] = Default::default();
    for key in CspKey::ALL {
        let list = &mut lists[key.index()];
        for lit in &csp.lists[key.index()] {
            let origin = fastapps_rules::normalize_csp_domain(&lit.value())
                .map_err(|e| syn::Error::new(lit.span(), format!("csp({key}): {e}")))?;
            if !list.contains(&origin) {
                list.push(origin);
            }
        }
    }
    Ok(lists)
}

/// Validates a declaration.
pub(crate) fn validate(kind: Kind, attrs: Attrs, input: &mut Input) -> syn::Result<Spec> {
    let name = match &attrs.id {
        Some(id) => {
            check_identifier(&id.value(), id.span(), "`id` (the tool name)")?;
            id.value()
        }
        None => snake_case(&input.item.ident.to_string()),
    };
    let template = match &attrs.template {
        Some(t) => {
            check_identifier(&t.value(), t.span(), "`template`")?;
            t.value()
        }
        None => name.clone(),
    };
    let title = non_empty(&attrs.title, "title")?;
    let description = match non_empty(&attrs.description, "description")? {
        Some(d) => d,
        None => match input.doc.clone().or_else(|| title.clone()) {
            Some(d) => d,
            None => {
                return Err(syn::Error::new(
                    input.item.ident.span(),
                    format!(
                        "{} needs a description for the model: add a doc comment to the struct, \
                         or `description = \"...\"`",
                        kind.attribute()
                    ),
                ));
            }
        },
    };

    let flag = |f: Option<crate::attr::Flag>| f.is_some_and(|f| f.value);
    if let (Some(ro), Some(de)) = (attrs.read_only, attrs.destructive)
        && ro.value
        && de.value
    {
        let mut err = syn::Error::new(de.span, "a tool cannot be both `read_only` and `destructive`; keep one");
        err.combine(syn::Error::new(ro.span, "`read_only` is set here"));
        return Err(err);
    }

    let (model_visible, mut app_callable) = match attrs.visibility {
        Some(v) => (v.model, v.app),
        None => (true, false),
    };
    if let Some(accessible) = attrs.widget_accessible {
        if !accessible.value && app_callable {
            return Err(syn::Error::new(
                accessible.span,
                "`widget_accessible = false` contradicts `visibility` listing \"app\"; keep one",
            ));
        }
        app_callable |= accessible.value;
    }
    if !model_visible && !app_callable {
        let span = attrs.visibility.map_or_else(Span::call_site, |v| v.span);
        return Err(syn::Error::new(
            span,
            "this tool is hidden from the model and the widget cannot call it, so nothing can; \
             add `widget_accessible` or make it visible to the model",
        ));
    }

    let csp = csp_domains(&attrs.csp.unwrap_or_default())?;
    let permissions = attrs
        .permissions
        .iter()
        .flatten()
        .map(|lit| match lit.value().as_str() {
            "camera" => Ok("camera".to_owned()),
            "microphone" => Ok("microphone".to_owned()),
            "geolocation" => Ok("geolocation".to_owned()),
            "clipboard_write" => Ok("clipboardWrite".to_owned()),
            _ => Err(syn::Error::new(
                lit.span(),
                "unknown permission; expected \"camera\", \"microphone\", \"geolocation\" or \"clipboard_write\"",
            )),
        })
        .collect::<syn::Result<Vec<_>>>()?;
    let domain = attrs
        .domain
        .as_ref()
        .map(|lit| {
            fastapps_rules::normalize_widget_domain(&lit.value())
                .map_err(|e| syn::Error::new(lit.span(), format!("`domain`: {e}")))
        })
        .transpose()?;

    Ok(Spec {
        kind,
        name,
        title,
        description,
        invoking: status_text(&attrs.invoking, "invoking")?,
        invoked: status_text(&attrs.invoked, "invoked")?,
        read_only: flag(attrs.read_only),
        destructive: flag(attrs.destructive),
        idempotent: flag(attrs.idempotent),
        open_world: flag(attrs.open_world),
        model_visible,
        app_callable,
        visibility_explicit: attrs.visibility.is_some() || attrs.widget_accessible.is_some(),
        output: attrs.output,
        auth: input.auth.take(),
        template_explicit: attrs.template.is_some(),
        assets: match &attrs.assets {
            Some(lit) if lit.value().trim().is_empty() || std::path::Path::new(&lit.value()).is_absolute() => {
                return Err(syn::Error::new(
                    lit.span(),
                    "`assets` is a folder relative to the crate, e.g. assets = \"../web/assets\"",
                ));
            }
            Some(lit) => lit.value(),
            None => "assets".to_owned(),
        },
        template,
        csp,
        permissions,
        domain,
        prefers_border: attrs.prefers_border.map(|f| f.value),
        widget_description: non_empty(&attrs.widget_description, "widget_description")?,
    })
}

#[cfg(test)]
mod tests {
    use super::snake_case;

    #[test]
    fn struct_names_become_snake_case() {
        assert_eq!(snake_case("PizzaCarousel"), "pizza_carousel");
        assert_eq!(snake_case("Add"), "add");
        assert_eq!(snake_case("ShowHTMLPage"), "show_html_page");
        assert_eq!(snake_case("Get2Items"), "get2_items");
    }
}
