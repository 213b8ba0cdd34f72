//! The catalogue in the admin area: request types and the form builder. The builder is one form that
//! posts back to itself: add, move and remove fields and sections, set their labels in both languages,
//! options, rules and conditions, preview the form exactly as customers will see it, and save (a new
//! form version when the form changed). It needs no script.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use portico_app::AppError;
use portico_app::requests::{self, TypeInput, TypeView};
use portico_core::form::{Choice, Condition, Field, FieldType, FormSchema, Label, Section};
use portico_core::{FieldError, Locale, Localized, Permission};
use serde::Deserialize;
use serde_json::Value;

use super::form::{Answers, SectionView, sections};
use crate::WebState;
use crate::error::HtmlError;
use crate::html::forms::{FormErrors, require_page};
use crate::html::{PageContext, render};

/// One field as the builder edits it (every value as typed).
#[derive(Debug, Clone, Default)]
pub struct DraftField {
    pub key: String,
    pub kind: String,
    pub label_en: String,
    pub label_zh: String,
    pub help_en: String,
    pub help_zh: String,
    pub required: bool,
    /// One option a line: `value | English | 中文`.
    pub options: String,
    pub min: String,
    pub max: String,
    pub max_length: String,
    pub pattern: String,
    pub currency: String,
    pub section: String,
    pub when_field: String,
    pub when_value: String,
    /// Problems of this field, from the schema check.
    pub errors: Vec<String>,
}

/// One section as the builder edits it.
#[derive(Debug, Clone, Default)]
pub struct DraftSection {
    pub key: String,
    pub title_en: String,
    pub title_zh: String,
}

/// A request type as the builder edits it.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    pub key: String,
    pub name_en: String,
    pub name_zh: String,
    pub description_en: String,
    pub description_zh: String,
    pub category_en: String,
    pub category_zh: String,
    pub icon: String,
    pub audience: String,
    pub organizations: String,
    pub active: bool,
    pub position: String,
    pub sections: Vec<DraftSection>,
    pub fields: Vec<DraftField>,
}

fn both(l: &Localized) -> (String, String) {
    (
        l.0.get("en").cloned().unwrap_or_default(),
        l.0.get("zh-CN").cloned().unwrap_or_default(),
    )
}

fn label(en: &str, zh: &str) -> Label {
    let mut m = std::collections::BTreeMap::new();
    if !en.trim().is_empty() {
        m.insert("en".to_string(), en.trim().to_string());
    }
    if !zh.trim().is_empty() {
        m.insert("zh-CN".to_string(), zh.trim().to_string());
    }
    Label(Localized(m))
}

fn text_of(v: &Option<Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

impl Draft {
    fn new_type() -> Self {
        Draft {
            icon: "document".into(),
            audience: "customers".into(),
            active: true,
            position: "0".into(),
            ..Default::default()
        }
    }

    fn of(t: &TypeView) -> Self {
        let (name_en, name_zh) = both(&t.name);
        let (description_en, description_zh) = both(&t.description);
        let (category_en, category_zh) = both(&t.category);
        Draft {
            key: t.key.clone(),
            name_en,
            name_zh,
            description_en,
            description_zh,
            category_en,
            category_zh,
            icon: t.icon.clone(),
            audience: t.audience.clone(),
            organizations: t
                .organizations
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            active: t.active,
            position: t.position.to_string(),
            sections: t
                .form
                .sections
                .iter()
                .map(|s| {
                    let (title_en, title_zh) = both(&s.title.0);
                    DraftSection {
                        key: s.key.clone(),
                        title_en,
                        title_zh,
                    }
                })
                .collect(),
            fields: t
                .form
                .fields
                .iter()
                .map(|f| {
                    let (label_en, label_zh) = both(&f.label.0);
                    let (help_en, help_zh) =
                        f.help.as_ref().map(|h| both(&h.0)).unwrap_or_default();
                    let (when_field, when_value) = match &f.visible_if {
                        Some(c) => (
                            c.field.clone(),
                            match (&c.equals, &c.any_of) {
                                (Some(v), _) => text_of(&Some(v.clone())),
                                (None, Some(vs)) => vs
                                    .iter()
                                    .map(|v| text_of(&Some(v.clone())))
                                    .collect::<Vec<_>>()
                                    .join(", "),
                                _ => String::new(),
                            },
                        ),
                        None => (String::new(), String::new()),
                    };
                    DraftField {
                        key: f.key.clone(),
                        kind: f.kind.as_str().to_string(),
                        label_en,
                        label_zh,
                        help_en,
                        help_zh,
                        required: f.required,
                        options: f
                            .options
                            .iter()
                            .map(|o| {
                                let (en, zh) = both(&o.label.0);
                                format!("{} | {} | {}", o.value, en, zh)
                            })
                            .collect::<Vec<_>>()
                            .join("\n"),
                        min: text_of(&f.min),
                        max: text_of(&f.max),
                        max_length: f.max_length.map(|m| m.to_string()).unwrap_or_default(),
                        pattern: f.pattern.clone().unwrap_or_default(),
                        currency: f.currency.clone().unwrap_or_default(),
                        section: f.section.clone().unwrap_or_default(),
                        when_field,
                        when_value,
                        errors: Vec::new(),
                    }
                })
                .collect(),
        }
    }

    /// Reads the builder's posted fields (`name_en`, `field.3.label_zh`, `section.0.key`, …).
    fn read(pairs: &[(String, String)]) -> Self {
        let mut d = Draft::default();
        for (k, v) in pairs {
            let v = v.clone();
            if let Some(rest) = k.strip_prefix("field.") {
                let Some((i, part)) = rest.split_once('.') else {
                    continue;
                };
                let Ok(i) = i.parse::<usize>() else { continue };
                if i >= portico_core::form::MAX_FIELDS * 2 {
                    continue;
                }
                while d.fields.len() <= i {
                    d.fields.push(DraftField::default());
                }
                let f = &mut d.fields[i];
                match part {
                    "key" => f.key = v,
                    "kind" => f.kind = v,
                    "label_en" => f.label_en = v,
                    "label_zh" => f.label_zh = v,
                    "help_en" => f.help_en = v,
                    "help_zh" => f.help_zh = v,
                    "required" => f.required = v == "on",
                    "options" => f.options = v,
                    "min" => f.min = v,
                    "max" => f.max = v,
                    "max_length" => f.max_length = v,
                    "pattern" => f.pattern = v,
                    "currency" => f.currency = v,
                    "section" => f.section = v,
                    "when_field" => f.when_field = v,
                    "when_value" => f.when_value = v,
                    _ => {}
                }
                continue;
            }
            if let Some(rest) = k.strip_prefix("section.") {
                let Some((i, part)) = rest.split_once('.') else {
                    continue;
                };
                let Ok(i) = i.parse::<usize>() else { continue };
                if i >= 20 {
                    continue;
                }
                while d.sections.len() <= i {
                    d.sections.push(DraftSection::default());
                }
                let s = &mut d.sections[i];
                match part {
                    "key" => s.key = v,
                    "title_en" => s.title_en = v,
                    "title_zh" => s.title_zh = v,
                    _ => {}
                }
                continue;
            }
            match k.as_str() {
                "key" => d.key = v,
                "name_en" => d.name_en = v,
                "name_zh" => d.name_zh = v,
                "description_en" => d.description_en = v,
                "description_zh" => d.description_zh = v,
                "category_en" => d.category_en = v,
                "category_zh" => d.category_zh = v,
                "icon" => d.icon = v,
                "audience" => d.audience = v,
                "organizations" => d.organizations = v,
                "active" => d.active = v == "on",
                "position" => d.position = v,
                _ => {}
            }
        }
        d
    }

    /// The form as the schema reads it (checked when saved or previewed).
    fn schema(&self) -> FormSchema {
        let number = |s: &str| -> Option<Value> {
            let s = s.trim();
            if s.is_empty() {
                None
            } else if let Ok(n) = s.parse::<i64>() {
                Some(Value::from(n))
            } else if let Ok(f) = s.parse::<f64>() {
                serde_json::Number::from_f64(f).map(Value::Number)
            } else {
                Some(Value::String(s.to_string()))
            }
        };
        let fields = self
            .fields
            .iter()
            .map(|d| {
                let kind = FieldType::ALL
                    .into_iter()
                    .find(|t| t.as_str() == d.kind)
                    .unwrap_or(FieldType::Text);
                let mut f = Field::new(d.key.trim(), label(&d.label_en, &d.label_zh), kind);
                f.required = d.required;
                let help = label(&d.help_en, &d.help_zh);
                f.help = (!help.0.0.is_empty()).then_some(help);
                f.options = d
                    .options
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(|l| {
                        let mut parts = l.split('|').map(str::trim);
                        let value = parts.next().unwrap_or_default().to_string();
                        let en = parts.next().unwrap_or_default();
                        let zh = parts.next().unwrap_or_default();
                        let en = if en.is_empty() { value.as_str() } else { en };
                        Choice {
                            label: label(en, zh),
                            value,
                        }
                    })
                    .collect();
                if kind == FieldType::Date {
                    f.min = Some(d.min.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .map(Value::String);
                    f.max = Some(d.max.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .map(Value::String);
                } else {
                    f.min = number(&d.min);
                    f.max = number(&d.max);
                }
                f.max_length = d.max_length.trim().parse().ok();
                f.pattern = Some(d.pattern.trim().to_string()).filter(|s| !s.is_empty());
                f.currency = Some(d.currency.trim().to_uppercase())
                    .filter(|s| !s.is_empty())
                    .or_else(|| (kind == FieldType::Money).then(|| "CNY".to_string()));
                f.section = Some(d.section.trim().to_string()).filter(|s| !s.is_empty());
                let when = d.when_field.trim();
                if !when.is_empty() {
                    let target = self.fields.iter().find(|x| x.key.trim() == when);
                    let value = |s: &str| -> Value {
                        match target.map(|t| t.kind.as_str()) {
                            Some("checkbox") => Value::Bool(matches!(s, "true" | "yes" | "on")),
                            Some("number") | Some("money") => number(s).unwrap_or(Value::Null),
                            _ => Value::String(s.to_string()),
                        }
                    };
                    let values: Vec<Value> = d
                        .when_value
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(value)
                        .collect();
                    f.visible_if = Some(if values.len() == 1 {
                        Condition {
                            field: when.to_string(),
                            equals: values.into_iter().next(),
                            any_of: None,
                        }
                    } else {
                        Condition {
                            field: when.to_string(),
                            equals: None,
                            any_of: Some(values),
                        }
                    });
                }
                f
            })
            .collect();
        FormSchema {
            sections: self
                .sections
                .iter()
                .map(|s| Section {
                    key: s.key.trim().to_string(),
                    title: label(&s.title_en, &s.title_zh),
                })
                .collect(),
            fields,
        }
    }

    fn input(&self, new: bool) -> TypeInput {
        TypeInput {
            key: new.then(|| self.key.trim().to_string()),
            name: Some(label(&self.name_en, &self.name_zh)),
            description: Some(label(&self.description_en, &self.description_zh)),
            category: Some(label(&self.category_en, &self.category_zh)),
            icon: Some(self.icon.clone()),
            audience: Some(self.audience.clone()),
            organizations: Some(
                self.organizations
                    .split(|c: char| c == ',' || c.is_whitespace())
                    .filter_map(|s| s.trim().parse().ok())
                    .collect(),
            ),
            active: Some(self.active),
            position: self.position.trim().parse().ok(),
            form: Some(self.schema()),
        }
    }

    /// Puts the schema's problems next to their fields (`form.fields[2].options` → field 2); the
    /// others come back for the page's summary.
    fn place_errors(&mut self, lang: Locale, errors: Vec<FieldError>) -> Vec<FieldError> {
        let mut rest = Vec::new();
        for e in errors {
            let at = e
                .field
                .strip_prefix("form.fields[")
                .and_then(|s| s.split_once(']'))
                .and_then(|(i, part)| {
                    Some((i.parse::<usize>().ok()?, part.trim_start_matches('.')))
                });
            match at {
                Some((i, part)) if i < self.fields.len() => {
                    let one =
                        FormErrors::from_fields(lang, &[FieldError::new(part, e.code, e.message)]);
                    let message = one.get(part).unwrap_or_default().to_string();
                    self.fields[i].errors.push(format!("{part}: {message}"));
                }
                _ => rest.push(e),
            }
        }
        rest
    }
}

#[derive(Template)]
#[template(path = "requests/admin_list.html")]
pub struct ListPage {
    pub page: PageContext,
    pub notice: Option<String>,
    pub types: Vec<(String, String, i32, bool)>,
}

#[derive(Debug, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

pub async fn list_show(
    State(state): State<WebState>,
    page: PageContext,
    Query(q): Query<DoneQuery>,
) -> Result<Response, HtmlError> {
    if let Some(r) = require_page(&page, Permission::Administer) {
        return Ok(r);
    }
    let types = requests::catalog::all_types(&state.app, &page.viewer)
        .await?
        .into_iter()
        .map(|t| {
            (
                t.key.clone(),
                t.name.get(page.lang).to_string(),
                t.version,
                t.active,
            )
        })
        .collect();
    let notice = (q.done.as_deref() == Some("saved")).then(|| page.t("catalog-saved"));
    Ok(render(
        StatusCode::OK,
        &ListPage {
            notice,
            types,
            page,
        },
    ))
}

#[derive(Template)]
#[template(path = "requests/builder.html")]
pub struct BuilderPage {
    pub page: PageContext,
    /// None for a new type.
    pub existing: Option<String>,
    pub d: Draft,
    pub errors: FormErrors,
    /// The form as customers will see it, when previewed.
    pub sections: Vec<SectionView>,
    pub previewed: bool,
    pub icons: &'static [&'static str],
    pub kinds: Vec<&'static str>,
}

impl BuilderPage {
    /// The keys of the fields before field `i` (a condition may look only at those).
    pub fn earlier(&self, i: usize) -> Vec<&str> {
        self.d
            .fields
            .iter()
            .take(i)
            .map(|f| f.key.as_str())
            .collect()
    }
}

fn builder(
    page: PageContext,
    existing: Option<String>,
    d: Draft,
    errors: FormErrors,
) -> BuilderPage {
    BuilderPage {
        existing,
        d,
        errors,
        sections: Vec::new(),
        previewed: false,
        icons: &portico_app::kb::CATEGORY_ICONS,
        kinds: FieldType::ALL.iter().map(|t| t.as_str()).collect(),
        page,
    }
}

pub async fn new_show(page: PageContext) -> Result<Response, HtmlError> {
    if let Some(r) = require_page(&page, Permission::Administer) {
        return Ok(r);
    }
    let p = builder(page, None, Draft::new_type(), FormErrors::default());
    Ok(render(StatusCode::OK, &p))
}

pub async fn edit_show(
    State(state): State<WebState>,
    page: PageContext,
    Path(key): Path<String>,
) -> Result<Response, HtmlError> {
    if let Some(r) = require_page(&page, Permission::Administer) {
        return Ok(r);
    }
    let t = requests::catalog::request_type(&state.app, &page.viewer, &key).await?;
    let p = builder(
        page,
        Some(t.key.clone()),
        Draft::of(&t),
        FormErrors::default(),
    );
    Ok(render(StatusCode::OK, &p))
}

pub async fn new_submit(
    State(state): State<WebState>,
    page: PageContext,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, HtmlError> {
    submit(state, page, None, pairs).await
}

pub async fn edit_submit(
    State(state): State<WebState>,
    page: PageContext,
    Path(key): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, HtmlError> {
    submit(state, page, Some(key), pairs).await
}

async fn submit(
    state: WebState,
    page: PageContext,
    existing: Option<String>,
    pairs: Vec<(String, String)>,
) -> Result<Response, HtmlError> {
    if let Some(r) = require_page(&page, Permission::Administer) {
        return Ok(r);
    }
    let mut d = Draft::read(&pairs);
    let action = pairs
        .iter()
        .find(|(k, _)| k == "action")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let at = |prefix: &str| {
        action
            .strip_prefix(prefix)
            .and_then(|i| i.parse::<usize>().ok())
    };
    let mut changed = true;
    if action == "add_field" {
        let kind = pairs
            .iter()
            .find(|(k, _)| k == "new_kind")
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| "text".into());
        d.fields.push(DraftField {
            key: format!("field_{}", d.fields.len() + 1),
            kind,
            ..Default::default()
        });
    } else if action == "add_section" {
        d.sections.push(DraftSection {
            key: format!("step_{}", d.sections.len() + 1),
            ..Default::default()
        });
    } else if let Some(i) = at("up:").filter(|i| *i > 0 && *i < d.fields.len()) {
        d.fields.swap(i, i - 1);
    } else if let Some(i) = at("down:").filter(|i| i + 1 < d.fields.len()) {
        d.fields.swap(i, i + 1);
    } else if let Some(i) = at("remove:").filter(|i| *i < d.fields.len()) {
        d.fields.remove(i);
    } else if let Some(i) = at("remove_section:").filter(|i| *i < d.sections.len()) {
        d.sections.remove(i);
    } else {
        changed = false;
    }
    if changed {
        let p = builder(page, existing, d, FormErrors::default());
        return Ok(render(StatusCode::OK, &p));
    }
    let schema = d.schema();
    if action == "preview" {
        let (errors, status) = match schema.check() {
            Ok(()) => (FormErrors::default(), StatusCode::OK),
            Err(e) => {
                let rest = d.place_errors(page.lang, e.0);
                (
                    FormErrors::from_fields(page.lang, &rest),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
            }
        };
        let preview = if status == StatusCode::OK {
            sections(
                &page,
                &schema,
                &Answers::defaults(&schema),
                &FormErrors::default(),
            )
        } else {
            Vec::new()
        };
        let mut p = builder(page, existing, d, errors);
        p.previewed = status == StatusCode::OK;
        p.sections = preview;
        return Ok(render(status, &p));
    }
    let input = d.input(existing.is_none());
    let saved = match &existing {
        None => requests::catalog::create_type(&state.app, &page.viewer, &input).await,
        Some(key) => requests::catalog::update_type(&state.app, &page.viewer, key, &input).await,
    };
    match saved {
        Ok(_) => Ok(Redirect::to("/admin/catalog?done=saved").into_response()),
        Err(AppError::Invalid(v)) => {
            let rest = d.place_errors(page.lang, v.0);
            let errors = FormErrors::from_fields(page.lang, &rest);
            let p = builder(page, existing, d, errors);
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &p))
        }
        Err(e) => {
            let errors = FormErrors::from_app(page.lang, e)?;
            let p = builder(page, existing, d, errors);
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &p))
        }
    }
}
