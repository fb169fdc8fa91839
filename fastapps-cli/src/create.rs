//! `fastapps create`: a widget's Rust struct and its React front end, wired into the project.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

use crate::names::WidgetName;
use crate::project::Project;
use crate::templates::{WidgetTemplate, render};

/// Who may call a new widget's tool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    /// No attribute: the server's default.
    Default,
    /// `#[auth_required(scopes = [...])]`
    Required(Vec<String>),
    /// `#[optional_auth(scopes = [...])]`
    Optional(Vec<String>),
    /// `#[no_auth]`
    Public,
}

impl Access {
    /// The attribute line (with its newline), empty for the server's default.
    fn attribute(&self) -> String {
        let with_scopes = |name: &str, scopes: &[String]| {
            if scopes.is_empty() {
                format!("#[{name}]\n")
            } else {
                let list: Vec<String> = scopes.iter().map(|s| format!("{s:?}")).collect();
                format!("#[{name}(scopes = [{}])]\n", list.join(", "))
            }
        };
        match self {
            Self::Default => String::new(),
            Self::Required(scopes) => with_scopes("auth_required", scopes),
            Self::Optional(scopes) => with_scopes("optional_auth", scopes),
            Self::Public => "#[no_auth]\n".to_owned(),
        }
    }
}

/// Splits and checks `--scopes a,b`: each an OAuth scope token (RFC 6749 §3.3), no repeats.
pub(crate) fn parse_scopes(list: &str) -> anyhow::Result<Vec<String>> {
    let mut scopes: Vec<String> = Vec::new();
    for scope in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let valid = scope.bytes().all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b));
        if !valid {
            bail!("{scope:?} is not an OAuth scope: use printable ASCII without spaces, quotes or backslashes");
        }
        if !scopes.iter().any(|s| s == scope) {
            scopes.push(scope.to_owned());
        }
    }
    Ok(scopes)
}

/// The files a new widget consists of.
#[derive(Debug)]
pub(crate) struct Created {
    pub(crate) name: WidgetName,
    pub(crate) files: Vec<PathBuf>,
}

/// Adds widget `name` to the project at `project`: `src/widgets/<module>.rs`, its `mod` line
/// in `src/widgets/mod.rs`, and `widgets/<id>/{index.tsx,style.css}`. Nothing is written when
/// any of them exists already.
pub(crate) fn add_widget(
    project: &Project,
    name: WidgetName,
    template: WidgetTemplate,
    access: &Access,
) -> anyhow::Result<Created> {
    let modules = project.widget_modules_dir();
    let mod_rs = modules.join("mod.rs");
    let rust_file = modules.join(format!("{}.rs", name.module));
    let front_end = project.widgets_dir().join(&name.id);
    if !mod_rs.is_file() {
        bail!(
            "{} does not exist: `fastapps create` adds widgets as modules of src/widgets/ (declare `mod widgets;` \
             in src/lib.rs and create src/widgets/mod.rs)",
            mod_rs.display()
        );
    }
    for existing in [&rust_file, &front_end] {
        if existing.exists() {
            bail!("{} already exists: widget {:?} is there already; pick another name", existing.display(), name.id);
        }
    }
    let mod_text = std::fs::read_to_string(&mod_rs).with_context(|| format!("cannot read {}", mod_rs.display()))?;
    if declares_module(&mod_text, &name.module) {
        bail!("{} already declares `mod {};`", mod_rs.display(), name.module);
    }

    let invoking = fit(format!("Loading {}…", name.title), "Loading…");
    let invoked = fit(format!("{} ready", name.title), "Ready");
    let attribute = access.attribute();
    let vars = [
        ("id", name.id.as_str()),
        ("struct", name.type_name.as_str()),
        ("title", name.title.as_str()),
        ("invoking", invoking.as_str()),
        ("invoked", invoked.as_str()),
        ("auth", attribute.as_str()),
    ];
    let files = template.files();
    let component = front_end.join("index.tsx");
    let style = front_end.join("style.css");
    std::fs::create_dir_all(&front_end).with_context(|| format!("cannot create {}", front_end.display()))?;
    write(&rust_file, &render(files.rust, &vars))?;
    write(&component, &render(files.component, &vars))?;
    write(&style, &render(files.style, &vars))?;
    write(&mod_rs, &with_module(&mod_text, &name.module))?;
    Ok(Created { name, files: vec![rust_file, mod_rs, component, style] })
}

/// `text` if it fits the 64 characters hosts allow for invocation texts, else `fallback`.
fn fit(text: String, fallback: &str) -> String {
    if text.chars().count() <= 64 { text } else { fallback.to_owned() }
}

fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

fn module_line(line: &str) -> Option<&str> {
    let line = line.trim();
    let line = line.strip_prefix("pub ").or_else(|| line.strip_prefix("pub(crate) ")).unwrap_or(line);
    line.strip_prefix("mod ")?.strip_suffix(';').map(str::trim)
}

fn declares_module(text: &str, module: &str) -> bool {
    text.lines().any(|l| module_line(l) == Some(module))
}

/// `text` with `mod <module>;` added after the other `mod` lines, or at the end.
fn with_module(text: &str, module: &str) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    let new_line = format!("mod {module};");
    match lines.iter().rposition(|l| module_line(l).is_some()) {
        Some(last) => lines.insert(last + 1, &new_line),
        None => {
            if lines.last().is_some_and(|l| !l.trim().is_empty()) {
                lines.push("");
            }
            lines.push(&new_line);
        }
    }
    lines.join("\n") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::templates::placeholders;

    fn project() -> (tempfile::TempDir, Project) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("fastapps.toml"), "").unwrap();
        std::fs::create_dir_all(dir.path().join("src/widgets")).unwrap();
        std::fs::write(dir.path().join("src/widgets/mod.rs"), "//! Widgets.\n\nmod hello;\n").unwrap();
        let project = Project::open(dir.path()).unwrap();
        (dir, project)
    }

    #[test]
    fn scopes_are_split_checked_and_deduplicated() {
        assert_eq!(parse_scopes("read, write:notes,read,").unwrap(), ["read", "write:notes"]);
        assert!(parse_scopes("a b").is_err());
        assert!(parse_scopes("say\"hi\"").is_err());
        assert!(parse_scopes("").unwrap().is_empty());
    }

    #[test]
    fn attributes_for_each_kind_of_access() {
        assert_eq!(Access::Default.attribute(), "");
        assert_eq!(Access::Public.attribute(), "#[no_auth]\n");
        assert_eq!(Access::Required(vec![]).attribute(), "#[auth_required]\n");
        assert_eq!(
            Access::Required(vec!["read".into(), "write".into()]).attribute(),
            "#[auth_required(scopes = [\"read\", \"write\"])]\n"
        );
        assert_eq!(Access::Optional(vec!["read".into()]).attribute(), "#[optional_auth(scopes = [\"read\"])]\n");
    }

    #[test]
    fn a_widget_is_written_and_declared() {
        let (dir, project) = project();
        let name = WidgetName::parse("Top Albums").unwrap();
        let created =
            add_widget(&project, name, WidgetTemplate::Albums, &Access::Required(vec!["read".into()])).unwrap();
        assert_eq!(created.files.len(), 4);
        let rust = std::fs::read_to_string(dir.path().join("src/widgets/top_albums.rs")).unwrap();
        assert!(rust.contains("id = \"top-albums\""), "{rust}");
        assert!(rust.contains("#[auth_required(scopes = [\"read\"])]\npub struct TopAlbums"), "{rust}");
        assert!(rust.contains("invoking = \"Loading Top Albums…\""), "{rust}");
        let tsx = std::fs::read_to_string(dir.path().join("widgets/top-albums/index.tsx")).unwrap();
        assert!(tsx.contains("export default function TopAlbums()"), "{tsx}");
        let mod_rs = std::fs::read_to_string(dir.path().join("src/widgets/mod.rs")).unwrap();
        assert_eq!(mod_rs, "//! Widgets.\n\nmod hello;\nmod top_albums;\n");
        for file in &created.files {
            let text = std::fs::read_to_string(file).unwrap();
            assert!(placeholders(&text).is_empty(), "{}: {:?}", file.display(), placeholders(&text));
        }
    }

    #[test]
    fn an_existing_widget_is_left_alone() {
        let (dir, project) = project();
        std::fs::create_dir_all(dir.path().join("widgets/hello")).unwrap();
        let err = add_widget(&project, WidgetName::parse("hello").unwrap(), WidgetTemplate::Blank, &Access::Default)
            .unwrap_err();
        assert!(err.to_string().contains("already exists"), "{err}");
        assert!(!dir.path().join("src/widgets/hello.rs").exists());
        let err = add_widget(&project, WidgetName::parse("hello").unwrap(), WidgetTemplate::Blank, &Access::Default);
        assert!(err.is_err());
    }

    #[test]
    fn mod_lines_go_after_the_last_one_or_at_the_end() {
        assert_eq!(with_module("mod a;\n\nfn f() {}\n", "b"), "mod a;\nmod b;\n\nfn f() {}\n");
        assert_eq!(with_module("//! Docs.\n", "b"), "//! Docs.\n\nmod b;\n");
        assert_eq!(with_module("", "b"), "mod b;\n");
        assert!(declares_module("pub mod b;\n", "b"));
        assert!(!declares_module("mod bb;\n", "b"));
    }

    #[test]
    fn every_template_renders_completely() {
        let (_dir, project) = project();
        for (i, template) in
            [WidgetTemplate::Blank, WidgetTemplate::List, WidgetTemplate::Carousel, WidgetTemplate::Albums]
                .into_iter()
                .enumerate()
        {
            let name = WidgetName::parse(&format!("widget {i}")).unwrap();
            let created = add_widget(&project, name, template, &Access::Public).unwrap();
            for file in &created.files {
                let text = std::fs::read_to_string(file).unwrap();
                assert!(placeholders(&text).is_empty(), "{template:?} {}", file.display());
            }
        }
    }
}
