//! Static files compiled into the binary. URLs carry a content hash, so responses are immutable and
//! cached for a year; the unhashed name is accepted too, with a short cache lifetime. Files that need
//! a fixed URL at the site root (`static/root/`: `/favicon.ico`, later a service worker) are served
//! there, unhashed.

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

#[derive(Debug)]
pub struct Asset {
    /// Path under `static/` (`app.css`, `icons/x.svg`), or under `static/root/` for a root file.
    pub name: &'static str,
    /// The file name in the URL: `app.1a2b3c4d5e.css`; the plain name for a root file.
    pub hashed: &'static str,
    pub content_type: &'static str,
    pub bytes: &'static [u8],
}

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// Short cache lifetime of URLs whose content may change.
const SHORT_CACHE: &str = "public, max-age=300";

/// The routes of the static files: `/static/{*file}` and one route per root file.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    let mut router = Router::new().route("/static/{*file}", get(static_file));
    for a in ROOT_FILES {
        router = router.route(
            &format!("/{}", a.name),
            get(move || async move { serve(a, SHORT_CACHE) }),
        );
    }
    router
}

/// The URL of an asset by its plain name (`app.css` → `/static/app.1a2b3c4d5e.css`).
pub fn asset_url(name: &str) -> String {
    match ASSETS.iter().find(|a| a.name == name) {
        Some(a) => format!("/static/{}", a.hashed),
        None => format!("/static/{name}"),
    }
}

/// `GET /static/{*file}`.
pub async fn static_file(Path(file): Path<String>) -> Response {
    if let Some(a) = ASSETS.iter().find(|a| a.hashed == file) {
        return serve(a, "public, max-age=31536000, immutable");
    }
    if let Some(a) = ASSETS.iter().find(|a| a.name == file) {
        return serve(a, SHORT_CACHE);
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
