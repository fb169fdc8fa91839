//! The `Mcp-Param-{Name}` headers of a 2026-07-28 `tools/call`: each argument the tool marks
//! with `x-mcp-header` must be mirrored with the same value (Base64 sentinel decoded, integers
//! compared as numbers); a header without a value in the arguments contradicts them.

use http::HeaderMap;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::headers::{self, BadHeader};
use crate::protocol::ErrorObject;
use crate::registry::{ParamHeader, ParamKind, Registry};

fn value_at<'a>(arguments: &'a Map<String, Value>, path: &[String]) -> Option<&'a Value> {
    let (last, parents) = path.split_last()?;
    let mut object = arguments;
    for key in parents {
        object = object.get(key)?.as_object()?;
    }
    object.get(last).filter(|v| !v.is_null())
}

fn matches(kind: ParamKind, sent: &str, body: &Value) -> bool {
    match (kind, body) {
        (_, Value::String(s)) => s == sent,
        (ParamKind::Boolean, Value::Bool(b)) => sent == if *b { "true" } else { "false" },
        (_, Value::Number(n)) => match (sent.parse::<f64>(), n.as_f64()) {
            (Ok(sent), Some(body)) => sent == body,
            _ => false,
        },
        _ => false,
    }
}

/// Checks the headers of the tool's mirrored arguments; `strict` also refuses a missing one.
pub(crate) fn check(
    registry: &Registry,
    headers: &HeaderMap,
    params: Option<&RawValue>,
    tool: Option<&str>,
    strict: bool,
) -> Result<(), ErrorObject> {
    let Some(def) = tool.and_then(|name| registry.tool(name)) else { return Ok(()) };
    if def.param_headers.is_empty() {
        return Ok(());
    }
    #[derive(Deserialize)]
    struct Arguments {
        #[serde(default)]
        arguments: Option<Map<String, Value>>,
    }
    let arguments = params
        .and_then(|p| serde_json::from_str::<Arguments>(p.get()).ok())
        .and_then(|a| a.arguments)
        .unwrap_or_default();
    for ParamHeader { name, header, path, kind } in &def.param_headers {
        let display = format!("Mcp-Param-{name}");
        let bad = |problem: BadHeader| {
            ErrorObject::header_mismatch(match problem {
                BadHeader::Repeated => format!("Header mismatch: {display} header appears more than once"),
                BadHeader::InvalidCharacters => {
                    format!("Header mismatch: {display} header value has invalid characters")
                }
            })
        };
        let sent = headers::single(headers, header).map_err(bad)?;
        match (sent, value_at(&arguments, path)) {
            (Some(sent), Some(body)) => {
                let decoded = headers::decode_value(sent).map_err(bad)?;
                if !matches(*kind, &decoded, body) {
                    return Err(ErrorObject::header_mismatch(format!(
                        "Header mismatch: {display} header value '{decoded}' does not match body value '{}'",
                        match body {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        }
                    )));
                }
            }
            (Some(_), None) => {
                return Err(ErrorObject::header_mismatch(format!(
                    "Header mismatch: {display} header is sent but argument {} has no value",
                    path.join(".")
                )));
            }
            (None, Some(_)) if strict => {
                return Err(ErrorObject::header_mismatch(format!(
                    "Header mismatch: the {display} header is required: argument {} has a value",
                    path.join(".")
                )));
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_compare_by_type() {
        assert!(matches(ParamKind::String, "us-west1", &json!("us-west1")));
        assert!(!matches(ParamKind::String, "us-west2", &json!("us-west1")));
        assert!(matches(ParamKind::Integer, "42", &json!(42)));
        assert!(matches(ParamKind::Integer, "42.0", &json!(42)));
        assert!(!matches(ParamKind::Integer, "43", &json!(42)));
        assert!(!matches(ParamKind::Integer, "forty-two", &json!(42)));
        assert!(matches(ParamKind::Boolean, "true", &json!(true)));
        assert!(!matches(ParamKind::Boolean, "TRUE", &json!(true)));
        assert!(!matches(ParamKind::String, "x", &json!(["x"])));
    }

    #[test]
    fn values_are_found_along_their_path() {
        let args = json!({ "a": { "b": 1 }, "n": null }).as_object().cloned().unwrap();
        assert_eq!(value_at(&args, &["a".into(), "b".into()]), Some(&json!(1)));
        assert_eq!(value_at(&args, &["a".into(), "c".into()]), None);
        assert_eq!(value_at(&args, &["n".into()]), None);
        assert_eq!(value_at(&args, &[]), None);
    }
}
