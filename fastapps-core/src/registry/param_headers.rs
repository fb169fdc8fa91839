//! `x-mcp-header` (2026-07-28): tool arguments a client mirrors into `Mcp-Param-{Name}` HTTP
//! headers, so intermediaries can route on them. The annotations are checked once, when the
//! registry is built, against the spec's constraints; the server then checks every modern
//! `tools/call` against them.

use std::collections::HashSet;

use serde_json::{Map, Value};

/// The JSON type of a mirrored argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ParamKind {
    /// `"type": "string"`.
    String,
    /// `"type": "integer"` (within ±(2^53 − 1)).
    Integer,
    /// `"type": "boolean"`.
    Boolean,
}

/// One argument mirrored into a header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ParamHeader {
    /// The `x-mcp-header` value, e.g. `Region`.
    pub(crate) name: String,
    /// The header name, lowercase: `mcp-param-region`.
    pub(crate) header: String,
    /// The chain of `properties` keys from the schema root to the argument.
    pub(crate) path: Vec<String>,
    /// Its type.
    pub(crate) kind: ParamKind,
}

/// Schema keywords holding one subschema.
const SUBSCHEMA: &[&str] = &[
    "items",
    "additionalItems",
    "additionalProperties",
    "unevaluatedItems",
    "unevaluatedProperties",
    "contains",
    "propertyNames",
    "not",
    "if",
    "then",
    "else",
];
/// Schema keywords holding an array of subschemas.
const SUBSCHEMA_ARRAYS: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems"];
/// Schema keywords holding a map of subschemas (other than `properties`).
const SUBSCHEMA_MAPS: &[&str] = &["$defs", "definitions", "patternProperties", "dependentSchemas"];

fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

/// The mirrored arguments of an input schema, or why its annotations are invalid.
pub(crate) fn collect(schema: &Map<String, Value>) -> Result<Vec<ParamHeader>, String> {
    let mut found = Vec::new();
    walk(schema, &mut Vec::new(), true, &mut found)?;
    let mut seen = HashSet::new();
    for param in &found {
        if !seen.insert(param.header.clone()) {
            return Err(format!("x-mcp-header {:?} is used twice (names compare case-insensitively)", param.name));
        }
    }
    Ok(found)
}

fn walk(
    schema: &Map<String, Value>,
    path: &mut Vec<String>,
    reachable: bool,
    found: &mut Vec<ParamHeader>,
) -> Result<(), String> {
    if let Some(value) = schema.get("x-mcp-header") {
        let at = if path.is_empty() { "the schema root".to_owned() } else { format!("property {:?}", path.join(".")) };
        if !reachable || path.is_empty() {
            return Err(format!(
                "x-mcp-header on {at} is not allowed: only properties reached from the root through `properties` alone may carry it"
            ));
        }
        let Some(name) = value.as_str() else { return Err(format!("x-mcp-header on {at} must be a string")) };
        if name.is_empty() || !name.chars().all(is_tchar) {
            return Err(format!(
                "x-mcp-header {name:?} on {at} must be a non-empty HTTP token (letters, digits, !#$%&'*+-.^_`|~)"
            ));
        }
        let kind = match schema.get("type").and_then(Value::as_str) {
            Some("string") => ParamKind::String,
            Some("integer") => ParamKind::Integer,
            Some("boolean") => ParamKind::Boolean,
            other => {
                return Err(format!(
                    "x-mcp-header {name:?} on {at} needs \"type\" string, integer or boolean, not {}",
                    other.map_or("none".to_owned(), |t| format!("{t:?}"))
                ));
            }
        };
        found.push(ParamHeader {
            name: name.to_owned(),
            header: format!("mcp-param-{}", name.to_ascii_lowercase()),
            path: path.clone(),
            kind,
        });
    }
    if let Some(Value::Object(properties)) = schema.get("properties") {
        for (key, sub) in properties {
            if let Value::Object(sub) = sub {
                path.push(key.clone());
                walk(sub, path, reachable, found)?;
                path.pop();
            }
        }
    }
    // Anywhere else an annotation is an error: look for one without collecting.
    let mut elsewhere = |sub: &Value| -> Result<(), String> {
        match sub {
            Value::Object(sub) => walk(sub, &mut path.clone(), false, found),
            _ => Ok(()),
        }
    };
    for keyword in SUBSCHEMA {
        if let Some(sub) = schema.get(*keyword) {
            elsewhere(sub)?;
        }
    }
    for keyword in SUBSCHEMA_ARRAYS {
        if let Some(Value::Array(subs)) = schema.get(*keyword) {
            subs.iter().try_for_each(&mut elsewhere)?;
        }
    }
    for keyword in SUBSCHEMA_MAPS {
        if let Some(Value::Object(subs)) = schema.get(*keyword) {
            subs.values().try_for_each(&mut elsewhere)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn collects_annotated_properties_along_properties_chains() {
        let found = collect(&schema(json!({
            "type": "object",
            "properties": {
                "region": { "type": "string", "x-mcp-header": "Region" },
                "query": { "type": "string" },
                "opts": { "type": "object", "properties": {
                    "limit": { "type": "integer", "x-mcp-header": "Limit" },
                    "dry": { "type": "boolean", "x-mcp-header": "Dry-Run" }
                } }
            }
        })))
        .unwrap();
        let names: Vec<_> = found.iter().map(|p| (p.header.as_str(), p.path.join("."), p.kind)).collect();
        assert_eq!(
            names,
            [
                ("mcp-param-dry-run", "opts.dry".to_owned(), ParamKind::Boolean),
                ("mcp-param-limit", "opts.limit".to_owned(), ParamKind::Integer),
                ("mcp-param-region", "region".to_owned(), ParamKind::String),
            ]
        );
        assert_eq!(collect(&schema(json!({ "type": "object" }))).unwrap(), []);
    }

    #[test]
    fn refuses_annotations_the_spec_forbids() {
        for bad in [
            json!({ "type": "object", "x-mcp-header": "Root" }),
            json!({ "type": "object", "properties": { "n": { "type": "number", "x-mcp-header": "N" } } }),
            json!({ "type": "object", "properties": { "n": { "x-mcp-header": "N" } } }),
            json!({ "type": "object", "properties": { "n": { "type": "string", "x-mcp-header": "" } } }),
            json!({ "type": "object", "properties": { "n": { "type": "string", "x-mcp-header": "Bad Name" } } }),
            json!({ "type": "object", "properties": { "n": { "type": "string", "x-mcp-header": 5 } } }),
            json!({ "type": "object", "properties": {
                "a": { "type": "string", "x-mcp-header": "Same" },
                "b": { "type": "string", "x-mcp-header": "same" }
            } }),
            json!({ "type": "object", "properties": { "list": { "type": "array", "items": { "type": "string", "x-mcp-header": "Item" } } } }),
            json!({ "type": "object", "anyOf": [{ "properties": { "a": { "type": "string", "x-mcp-header": "A" } } }] }),
            json!({ "type": "object", "$defs": { "d": { "type": "string", "x-mcp-header": "D" } } }),
        ] {
            assert!(collect(&schema(bad.clone())).is_err(), "{bad}");
        }
    }
}
