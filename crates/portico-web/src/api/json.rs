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

/// The field named in a serde error message ("missing field `email`", "unknown field `x`").
fn field_in(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(message[start..start + len].to_string())
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
        assert_eq!(super::field_in("Failed to deserialize the JSON body into the target type: missing field `email` at line 1 column 2").as_deref(), Some("email"));
        assert_eq!(super::field_in("no backticks"), None);
    }
}
