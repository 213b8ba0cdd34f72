//! A JSON body extractor whose rejections are problem documents: malformed JSON is 400, a missing or
//! mistyped field is 422 naming the field, a wrong content type 415, an oversized body 413.
//!
//! The parsers' own messages speak of Rust ("…into the target type", "expected struct LoginRequest",
//! "expected u32"), so they are never shown as they are: [`explain`] turns them into messages about the
//! JSON the caller sent, and [`explain_framework_text`] does the same for the plain-text rejections of
//! other extractors (query strings, path parameters), which reach the error middleware as text.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::error::{PROBLEM_JSON, Problem, ProblemField};

#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

#[derive(Debug)]
pub struct JsonProblem(JsonRejection);

/// Detail of a 413 answer.
pub const TOO_LARGE: &str = "The request body is too large.";
/// Detail of a 415 answer.
pub const WRONG_CONTENT_TYPE: &str =
    "Send the request body as JSON, with `Content-Type: application/json`.";
/// Detail of a 422 answer that names fields.
pub const INVALID_FIELDS: &str = "Some fields are not valid.";

/// The innermost error's message: the parser's own words, without the framework's preface.
fn innermost(e: &(dyn std::error::Error + 'static)) -> String {
    let mut e = e;
    while let Some(next) = e.source() {
        e = next;
    }
    e.to_string()
}

/// Splits serde_json's " at line L column C" off a message.
fn position(message: &str) -> (&str, Option<(u64, u64)>) {
    if let Some((head, tail)) = message.rsplit_once(" at line ")
        && let Some((line, column)) = tail.split_once(" column ")
        && let (Ok(line), Ok(column)) = (line.parse(), column.parse())
    {
        return (head, Some((line, column)));
    }
    (message, None)
}

/// Starts of the messages serde itself writes (they never begin with a field path).
const SERDE_STARTS: [&str; 9] = [
    "missing field `",
    "unknown field `",
    "duplicate field `",
    "invalid type: ",
    "invalid value: ",
    "invalid length ",
    "unknown variant `",
    "expected ",
    "trailing ",
];

/// Splits the path serde_path_to_error puts before a message ("fields.amount[2]: invalid type: …").
fn split_path(message: &str) -> (Option<&str>, &str) {
    if SERDE_STARTS.iter().any(|s| message.starts_with(s)) {
        return (None, message);
    }
    match message.split_once(": ") {
        Some((path, rest)) if is_path(path) => (Some(path), rest),
        _ => (None, message),
    }
}

fn is_path(path: &str) -> bool {
    !path.is_empty()
        && path.len() <= 200
        && path
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '[' | ']' | '-' | '?' | '$'))
}

/// The first name in backticks: "missing field `email`" → `email`.
fn backticked(message: &str) -> Option<&str> {
    message.split('`').nth(1)
}

fn join(path: Option<&str>, name: &str) -> String {
    match path {
        Some(p) if !p.is_empty() && p != "." => format!("{p}.{name}"),
        _ => name.to_string(),
    }
}

/// The range of a Rust integer type, in words.
fn integer_range(rust: &str) -> Option<&'static str> {
    Some(match rust {
        "u8" => "from 0 to 255",
        "u16" => "from 0 to 65535",
        "u32" => "from 0 to 4294967295",
        "u64" | "usize" => "from 0 to 18446744073709551615",
        "i8" => "from -128 to 127",
        "i16" => "from -32768 to 32767",
        "i32" => "from -2147483648 to 2147483647",
        "i64" | "isize" => "from -9223372036854775808 to 9223372036854775807",
        "u128" | "i128" => "",
        _ => return None,
    })
}

/// What serde expected, in JSON terms ("struct LoginRequest" → "an object", "u32" → "a whole number").
fn expected_words(expected: &str) -> Option<String> {
    let e = expected.trim();
    if integer_range(e).is_some() || matches!(e, "an integer" | "integer" | "i64 or u64") {
        return Some("a whole number".into());
    }
    let words = match e {
        "a string"
        | "a borrowed string"
        | "a string or bytes"
        | "a formatted date and time string" => "a string",
        "a boolean" | "bool" => "true or false",
        "f32" | "f64" | "a number" | "a float" => "a number",
        "a character" | "char" => "a single character",
        "unit" | "null" => "null",
        "a map" | "map" => "an object",
        _ if e.starts_with("struct ") || e.starts_with("a map ") => "an object",
        _ if e.starts_with("a sequence")
            || e.starts_with("a tuple")
            || e.starts_with("an array")
            || e.starts_with("tuple struct ") =>
        {
            "an array"
        }
        _ if e.starts_with("enum ") || e == "variant identifier" => "one of the allowed values",
        _ if e.starts_with("one of ") || e.starts_with('`') => return Some(e.to_string()),
        _ if plain_words(e) => return Some(e.to_string()),
        _ => return None,
    };
    Some(words.into())
}

/// What serde found instead ("integer `5`" → "a number").
fn found_words(found: &str) -> Option<&'static str> {
    let f = found.trim();
    let kind = f.split([' ', '`', '"']).next().unwrap_or("");
    Some(match kind {
        "integer" | "floating" => "a number",
        "string" | "character" => "a string",
        "boolean" => "a boolean",
        "map" => "an object",
        "sequence" => "an array",
        "null" | "unit" => "null",
        _ => return None,
    })
}

/// Text with nothing that reads like code: lower-case words, no type names, no paths.
fn plain_words(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 120
        && !looks_internal(s)
        && s.chars()
            .all(|c| c.is_alphanumeric() || " -,.'()/@".contains(c))
        && !s
            .split(' ')
            .any(|w| w.chars().next().is_some_and(char::is_uppercase))
}

/// Words that reveal the implementation rather than the input.
fn looks_internal(s: &str) -> bool {
    let lower = s.to_lowercase();
    [
        "target type",
        "serde",
        "struct ",
        "enum ",
        "::",
        "deserializ",
        "`path",
        "tuple struct",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

/// One parser message, explained: the field (relative to `path`), a message and a code.
fn explain_message(path: Option<&str>, message: &str) -> ProblemField {
    let field_at = |name: Option<&str>| match name {
        Some(n) => join(path, n),
        None => path.filter(|p| *p != ".").unwrap_or("body").to_string(),
    };
    let field = |message: String, code: &str| ProblemField {
        field: field_at(None),
        message,
        code: code.into(),
    };
    if message.starts_with("missing field `") {
        return ProblemField {
            field: field_at(backticked(message)),
            message: "this field is required".into(),
            code: "required".into(),
        };
    }
    if message.starts_with("unknown field `") {
        return ProblemField {
            field: field_at(backticked(message)),
            message: "this field is not accepted".into(),
            code: "unknown_field".into(),
        };
    }
    if message.starts_with("duplicate field `") {
        return ProblemField {
            field: field_at(backticked(message)),
            message: "this field appears more than once".into(),
            code: "duplicate_field".into(),
        };
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        let text = match (expected_words(expected), found_words(found)) {
            (Some(e), Some(f)) => format!("expected {e}, got {f}"),
            (Some(e), None) => format!("expected {e}"),
            (None, _) => "this value has the wrong type".into(),
        };
        return field(text, "invalid_type");
    }
    if let Some(rest) = message.strip_prefix("invalid value: ") {
        let (_, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        if let Some(range) = integer_range(expected.trim()).filter(|r| !r.is_empty()) {
            return field(format!("expected a whole number {range}"), "out_of_range");
        }
        return match expected_words(expected) {
            Some(e) => field(format!("expected {e}"), "invalid_value"),
            None => field("this value is not valid".into(), "invalid_value"),
        };
    }
    if let Some(rest) = message.strip_prefix("invalid length ") {
        // serde accepts an array for a struct, so an object sent as `[]` ends up here.
        if rest.contains(", expected struct ") {
            return field("expected an object".into(), "invalid_type");
        }
        return field(
            "this value has the wrong number of items".into(),
            "invalid_length",
        );
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let allowed = rest.split_once(", expected ").map(|(_, e)| e);
        let text = match allowed {
            Some(a) if !looks_internal(a) => format!("expected {a}"),
            _ => "this value is not one of the allowed values".into(),
        };
        return field(text, "invalid_value");
    }
    // Messages of the standard parsers that query strings and path parameters go through.
    let (text, code) = match message {
        "invalid digit found in string" | "cannot parse integer from empty string" => {
            ("expected a whole number", "invalid_type")
        }
        "number too large to fit in target type" | "number too small to fit in target type" => {
            ("this number is out of range", "out_of_range")
        }
        "invalid float literal" => ("expected a number", "invalid_type"),
        "provided string was not `true` or `false`" => ("expected true or false", "invalid_type"),
        _ if plain_words(message) => return field(message.to_string(), "invalid_value"),
        _ => ("this value is not valid", "invalid_value"),
    };
    field(text.into(), code)
}

/// A parser message ("path: message at line L column C"), explained.
pub fn explain(message: &str) -> ProblemField {
    let (message, _) = position(message);
    let (path, message) = split_path(message);
    explain_message(path, message)
}

/// Detail of a 400 for a body that is not JSON.
fn syntax_detail(message: &str) -> String {
    match position(message).1 {
        Some((line, column)) => {
            format!("The request body is not valid JSON (line {line}, column {column}).")
        }
        None => "The request body is not valid JSON.".into(),
    }
}

/// Detail and field errors for the plain-text rejections of axum's extractors (`Query`, `Path`, body
/// limits, content types), which the error middleware turns into problem documents. Text it does not
/// recognise is kept only when it reads as plain words; anything that names code is dropped.
pub fn explain_framework_text(
    status: StatusCode,
    text: &str,
) -> (Option<String>, Vec<ProblemField>) {
    let text = text.trim();
    if text.is_empty() {
        return (None, Vec::new());
    }
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        return (Some(TOO_LARGE.into()), Vec::new());
    }
    if status == StatusCode::UNSUPPORTED_MEDIA_TYPE {
        let detail = if text.contains("x-www-form-urlencoded") {
            "Send the request body as a form, with `Content-Type: application/x-www-form-urlencoded`."
        } else {
            WRONG_CONTENT_TYPE
        };
        return (Some(detail.into()), Vec::new());
    }
    if let Some(rest) = text.strip_prefix("Failed to deserialize query string: ") {
        return (
            Some("A query parameter is not valid.".into()),
            vec![explain(rest)],
        );
    }
    if let Some(rest) = text.strip_prefix("Invalid URL: ") {
        return (Some("The URL is not valid.".into()), path_errors(rest));
    }
    if text.starts_with("Failed to parse the request body as JSON") {
        let inner = text.split_once(": ").map(|(_, r)| r).unwrap_or("");
        return (Some(syntax_detail(inner)), Vec::new());
    }
    if let Some(rest) =
        text.strip_prefix("Failed to deserialize the JSON body into the target type")
    {
        let inner = rest.trim_start_matches(": ");
        return (Some(INVALID_FIELDS.into()), vec![explain(inner)]);
    }
    if text.starts_with("Failed to buffer the request body") {
        return (
            Some("The request body could not be read.".into()),
            Vec::new(),
        );
    }
    if looks_internal(text) || text.contains('`') {
        return (None, Vec::new());
    }
    (Some(text.chars().take(300).collect()), Vec::new())
}

/// Field errors for axum's path-parameter messages ("Cannot parse `id` with value `x` to a `i64`").
fn path_errors(message: &str) -> Vec<ProblemField> {
    let Some(rest) = message.strip_prefix("Cannot parse `") else {
        return Vec::new();
    };
    let Some((key, rest)) = rest.split_once('`') else {
        return Vec::new();
    };
    if !rest.starts_with(" with value `") {
        // "Cannot parse `value` to a `T`": a single unnamed parameter.
        return vec![ProblemField {
            field: "path".into(),
            message: type_message(rest),
            code: "invalid_type".into(),
        }];
    }
    let after_value = rest
        .strip_prefix(" with value `")
        .and_then(|r| r.split_once('`'))
        .map(|(_, r)| r)
        .unwrap_or("");
    let message = match after_value.strip_prefix(": ") {
        Some(serde_message) => explain_message(None, serde_message).message,
        None => type_message(after_value),
    };
    vec![ProblemField {
        field: key.to_string(),
        message,
        code: "invalid_type".into(),
    }]
}

/// " to a `i64`" → "expected a whole number".
fn type_message(rest: &str) -> String {
    backticked(rest)
        .and_then(expected_words)
        .map(|e| format!("expected {e}"))
        .unwrap_or_else(|| "this value is not valid".into())
}

impl JsonProblem {
    /// Status, detail and field errors, in the caller's terms.
    fn explained(&self) -> (StatusCode, Option<String>, Vec<ProblemField>) {
        let status = self.0.status();
        match &self.0 {
            JsonRejection::JsonDataError(e) => (
                status,
                Some(INVALID_FIELDS.into()),
                vec![explain(&innermost(e))],
            ),
            JsonRejection::JsonSyntaxError(e) => {
                (status, Some(syntax_detail(&innermost(e))), Vec::new())
            }
            JsonRejection::MissingJsonContentType(_) => {
                (status, Some(WRONG_CONTENT_TYPE.into()), Vec::new())
            }
            _ if status == StatusCode::PAYLOAD_TOO_LARGE => {
                (status, Some(TOO_LARGE.into()), Vec::new())
            }
            _ => (
                status,
                Some("The request body could not be read.".into()),
                Vec::new(),
            ),
        }
    }
}

impl IntoResponse for JsonProblem {
    fn into_response(self) -> Response {
        let (status, detail, errors) = self.explained();
        let mut p = Problem::new(status, detail);
        p.errors = errors;
        let body = serde_json::to_vec(&p).unwrap_or_default();
        (
            status,
            [(axum::http::header::CONTENT_TYPE, PROBLEM_JSON)],
            body,
        )
            .into_response()
    }
}

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = JsonProblem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::Json::<T>::from_request(req, state)
            .await
            .map(|j| ApiJson(j.0))
            .map_err(JsonProblem)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fm(message: &str) -> (String, String, String) {
        let f = explain(message);
        (f.field, f.message, f.code)
    }

    #[test]
    fn names_the_field_and_says_what_was_expected() {
        assert_eq!(
            fm("missing field `email` at line 1 column 2"),
            (
                "email".into(),
                "this field is required".into(),
                "required".into()
            )
        );
        assert_eq!(
            fm("user: missing field `email` at line 1 column 12"),
            (
                "user.email".into(),
                "this field is required".into(),
                "required".into()
            )
        );
        assert_eq!(
            fm("email: invalid type: integer `5`, expected a string at line 1 column 11"),
            (
                "email".into(),
                "expected a string, got a number".into(),
                "invalid_type".into()
            )
        );
        assert_eq!(
            fm("fields.amount[2]: invalid type: string \"x\", expected u32"),
            (
                "fields.amount[2]".into(),
                "expected a whole number, got a string".into(),
                "invalid_type".into()
            )
        );
        assert_eq!(
            fm("limit: invalid value: integer `-1`, expected u32"),
            (
                "limit".into(),
                "expected a whole number from 0 to 4294967295".into(),
                "out_of_range".into()
            )
        );
        assert_eq!(
            fm("limit: invalid digit found in string"),
            (
                "limit".into(),
                "expected a whole number".into(),
                "invalid_type".into()
            )
        );
        assert_eq!(
            fm("limit: number too large to fit in target type").1,
            "this number is out of range"
        );
    }

    #[test]
    fn never_repeats_rust_type_names() {
        for m in [
            "invalid type: sequence, expected struct LoginRequest at line 1 column 0",
            "invalid type: string \"x\", expected struct LoginRequest",
            "role: unknown variant `x`, expected enum Role",
            "id: invalid type: map, expected tuple struct UserId",
            "weird: some::module::Error happened",
            "number too large to fit in target type",
        ] {
            let f = explain(m);
            let all = format!("{} {}", f.field, f.message);
            for leak in [
                "LoginRequest",
                "struct",
                "Role",
                "UserId",
                "::",
                "target type",
            ] {
                assert!(!all.contains(leak), "{m} → {all}");
            }
        }
        assert_eq!(
            fm("invalid type: sequence, expected struct LoginRequest"),
            (
                "body".into(),
                "expected an object, got an array".into(),
                "invalid_type".into()
            )
        );
    }

    #[test]
    fn syntax_errors_give_the_position() {
        assert_eq!(
            syntax_detail("expected value at line 1 column 1"),
            "The request body is not valid JSON (line 1, column 1)."
        );
        assert_eq!(
            syntax_detail("EOF while parsing an object"),
            "The request body is not valid JSON."
        );
    }

    #[test]
    fn framework_texts_are_explained() {
        let (detail, errors) = explain_framework_text(
            StatusCode::BAD_REQUEST,
            "Failed to deserialize query string: limit: invalid digit found in string",
        );
        assert_eq!(detail.as_deref(), Some("A query parameter is not valid."));
        assert_eq!(errors[0].field, "limit");
        let (_, errors) = explain_framework_text(
            StatusCode::BAD_REQUEST,
            "Invalid URL: Cannot parse `id` with value `abc` to a `i64`",
        );
        assert_eq!(
            (errors[0].field.as_str(), errors[0].message.as_str()),
            ("id", "expected a whole number")
        );
        let (detail, _) = explain_framework_text(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Failed to buffer the request body: length limit exceeded",
        );
        assert_eq!(detail.as_deref(), Some(TOO_LARGE));
        let (detail, _) =
            explain_framework_text(StatusCode::FORBIDDEN, "cross-site request refused");
        assert_eq!(detail.as_deref(), Some("cross-site request refused"));
        let (detail, _) = explain_framework_text(
            StatusCode::BAD_REQUEST,
            "Wrong number of path arguments for `Path`. Expected 1 but got 2",
        );
        assert_eq!(detail, None);
    }
}
