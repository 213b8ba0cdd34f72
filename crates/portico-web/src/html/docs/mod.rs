//! `/api/docs`: a readable API reference rendered on the server from the same OpenAPI document that
//! `/api/v1/openapi.json` serves, so it can never disagree with the routes. It needs no JavaScript and
//! nothing from outside the binary.
//!
//! The page is built from the document's JSON form rather than utoipa's types: it reads what a client
//! reads, and schemas of any shape (`$ref`, `oneOf`, nullable types, arrays of arrays) come out the same.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value};

use super::{PageContext, render};
use crate::WebState;

/// This feature's pages: the reference and the document it is rendered from.
pub fn routes() -> axum::Router<WebState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/api/docs", get(api_docs_show))
        .route(
            "/api/v1/openapi.json",
            get(|State(state): State<WebState>| async move {
                axum::Json(state.openapi.as_ref().clone())
            }),
        )
}

/// A run of description text; `code` runs were in backticks.
pub struct Span {
    pub code: bool,
    pub text: String,
}

/// A piece of a type: plain text, or the name of a schema linked to its section.
pub struct TypePart {
    pub text: String,
    pub href: Option<String>,
}

/// A constraint on a value: a message key for its name (`api-docs-c-minimum`) and the value.
pub struct Constraint {
    pub key: &'static str,
    pub value: String,
}

/// A parameter or a property.
pub struct Field {
    pub name: String,
    /// Message key of where a parameter goes (`api-docs-in-query`); empty for properties.
    pub location: &'static str,
    pub required: bool,
    pub ty: Vec<TypePart>,
    pub constraints: Vec<Constraint>,
    pub description: Vec<Span>,
}

/// One content type of a request or response body.
pub struct Body {
    pub content_type: String,
    pub ty: Vec<TypePart>,
    /// The properties of an object given inline (a named schema is described under Schemas).
    pub properties: Vec<Field>,
}

pub struct RequestBody {
    pub required: bool,
    pub description: Vec<Span>,
    pub bodies: Vec<Body>,
}

pub struct ApiResponse {
    pub status: String,
    pub description: Vec<Span>,
    pub bodies: Vec<Body>,
}

/// A security scheme an operation accepts, linked to its description.
pub struct SchemeRef {
    pub name: String,
    pub href: String,
}

pub struct ApiOperation {
    pub anchor: String,
    pub method: String,
    pub method_lower: String,
    pub path: String,
    pub summary: String,
    pub description: Vec<Span>,
    pub tags: Vec<String>,
    /// Any one of these authenticates the caller; empty when the operation is open to everyone.
    pub security: Vec<SchemeRef>,
    /// Open to everyone, and a signed-in caller (by one of `security`) gets more.
    pub security_optional: bool,
    pub parameters: Vec<Field>,
    pub request_body: Option<RequestBody>,
    pub responses: Vec<ApiResponse>,
}

pub struct SchemaDoc {
    pub name: String,
    pub anchor: String,
    pub description: Vec<Span>,
    pub ty: Vec<TypePart>,
    pub constraints: Vec<Constraint>,
    pub properties: Vec<Field>,
}

pub struct SecurityDoc {
    pub name: String,
    pub anchor: String,
    /// Message key of the kind of scheme, and the name it goes by (the cookie's or header's name), if any.
    pub kind: &'static str,
    pub kind_name: String,
    pub description: Vec<Span>,
}

#[derive(Template)]
#[template(path = "docs/api_docs.html")]
pub struct ApiDocsPage {
    pub page: PageContext,
    pub title: String,
    pub version: String,
    pub description: Vec<Span>,
    pub security: Vec<SecurityDoc>,
    pub operations: Vec<ApiOperation>,
    pub schemas: Vec<SchemaDoc>,
}

/// Anchor of a component schema's section.
pub fn schema_anchor(name: &str) -> String {
    format!("schema-{}", slug(name))
}

/// Anchor of a security scheme's section.
pub fn security_anchor(name: &str) -> String {
    format!("security-{}", slug(name))
}

fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// Description text with `code` runs marked.
pub fn spans(text: &str) -> Vec<Span> {
    // Doc comments wrap lines; the page reflows them.
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.matches('`').count() % 2 == 1 {
        // An unmatched backtick: show the text as it is.
        return vec![Span { code: false, text }];
    }
    text.split('`')
        .enumerate()
        .filter(|(_, p)| !p.is_empty())
        .map(|(i, p)| Span {
            code: i % 2 == 1,
            text: p.to_string(),
        })
        .collect()
}

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn plain(text: impl Into<String>) -> TypePart {
    TypePart {
        text: text.into(),
        href: None,
    }
}

/// A schema's type as text with links: `string`, `integer (int64) | null`, `array<Check>`, `A | B`.
pub fn type_parts(schema: &Value) -> Vec<TypePart> {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or(r);
        return vec![TypePart {
            text: name.to_string(),
            href: r
                .starts_with("#/components/schemas/")
                .then(|| format!("#{}", schema_anchor(name))),
        }];
    }
    for (key, sep) in [("oneOf", " | "), ("anyOf", " | "), ("allOf", " & ")] {
        if let Some(list) = schema.get(key).and_then(Value::as_array) {
            let mut out = Vec::new();
            for (i, s) in list.iter().enumerate() {
                if i > 0 {
                    out.push(plain(sep));
                }
                out.extend(type_parts(s));
            }
            return out;
        }
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let mut out = Vec::new();
    for t in types.iter().filter(|t| **t != "null") {
        if !out.is_empty() {
            out.push(plain(" | "));
        }
        match *t {
            "array" => {
                out.push(plain("array<"));
                match schema.get("items") {
                    Some(items) => out.extend(type_parts(items)),
                    None => out.push(plain("any")),
                }
                out.push(plain(">"));
            }
            "object" => match schema.get("additionalProperties") {
                Some(extra) if extra.is_object() => {
                    out.push(plain("map<string, "));
                    out.extend(type_parts(extra));
                    out.push(plain(">"));
                }
                _ => out.push(plain("object")),
            },
            other => match schema.get("format").and_then(Value::as_str) {
                Some(f) => out.push(plain(format!("{other} ({f})"))),
                None => out.push(plain(other)),
            },
        }
    }
    if types == ["null"] {
        return vec![plain("null")];
    }
    if out.is_empty() {
        out.push(plain(if schema.get("enum").is_some() {
            "enum"
        } else {
            "any"
        }));
    }
    if types.contains(&"null") {
        out.push(plain(" | null"));
    }
    out
}

fn show(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The constraints a schema puts on its value, in a fixed order.
pub fn constraints(schema: &Value) -> Vec<Constraint> {
    const KEYS: [(&str, &str); 13] = [
        ("minimum", "api-docs-c-minimum"),
        ("exclusiveMinimum", "api-docs-c-exclusive-minimum"),
        ("maximum", "api-docs-c-maximum"),
        ("exclusiveMaximum", "api-docs-c-exclusive-maximum"),
        ("multipleOf", "api-docs-c-multiple-of"),
        ("minLength", "api-docs-c-min-length"),
        ("maxLength", "api-docs-c-max-length"),
        ("pattern", "api-docs-c-pattern"),
        ("minItems", "api-docs-c-min-items"),
        ("maxItems", "api-docs-c-max-items"),
        ("default", "api-docs-c-default"),
        ("const", "api-docs-c-const"),
        ("example", "api-docs-c-example"),
    ];
    let mut out: Vec<Constraint> = KEYS
        .iter()
        .filter_map(|(k, key)| {
            schema.get(*k).map(|v| Constraint {
                key,
                value: show(v),
            })
        })
        .collect();
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        out.push(Constraint {
            key: "api-docs-c-enum",
            value: values.iter().map(show).collect::<Vec<_>>().join(", "),
        });
    }
    for (flag, key) in [
        ("readOnly", "api-docs-c-read-only"),
        ("writeOnly", "api-docs-c-write-only"),
        ("deprecated", "api-docs-c-deprecated"),
    ] {
        if schema.get(flag).and_then(Value::as_bool) == Some(true) {
            out.push(Constraint {
                key,
                value: String::new(),
            });
        }
    }
    out
}

/// An object schema's properties: required ones first in the order the schema lists them, then the rest.
pub fn properties(schema: &Value) -> Vec<Field> {
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut names: Vec<&String> = props.keys().collect();
    names.sort_by_key(|n| {
        (
            required.iter().position(|r| r == n).unwrap_or(usize::MAX),
            n.to_string(),
        )
    });
    names
        .into_iter()
        .map(|name| {
            let s = &props[name];
            Field {
                name: name.clone(),
                location: "",
                required: required.contains(&name.as_str()),
                ty: type_parts(s),
                constraints: constraints(s),
                description: spans(&text(s, "description")),
            }
        })
        .collect()
}

fn bodies(content: Option<&Value>) -> Vec<Body> {
    let Some(content) = content.and_then(Value::as_object) else {
        return Vec::new();
    };
    content
        .iter()
        .map(|(content_type, media)| {
            let schema = media.get("schema").unwrap_or(&Value::Null);
            Body {
                content_type: content_type.clone(),
                ty: if schema.is_null() {
                    Vec::new()
                } else {
                    type_parts(schema)
                },
                properties: properties(schema),
            }
        })
        .collect()
}

fn parameter(p: &Value) -> Field {
    let schema = p.get("schema").unwrap_or(&Value::Null);
    let location = match p.get("in").and_then(Value::as_str) {
        Some("path") => "api-docs-in-path",
        Some("header") => "api-docs-in-header",
        Some("cookie") => "api-docs-in-cookie",
        _ => "api-docs-in-query",
    };
    Field {
        name: text(p, "name"),
        location,
        required: p.get("required").and_then(Value::as_bool) == Some(true),
        ty: type_parts(schema),
        constraints: constraints(schema),
        description: spans(&text(p, "description")),
    }
}

fn security(op: &Value) -> Vec<SchemeRef> {
    let mut out: Vec<SchemeRef> = Vec::new();
    for requirement in op
        .get("security")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for name in requirement.as_object().into_iter().flat_map(Map::keys) {
            if !out.iter().any(|s| &s.name == name) {
                out.push(SchemeRef {
                    name: name.clone(),
                    href: format!("#{}", security_anchor(name)),
                });
            }
        }
    }
    out
}

/// Flattens the document into operations in path order.
pub fn operations(doc: &Value) -> Vec<ApiOperation> {
    let mut out = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        let shared: Vec<&Value> = item
            .get("parameters")
            .and_then(Value::as_array)
            .map(|ps| ps.iter().collect())
            .unwrap_or_default();
        for method in ["get", "post", "put", "patch", "delete"] {
            let Some(op) = item.get(method) else { continue };
            let anchor = op
                .get("operationId")
                .and_then(Value::as_str)
                .map(slug)
                .unwrap_or_else(|| format!("{method}{}", path.replace(['/', '{', '}'], "-")));
            let own: Vec<&Value> = op
                .get("parameters")
                .and_then(Value::as_array)
                .map(|ps| ps.iter().collect())
                .unwrap_or_default();
            let request_body = op.get("requestBody").map(|b| RequestBody {
                required: b.get("required").and_then(Value::as_bool) == Some(true),
                description: spans(&text(b, "description")),
                bodies: bodies(b.get("content")),
            });
            let responses = op
                .get("responses")
                .and_then(Value::as_object)
                .map(|rs| {
                    rs.iter()
                        .map(|(status, r)| ApiResponse {
                            status: status.clone(),
                            description: spans(&text(r, "description")),
                            bodies: bodies(r.get("content")),
                        })
                        .collect()
                })
                .unwrap_or_default();
            out.push(ApiOperation {
                anchor,
                method: method.to_uppercase(),
                method_lower: method.to_string(),
                path: path.clone(),
                summary: text(op, "summary"),
                description: spans(&text(op, "description")),
                tags: op
                    .get("tags")
                    .and_then(Value::as_array)
                    .map(|ts| {
                        ts.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default(),
                security: security(op),
                security_optional: op.get("security").and_then(Value::as_array).is_some_and(
                    |reqs| {
                        reqs.iter()
                            .any(|r| r.as_object().is_some_and(Map::is_empty))
                    },
                ),
                parameters: shared.iter().copied().chain(own).map(parameter).collect(),
                request_body,
                responses,
            });
        }
    }
    out
}

/// Every component schema, by name.
pub fn schemas(doc: &Value) -> Vec<SchemaDoc> {
    doc.pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|schemas| {
            schemas
                .iter()
                .map(|(name, s)| SchemaDoc {
                    name: name.clone(),
                    anchor: schema_anchor(name),
                    description: spans(&text(s, "description")),
                    ty: type_parts(s),
                    constraints: constraints(s),
                    properties: properties(s),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Every security scheme, by name.
pub fn security_schemes(doc: &Value) -> Vec<SecurityDoc> {
    doc.pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .map(|schemes| {
            schemes
                .iter()
                .map(|(name, s)| {
                    let kind_of = (
                        text(s, "type"),
                        text(s, "scheme").to_lowercase(),
                        text(s, "in"),
                    );
                    let (kind, kind_name) = match kind_of {
                        (t, scheme, _) if t == "http" && scheme == "bearer" => {
                            ("api-docs-scheme-bearer", String::new())
                        }
                        (t, scheme, _) if t == "http" => ("api-docs-scheme-http", scheme),
                        (t, _, place) if t == "apiKey" && place == "cookie" => {
                            ("api-docs-scheme-cookie", text(s, "name"))
                        }
                        (t, _, place) if t == "apiKey" && place == "header" => {
                            ("api-docs-scheme-header", text(s, "name"))
                        }
                        (t, _, _) if t == "apiKey" => ("api-docs-scheme-query", text(s, "name")),
                        (t, _, _) => ("api-docs-scheme-other", t),
                    };
                    SecurityDoc {
                        name: name.clone(),
                        anchor: security_anchor(name),
                        kind,
                        kind_name,
                        description: spans(&text(s, "description")),
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

pub async fn api_docs_show(State(state): State<WebState>, page: PageContext) -> Response {
    let doc = serde_json::to_value(state.openapi.as_ref()).unwrap_or_default();
    render(
        StatusCode::OK,
        &ApiDocsPage {
            page,
            title: text(&doc["info"], "title"),
            version: text(&doc["info"], "version"),
            description: spans(&text(&doc["info"], "description")),
            security: security_schemes(&doc),
            operations: operations(&doc),
            schemas: schemas(&doc),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn type_text(schema: Value) -> String {
        type_parts(&schema)
            .into_iter()
            .map(|p| match p.href {
                Some(h) => format!("[{}]({h})", p.text),
                None => p.text,
            })
            .collect()
    }

    #[test]
    fn types_read_like_json() {
        assert_eq!(type_text(json!({"type": "string"})), "string");
        assert_eq!(
            type_text(json!({"type": ["integer", "null"], "format": "int32"})),
            "integer (int32) | null"
        );
        assert_eq!(
            type_text(json!({"type": "array", "items": {"$ref": "#/components/schemas/Check"}})),
            "array<[Check](#schema-Check)>"
        );
        assert_eq!(
            type_text(json!({"oneOf": [{"$ref": "#/components/schemas/A"}, {"type": "null"}]})),
            "[A](#schema-A) | null"
        );
    }

    #[test]
    fn backticks_become_code() {
        let s = spans("`ok`, or what is\n not ready");
        assert_eq!(
            s.iter()
                .map(|s| (s.code, s.text.as_str()))
                .collect::<Vec<_>>(),
            [(true, "ok"), (false, ", or what is not ready")]
        );
        let s = spans("a ` b");
        assert_eq!(
            s.iter()
                .map(|s| (s.code, s.text.as_str()))
                .collect::<Vec<_>>(),
            [(false, "a ` b")]
        );
    }

    #[test]
    fn required_properties_come_first_in_order() {
        let s = json!({"type": "object", "required": ["b", "a"],
            "properties": {"a": {"type": "string"}, "b": {"type": "string"}, "c": {"type": "string"}}});
        let names: Vec<_> = properties(&s).into_iter().map(|f| f.name).collect();
        assert_eq!(names, ["b", "a", "c"]);
    }
}
