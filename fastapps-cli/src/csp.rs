//! `fastapps csp`: the domains every widget may reach, kept in `fastapps.toml`'s `[csp]`
//! (edited in place: comments and layout stay).

use anyhow::Context as _;
use clap::builder::PossibleValue;
use fastapps_rules::CspKey;
use toml_edit::{Array, DocumentMut, Item, Table, Value};

use crate::project::Project;

/// A `[csp]` list, as `--kind` names it: the key's name with `-` for `_` (`base-uri`), as
/// flags are spelled; the name itself (`base_uri`) is accepted too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Kind(pub(crate) CspKey);

impl Kind {
    pub(crate) const ALL: [Kind; CspKey::ALL.len()] = {
        let mut all = [Kind(CspKey::Connect); CspKey::ALL.len()];
        let mut i = 0;
        while i < all.len() {
            all[i] = Kind(CspKey::ALL[i]);
            i += 1;
        }
        all
    };

    /// The key in `[csp]`.
    fn key(self) -> &'static str {
        self.0.name()
    }
}

impl clap::ValueEnum for Kind {
    fn value_variants<'a>() -> &'a [Self] {
        &Self::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let name = self.key();
        let flag = name.replace('_', "-");
        let value = if flag == name { PossibleValue::new(name) } else { PossibleValue::new(flag).alias(name) };
        Some(value.help(self.0.meaning()))
    }
}

/// `https://API.example.com/` → `https://api.example.com`: the CSP domain rule of
/// `fastapps-rules` (the one `#[widget(csp(...))]` applies at compile time), after trimming
/// what the shell left around the argument.
pub(crate) fn normalize_origin(input: &str) -> anyhow::Result<String> {
    Ok(fastapps_rules::normalize_csp_domain(input.trim())?)
}

fn load(project: &Project) -> anyhow::Result<DocumentMut> {
    let path = project.config_path();
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    text.parse().with_context(|| format!("{} is not valid TOML", path.display()))
}

fn save(project: &Project, doc: &DocumentMut) -> anyhow::Result<()> {
    let path = project.config_path();
    std::fs::write(&path, doc.to_string()).with_context(|| format!("cannot write {}", path.display()))
}

/// The `[csp]` table, created when missing.
fn csp_table(doc: &mut DocumentMut) -> anyhow::Result<&mut Table> {
    let item = doc.entry("csp").or_insert_with(|| Item::Table(Table::new()));
    item.as_table_mut().context("`csp` in fastapps.toml is not a table")
}

fn list_mut(table: &mut Table, kind: Kind) -> anyhow::Result<&mut Array> {
    let item = table.entry(kind.key()).or_insert_with(|| Item::Value(Value::Array(Array::new())));
    item.as_array_mut().with_context(|| format!("csp.{} in fastapps.toml is not a list", kind.key()))
}

fn entries(array: &Array) -> Vec<String> {
    array.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()
}

/// Adds `origins` to the `kind` list; returns those that were not there yet.
pub(crate) fn add(project: &Project, kind: Kind, origins: &[String]) -> anyhow::Result<Vec<String>> {
    let origins = origins.iter().map(|o| normalize_origin(o)).collect::<anyhow::Result<Vec<_>>>()?;
    let mut doc = load(project)?;
    let list = list_mut(csp_table(&mut doc)?, kind)?;
    let mut added = Vec::new();
    for origin in origins {
        if !entries(list).contains(&origin) && !added.contains(&origin) {
            list.push(origin.as_str());
            added.push(origin);
        }
    }
    save(project, &doc)?;
    Ok(added)
}

/// Removes `origins` from the `kind` list, or from every list; returns `(list, origin)` pairs removed.
pub(crate) fn remove(
    project: &Project,
    kind: Option<Kind>,
    origins: &[String],
) -> anyhow::Result<Vec<(&'static str, String)>> {
    let origins = origins.iter().map(|o| normalize_origin(o)).collect::<anyhow::Result<Vec<_>>>()?;
    let mut doc = load(project)?;
    let mut removed = Vec::new();
    let table = csp_table(&mut doc)?;
    for kind in kind.map_or_else(|| Kind::ALL.to_vec(), |k| vec![k]) {
        let Some(list) = table.get_mut(kind.key()).and_then(Item::as_array_mut) else { continue };
        list.retain(|v| {
            let hit = v.as_str().is_some_and(|s| origins.iter().any(|o| o == s));
            if hit {
                removed.push((kind.key(), v.as_str().unwrap_or_default().to_owned()));
            }
            !hit
        });
    }
    save(project, &doc)?;
    Ok(removed)
}

/// Every list and its origins, in a fixed order.
pub(crate) fn list(project: &Project) -> anyhow::Result<Vec<(&'static str, Vec<String>)>> {
    let doc = load(project)?;
    let table = doc.get("csp").and_then(Item::as_table);
    Ok(Kind::ALL
        .iter()
        .map(|kind| {
            let values =
                table.and_then(|t| t.get(kind.key())).and_then(Item::as_array).map(entries).unwrap_or_default();
            (kind.key(), values)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str =
        "# My app.\npublic_url = \"https://x.example\"\n\n[csp]\n# APIs we call\nconnect = [\"https://a.example\"]\n";

    fn project() -> (tempfile::TempDir, Project) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("fastapps.toml"), CONFIG).unwrap();
        let project = Project::open(dir.path()).unwrap();
        (dir, project)
    }

    #[test]
    fn origins_are_normalized_or_refused() {
        assert_eq!(normalize_origin("HTTPS://API.Example.com/").unwrap(), "https://api.example.com");
        assert_eq!(normalize_origin("https://*.cdn.example:8443").unwrap(), "https://*.cdn.example:8443");
        assert_eq!(normalize_origin("http://127.0.0.1:8000").unwrap(), "http://127.0.0.1:8000");
        assert_eq!(normalize_origin("  https://[::1]:8000/ ").unwrap(), "https://[::1]:8000");
        for bad in [
            "api.example.com",
            "ftp://x.example",
            "https://x.example/path",
            "https://",
            "https://a b",
            "https://x:99999",
            "https://-x.example",
            "javascript://x",
            "https://a.*.example",
        ] {
            assert!(normalize_origin(bad).is_err(), "{bad}");
        }
        let err = normalize_origin("api.example.com").unwrap_err().to_string();
        assert!(err.contains("\"https://api.example.com\""), "{err}");
    }

    #[test]
    fn add_keeps_comments_and_skips_duplicates() {
        let (dir, project) = project();
        let added =
            add(&project, Kind(CspKey::Connect), &["https://a.example".into(), "https://B.example".into()]).unwrap();
        assert_eq!(added, ["https://b.example"]);
        add(&project, Kind(CspKey::Resource), &["https://cdn.example".into()]).unwrap();
        let text = std::fs::read_to_string(dir.path().join("fastapps.toml")).unwrap();
        assert!(text.starts_with("# My app.\n") && text.contains("# APIs we call"), "{text}");
        // The server reads what the CLI wrote.
        let config = fastapps_core::widget::ProjectConfig::parse(&text).unwrap();
        assert_eq!(config.csp.connect, ["https://a.example", "https://b.example"]);
        assert_eq!(config.csp.resource, ["https://cdn.example"]);
        assert_eq!(config.public_url.as_deref(), Some("https://x.example"));
    }

    #[test]
    fn remove_from_one_list_or_all() {
        let (_dir, project) = project();
        add(&project, Kind(CspKey::Resource), &["https://a.example".into()]).unwrap();
        let removed = remove(&project, Some(Kind(CspKey::Resource)), &["https://a.example/".into()]).unwrap();
        assert_eq!(removed, [("resource", "https://a.example".to_owned())]);
        add(&project, Kind(CspKey::Frame), &["https://a.example".into()]).unwrap();
        let removed = remove(&project, None, &["https://a.example".into()]).unwrap();
        assert_eq!(removed.len(), 2);
        assert!(list(&project).unwrap().iter().all(|(_, values)| values.is_empty()));
    }

    #[test]
    fn kinds_are_the_csp_keys_spelled_as_flags() {
        use clap::ValueEnum as _;
        assert_eq!(Kind::from_str("connect", false), Ok(Kind(CspKey::Connect)));
        assert_eq!(Kind::from_str("base-uri", false), Ok(Kind(CspKey::BaseUri)));
        assert_eq!(Kind::from_str("base_uri", false), Ok(Kind(CspKey::BaseUri)));
        assert!(Kind::from_str("script", false).is_err());
        let names: Vec<String> = Kind::value_variants()
            .iter()
            .filter_map(|k| k.to_possible_value())
            .map(|v| v.get_name().to_owned())
            .collect();
        assert_eq!(names, ["connect", "resource", "frame", "base-uri", "redirect"]);
    }

    #[test]
    fn a_config_without_csp_gets_one() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("fastapps.toml"), "[build]\nmode = \"inline\"\n").unwrap();
        let project = Project::open(dir.path()).unwrap();
        add(&project, Kind(CspKey::BaseUri), &["https://b.example".into()]).unwrap();
        assert_eq!(list(&project).unwrap()[3], ("base_uri", vec!["https://b.example".to_owned()]));
    }
}
