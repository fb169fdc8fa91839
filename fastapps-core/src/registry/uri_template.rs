//! Matching URIs against RFC 6570 templates, for `resources/read` on resource templates.
//!
//! Written here because the crates that do RFC 6570 expand templates but do not match URIs
//! against them. Supported expressions: `{var}` (simple: matches no `/`, `?` or `#`) and
//! `{+var}` (reserved: matches anything). A template with other operators is refused at build
//! time with a message, never mis-matched at run time.

use std::collections::HashMap;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Literal(String),
    Var { name: String, reserved: bool },
}

/// A parsed URI template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct UriTemplate {
    parts: Vec<Part>,
}

impl UriTemplate {
    pub(crate) fn parse(template: &str) -> Result<Self, String> {
        let mut parts = Vec::new();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                parts.push(Part::Literal(rest[..open].to_owned()));
            }
            let close = rest[open..].find('}').ok_or("an expression is not closed with '}'")? + open;
            let expr = &rest[open + 1..close];
            let (reserved, name) = match expr.strip_prefix('+') {
                Some(name) => (true, name),
                None => (false, expr),
            };
            let valid = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                return Err(format!(
                    "unsupported expression {{{expr}}}: use {{name}} or {{+name}} with letters, digits and '_'"
                ));
            }
            if matches!(parts.last(), Some(Part::Var { .. })) {
                return Err(format!("expression {{{expr}}} follows another with nothing between them"));
            }
            parts.push(Part::Var { name: name.to_owned(), reserved });
            rest = &rest[close + 1..];
        }
        if rest.contains('}') {
            return Err("a '}' has no matching '{'".into());
        }
        if !rest.is_empty() {
            parts.push(Part::Literal(rest.to_owned()));
        }
        Ok(Self { parts })
    }

    /// The variables of `uri` when it matches, percent-decoded.
    pub(crate) fn matches(&self, uri: &str) -> Option<HashMap<String, String>> {
        let mut vars = HashMap::new();
        match_parts(&self.parts, uri, &mut vars).then_some(vars)
    }

    /// The names of the template's variables.
    pub(crate) fn variables(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Var { name, .. } => Some(name.as_str()),
            Part::Literal(_) => None,
        })
    }
}

fn match_parts(parts: &[Part], input: &str, vars: &mut HashMap<String, String>) -> bool {
    let Some((first, rest)) = parts.split_first() else { return input.is_empty() };
    match first {
        Part::Literal(lit) => input.strip_prefix(lit.as_str()).is_some_and(|tail| match_parts(rest, tail, vars)),
        Part::Var { name, reserved } => {
            // Try every non-empty prefix the variable may take, shortest first; templates are
            // short, so the backtracking stays small.
            let limit = if *reserved { input.len() } else { input.find(['/', '?', '#']).unwrap_or(input.len()) };
            let ends = input[..limit].char_indices().map(|(i, _)| i).skip(1).chain([limit]).filter(|&end| end > 0);
            for end in ends {
                if match_parts(rest, &input[end..], vars) {
                    vars.insert(name.clone(), percent_decode(&input[..end]));
                    return true;
                }
            }
            false
        }
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(template: &str, uri: &str) -> Option<Vec<(String, String)>> {
        let mut v: Vec<_> = UriTemplate::parse(template).unwrap().matches(uri)?.into_iter().collect();
        v.sort();
        Some(v)
    }

    #[test]
    fn matches_simple_variables() {
        assert_eq!(
            vars("test://template/{id}/data", "test://template/123/data"),
            Some(vec![("id".into(), "123".into())])
        );
        assert_eq!(vars("test://template/{id}/data", "test://template/1/2/data"), None);
        assert_eq!(vars("test://template/{id}/data", "test://template//data"), None);
        assert_eq!(vars("test://template/{id}/data", "test://other/1/data"), None);
        assert_eq!(
            vars("db://{table}/{row}", "db://users/42"),
            Some(vec![("row".into(), "42".into()), ("table".into(), "users".into())])
        );
    }

    #[test]
    fn reserved_variables_span_slashes_and_values_are_decoded() {
        assert_eq!(vars("file:///{+path}", "file:///a/b/c.txt"), Some(vec![("path".into(), "a/b/c.txt".into())]));
        assert_eq!(vars("notes://{name}", "notes://hello%20world"), Some(vec![("name".into(), "hello world".into())]));
    }

    #[test]
    fn refuses_what_it_cannot_match() {
        assert!(UriTemplate::parse("x://{?q}").is_err());
        assert!(UriTemplate::parse("x://{a}{b}").is_err());
        assert!(UriTemplate::parse("x://{a").is_err());
        assert!(UriTemplate::parse("x://a}").is_err());
        assert_eq!(UriTemplate::parse("x://{a}/{+b}").unwrap().variables().collect::<Vec<_>>(), ["a", "b"]);
    }
}
