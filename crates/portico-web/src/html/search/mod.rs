//! `/search`: what the visitor typed in the home page's search box, matched against everything the
//! portal offers that they may see, in their language, optionally within one help-centre topic; with no
//! match, the page says so and offers the most read articles and the home page's tasks instead (and, for
//! agents, writing the missing article).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use portico_app::portal::{TaskView, normalize_query, portal_info};
use portico_app::search::Hit;
use serde::Deserialize;

use super::{PageContext, render};
use crate::WebState;
use crate::error::HtmlError;

/// This feature's pages.
pub fn routes() -> axum::Router<WebState> {
    axum::Router::new().route("/search", axum::routing::get(search_show))
}

#[derive(Template)]
#[template(path = "search/search.html")]
pub struct SearchPage {
    pub page: PageContext,
    pub q: String,
    pub results: Vec<ResultView>,
    pub total: usize,
    pub suggestions: Vec<TaskView>,
    /// The topic searched in (its slug; empty: everything).
    pub category: String,
    /// The topics to search in: (slug, name).
    pub categories: Vec<(String, String)>,
    /// The most read articles, when nothing matched: (slug, title).
    pub popular: Vec<(String, String)>,
    /// The visitor writes articles (offer to write the one that is missing).
    pub can_write: bool,
}

/// One result as the page shows it.
#[derive(Debug)]
pub struct ResultView {
    /// Message key naming the kind (`search-kind-task`, ...).
    pub kind_key: String,
    pub title: Vec<Segment>,
    pub url: String,
    pub snippet: Vec<Segment>,
}

/// A run of snippet text, marked when it matched.
#[derive(Debug)]
pub struct Segment {
    pub text: String,
    pub hit: bool,
}

/// Cuts a snippet at its highlight ranges (ranges that are out of order, overlap or split a character are
/// skipped rather than trusted).
fn segments(text: &str, highlights: &[(usize, usize)]) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut at = 0;
    for &(a, b) in highlights {
        if a < at
            || b <= a
            || b > text.len()
            || !text.is_char_boundary(a)
            || !text.is_char_boundary(b)
        {
            continue;
        }
        if a > at {
            out.push(Segment {
                text: text[at..a].to_string(),
                hit: false,
            });
        }
        out.push(Segment {
            text: text[a..b].to_string(),
            hit: true,
        });
        at = b;
    }
    if at < text.len() {
        out.push(Segment {
            text: text[at..].to_string(),
            hit: false,
        });
    }
    out
}

impl From<Hit> for ResultView {
    fn from(h: Hit) -> Self {
        Self {
            kind_key: format!("search-kind-{}", h.entity.replace('_', "-")),
            snippet: segments(&h.snippet, &h.highlights),
            title: segments(&h.title, &h.title_highlights),
            url: h.url,
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    /// A help-centre topic's slug.
    #[serde(default)]
    category: String,
}

pub async fn search_show(
    State(state): State<WebState>,
    page: PageContext,
    crate::client::Visitor(visitor): crate::client::Visitor,
    Query(query): Query<SearchQuery>,
) -> Result<Response, HtmlError> {
    let q = normalize_query(&query.q);
    let viewer = &page.viewer;
    let topics = portico_app::kb::categories(&state.app, viewer, page.lang).await?;
    // An unknown topic (an old link) searches everything rather than failing.
    let category = topics
        .iter()
        .find(|c| c.slug == query.category.trim())
        .map(|c| c.slug.clone())
        .unwrap_or_default();
    let ranking = portico_app::search::semantic::Ranking::Best;
    let found = if category.is_empty() {
        portico_app::search::search(&state.app, viewer, page.lang, &q, 20, ranking).await?
    } else {
        portico_app::kb::search_category(
            &state.app,
            viewer,
            page.lang,
            &q,
            20,
            Some(&category),
            ranking,
        )
        .await?
    };
    let total = found.total;
    if !q.is_empty() {
        let kind = if total == 0 { "search_zero" } else { "search" };
        portico_app::kb::record_event(
            &state.app,
            viewer,
            &visitor,
            kind,
            None,
            Some(&q),
            Some(total),
        )
        .await;
    }
    let results: Vec<ResultView> = found
        .hits
        .into_iter()
        .map(|mut h| {
            // A click on a help article is counted against the search that found it.
            if h.entity == portico_app::kb::ARTICLE {
                h.url = format!("{}?q={}", h.url, crate::html::forms::url_encode(&q));
            }
            ResultView::from(h)
        })
        .collect();
    let nothing = results.is_empty() && !q.is_empty();
    let suggestions = if nothing {
        portal_info(&state.app, page.lang).await?.tasks
    } else {
        Vec::new()
    };
    let popular = if nothing {
        portico_app::kb::popular(&state.app, viewer, page.lang, 5)
            .await?
            .into_iter()
            .map(|a| (a.slug, a.title))
            .collect()
    } else {
        Vec::new()
    };
    let categories = topics
        .into_iter()
        .filter(|c| c.articles > 0)
        .map(|c| (c.slug, c.name))
        .collect();
    let can_write = viewer.can(portico_core::Permission::WorkQueue);
    Ok(render(
        StatusCode::OK,
        &SearchPage {
            page,
            q,
            results,
            total,
            suggestions,
            category,
            categories,
            popular,
            can_write,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::segments;

    fn show(text: &str, h: &[(usize, usize)]) -> String {
        segments(text, h)
            .into_iter()
            .map(|s| {
                if s.hit {
                    format!("[{}]", s.text)
                } else {
                    s.text
                }
            })
            .collect()
    }

    #[test]
    fn highlights_cut_the_snippet_and_bad_ranges_are_ignored() {
        assert_eq!(show("get a refund now", &[(6, 12)]), "get a [refund] now");
        assert_eq!(show("申请退款", &[(6, 12)]), "申请[退款]");
        // Inside a character, reversed, past the end, overlapping: ignored.
        assert_eq!(show("申请退款", &[(1, 4), (6, 3), (6, 99)]), "申请退款");
        assert_eq!(show("abcdef", &[(0, 3), (2, 4)]), "[abc]def");
        assert_eq!(show("", &[]), "");
    }
}
