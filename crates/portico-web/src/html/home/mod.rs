//! The home page: search first, then the top tasks, then (signed in) the visitor's open requests.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use portico_app::portal::{TaskView, portal_info};

use super::{PageContext, render};
use crate::WebState;
use crate::error::HtmlError;

#[derive(Template)]
#[template(path = "home/home.html")]
pub struct HomePage {
    pub page: PageContext,
    pub tasks: Vec<TaskView>,
}

/// This feature's pages.
pub fn routes() -> axum::Router<WebState> {
    axum::Router::new().route("/", axum::routing::get(home_show))
}

pub async fn home_show(
    State(state): State<WebState>,
    page: PageContext,
) -> Result<Response, HtmlError> {
    let info = portal_info(&state.app, page.lang).await?;
    Ok(render(
        StatusCode::OK,
        &HomePage {
            page,
            tasks: info.tasks,
        },
    ))
}
