//! Operational endpoints: liveness and readiness.

use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use crate::WebState;

/// The operational endpoints, documented with the API.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<WebState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`, or what is not ready yet.
    pub status: String,
    /// Each check and its state.
    pub checks: Vec<Check>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Liveness: 200 while the process runs.
#[utoipa::path(get, path = "/healthz", tag = "operations", operation_id = "healthz",
    responses((status = 200, description = "The process is alive", body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        checks: Vec::new(),
    })
}

/// Readiness: 200 when start-up has finished, the database answers and this node's search index has
/// caught up with the database, else 503.
#[utoipa::path(get, path = "/readyz", tag = "operations", operation_id = "readyz",
    responses(
        (status = 200, description = "Ready to serve", body = Health),
        (status = 503, description = "Not ready; `checks` says why", body = Health),
    ))]
pub async fn readyz(State(state): State<WebState>) -> (StatusCode, Json<Health>) {
    let started = state.ready.load(Ordering::Acquire);
    // Details stay in the log: this endpoint is public.
    let db = match tokio::time::timeout(Duration::from_secs(2), portico_app::ops::ping(&state.app))
        .await
    {
        Ok(Ok(())) => Check {
            name: "database".into(),
            ok: true,
            detail: None,
        },
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: database check failed");
            Check {
                name: "database".into(),
                ok: false,
                detail: Some("the database did not answer".into()),
            }
        }
        Err(_) => Check {
            name: "database".into(),
            ok: false,
            detail: Some("no answer within 2 s".into()),
        },
    };
    let mut checks = vec![
        Check {
            name: "startup".into(),
            ok: started,
            detail: None,
        },
        db,
    ];
    if let Some(search) = state.app.search_state() {
        checks.push(Check {
            name: "search_index".into(),
            ok: search.caught_up(),
            detail: (!search.caught_up()).then(|| "the search index is catching up".into()),
        });
    }
    let ok = checks.iter().all(|c| c.ok);
    // Informational: a node without the language model still serves, ranking by words.
    let ranking = portico_app::search::semantic::status(&state.app);
    checks.push(Check {
        name: "search_ranking".into(),
        ok: true,
        detail: Some(if ranking.by_meaning() {
            format!(
                "by words and meaning ({} things with vectors)",
                ranking.things_with_vectors
            )
        } else if ranking.model {
            "by words; meaning as soon as articles are embedded".into()
        } else if let Some(why) = &ranking.problem {
            format!("by words only: the language model could not be loaded ({why})")
        } else {
            "by words only: the language model is not installed (portico model fetch)".into()
        }),
    });
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(Health {
            status: if ok {
                "ok".into()
            } else {
                "unavailable".into()
            },
            checks,
        }),
    )
}
