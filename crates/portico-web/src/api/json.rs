//! A JSON body extractor whose rejections are problem documents: malformed JSON is 400, a missing or
//! mistyped field is 422 naming the field, a wrong content type 415, an oversized body 413.

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

/// The input field a JSON data error is about. axum reports the path first ("…target type: email:
/// invalid type: …"); a missing field is named in backticks ("missing field `email`").
fn field_in(message: &str) -> Option<String> {
    let detail = message
        .split_once("target type: ")
        .map(|(_, d)| d)
        .unwrap_or(message);
    if let Some(rest) = detail.strip_prefix("missing field `") {
        return rest.split('`').next().map(str::to_string);
    }
    let (path, _) = detail.split_once(": ")?;
    let plausible = !path.is_empty()
        && path.len() <= 200
        && path
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '[' | ']' | '-'));
    plausible.then(|| path.to_string())
}

impl IntoResponse for JsonProblem {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let text = self.0.body_text();
        let mut p = Problem::new(status, Some(text.chars().take(300).collect()));
        if status == StatusCode::UNPROCESSABLE_ENTITY {
            let field = field_in(&text).unwrap_or_else(|| "body".into());
            p.errors.push(ProblemField {
                field,
                message: text.clone(),
                code: "invalid".into(),
            });
        }
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
    #[test]
    fn finds_the_field_in_serde_messages() {
        use super::field_in;
        let t = "Failed to deserialize the JSON body into the target type: ";
        assert_eq!(
            field_in(&format!("{t}missing field `email` at line 1 column 2")).as_deref(),
            Some("email")
        );
        assert_eq!(
            field_in(&format!(
                "{t}email: invalid type: integer `5`, expected a string at line 1 column 11"
            ))
            .as_deref(),
            Some("email")
        );
        assert_eq!(
            field_in(&format!("{t}fields.amount[2]: invalid value")).as_deref(),
            Some("fields.amount[2]")
        );
        assert_eq!(
            field_in(&format!("{t}invalid type: map, expected a string")),
            None
        );
        assert_eq!(field_in("no detail"), None);
    }
}
