//! Static files compiled into the binary. URLs carry a content hash, so responses are immutable and
//! cached for a year; the unhashed name is accepted too, with a short cache lifetime.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

#[derive(Debug)]
pub struct Asset {
    pub name: &'static str,
    pub hashed: &'static str,
    pub content_type: &'static str,
    pub bytes: &'static [u8],
}

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// The URL of an asset by its plain name (`app.css` → `/static/app.1a2b3c4d5e.css`).
pub fn asset_url(name: &str) -> String {
    match ASSETS.iter().find(|a| a.name == name) {
        Some(a) => format!("/static/{}", a.hashed),
        None => format!("/static/{name}"),
    }
}

/// `GET /static/{file}`.
pub async fn static_file(Path(file): Path<String>) -> Response {
    if let Some(a) = ASSETS.iter().find(|a| a.hashed == file) {
        return serve(a, "public, max-age=31536000, immutable");
    }
    if let Some(a) = ASSETS.iter().find(|a| a.name == file) {
        return serve(a, "public, max-age=300");
    }
    StatusCode::NOT_FOUND.into_response()
}

fn serve(a: &'static Asset, cache: &'static str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(a.content_type),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        a.bytes,
    )
        .into_response()
}
