//! `GET /api/v1/search`: everything the caller may see, matched in every language, answered in theirs.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::WebState;
use crate::error::{ApiError, Problem};
use crate::i18n::Lang;

/// This feature's API routes.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<WebState> {
    utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(search))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct SearchParams {
    /// What to look for, in any language the content is written in; trimmed and cut to 200 characters.
    /// Things matching more of the words, and matching them as a phrase, come first.
    #[serde(default)]
    pub q: String,
    /// At most this many items (1 to 100, default 20).
    #[param(minimum = 1, maximum = 100, default = 20, nullable = false)]
    pub limit: Option<u32>,
    /// `best` (default): by words and, where the portal has its language model, by meaning too, so a
    /// question in other words still finds its answer. `words`: by words only, the fastest, for
    /// results while typing.
    #[param(nullable = false)]
    pub ranking: Option<String>,
}

/// The `ranking` parameter, or a 422 naming it.
pub fn ranking_param(
    value: Option<&str>,
) -> Result<portico_app::search::semantic::Ranking, ApiError> {
    portico_app::search::semantic::Ranking::parse(value).ok_or_else(|| {
        portico_core::ValidationErrors::single(
            "ranking",
            "invalid_choice",
            "ranking must be best or words",
        )
        .into()
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchItem {
    /// What was found: `task` (a home-page task; articles and more join as they land).
    pub kind: String,
    /// Its id within the kind.
    pub id: String,
    /// The language of `title` and `description`: the caller's when the thing exists in it.
    pub locale: String,
    pub title: String,
    /// Character ranges `[start, end)` of `title` that matched.
    pub title_highlights: Vec<[usize; 2]>,
    /// Plain-text excerpt around the matched words (the start of the text when only the title matched).
    pub description: String,
    /// Character ranges `[start, end)` of `description` that matched, for highlighting (counted in
    /// Unicode characters, not bytes).
    pub highlights: Vec<[usize; 2]>,
    pub href: String,
    /// Relevance; only the order matters.
    pub score: f32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResponse {
    pub items: Vec<SearchItem>,
    /// Things matching, counted once each (exact while the query matches up to 200 documents, an
    /// estimate beyond).
    pub total: usize,
}

/// Search what the portal offers.
///
/// Matches the words in every language the content is written in and answers in the caller's language.
#[utoipa::path(get, path = "/api/v1/search", tag = "portal", operation_id = "search",
    params(SearchParams),
    // Anyone may search; signed-in callers also find what is written for customers or staff.
    security((), ("bearerAuth" = []), ("sessionCookie" = [])),
    responses(
        (status = 200, description = "Matches, best first", body = SearchResponse),
        (status = 400, description = "A parameter is malformed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`limit` is out of range, or `ranking` unknown", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn search(
    State(state): State<WebState>,
    Lang(locale): Lang,
    viewer: crate::viewer::CurrentViewer,
    axum::extract::Query(p): axum::extract::Query<SearchParams>,
) -> Result<Json<SearchResponse>, ApiError> {
    let limit = p.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(portico_core::ValidationErrors::single(
            "limit",
            "out_of_range",
            "limit must be between 1 and 100",
        )
        .into());
    }
    let ranking = ranking_param(p.ranking.as_deref())?;
    let found =
        portico_app::search::search(&state.app, &viewer, locale, &p.q, limit as usize, ranking)
            .await?;
    Ok(Json(SearchResponse {
        items: found
            .hits
            .into_iter()
            .map(|h| SearchItem {
                title_highlights: char_ranges(&h.title, &h.title_highlights),
                highlights: char_ranges(&h.snippet, &h.highlights),
                kind: h.entity,
                id: h.entity_id,
                locale: h.locale,
                title: h.title,
                description: h.snippet,
                href: h.url,
                score: h.score,
            })
            .collect(),
        total: found.total,
    }))
}

/// Byte ranges to character ranges (ranges that do not fall on character boundaries are dropped).
fn char_ranges(text: &str, ranges: &[(usize, usize)]) -> Vec<[usize; 2]> {
    ranges
        .iter()
        .filter(|(a, b)| a < b && text.get(*a..*b).is_some())
        .map(|&(a, b)| {
            let start = text[..a].chars().count();
            [start, start + text[a..b].chars().count()]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn highlight_ranges_count_characters() {
        assert_eq!(
            super::char_ranges("申请退款 refund", &[(6, 12), (13, 19), (1, 2)]),
            [[2, 4], [5, 11]]
        );
    }
}
