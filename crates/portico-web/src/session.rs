//! The signed-in user of a browser session, shared by pages and the API.
//!
//! Sessions expire after a period without visits. tower-sessions only saves (and so only extends) a
//! session that changed, so a visit records the day it was seen; that changes the session at most once
//! a day, keeping an active visitor signed in without a write on every request.

use portico_app::{App, AppError};
use portico_storage::sessions::USER_ID_KEY;
use portico_storage::users::User;
use tower_sessions::Session;

const SEEN_DAY_KEY: &str = "seen_day";

fn session_err(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("session: {e}"))
}

/// The active user signed in on this session, if any; extends the session's life once a day.
pub async fn signed_in_user(session: &Session, app: &App) -> Result<Option<User>, AppError> {
    let Some(id) = session.get::<i64>(USER_ID_KEY).await.map_err(session_err)? else {
        return Ok(None);
    };
    let user = portico_app::identity::find_active_user(app, id).await?;
    if user.is_some() {
        let today = app.now().millis() / 86_400_000;
        if session
            .get::<i64>(SEEN_DAY_KEY)
            .await
            .map_err(session_err)?
            != Some(today)
        {
            session
                .insert(SEEN_DAY_KEY, today)
                .await
                .map_err(session_err)?;
        }
    }
    Ok(user)
}
