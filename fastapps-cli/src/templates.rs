//! The files `init` and `create` write, embedded in the binary, and their placeholders.
//!
//! A template names a value as `{{key}}`; JSX's `{{ ... }}` (with a space) is left alone.

/// A file of a new project: its path in the project and its template.
pub(crate) struct ProjectFile {
    pub(crate) path: &'static str,
    pub(crate) template: &'static str,
}

macro_rules! project_files {
    ($($path:literal => $file:literal),* $(,)?) => {
        &[$(ProjectFile { path: $path, template: include_str!(concat!("../templates/", $file)) }),*]
    };
}

/// Every file `fastapps init` writes, besides the example widget.
pub(crate) const PROJECT: &[ProjectFile] = project_files![
    // Not named Cargo.toml: cargo would take the folder for a package of its own and leave it
    // out of this crate's package.
    "Cargo.toml" => "project/Cargo.toml.tmpl",
    "src/lib.rs" => "project/lib.rs",
    "src/main.rs" => "project/main.rs",
    "src/tools.rs" => "project/tools.rs",
    "src/widgets/mod.rs" => "project/widgets_mod.rs",
    "tests/server.rs" => "project/server_test.rs",
    "fastapps.toml" => "project/fastapps.toml",
    "dev-users.toml" => "project/dev-users.toml",
    ".env.example" => "project/env.example",
    ".gitignore" => "project/gitignore",
    ".npmrc" => "project/npmrc",
    "README.md" => "project/README.md",
    "package.json" => "project/package.json",
    "tsconfig.json" => "project/tsconfig.json",
    "widgets/_fastapps/README.md" => "../runtime/README.md",
    "widgets/_fastapps/index.ts" => "../runtime/index.ts",
    "widgets/_fastapps/bridge.ts" => "../runtime/bridge.ts",
    "widgets/_fastapps/hooks.ts" => "../runtime/hooks.ts",
];

/// The widget build script that `fastapps build` runs with the project's Node.
pub(crate) const BUILD_SCRIPT: &str = include_str!("../templates/build/build.mjs");

/// The starting points of `fastapps create --template`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum WidgetTemplate {
    /// A greeting, a form that calls the tool again, and widget state.
    Blank,
    /// A searchable list with starred items.
    List,
    /// A carousel of cards.
    Carousel,
    /// A grid of albums with a detail view and fullscreen.
    Albums,
}

/// The three files of a widget template.
pub(crate) struct WidgetFiles {
    /// `src/widgets/<module>.rs`
    pub(crate) rust: &'static str,
    /// `widgets/<id>/index.tsx`
    pub(crate) component: &'static str,
    /// `widgets/<id>/style.css`
    pub(crate) style: &'static str,
}

macro_rules! widget_files {
    ($dir:literal) => {
        WidgetFiles {
            rust: include_str!(concat!("../templates/widgets/", $dir, "/widget.rs")),
            component: include_str!(concat!("../templates/widgets/", $dir, "/index.tsx")),
            style: include_str!(concat!("../templates/widgets/", $dir, "/style.css")),
        }
    };
}

impl WidgetTemplate {
    pub(crate) fn files(self) -> WidgetFiles {
        match self {
            Self::Blank => widget_files!("blank"),
            Self::List => widget_files!("list"),
            Self::Carousel => widget_files!("carousel"),
            Self::Albums => widget_files!("albums"),
        }
    }
}

/// `template` with every `{{key}}` of `vars` replaced by its value.
pub(crate) fn render(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (key, value) in vars {
        out = out.replace(&format!("{{{{{key}}}}}"), value);
    }
    out
}

/// The placeholders left in `text`: `{{word}}` with no spaces inside.
#[cfg(test)]
pub(crate) fn placeholders(text: &str) -> Vec<&str> {
    text.match_indices("{{")
        .filter_map(|(at, _)| {
            let rest = &text[at + 2..];
            let end = rest.find("}}")?;
            let key = &rest[..end];
            (!key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')).then_some(key)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_replaces_the_keys_and_leaves_jsx_alone() {
        let text = render("<p style={{ color: c }}>{{title}} {{id}}</p>", &[("id", "x"), ("title", "T")]);
        assert_eq!(text, "<p style={{ color: c }}>T x</p>");
        assert!(placeholders(&text).is_empty());
        assert_eq!(placeholders("{{a}} {{ b }} {{c_d}}"), ["a", "c_d"]);
    }
}
