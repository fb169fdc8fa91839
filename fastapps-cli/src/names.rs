//! The names a widget or a project goes by, from what the user typed.

use anyhow::bail;

/// Rust keywords (2024 edition, strict and reserved): not usable as module names.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false", "fn",
    "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self",
    "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract",
    "become", "box", "do", "final", "macro", "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// A widget's names: `Pizza list` → id `pizza-list` (tool name, template, folder), module
/// `pizza_list`, struct `PizzaList`, title `Pizza List`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct WidgetName {
    pub(crate) id: String,
    pub(crate) module: String,
    pub(crate) type_name: String,
    pub(crate) title: String,
}

impl WidgetName {
    /// Normalises `input`: lowercase, words split at spaces, `-`, `_` and case changes.
    pub(crate) fn parse(input: &str) -> anyhow::Result<Self> {
        if input.chars().any(|c| c.is_alphanumeric() && !c.is_ascii()) {
            bail!("widget name {input:?}: use ASCII letters and digits (it becomes a Rust type and a file name)");
        }
        let words = words(input);
        if words.is_empty() {
            bail!("{input:?} is not a widget name: use letters and digits, e.g. `pizza-list`");
        }
        let id = words.join("-");
        if !id.starts_with(|c: char| c.is_ascii_lowercase()) {
            bail!("widget name {input:?} must start with a letter");
        }
        if id.len() > 64 {
            bail!("widget name {input:?} is too long (at most 64 characters)");
        }
        let module = words.join("_");
        if KEYWORDS.contains(&module.as_str()) {
            bail!("{module:?} is a Rust keyword; pick another widget name");
        }
        let capitalized: Vec<String> = words.iter().map(|w| capitalize(w)).collect();
        Ok(Self { id, module, type_name: capitalized.concat(), title: capitalized.join(" ") })
    }
}

/// A new project's name: a valid Cargo package name that is also a folder name.
pub(crate) fn check_project_name(name: &str) -> anyhow::Result<()> {
    let valid = name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        bail!(
            "{name:?} is not a valid project name: start with a letter and use only letters, digits, `-` and `_` \
             (it becomes the Cargo package and the folder)"
        );
    }
    if KEYWORDS.contains(&name) || ["test", "std", "core", "alloc", "proc_macro"].contains(&name) {
        bail!("{name:?} cannot be a Cargo package name; pick another one");
    }
    Ok(())
}

/// The lowercase ASCII words of `input`; anything but letters and digits separates words, and
/// so does a change from lower to upper case (`PizzaList` → `pizza`, `list`).
fn words(input: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for c in input.chars() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        current.push(c.to_ascii_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|first| first.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn names(input: &str) -> (String, String, String, String) {
        let n = WidgetName::parse(input).unwrap();
        (n.id, n.module, n.type_name, n.title)
    }

    #[test]
    fn every_spelling_gives_the_same_names() {
        let expected = ("pizza-list".into(), "pizza_list".into(), "PizzaList".into(), "Pizza List".into());
        for input in
            ["pizza-list", "pizza_list", "Pizza List", "PizzaList", "pizzaList", "  pizza--list ", "PIZZA-LIST"]
        {
            assert_eq!(names(input), expected, "{input}");
        }
    }

    #[test]
    fn digits_stay_with_their_word() {
        assert_eq!(names("map2d").0, "map2d");
        assert_eq!(names("top 10 albums").2, "Top10Albums");
    }

    #[test]
    fn bad_names_are_refused_with_the_reason() {
        assert!(WidgetName::parse("").unwrap_err().to_string().contains("not a widget name"));
        assert!(WidgetName::parse("--").is_err());
        assert!(WidgetName::parse("9lives").unwrap_err().to_string().contains("start with a letter"));
        assert!(WidgetName::parse("type").unwrap_err().to_string().contains("keyword"));
        assert!(WidgetName::parse(&"a".repeat(65)).unwrap_err().to_string().contains("too long"));
        assert!(WidgetName::parse("café menu").unwrap_err().to_string().contains("ASCII"));
    }

    #[test]
    fn project_names() {
        assert!(check_project_name("demo").is_ok());
        assert!(check_project_name("my-app_2").is_ok());
        for bad in ["", "2fast", "my app", "../x", "test", "crate", "ünï"] {
            assert!(check_project_name(bad).is_err(), "{bad}");
        }
    }
}
