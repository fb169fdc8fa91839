//! Code generation: the struct with its derives, and the `inventory` registration that builds
//! the tool's `ToolDef` at start-up.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use crate::ast::{AuthKind, Input};
use crate::attr::{self, Kind};
use crate::valid::{self, Spec};

fn opt_str(value: &Option<String>) -> TokenStream {
    match value {
        Some(s) => quote!(::core::option::Option::Some(#s)),
        None => quote!(::core::option::Option::None),
    }
}

fn security(spec: &Spec) -> TokenStream {
    let Some(auth) = &spec.auth else { return quote!(::fastapps_core::registry::Security::Inherit) };
    let scopes = &auth.scopes;
    let scopes = quote!(::std::vec![#(::std::string::String::from(#scopes)),*]);
    match auth.kind {
        AuthKind::Required => quote!(::fastapps_core::registry::Security::Required(#scopes)),
        AuthKind::Optional => quote!(::fastapps_core::registry::Security::Optional(#scopes)),
        AuthKind::None => quote!(::fastapps_core::registry::Security::Public),
    }
}

fn tool_spec(spec: &Spec) -> TokenStream {
    let name = &spec.name;
    let title = opt_str(&spec.title);
    let description = &spec.description;
    let invoking = opt_str(&spec.invoking);
    let invoked = opt_str(&spec.invoked);
    let (read_only, destructive, idempotent, open_world) =
        (spec.read_only, spec.destructive, spec.idempotent, spec.open_world);
    let (model, app, explicit) = (spec.model_visible, spec.app_callable, spec.visibility_explicit);
    let security = security(spec);
    let output = match &spec.output {
        Some(ty) => quote!(::core::option::Option::Some(::fastapps_core::tool::schema_of::<#ty>)),
        None => quote!(::core::option::Option::None),
    };
    quote! {
        ::fastapps_core::tool::ToolSpec {
            name: #name,
            title: #title,
            description: ::core::option::Option::Some(#description),
            invoking: #invoking,
            invoked: #invoked,
            hints: ::fastapps_core::tool::Hints {
                read_only: #read_only,
                destructive: #destructive,
                idempotent: #idempotent,
                open_world: #open_world,
            },
            visibility: ::fastapps_core::tool::Visibility { model: #model, app: #app, explicit: #explicit },
            security: #security,
            output_schema: #output,
        }
    }
}

fn build_call(spec: &Spec, ident: &syn::Ident) -> TokenStream {
    let tool = tool_spec(spec);
    match spec.kind {
        Kind::Tool => quote_spanned! {ident.span()=>
            ::fastapps_core::tool::tool_def::<#ident>(#tool)
        },
        Kind::Widget => {
            let template = &spec.template;
            // One list per CSP key, in the order of `CspKey::ALL`, as `WidgetSpec::csp` holds them.
            let csp = spec.csp.iter().map(|domains| quote!(&[#(#domains),*]));
            let permissions = &spec.permissions;
            let domain = opt_str(&spec.domain);
            let widget_description = opt_str(&spec.widget_description);
            let prefers_border = match spec.prefers_border {
                Some(b) => quote!(::core::option::Option::Some(#b)),
                None => quote!(::core::option::Option::None),
            };
            quote_spanned! {ident.span()=>
                ::fastapps_core::widget::widget_def::<#ident>(::fastapps_core::widget::WidgetSpec {
                    tool: #tool,
                    template: #template,
                    csp: [#(#csp),*],
                    permissions: &[#(#permissions),*],
                    html: __fastapps_widget_html(),
                    domain: #domain,
                    prefers_border: #prefers_border,
                    widget_description: #widget_description,
                })
            }
        }
    }
}

/// Expands `#[tool(...)]` or `#[widget(...)]`.
pub(crate) fn tool_like(kind: Kind, args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let mut input = crate::ast::parse(kind, item)?;
    let attrs = attr::parse(kind, args)?;
    let spec = valid::validate(kind, attrs, &mut input)?;
    let Input { item, derives_deserialize, derives_json_schema, .. } = input;

    let mut derives = TokenStream::new();
    if !derives_deserialize {
        derives.extend(quote! {
            #[derive(::fastapps_core::__private::serde::Deserialize)]
            #[serde(crate = "::fastapps_core::__private::serde")]
        });
    }
    if !derives_json_schema {
        derives.extend(quote! {
            #[derive(::fastapps_core::__private::schemars::JsonSchema)]
            #[schemars(crate = "::fastapps_core::__private::schemars")]
        });
    }
    let build = build_call(&spec, &item.ident);
    let html = match kind {
        Kind::Widget => widget_html(&spec),
        Kind::Tool => TokenStream::new(),
    };
    Ok(quote! {
        #derives
        #item

        const _: () = {
            #html
            fn __fastapps_tool_def() -> ::fastapps_core::registry::ToolDef {
                #build
            }
            ::fastapps_core::__private::inventory::submit! {
                ::fastapps_core::registry::Registration::new(__fastapps_tool_def)
            }
        };
    })
}

/// Where the widget's HTML comes from: in debug builds the crate's `assets/` folder (or the
/// `assets = "…"` key's), read at
/// run time (a rebuild shows without a restart); in release builds the file `assets/manifest.json`
/// names, embedded now (one binary to deploy). A widget whose `template` was written must have
/// its asset in a release build.
fn widget_html(spec: &Spec) -> TokenStream {
    let dir =
        std::env::var("CARGO_MANIFEST_DIR").map(|d| std::path::Path::new(&d).join(&spec.assets)).unwrap_or_default();
    let dir_str = dir.to_string_lossy().into_owned();
    let manifest = dir.join("manifest.json");
    let found = std::fs::read_to_string(&manifest)
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .and_then(|m| m["widgets"][spec.template.as_str()]["html"].as_str().map(str::to_owned))
        .filter(|file| !file.contains(['/', '\\']) && !file.starts_with('.'))
        .map(|file| dir.join(file))
        .filter(|path| path.is_file());
    let release = match found {
        Some(path) => {
            let path = path.to_string_lossy().into_owned();
            let manifest = manifest.to_string_lossy().into_owned();
            quote! {
                // Recompile when a rebuild of the widgets changes the manifest.
                const _: &[u8] = ::core::include_bytes!(#manifest);
                ::fastapps_core::registry::WidgetHtml::Embedded(::core::include_str!(#path))
            }
        }
        None if spec.template_explicit => {
            let message = format!(
                "widget template {:?} has no built asset in {dir_str} (per its manifest.json); run `fastapps build` \
                 before a release build",
                spec.template
            );
            quote!(::core::compile_error!(#message))
        }
        None => quote!(::fastapps_core::registry::WidgetHtml::Missing),
    };
    quote! {
        #[cfg(debug_assertions)]
        fn __fastapps_widget_html() -> ::fastapps_core::registry::WidgetHtml {
            ::fastapps_core::registry::WidgetHtml::Assets(::std::path::PathBuf::from(#dir_str))
        }
        #[cfg(not(debug_assertions))]
        fn __fastapps_widget_html() -> ::fastapps_core::registry::WidgetHtml {
            #release
        }
    }
}
