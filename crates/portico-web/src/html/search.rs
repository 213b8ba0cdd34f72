//! `/search`: what the visitor typed in the home page's search box, matched against what the portal
//! offers today (its top tasks); with no match, the page says so and offers the tasks instead.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use portico_app::portal::{TaskView, normalize_query, portal_info, search_tasks};
use serde::Deserialize;

use super::{PageContext, render};
use crate::WebState;
use crate::error::HtmlError;

#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage {
    pub page: PageContext,
    pub q: String,
    pub results: Vec<TaskView>,
    pub suggestions: Vec<TaskView>,
}

#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

pub async fn search_show(
    State(state): State<WebState>,
    page: PageContext,
    Query(query): Query<SearchQuery>,
) -> Result<Response, HtmlError> {
    let q = normalize_query(&query.q);
    let results = search_tasks(&state.app, page.lang, &q).await?;
    let suggestions = if results.is_empty() && !q.is_empty() {
        portal_info(&state.app, page.lang).await?.tasks
    } else {
        Vec::new()
    };
    Ok(render(
        StatusCode::OK,
        &SearchPage {
            page,
            q,
            results,
            suggestions,
        },
    ))
}
