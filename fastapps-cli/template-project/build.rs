//! Renders the Rust files of the CLI's templates into `OUT_DIR` as `fastapps init` and
//! `fastapps create` write them into a new project, with one widget of each template.
//!
//! The templates hold placeholders where Rust needs names (`pub struct {{struct}}`), so they
//! compile only rendered. `src/lib.rs`, `src/main.rs` and `tests/server.rs` include the rendered files:
//! compiling them here, in the workspace's own build, costs seconds, where a nested `cargo
//! build` of a generated project would compile the framework again with other features. The values filled in are those the
//! CLI would write (`fastapps-cli/src/init.rs`, `create.rs`); a placeholder left unfilled, a
//! template without an entry here, or a dependency that differs from the template's manifest
//! fails this build with a message saying what to change.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The project's name: the package's, so that the template's `CARGO_BIN_EXE_{{name}}` is this
/// package's binary.
const NAME: &str = "template-project";

/// The Rust files of the project template: the template and where `fastapps init` writes it.
const PROJECT: &[(&str, &str)] = &[
    ("project/lib.rs", "src/lib.rs"),
    ("project/main.rs", "src/main.rs"),
    ("project/tools.rs", "src/tools.rs"),
    ("project/widgets_mod.rs", "src/widgets/mod.rs"),
    ("project/server_test.rs", "tests/server.rs"),
];

/// `fastapps init`'s widget (the blank template as `hello`, public), then one widget of every
/// other template, each with another kind of access: (template folder, name, the attribute
/// line `Access::attribute` writes). One-word names: the name is the id and the module, and
/// capitalised the struct and the title, as `WidgetName::parse` makes them. Their built HTML
/// stands in `assets/` (one file the manifest names for all).
const WIDGETS: &[(&str, &str, &str)] = &[
    ("blank", "hello", "#[no_auth]\n"),
    ("list", "list", "#[auth_required(scopes = [\"read\"])]\n"),
    ("carousel", "carousel", "#[optional_auth(scopes = [\"read\"])]\n"),
    ("albums", "albums", ""),
];

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let templates = manifest_dir.join("../templates");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    println!("cargo::rerun-if-changed={}", templates.display());
    println!("cargo::rerun-if-changed=Cargo.toml");

    check_every_template_is_rendered(&templates);
    check_dependencies(&templates, &manifest_dir);

    let crate_name = NAME.replace('-', "_");
    let vars = [("name", NAME), ("crate_name", crate_name.as_str())];
    for (template, path) in PROJECT {
        let mut text = render(&read(&templates.join(template)), &vars, template);
        if *path == "src/widgets/mod.rs" {
            // `fastapps create` adds a `mod` line per widget (after the template's text).
            text.push('\n');
            for (_, name, _) in WIDGETS {
                writeln!(text, "mod {name};").expect("writing to a String");
            }
        }
        if matches!(*path, "src/lib.rs" | "src/main.rs" | "tests/server.rs") {
            // Included with `include!`, which takes items only: the crate docs become comments.
            text = text
                .lines()
                .map(|line| line.strip_prefix("//!").map_or_else(|| line.to_owned(), |rest| format!("//{rest}")))
                .collect::<Vec<_>>()
                .join("\n")
                + "\n";
        }
        write(&out.join(path), &text);
    }
    for (folder, name, auth) in WIDGETS {
        let template = format!("widgets/{folder}/widget.rs");
        let title = capitalize(name);
        let (invoking, invoked) = (format!("Loading {title}…"), format!("{title} ready"));
        let vars = [
            ("id", *name),
            ("struct", title.as_str()),
            ("title", title.as_str()),
            ("invoking", invoking.as_str()),
            ("invoked", invoked.as_str()),
            ("auth", *auth),
        ];
        let text = render(&read(&templates.join(&template)), &vars, &template);
        write(&out.join(format!("src/widgets/{name}.rs")), &text);
    }
}

/// `template` with every `{{key}}` of `vars` replaced, as the CLI's `templates::render` does;
/// panics when a placeholder is left.
fn render(template: &str, vars: &[(&str, &str)], name: &str) -> String {
    let mut out = template.to_owned();
    for (key, value) in vars {
        out = out.replace(&format!("{{{{{key}}}}}"), value);
    }
    let mut rest = out.as_str();
    while let Some(at) = rest.find("{{") {
        rest = &rest[at + 2..];
        if let Some(end) = rest.find("}}") {
            let key = &rest[..end];
            if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                panic!(
                    "templates/{name} has the placeholder {{{{{key}}}}}, which build.rs does not fill: add it there"
                );
            }
        }
    }
    out
}

/// Every `.rs` file of the templates is rendered here, so none goes uncompiled.
fn check_every_template_is_rendered(templates: &Path) {
    for entry in std::fs::read_dir(templates.join("project")).expect("templates/project is readable") {
        let name = entry.expect("templates/project is readable").file_name();
        let name = name.to_string_lossy();
        if name.ends_with(".rs") && !PROJECT.iter().any(|(t, _)| *t == format!("project/{name}")) {
            panic!("templates/project/{name} is not rendered: add it to PROJECT in build.rs");
        }
    }
    for entry in std::fs::read_dir(templates.join("widgets")).expect("templates/widgets is readable") {
        let name = entry.expect("templates/widgets is readable").file_name();
        let name = name.to_string_lossy();
        if !WIDGETS.iter().any(|(folder, ..)| *folder == name) {
            panic!(
                "templates/widgets/{name} is not rendered: add a widget of it to WIDGETS in build.rs and its entry to assets/manifest.json (all share one stand-in HTML file)"
            );
        }
    }
}

/// The dependency lines of the template's manifest are this package's, but for the framework's
/// own crates, which come from the checkout here.
fn check_dependencies(templates: &Path, manifest_dir: &Path) {
    let vars = [
        ("name", NAME),
        ("fastapps_core", "{ path = \"../../fastapps-core\" }"),
        ("fastapps_core_testing", "{ path = \"../../fastapps-core\", features = [\"testing\"] }"),
        ("fastapps_oauth", "{ path = \"../../fastapps-oauth\" }"),
    ];
    let template = render(&read(&templates.join("project/Cargo.toml.tmpl")), &vars, "project/Cargo.toml.tmpl");
    let ours = read(&manifest_dir.join("Cargo.toml"));
    for section in ["dependencies", "dev-dependencies"] {
        let (theirs, mine) = (dependency_lines(&template, section), dependency_lines(&ours, section));
        if theirs != mine {
            panic!(
                "the [{section}] of fastapps-cli/template-project/Cargo.toml differ from the template's \
                 (templates/project/Cargo.toml.tmpl): make them\n{}",
                theirs.join("\n")
            );
        }
    }
}

/// The lines of a manifest's `[section]` that are neither blank nor comments.
fn dependency_lines<'a>(manifest: &'a str, section: &str) -> Vec<&'a str> {
    let header = format!("[{section}]");
    manifest
        .lines()
        .map(str::trim)
        .skip_while(|l| *l != header)
        .skip(1)
        .take_while(|l| !l.starts_with('['))
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|first| first.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn write(path: &Path, text: &str) {
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder).unwrap_or_else(|e| panic!("cannot create {}: {e}", folder.display()));
    }
    std::fs::write(path, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}
