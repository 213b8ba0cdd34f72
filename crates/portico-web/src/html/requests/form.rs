//! The guided form in HTML: fields of a schema as inputs in the reader's language, what was posted (a
//! multipart form: answers as `f.<key>`, files uploaded on the way and kept by id when the page comes
//! back with errors, so nothing typed or chosen is lost), and a request's answers as the page shows
//! them.

use std::collections::BTreeMap;

use axum::extract::Multipart;
use portico_app::AppError;
use portico_app::requests;
use portico_core::form::{Field, FieldType, FormSchema};
use portico_core::{FieldError, ValidationErrors};
use serde_json::{Map, Value};

use super::super::PageContext;
use super::super::forms::FormErrors;
use crate::WebState;

/// One answer as typed or chosen.
#[derive(Debug, Clone, Default)]
pub struct Answer {
    pub text: String,
    /// A multiselect's choices.
    pub values: Vec<String>,
    pub checked: bool,
    /// Files uploaded for it: (id, name).
    pub files: Vec<(i64, String)>,
}

/// Every answer, by field key.
#[derive(Debug, Clone, Default)]
pub struct Answers(pub BTreeMap<String, Answer>);

impl Answers {
    /// The form's defaults, for a form opened fresh.
    pub fn defaults(form: &FormSchema) -> Self {
        let mut out = BTreeMap::new();
        for f in &form.fields {
            let Some(d) = &f.default else { continue };
            let mut a = Answer::default();
            match d {
                Value::Bool(b) => a.checked = *b,
                Value::Array(items) => {
                    a.values = items
                        .iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                }
                Value::String(s) => a.text = s.clone(),
                other => a.text = other.to_string(),
            }
            out.insert(f.key.clone(), a);
        }
        Answers(out)
    }

    /// The answers as the form's validation reads them.
    pub fn to_json(&self, form: &FormSchema) -> Map<String, Value> {
        let mut out = Map::new();
        for f in &form.fields {
            let a = self.0.get(&f.key).cloned().unwrap_or_default();
            let v = match f.kind {
                FieldType::Multiselect => {
                    Value::Array(a.values.into_iter().map(Value::String).collect())
                }
                FieldType::Checkbox => Value::Bool(a.checked),
                FieldType::File => {
                    Value::Array(a.files.iter().map(|(id, _)| Value::from(*id)).collect())
                }
                _ => Value::String(a.text),
            };
            out.insert(f.key.clone(), v);
        }
        out
    }

    /// Keeps uploaded files for the next try, except in fields whose files were refused.
    pub fn keep_files_named(&mut self, errors: &FormErrors) {
        for (key, a) in self.0.iter_mut() {
            if errors.get(&format!("fields.{key}")).is_some() {
                a.files.clear();
            }
        }
    }
}

/// What the form's page posted.
pub struct Posted {
    pub subject: String,
    pub token: String,
    pub answers: Answers,
    /// Files that could not be stored, by field.
    pub upload_errors: Vec<FieldError>,
}

fn malformed() -> AppError {
    AppError::Invalid(ValidationErrors::single(
        "form",
        "invalid",
        "the form did not arrive whole; try again",
    ))
}

/// Reads the form's multipart body, storing each file as it arrives (files of one field at most the
/// field's limit).
pub async fn read_post(
    state: &WebState,
    page: &PageContext,
    form: &FormSchema,
    mut multipart: Multipart,
) -> Result<Posted, AppError> {
    let mut subject = String::new();
    let mut token = String::new();
    let mut answers = Answers::default();
    let mut upload_errors = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(|_| malformed())? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "subject" || name == "token" {
            let text = field.text().await.map_err(|_| malformed())?;
            if name == "subject" {
                subject = text;
            } else {
                token = text
                    .chars()
                    .filter(char::is_ascii_hexdigit)
                    .take(64)
                    .collect();
            }
            continue;
        }
        // `f.<key>` an answer (or a file), `f.<key>.kept` a file uploaded on an earlier try.
        let Some(rest) = name.strip_prefix("f.") else {
            continue;
        };
        let (key, kept) = match rest.strip_suffix(".kept") {
            Some(k) => (k.to_string(), true),
            None => (rest.to_string(), false),
        };
        let Some(spec) = form.field(&key) else {
            // Not a field of this form: say so, as the API does.
            upload_errors.push(FieldError::new(
                format!("fields.{key}"),
                "not_in_form",
                "this form has no such field",
            ));
            continue;
        };
        let entry = answers.0.entry(key.clone()).or_default();
        match spec.kind {
            FieldType::File if kept => {
                let text = field.text().await.map_err(|_| malformed())?;
                if let Some((id, name)) = text.split_once(':')
                    && let Ok(id) = id.parse::<i64>()
                {
                    entry.files.push((id, name.chars().take(128).collect()));
                }
            }
            FieldType::File => {
                let file_name = field.file_name().unwrap_or_default().to_string();
                let bytes = field.bytes().await.map_err(|_| malformed())?;
                // An empty file input arrives as a part without name and bytes.
                if file_name.is_empty() && bytes.is_empty() {
                    continue;
                }
                match requests::upload(&state.app, &page.viewer, &file_name, &bytes).await {
                    Ok(u) => entry.files.push((u.id, u.name)),
                    Err(AppError::Invalid(v)) => {
                        for mut e in v.0 {
                            e.field = format!("fields.{key}");
                            upload_errors.push(e);
                        }
                    }
                    Err(e) => return Err(e),
                }
            }
            FieldType::Multiselect => {
                let v = field.text().await.map_err(|_| malformed())?;
                if !v.is_empty() {
                    entry.values.push(v);
                }
            }
            FieldType::Checkbox => {
                let v = field.text().await.map_err(|_| malformed())?;
                entry.checked = matches!(v.as_str(), "on" | "true" | "yes" | "1");
            }
            _ => {
                entry.text = field.text().await.map_err(|_| malformed())?;
            }
        }
    }
    Ok(Posted {
        subject,
        token,
        answers,
        upload_errors,
    })
}

/// A reply as posted: its text, whether it is an internal note, and its files (stored as they arrive).
pub struct Reply {
    pub body: String,
    pub internal: bool,
    pub files: Vec<i64>,
}

pub async fn read_reply(
    state: &WebState,
    page: &PageContext,
    mut multipart: Multipart,
) -> Result<Reply, AppError> {
    let mut reply = Reply {
        body: String::new(),
        internal: false,
        files: Vec::new(),
    };
    while let Some(field) = multipart.next_field().await.map_err(|_| malformed())? {
        match field.name().unwrap_or_default() {
            "body" => reply.body = field.text().await.map_err(|_| malformed())?,
            "internal" => reply.internal = field.text().await.map_err(|_| malformed())? == "on",
            "files" => {
                let file_name = field.file_name().unwrap_or_default().to_string();
                let bytes = field.bytes().await.map_err(|_| malformed())?;
                if file_name.is_empty() && bytes.is_empty() {
                    continue;
                }
                let u = requests::upload(&state.app, &page.viewer, &file_name, &bytes).await?;
                reply.files.push(u.id);
            }
            _ => {}
        }
    }
    Ok(reply)
}

/// One choice as the page shows it.
pub struct ChoiceView {
    pub value: String,
    pub label: String,
    pub chosen: bool,
}

/// One field as the page shows it.
pub struct FieldView {
    pub key: String,
    /// The field type's name (`text`, `select`, …).
    pub kind: &'static str,
    pub label: String,
    pub help: String,
    pub required: bool,
    pub text: String,
    pub checked: bool,
    pub choices: Vec<ChoiceView>,
    pub files: Vec<(i64, String)>,
    pub error: Option<String>,
    /// For the script: `{"field": key, "values": [...]}` of its condition.
    pub condition: String,
    /// The condition in words, for pages without the script.
    pub condition_text: String,
    /// HTML attributes from the rules (`min`, `max`, `maxlength`, `pattern`, `step`).
    pub min: String,
    pub max: String,
    pub max_length: String,
    pub pattern: String,
    pub step: String,
    pub currency: String,
}

/// A section (a step on a phone) and its fields.
pub struct SectionView {
    pub key: String,
    pub title: String,
    pub fields: Vec<FieldView>,
}

fn bound(v: &Option<Value>) -> String {
    match v {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    }
}

fn condition_words(page: &PageContext, form: &FormSchema, f: &Field) -> (String, String) {
    let Some(c) = &f.visible_if else {
        return (String::new(), String::new());
    };
    let values: Vec<Value> = match (&c.equals, &c.any_of) {
        (Some(v), _) => vec![v.clone()],
        (None, Some(vs)) => vs.clone(),
        _ => Vec::new(),
    };
    let json = serde_json::json!({"field": c.field, "values": values}).to_string();
    let target = form.field(&c.field);
    let label = target
        .map(|t| t.label.get(page.lang).to_string())
        .unwrap_or_default();
    let shown: Vec<String> = values
        .iter()
        .map(|v| match (target, v) {
            (Some(t), Value::String(s)) => t
                .options
                .iter()
                .find(|o| &o.value == s)
                .map(|o| o.label.get(page.lang).to_string())
                .unwrap_or_else(|| s.clone()),
            (_, Value::Bool(true)) => page.t("request-form-ticked"),
            (_, Value::Bool(false)) => page.t("request-form-not-ticked"),
            (_, other) => other.to_string(),
        })
        .collect();
    let text = page.t2(
        "request-form-only-if",
        "field",
        &label,
        "value",
        &shown.join(" / "),
    );
    (json, text)
}

/// The form's sections with their fields, filled with `answers`; fields outside a section come first.
pub fn sections(
    page: &PageContext,
    form: &FormSchema,
    answers: &Answers,
    errors: &FormErrors,
) -> Vec<SectionView> {
    let mut out: Vec<SectionView> = vec![SectionView {
        key: String::new(),
        title: String::new(),
        fields: Vec::new(),
    }];
    for s in &form.sections {
        out.push(SectionView {
            key: s.key.clone(),
            title: s.title.get(page.lang).to_string(),
            fields: Vec::new(),
        });
    }
    for f in &form.fields {
        let a = answers.0.get(&f.key).cloned().unwrap_or_default();
        let (condition, condition_text) = condition_words(page, form, f);
        let view = FieldView {
            key: f.key.clone(),
            kind: f.kind.as_str(),
            label: f.label.get(page.lang).to_string(),
            help: f
                .help
                .as_ref()
                .map(|h| h.get(page.lang).to_string())
                .unwrap_or_default(),
            required: f.required,
            choices: f
                .options
                .iter()
                .map(|o| ChoiceView {
                    chosen: a.values.contains(&o.value) || a.text == o.value,
                    value: o.value.clone(),
                    label: o.label.get(page.lang).to_string(),
                })
                .collect(),
            text: a.text,
            checked: a.checked,
            files: a.files,
            error: errors.get(&format!("fields.{}", f.key)).map(str::to_string),
            condition,
            condition_text,
            min: bound(&f.min),
            max: bound(&f.max),
            max_length: f.max_length.map(|m| m.to_string()).unwrap_or_default(),
            pattern: match f.kind {
                // What the server reads as an amount: digits with optional thousands separators and
                // at most the currency's decimals (the browser checks it before sending).
                FieldType::Money => {
                    let d =
                        portico_core::form::currency_decimals(f.currency.as_deref().unwrap_or(""));
                    if d == 0 {
                        r"\s*[0-9][0-9, ]*\.?\s*".into()
                    } else {
                        format!(r"\s*[0-9][0-9, ]*(\.[0-9]{{0,{d}}})?\s*")
                    }
                }
                _ => f.pattern.clone().unwrap_or_default(),
            },
            step: match f.kind {
                FieldType::Money => {
                    let d =
                        portico_core::form::currency_decimals(f.currency.as_deref().unwrap_or(""));
                    if d == 0 {
                        "1".into()
                    } else {
                        format!("0.{}1", "0".repeat(d as usize - 1))
                    }
                }
                FieldType::Number => "any".into(),
                _ => String::new(),
            },
            currency: f.currency.clone().unwrap_or_default(),
        };
        let at = f
            .section
            .as_ref()
            .and_then(|s| out.iter().position(|x| &x.key == s))
            .unwrap_or(0);
        out[at].fields.push(view);
    }
    out.retain(|s| !s.fields.is_empty());
    out
}

/// A request's answers as its page shows them, in form order.
pub fn answers(page: &PageContext, v: &requests::RequestView) -> Vec<super::AnswerView> {
    let kept: Map<String, Value> = serde_json::from_str(&v.request.fields).unwrap_or_default();
    let mut out = Vec::new();
    for f in &v.form.fields {
        let Some(value) = kept.get(&f.key) else {
            continue;
        };
        let option = |s: &str| {
            f.options
                .iter()
                .find(|o| o.value == s)
                .map(|o| o.label.get(page.lang).to_string())
                .unwrap_or_else(|| s.to_string())
        };
        let (text, files) = match (f.kind, value) {
            (FieldType::Select, Value::String(s)) => (option(s), Vec::new()),
            (FieldType::Multiselect, Value::Array(items)) => (
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(option)
                    .collect::<Vec<_>>()
                    .join(", "),
                Vec::new(),
            ),
            (FieldType::Checkbox, _) => (page.t("request-form-yes"), Vec::new()),
            (FieldType::Money, Value::Object(m)) => (
                format!(
                    "{} {}",
                    m.get("currency").and_then(Value::as_str).unwrap_or(""),
                    m.get("amount").and_then(Value::as_str).unwrap_or("")
                ),
                Vec::new(),
            ),
            (FieldType::File, Value::Array(ids)) => {
                let ids: Vec<i64> = ids.iter().filter_map(Value::as_i64).collect();
                (
                    String::new(),
                    v.files
                        .iter()
                        .filter(|f| ids.contains(&f.id))
                        .map(|f| (f.id, f.name.clone()))
                        .collect(),
                )
            }
            (_, Value::String(s)) => (s.clone(), Vec::new()),
            (_, other) => (other.to_string(), Vec::new()),
        };
        out.push(super::AnswerView {
            label: f.label.get(page.lang).to_string(),
            value: text,
            files,
        });
    }
    out
}
