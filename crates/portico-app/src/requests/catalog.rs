//! The catalogue: request types, who may submit each, and their forms (every change of a form is a new
//! version; requests keep theirs).

use portico_core::form::{FormSchema, Label};
use portico_core::{FieldError, Localized, Permission, ValidationErrors};
use portico_storage::requests::{self as store, RequestType, TypeWrite};

use crate::viewer::Viewer;
use crate::{App, AppError};

/// Who may submit a type.
pub const AUDIENCES: [&str; 3] = ["everyone", "customers", "organizations"];

/// A request type as the edges see it.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeView {
    pub id: i64,
    pub key: String,
    pub name: Localized,
    pub description: Localized,
    /// The catalogue group it is shown in.
    pub category: Localized,
    pub icon: String,
    /// `everyone`, `customers` or `organizations`.
    pub audience: String,
    /// For `organizations`: whose members may submit it.
    pub organizations: Vec<i64>,
    pub active: bool,
    pub position: i32,
    /// The current form version.
    pub version: i32,
    pub form: FormSchema,
}

fn localized(json: &str) -> Localized {
    serde_json::from_str(json).unwrap_or_default()
}

async fn to_view(app: &App, t: RequestType) -> Result<TypeView, AppError> {
    let form = form_version(app, t.id, t.version).await?;
    Ok(TypeView {
        id: t.id,
        name: localized(&t.name),
        description: localized(&t.description),
        category: localized(&t.category),
        organizations: serde_json::from_str(&t.organizations).unwrap_or_default(),
        key: t.key,
        icon: t.icon,
        audience: t.audience,
        active: t.active,
        position: t.position,
        version: t.version,
        form,
    })
}

/// This node's copy of the catalogue. Types change rarely and are read by every submission and list
/// page: they are read from the database once per content generation (a change here, or another
/// node's change as the outbox brings it, starts a new one) and at least once a minute. Form versions
/// never change once written, so they are kept as they are read.
#[derive(Debug, Default)]
pub(crate) struct TypeCache {
    types: std::sync::RwLock<Option<CachedTypes>>,
    forms: std::sync::RwLock<std::collections::HashMap<(i64, i32), FormSchema>>,
}

#[derive(Debug)]
struct CachedTypes {
    generation: u64,
    read_at: std::time::Instant,
    types: std::sync::Arc<Vec<TypeView>>,
}

/// Longest the catalogue is served from memory without a change being seen.
const TYPE_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(60);
/// Form versions kept at most; past it the cache starts over.
const FORM_CACHE_ENTRIES: usize = 1_024;

/// Every request type (inactive ones too), in catalogue order.
async fn all(app: &App) -> Result<std::sync::Arc<Vec<TypeView>>, AppError> {
    let cache = app.type_cache();
    // Read before the database, so a change committed meanwhile makes this copy stale at once.
    let generation = app.content_generation();
    if let Some(c) = cache
        .types
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .as_ref()
        .filter(|c| c.generation == generation && c.read_at.elapsed() < TYPE_CACHE_TTL)
    {
        return Ok(c.types.clone());
    }
    let mut types = Vec::new();
    for t in store::list_types(app.db().conn()).await? {
        types.push(to_view(app, t).await?);
    }
    let types = std::sync::Arc::new(types);
    *cache
        .types
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(CachedTypes {
        generation,
        read_at: std::time::Instant::now(),
        types: types.clone(),
    });
    Ok(types)
}

/// One form version of a type.
pub async fn form_version(app: &App, type_id: i64, version: i32) -> Result<FormSchema, AppError> {
    let cache = &app.type_cache().forms;
    if let Some(f) = cache
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(&(type_id, version))
    {
        return Ok(f.clone());
    }
    let json = store::form_of(app.db().conn(), type_id, version)
        .await?
        .ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!(
                "request type {type_id} has no form version {version}"
            ))
        })?;
    let form: FormSchema = serde_json::from_str(&json).map_err(|e| {
        AppError::Internal(anyhow::anyhow!(
            "form {version} of request type {type_id} does not read: {e}"
        ))
    })?;
    let mut forms = cache
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if forms.len() >= FORM_CACHE_ENTRIES {
        forms.clear();
    }
    forms.insert((type_id, version), form.clone());
    Ok(form)
}

/// The key of the type with this id.
pub async fn type_key(app: &App, id: i64) -> Result<String, AppError> {
    Ok(type_by_id(app, id).await?.key)
}

pub(crate) async fn type_by_id(app: &App, id: i64) -> Result<TypeView, AppError> {
    all(app)
        .await?
        .iter()
        .find(|t| t.id == id)
        .cloned()
        .ok_or(AppError::NotFound)
}

/// Whether the viewer may see (and so submit) a type.
fn offered_to(viewer: &Viewer, t: &TypeView) -> bool {
    if viewer.can(Permission::WorkQueue) {
        return true;
    }
    if !t.active {
        return false;
    }
    match t.audience.as_str() {
        "everyone" => true,
        "customers" => viewer.can(Permission::UsePortal),
        "organizations" => {
            viewer.can(Permission::UsePortal)
                && viewer
                    .memberships()
                    .iter()
                    .any(|m| t.organizations.contains(&m.organization_id))
        }
        _ => false,
    }
}

/// The request types the viewer may submit, in catalogue order (agents see every active one).
pub async fn catalog(app: &App, viewer: &Viewer) -> Result<Vec<TypeView>, AppError> {
    Ok(all(app)
        .await?
        .iter()
        .filter(|t| t.active && offered_to(viewer, t))
        .cloned()
        .collect())
}

/// The request types the viewer may submit whose name, description or group (in any language) holds
/// every word of `q` (all of them when `q` is empty), in catalogue order.
pub async fn find(app: &App, viewer: &Viewer, q: &str) -> Result<Vec<TypeView>, AppError> {
    let words: Vec<String> = q
        .to_lowercase()
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let mut types = catalog(app, viewer).await?;
    types.retain(|t| {
        let text = [&t.name, &t.description, &t.category]
            .iter()
            .flat_map(|l| l.0.values())
            .map(|s| s.to_lowercase())
            .collect::<Vec<_>>()
            .join(" ");
        words.iter().all(|w| text.contains(w.as_str()))
    });
    Ok(types)
}

/// Every request type, inactive ones too (administrators).
pub async fn all_types(app: &App, viewer: &Viewer) -> Result<Vec<TypeView>, AppError> {
    viewer.require(Permission::Administer)?;
    Ok(all(app).await?.as_ref().clone())
}

/// One type by key, if the viewer may see it (404 otherwise).
pub async fn request_type(app: &App, viewer: &Viewer, key: &str) -> Result<TypeView, AppError> {
    let key = key.trim();
    let types = all(app).await?;
    let v = types
        .iter()
        .find(|t| t.key == key)
        .ok_or(AppError::NotFound)?;
    if offered_to(viewer, v) && (v.active || viewer.can(Permission::Administer)) {
        Ok(v.clone())
    } else {
        Err(AppError::NotFound)
    }
}

/// The id of the type with this key, whoever may see it.
pub(crate) async fn type_id(app: &App, key: &str) -> Result<Option<i64>, AppError> {
    let key = key.trim();
    Ok(all(app).await?.iter().find(|t| t.key == key).map(|t| t.id))
}

/// The type a submission names, if the viewer may submit it: otherwise a 422 on `type` (an unknown
/// key and one the viewer may not use read the same).
pub(crate) async fn submittable(
    app: &App,
    viewer: &Viewer,
    key: &str,
) -> Result<TypeView, AppError> {
    match request_type(app, viewer, key).await {
        Ok(t) if t.active => Ok(t),
        Ok(_) | Err(AppError::NotFound) => Err(ValidationErrors::single(
            "type",
            "not_found",
            "no request type with this key is open to you",
        )
        .into()),
        Err(e) => Err(e),
    }
}

/// What an administrator sends to define or change a request type; left-out fields keep their value
/// on a change.
#[derive(Debug, Clone, Default)]
pub struct TypeInput {
    /// For a new type: `a-z`, `0-9`, `_` and `-`.
    pub key: Option<String>,
    pub name: Option<Label>,
    pub description: Option<Label>,
    pub category: Option<Label>,
    pub icon: Option<String>,
    pub audience: Option<String>,
    /// For audience `organizations`: their ids.
    pub organizations: Option<Vec<i64>>,
    pub active: Option<bool>,
    pub position: Option<i32>,
    /// A new form version.
    pub form: Option<FormSchema>,
}

fn valid_type_key(k: &str) -> bool {
    let mut chars = k.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && k.len() <= 64
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

fn check_label(
    errors: &mut Vec<FieldError>,
    field: &str,
    l: &Localized,
    required: bool,
    max: usize,
) {
    let blank = l.0.values().all(|v| v.trim().is_empty());
    if required && blank {
        errors.push(FieldError::new(
            field,
            "required",
            "write it in at least one language",
        ));
    } else if l
        .0
        .iter()
        .any(|(lang, v)| lang.parse::<portico_core::Locale>().is_err() || v.chars().count() > max)
    {
        errors.push(FieldError::new(
            field,
            "invalid_format",
            format!("en and zh-CN, at most {max} characters each"),
        ));
    }
}

fn json_of<T: serde::Serialize>(v: &T) -> Result<String, AppError> {
    serde_json::to_string(v)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("does not serialise: {e}")))
}

/// Defines a request type (administrators). A taken key is 409 on `key`; an invalid form names the
/// part (`form.fields[2].options`).
pub async fn create_type(
    app: &App,
    viewer: &Viewer,
    input: &TypeInput,
) -> Result<TypeView, AppError> {
    let by = viewer.require(Permission::Administer)?.id;
    let key = input.key.as_deref().map(str::trim).unwrap_or_default();
    let mut errors = Vec::new();
    if !valid_type_key(key) {
        errors.push(FieldError::new(
            "key",
            "invalid_format",
            "lower-case letters, digits, - and _, starting with a letter (at most 64)",
        ));
    }
    let empty = Localized::default();
    let name = input.name.as_ref().map_or(&empty, |l| &l.0);
    let description = input.description.as_ref().map_or(&empty, |l| &l.0);
    let category = input.category.as_ref().map_or(&empty, |l| &l.0);
    let form = input.form.clone().unwrap_or_default();
    let stored = checked(
        app,
        errors,
        &Parts {
            name,
            description,
            category,
            icon: input.icon.as_deref().unwrap_or("document"),
            audience: input.audience.as_deref().unwrap_or("customers"),
            organizations: input.organizations.as_deref().unwrap_or(&[]),
            form: Some(&form),
        },
    )
    .await?;
    let mut tx = app.begin().await?;
    let now = tx.now();
    let saved = store::insert_type(
        tx.conn(),
        &stored.write(
            key,
            input.active.unwrap_or(true),
            input.position.unwrap_or(0),
        ),
        &json_of(&form)?,
        Some(by),
        now,
    )
    .await
    .map_err(|e| match e {
        portico_storage::StorageError::Conflict { .. } => AppError::Conflict {
            field: "key".into(),
            message: "another request type has this key".into(),
        },
        other => other.into(),
    })?;
    tx.outbox(
        REQUEST_TYPE,
        &saved.key,
        portico_storage::outbox::OutboxOp::Upsert,
    )
    .await?;
    tx.commit().await?;
    to_view(app, saved).await
}

/// The parts every request type has, as given (or kept) for a save.
struct Parts<'a> {
    name: &'a Localized,
    description: &'a Localized,
    category: &'a Localized,
    icon: &'a str,
    audience: &'a str,
    organizations: &'a [i64],
    /// A form to check (a save that keeps the form has none).
    form: Option<&'a FormSchema>,
}

/// The parts as stored, once checked.
struct Stored {
    name: String,
    description: String,
    category: String,
    icon: String,
    audience: String,
    organizations: String,
}

impl Stored {
    fn write<'a>(&'a self, key: &'a str, active: bool, position: i32) -> TypeWrite<'a> {
        TypeWrite {
            key,
            name: &self.name,
            description: &self.description,
            category: &self.category,
            icon: &self.icon,
            audience: &self.audience,
            organizations: &self.organizations,
            active,
            position,
        }
    }
}

/// Checks the parts every type has (adding to `errors` found before): one 422 naming every problem, or
/// the parts as stored.
async fn checked(
    app: &App,
    mut errors: Vec<FieldError>,
    p: &Parts<'_>,
) -> Result<Stored, AppError> {
    check_label(&mut errors, "name", p.name, true, 120);
    check_label(&mut errors, "description", p.description, false, 500);
    check_label(&mut errors, "category", p.category, false, 80);
    let icon = p.icon.trim();
    if !crate::kb::CATEGORY_ICONS.contains(&icon) {
        errors.push(FieldError::new(
            "icon",
            "invalid_choice",
            format!("one of: {}", crate::kb::CATEGORY_ICONS.join(", ")),
        ));
    }
    let audience = p.audience.trim();
    if !AUDIENCES.contains(&audience) {
        errors.push(FieldError::new(
            "audience",
            "invalid_choice",
            "everyone, customers or organizations",
        ));
    } else if audience == "organizations" && p.organizations.is_empty() {
        errors.push(FieldError::new(
            "organizations",
            "required",
            "name the organisations whose members may submit it",
        ));
    }
    if let Some(f) = p.form
        && let Err(e) = f.check()
    {
        errors.extend(e.0);
    }
    let mut orgs = p.organizations.to_vec();
    orgs.sort_unstable();
    orgs.dedup();
    check_organizations(app, &mut errors, &orgs).await?;
    if !errors.is_empty() {
        return Err(ValidationErrors(errors).into());
    }
    Ok(Stored {
        name: json_of(p.name)?,
        description: json_of(p.description)?,
        category: json_of(p.category)?,
        icon: icon.to_string(),
        audience: audience.to_string(),
        organizations: json_of(&orgs)?,
    })
}

async fn check_organizations(
    app: &App,
    errors: &mut Vec<FieldError>,
    ids: &[i64],
) -> Result<(), AppError> {
    for id in ids {
        if portico_storage::organizations::find_organization(app.db().conn(), *id)
            .await?
            .is_none()
        {
            errors.push(FieldError::new(
                "organizations",
                "not_found",
                format!("no organisation has the id {id}"),
            ));
        }
    }
    Ok(())
}

/// Changes a request type (administrators); a new `form` becomes a new version, and requests made
/// with an earlier one keep it.
pub async fn update_type(
    app: &App,
    viewer: &Viewer,
    key: &str,
    input: &TypeInput,
) -> Result<TypeView, AppError> {
    let by = viewer.require(Permission::Administer)?.id;
    let current = store::find_type_by_key(app.db().conn(), key.trim())
        .await?
        .ok_or(AppError::NotFound)?;
    let now_view = to_view(app, current).await?;
    let mut errors = Vec::new();
    if input
        .key
        .as_deref()
        .is_some_and(|k| k.trim() != now_view.key)
    {
        errors.push(FieldError::new(
            "key",
            "not_allowed",
            "a request type keeps its key",
        ));
    }
    let name = input.name.as_ref().map_or(&now_view.name, |l| &l.0);
    let description = input
        .description
        .as_ref()
        .map_or(&now_view.description, |l| &l.0);
    let category = input.category.as_ref().map_or(&now_view.category, |l| &l.0);
    let organizations = input
        .organizations
        .clone()
        .unwrap_or_else(|| now_view.organizations.clone());
    let stored = checked(
        app,
        errors,
        &Parts {
            name,
            description,
            category,
            icon: input.icon.as_deref().unwrap_or(&now_view.icon),
            audience: input.audience.as_deref().unwrap_or(&now_view.audience),
            organizations: &organizations,
            form: input.form.as_ref(),
        },
    )
    .await?;
    // An unchanged form makes no new version.
    let form = input.form.as_ref().filter(|f| **f != now_view.form);
    let form_json = form.map(json_of).transpose()?;
    let mut tx = app.begin().await?;
    let now = tx.now();
    let saved = store::update_type(
        tx.conn(),
        now_view.id,
        &stored.write(
            &now_view.key,
            input.active.unwrap_or(now_view.active),
            input.position.unwrap_or(now_view.position),
        ),
        form_json.as_deref(),
        Some(by),
        now,
    )
    .await?
    .ok_or(AppError::NotFound)?;
    tx.outbox(
        REQUEST_TYPE,
        &saved.key,
        portico_storage::outbox::OutboxOp::Upsert,
    )
    .await?;
    tx.commit().await?;
    to_view(app, saved).await
}

/// The search entity of request types.
pub const REQUEST_TYPE: &str = "request_type";

/// A type's documents: one per language it is named in (and, for a type offered to named
/// organisations, one per organisation), so the home search finds "refund" as well as "退款".
fn type_docs(t: &TypeView) -> Vec<portico_search::SearchDoc> {
    use portico_search::Audience;
    if !t.active {
        return Vec::new();
    }
    let audiences: Vec<Audience> = match t.audience.as_str() {
        "everyone" => vec![Audience::Public],
        "customers" => vec![Audience::Customers],
        _ => t
            .organizations
            .iter()
            .map(|o| Audience::Organization(*o))
            .collect(),
    };
    let mut docs = Vec::new();
    for (locale, name) in &t.name.0 {
        let body = [t.description.0.get(locale), t.category.0.get(locale)]
            .into_iter()
            .flatten()
            .cloned()
            .collect::<Vec<_>>()
            .join("\n");
        for audience in &audiences {
            docs.push(portico_search::SearchDoc {
                entity: REQUEST_TYPE.into(),
                entity_id: t.key.clone(),
                locale: locale.clone(),
                audience: *audience,
                title: name.clone(),
                body: body.clone(),
                url: format!("/requests/new/{}", t.key),
                vectors: Vec::new(),
                tags: Vec::new(),
            });
        }
    }
    docs
}

/// Request types in the shared search index.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestTypeSource;

impl crate::search::source::SearchSource for RequestTypeSource {
    fn entity(&self) -> &'static str {
        REQUEST_TYPE
    }

    fn load<'a>(
        &'a self,
        app: &'a App,
        entity_id: &'a str,
    ) -> crate::search::source::SourceFuture<'a, Option<portico_search::Change>> {
        Box::pin(async move {
            let docs = match store::find_type_by_key(app.db().conn(), entity_id).await? {
                Some(t) => type_docs(&to_view(app, t).await?),
                None => Vec::new(),
            };
            Ok(Some(portico_search::Change::Replace {
                entity: REQUEST_TYPE.into(),
                entity_id: entity_id.to_string(),
                docs,
            }))
        })
    }

    fn all<'a>(
        &'a self,
        app: &'a App,
        out: &'a crate::search::source::DocSink,
    ) -> crate::search::source::SourceFuture<'a, usize> {
        Box::pin(async move {
            let mut docs = Vec::new();
            for t in store::list_types(app.db().conn()).await? {
                docs.extend(type_docs(&to_view(app, t).await?));
            }
            crate::search::source::send(out, docs).await
        })
    }
}
