//! Administration API. So far: the state of the job queue, for operators.

use axum::Json;
use axum::extract::State;
use portico_core::Permission;
use serde::Serialize;
use utoipa::ToSchema;

use crate::WebState;
use crate::error::{ApiError, Problem};
use crate::viewer::CurrentViewer;

/// This feature's API routes.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<WebState> {
    utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(jobs_show))
}

/// Jobs by state.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobQueue {
    pub queued: i64,
    pub running: i64,
    pub done: i64,
    pub failed: i64,
}

/// The job queue: how many jobs wait, run, finished and failed (for operators; needs the operations
/// permission, which administrators have).
#[utoipa::path(get, path = "/api/v1/admin/jobs", tag = "admin", operation_id = "admin_jobs_show",
    responses(
        (status = 200, description = "Jobs by state", body = JobQueue),
        (status = 401, description = "Not signed in, or the bearer token is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Signed in without the operations permission", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn jobs_show(
    State(state): State<WebState>,
    viewer: CurrentViewer,
) -> Result<Json<JobQueue>, ApiError> {
    viewer.require(Permission::ViewOperations)?;
    let c = portico_app::ops::job_counts(&state.app).await?;
    Ok(Json(JobQueue {
        queued: c.queued,
        running: c.running,
        done: c.done,
        failed: c.failed,
    }))
}
