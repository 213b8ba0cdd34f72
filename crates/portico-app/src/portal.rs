//! The portal's identity as visitors see it: the organisation's name and the home page's task cards,
//! both administrator settings stored in the database and read in the visitor's language.

use portico_core::{Locale, Localized};
use portico_storage::settings;
use serde::{Deserialize, Serialize};

use crate::{App, AppError};

pub const BRANDING_KEY: &str = "branding";
pub const HOME_TASKS_KEY: &str = "home_tasks";

/// Branding settings (more fields arrive with the branding feature).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Branding {
    pub name: Localized,
}

/// One "top task" card on the home page.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct HomeTask {
    pub href: String,
    pub icon: String,
    pub title: Localized,
    pub description: Localized,
}

/// What a page needs to know about the portal, in one locale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortalInfo {
    pub name: String,
    pub locale: Locale,
    pub tasks: Vec<TaskView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskView {
    pub href: String,
    pub icon: String,
    pub title: String,
    pub description: String,
}

/// The name used when no administrator has set one.
pub fn default_name(locale: Locale) -> &'static str {
    match locale {
        Locale::En => "Help Centre",
        Locale::ZhCn => "帮助中心",
    }
}

fn name_from(branding: Option<Branding>, locale: Locale) -> String {
    branding
        .map(|b| b.name.get(locale).to_string())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| default_name(locale).to_string())
}

/// The organisation's name in `locale`.
pub async fn portal_name(app: &App, locale: Locale) -> Result<String, AppError> {
    let branding: Option<Branding> = settings::get_setting(app.db().conn(), BRANDING_KEY)
        .await?
        .and_then(|v| serde_json::from_value(v).ok());
    Ok(name_from(branding, locale))
}

pub async fn portal_info(app: &App, locale: Locale) -> Result<PortalInfo, AppError> {
    let conn = app.db().conn();
    let branding: Option<Branding> = settings::get_setting(conn, BRANDING_KEY)
        .await?
        .and_then(|v| serde_json::from_value(v).ok());
    let tasks: Vec<HomeTask> = settings::get_setting(conn, HOME_TASKS_KEY)
        .await?
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    let name = name_from(branding, locale);
    Ok(PortalInfo {
        name,
        locale,
        tasks: tasks
            .into_iter()
            .map(|t| TaskView {
                title: t.title.get(locale).to_string(),
                description: t.description.get(locale).to_string(),
                href: t.href,
                icon: t.icon,
            })
            .collect(),
    })
}
