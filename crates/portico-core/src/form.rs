//! Guided forms: a request type's schema (fields, rules, conditions, sections) and the one validation of
//! what someone submitted against it. The server validates with this module; the page gets the same
//! schema and applies the same rules for convenience, never instead.
//!
//! Conditions (`visible_if`) may only look at fields declared earlier, so visibility is decided in one
//! pass and can never loop. A field whose condition is not met — or whose controlling field is itself
//! hidden — is hidden: it is neither required nor kept, whatever was sent for it. A key that is not a
//! field of the form is refused.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};

use crate::{Email, FieldError, Locale, Localized, ValidationErrors};

/// Most fields a form may have.
pub const MAX_FIELDS: usize = 60;
/// Most options of a select.
pub const MAX_OPTIONS: usize = 200;
/// Longest one-line answer unless the field says less.
pub const MAX_TEXT_CHARS: usize = 500;
/// Longest multi-line answer unless the field says less.
pub const MAX_TEXTAREA_CHARS: usize = 20_000;
/// Most files in one file field unless it says fewer.
pub const MAX_FILES: usize = 10;
/// Longest label, help text or option label.
const MAX_LABEL_CHARS: usize = 300;
/// Longest pattern.
const MAX_PATTERN_CHARS: usize = 200;
/// Largest money amount in minor units (a trillion in major units).
const MAX_MINOR: i64 = 100_000_000_000_000;

/// The kinds of field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Text,
    Textarea,
    Number,
    Money,
    Date,
    Select,
    Multiselect,
    Checkbox,
    Email,
    Phone,
    File,
    Reference,
}

impl FieldType {
    pub const ALL: [FieldType; 12] = [
        FieldType::Text,
        FieldType::Textarea,
        FieldType::Number,
        FieldType::Money,
        FieldType::Date,
        FieldType::Select,
        FieldType::Multiselect,
        FieldType::Checkbox,
        FieldType::Email,
        FieldType::Phone,
        FieldType::File,
        FieldType::Reference,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Textarea => "textarea",
            FieldType::Number => "number",
            FieldType::Money => "money",
            FieldType::Date => "date",
            FieldType::Select => "select",
            FieldType::Multiselect => "multiselect",
            FieldType::Checkbox => "checkbox",
            FieldType::Email => "email",
            FieldType::Phone => "phone",
            FieldType::File => "file",
            FieldType::Reference => "reference",
        }
    }

    fn has_options(self) -> bool {
        matches!(self, FieldType::Select | FieldType::Multiselect)
    }

    fn has_length(self) -> bool {
        matches!(self, FieldType::Text | FieldType::Textarea)
    }

    /// Whether the value is a list (of options or of files).
    pub fn is_list(self) -> bool {
        matches!(self, FieldType::Multiselect | FieldType::File)
    }
}

/// Text in one language or several: a plain string is English.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "LabelInput")]
pub struct Label(pub Localized);

#[derive(Deserialize)]
#[serde(untagged)]
enum LabelInput {
    Plain(String),
    Languages(BTreeMap<String, String>),
}

impl From<LabelInput> for Label {
    fn from(l: LabelInput) -> Self {
        match l {
            LabelInput::Plain(s) => {
                let mut m = BTreeMap::new();
                m.insert(Locale::En.as_str().to_string(), s);
                Label(Localized(m))
            }
            LabelInput::Languages(m) => Label(Localized(m)),
        }
    }
}

impl Label {
    pub fn new(en: &str, zh_cn: &str) -> Self {
        Label(Localized::new(en, zh_cn))
    }

    pub fn get(&self, locale: Locale) -> &str {
        self.0.get(locale)
    }

    fn is_blank(&self) -> bool {
        self.0.0.values().all(|v| v.trim().is_empty())
    }

    fn too_long(&self) -> bool {
        self.0
            .0
            .values()
            .any(|v| v.chars().count() > MAX_LABEL_CHARS || v.chars().any(char::is_control))
    }
}

/// One choice of a select or multiselect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    pub value: String,
    pub label: Label,
}

/// When a field is shown: the value of an earlier field equals `equals`, or is one of `in` (for a
/// multiselect: contains it, or one of them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub field: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<Value>,
    #[serde(rename = "in", default, skip_serializing_if = "Option::is_none")]
    pub any_of: Option<Vec<Value>>,
}

/// A group of fields that becomes one step of the form on a phone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub key: String,
    pub title: Label,
}

/// One field of a form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// `a-z`, `0-9` and `_`, starting with a letter; unique in the form.
    pub key: String,
    pub label: Label,
    #[serde(rename = "type")]
    pub kind: FieldType,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<Label>,
    /// Filled in when the form opens (and taken when the key is left out of a submission).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    /// For `select` and `multiselect`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<Choice>,
    /// Least value: a number for `number` and `money` (in major units), a date (`YYYY-MM-DD`) for
    /// `date`, a count for `multiselect` and `file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Value>,
    /// Greatest value, as `min`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Value>,
    /// Fewest characters (`text`, `textarea`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u32>,
    /// Most characters (`text`, `textarea`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    /// A regular expression the whole answer must match (`text`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visible_if: Option<Condition>,
    /// The section (step) it belongs to; none: the first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    /// For `money`: the ISO 4217 currency (`CNY`, `EUR`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// For `reference`: what it points at (`request`, or a record type's key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

impl Field {
    /// A field of `kind` with nothing else set.
    pub fn new(key: &str, label: Label, kind: FieldType) -> Self {
        Field {
            key: key.to_string(),
            label,
            kind,
            required: false,
            help: None,
            default: None,
            options: Vec::new(),
            min: None,
            max: None,
            min_length: None,
            max_length: None,
            pattern: None,
            visible_if: None,
            section: None,
            currency: None,
            reference: None,
        }
    }
}

/// A form: its sections (steps) and fields, in order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormSchema {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sections: Vec<Section>,
    #[serde(default)]
    pub fields: Vec<Field>,
}

fn valid_key(k: &str) -> bool {
    let mut chars = k.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && k.len() <= 40
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Digits after the point of a currency's minor unit.
pub fn currency_decimals(currency: &str) -> u32 {
    match currency {
        "JPY" | "KRW" | "VND" | "CLP" | "ISK" | "HUF" | "TWD" => 0,
        "BHD" | "KWD" | "OMR" | "JOD" | "TND" => 3,
        _ => 2,
    }
}

fn valid_currency(c: &str) -> bool {
    c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase())
}

fn compile(pattern: &str) -> Option<regex::Regex> {
    regex::RegexBuilder::new(&format!("^(?:{pattern})$"))
        .size_limit(1 << 20)
        .build()
        .ok()
}

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|f| f.is_finite())
}

fn as_count(v: &Value) -> Option<usize> {
    v.as_u64().and_then(|n| usize::try_from(n).ok())
}

fn parse_date(s: &str) -> Option<time::Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s.trim(), &fmt).ok()
}

impl FormSchema {
    /// The field with `key`.
    pub fn field(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// Checks a schema as an administrator wrote it; errors name `form.fields[i].<part>`.
    pub fn check(&self) -> Result<(), ValidationErrors> {
        let mut errors = Vec::new();
        let mut err = |field: String, code: &'static str, message: &str| {
            errors.push(FieldError::new(field, code, message));
        };
        if self.fields.len() > MAX_FIELDS {
            err(
                "form.fields".into(),
                "too_many",
                &format!("a form has at most {MAX_FIELDS} fields"),
            );
        }
        let mut sections = BTreeSet::new();
        for (i, s) in self.sections.iter().enumerate() {
            let at = format!("form.sections[{i}]");
            if !valid_key(&s.key) {
                err(
                    format!("{at}.key"),
                    "invalid_format",
                    "lower-case letters, digits and _, starting with a letter (at most 40)",
                );
            } else if !sections.insert(s.key.as_str()) {
                err(
                    format!("{at}.key"),
                    "conflict",
                    "another section has this key",
                );
            }
            if s.title.is_blank() || s.title.too_long() {
                err(
                    format!("{at}.title"),
                    "required",
                    "a title of at most 300 characters",
                );
            }
        }
        let mut seen: BTreeMap<&str, &Field> = BTreeMap::new();
        for (i, f) in self.fields.iter().enumerate() {
            let at = format!("form.fields[{i}]");
            if !valid_key(&f.key) {
                err(
                    format!("{at}.key"),
                    "invalid_format",
                    "lower-case letters, digits and _, starting with a letter (at most 40)",
                );
            } else if seen.contains_key(f.key.as_str()) {
                err(
                    format!("{at}.key"),
                    "conflict",
                    "another field has this key",
                );
            }
            if f.label.is_blank() {
                err(format!("{at}.label"), "required", "give the field a label");
            } else if f.label.too_long() {
                err(
                    format!("{at}.label"),
                    "too_long",
                    "a label has at most 300 characters",
                );
            }
            if f.help.as_ref().is_some_and(Label::too_long) {
                err(
                    format!("{at}.help"),
                    "too_long",
                    "help has at most 300 characters",
                );
            }
            // Options.
            if f.kind.has_options() {
                if f.options.is_empty() {
                    err(
                        format!("{at}.options"),
                        "required",
                        "a select needs at least one option",
                    );
                } else if f.options.len() > MAX_OPTIONS {
                    err(
                        format!("{at}.options"),
                        "too_many",
                        &format!("at most {MAX_OPTIONS} options"),
                    );
                }
                let mut values = BTreeSet::new();
                for (j, o) in f.options.iter().enumerate() {
                    let v = o.value.trim();
                    if v.is_empty() || v.chars().count() > 100 || v.chars().any(char::is_control) {
                        err(
                            format!("{at}.options[{j}].value"),
                            "invalid_format",
                            "an option's value is 1 to 100 characters",
                        );
                    } else if !values.insert(v) {
                        err(
                            format!("{at}.options[{j}].value"),
                            "conflict",
                            "another option has this value",
                        );
                    }
                    if o.label.is_blank() || o.label.too_long() {
                        err(
                            format!("{at}.options[{j}].label"),
                            "required",
                            "an option's label is 1 to 300 characters",
                        );
                    }
                }
            } else if !f.options.is_empty() {
                err(
                    format!("{at}.options"),
                    "not_allowed",
                    "only a select or multiselect has options",
                );
            }
            // Bounds.
            let bound_ok = |v: &Value| match f.kind {
                FieldType::Number | FieldType::Money => as_f64(v).is_some(),
                FieldType::Date => v.as_str().and_then(parse_date).is_some(),
                FieldType::Multiselect | FieldType::File => as_count(v).is_some(),
                _ => false,
            };
            for (name, b) in [("min", &f.min), ("max", &f.max)] {
                if let Some(v) = b
                    && !bound_ok(v)
                {
                    err(
                        format!("{at}.{name}"),
                        "invalid_format",
                        "a number (number, money), a date YYYY-MM-DD (date) or a count (multiselect, file)",
                    );
                }
            }
            if let (Some(lo), Some(hi)) = (&f.min, &f.max)
                && bound_ok(lo)
                && bound_ok(hi)
            {
                let wrong = match f.kind {
                    FieldType::Date => {
                        lo.as_str().and_then(parse_date) > hi.as_str().and_then(parse_date)
                    }
                    _ => as_f64(lo).unwrap_or(0.0) > as_f64(hi).unwrap_or(0.0),
                };
                if wrong {
                    err(format!("{at}.max"), "out_of_range", "max is less than min");
                }
            }
            if f.min_length.is_some() || f.max_length.is_some() {
                if !f.kind.has_length() {
                    err(
                        format!("{at}.max_length"),
                        "not_allowed",
                        "only text and textarea have lengths",
                    );
                } else {
                    let hard = if f.kind == FieldType::Text {
                        MAX_TEXT_CHARS
                    } else {
                        MAX_TEXTAREA_CHARS
                    };
                    if f.max_length.is_some_and(|m| m == 0 || m as usize > hard) {
                        err(
                            format!("{at}.max_length"),
                            "out_of_range",
                            &format!("from 1 to {hard}"),
                        );
                    }
                    if let (Some(lo), Some(hi)) = (f.min_length, f.max_length)
                        && lo > hi
                    {
                        err(
                            format!("{at}.min_length"),
                            "out_of_range",
                            "min_length is more than max_length",
                        );
                    }
                }
            }
            if let Some(p) = &f.pattern {
                if f.kind != FieldType::Text {
                    err(
                        format!("{at}.pattern"),
                        "not_allowed",
                        "only a text field has a pattern",
                    );
                } else if p.is_empty()
                    || p.chars().count() > MAX_PATTERN_CHARS
                    || compile(p).is_none()
                {
                    err(
                        format!("{at}.pattern"),
                        "invalid_format",
                        "a regular expression of at most 200 characters",
                    );
                }
            }
            match (f.kind, &f.currency) {
                (FieldType::Money, Some(c)) if valid_currency(c) => {}
                (FieldType::Money, _) => err(
                    format!("{at}.currency"),
                    "invalid_format",
                    "a money field needs its currency, such as CNY",
                ),
                (_, Some(_)) => err(
                    format!("{at}.currency"),
                    "not_allowed",
                    "only a money field has a currency",
                ),
                _ => {}
            }
            match (f.kind, &f.reference) {
                (FieldType::Reference, Some(r)) if valid_key(r) => {}
                (FieldType::Reference, None) => {}
                (FieldType::Reference, Some(_)) => err(
                    format!("{at}.reference"),
                    "invalid_format",
                    "what it refers to: request, or a record type's key",
                ),
                (_, Some(_)) => err(
                    format!("{at}.reference"),
                    "not_allowed",
                    "only a reference field refers to something",
                ),
                _ => {}
            }
            if let Some(s) = &f.section
                && !sections.contains(s.as_str())
            {
                err(
                    format!("{at}.section"),
                    "not_found",
                    "no section has this key",
                );
            }
            if let Some(c) = &f.visible_if {
                match seen.get(c.field.as_str()) {
                    None => err(
                        format!("{at}.visible_if.field"),
                        "not_found",
                        "a condition looks at a field declared before this one",
                    ),
                    Some(target) => {
                        let values: Vec<&Value> = match (&c.equals, &c.any_of) {
                            (Some(v), None) => vec![v],
                            (None, Some(vs)) if !vs.is_empty() => vs.iter().collect(),
                            _ => {
                                err(
                                    format!("{at}.visible_if"),
                                    "invalid_format",
                                    "give either equals or a non-empty in",
                                );
                                Vec::new()
                            }
                        };
                        for v in values {
                            if !condition_value_fits(target, v) {
                                err(
                                    format!("{at}.visible_if"),
                                    "invalid_choice",
                                    "the value cannot be an answer of that field",
                                );
                                break;
                            }
                        }
                    }
                }
            }
            if let Some(d) = &f.default {
                let mut probe = f.clone();
                probe.required = false;
                if let Err(e) = parse_value(&probe, d) {
                    err(format!("{at}.default"), e.code, &e.message);
                }
            }
            if valid_key(&f.key) {
                seen.entry(f.key.as_str()).or_insert(f);
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ValidationErrors(errors))
        }
    }

    /// Which fields are shown for these answers (in field order). Decided in order: a condition is met
    /// when the field it looks at is shown and its answer (as [`FormSchema::validate`] reads it) fits.
    pub fn visibility(&self, input: &Map<String, Value>) -> Vec<bool> {
        let mut shown: Vec<bool> = Vec::with_capacity(self.fields.len());
        let mut answers: BTreeMap<&str, Option<Value>> = BTreeMap::new();
        for f in &self.fields {
            let visible = match &f.visible_if {
                None => true,
                Some(c) => answers
                    .get(c.field.as_str())
                    .and_then(|a| a.as_ref())
                    .is_some_and(|a| condition_met(c, a)),
            };
            let answer = if visible {
                submitted(f, input).and_then(|raw| parse_value(f, raw).ok().flatten())
            } else {
                None
            };
            answers.insert(f.key.as_str(), answer);
            shown.push(visible);
        }
        shown
    }

    /// Validates a submission: every key must be a field of the form; shown fields are read by their
    /// type and rules; hidden fields are dropped. The answers kept, by key, or every problem, each
    /// naming `fields.<key>`.
    pub fn validate(
        &self,
        input: &Map<String, Value>,
    ) -> Result<Map<String, Value>, ValidationErrors> {
        let mut errors = Vec::new();
        for key in input.keys() {
            if self.field(key).is_none() {
                errors.push(FieldError::new(
                    format!("fields.{key}"),
                    "not_in_form",
                    "this form has no such field",
                ));
            }
        }
        let shown = self.visibility(input);
        let mut out = Map::new();
        for (f, visible) in self.fields.iter().zip(shown) {
            if !visible {
                continue;
            }
            let raw = submitted(f, input);
            match raw.map(|r| parse_value(f, r)).unwrap_or(Ok(None)) {
                Ok(Some(v)) => {
                    out.insert(f.key.clone(), v);
                }
                Ok(None) if f.required => errors.push(FieldError::new(
                    format!("fields.{}", f.key),
                    "required",
                    "this field is required",
                )),
                Ok(None) => {}
                Err(mut e) => {
                    e.field = format!("fields.{}", f.key);
                    errors.push(e);
                }
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(ValidationErrors(errors))
        }
    }
}

/// What was sent for `f`, or its default when the key was left out.
fn submitted<'a>(f: &'a Field, input: &'a Map<String, Value>) -> Option<&'a Value> {
    match input.get(&f.key) {
        Some(v) => Some(v),
        None => f.default.as_ref(),
    }
}

fn condition_value_fits(target: &Field, v: &Value) -> bool {
    match target.kind {
        FieldType::Select | FieldType::Multiselect => v
            .as_str()
            .is_some_and(|s| target.options.iter().any(|o| o.value == s)),
        FieldType::Checkbox => v.is_boolean(),
        FieldType::Number | FieldType::Money => as_f64(v).is_some(),
        FieldType::File => false,
        _ => v.is_string(),
    }
}

/// Whether an answer (as read) meets a condition.
fn condition_met(c: &Condition, answer: &Value) -> bool {
    let wanted: Vec<&Value> = match (&c.equals, &c.any_of) {
        (Some(v), _) => vec![v],
        (None, Some(vs)) => vs.iter().collect(),
        (None, None) => return false,
    };
    let same = |a: &Value, w: &Value| match (a, w) {
        (Value::Number(_), _) | (_, Value::Number(_)) => {
            as_f64(a).zip(as_f64(w)).is_some_and(|(x, y)| x == y)
        }
        (Value::Object(m), _) => m
            .get("amount")
            .and_then(Value::as_str)
            .zip(as_f64(w))
            .and_then(|(s, y)| s.parse::<f64>().ok().map(|x| x == y))
            .unwrap_or(false),
        _ => a == w,
    };
    match answer {
        Value::Array(items) => items.iter().any(|i| wanted.iter().any(|w| same(i, w))),
        a => wanted.iter().any(|w| same(a, w)),
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

fn bad(code: &'static str, message: impl Into<String>) -> FieldError {
    FieldError::new("", code, message)
}

/// Reads one answer by the field's type and rules: `Ok(None)` when it is empty (a checkbox left
/// unticked counts as empty), else the value as kept.
fn parse_value(f: &Field, raw: &Value) -> Result<Option<Value>, FieldError> {
    if is_empty(raw) {
        return Ok(None);
    }
    let text = |max_default: usize, multiline: bool| -> Result<Option<Value>, FieldError> {
        let s = raw
            .as_str()
            .ok_or_else(|| bad("invalid_format", "text is expected"))?;
        let s = if multiline { s.trim_end() } else { s.trim() };
        if s.chars()
            .any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
        {
            return Err(bad("invalid_format", "control characters are not allowed"));
        }
        let n = s.chars().count();
        let max = f.max_length.map_or(max_default, |m| m as usize);
        if n > max {
            return Err(bad("too_long", format!("at most {max} characters")));
        }
        if let Some(min) = f.min_length
            && n < min as usize
        {
            return Err(bad("too_short", format!("at least {min} characters")));
        }
        if let Some(p) = &f.pattern
            && !compile(p).is_some_and(|re| re.is_match(s))
        {
            return Err(bad("invalid_format", "this is not in the expected format"));
        }
        Ok(Some(Value::String(s.to_string())))
    };
    match f.kind {
        FieldType::Text => text(MAX_TEXT_CHARS, false),
        FieldType::Textarea => text(MAX_TEXTAREA_CHARS, true),
        FieldType::Number => {
            let n = as_f64(raw).ok_or_else(|| bad("invalid_format", "a number is expected"))?;
            check_range(f, n)?;
            let v = if n.fract() == 0.0 && n.abs() < 9e15 {
                Value::Number(Number::from(n as i64))
            } else {
                Number::from_f64(n)
                    .map(Value::Number)
                    .ok_or_else(|| bad("invalid_format", "a number is expected"))?
            };
            Ok(Some(v))
        }
        FieldType::Money => {
            let currency = f.currency.as_deref().unwrap_or("CNY");
            let decimals = currency_decimals(currency);
            let minor = parse_money(raw, decimals).ok_or_else(|| {
                bad(
                    "invalid_format",
                    format!("an amount such as 12.50 (at most {decimals} decimals)"),
                )
            })?;
            let major = minor as f64 / 10f64.powi(decimals as i32);
            check_range(f, major)?;
            let mut m = Map::new();
            m.insert(
                "amount".into(),
                Value::String(format_minor(minor, decimals)),
            );
            m.insert("minor".into(), Value::Number(Number::from(minor)));
            m.insert("currency".into(), Value::String(currency.to_string()));
            Ok(Some(Value::Object(m)))
        }
        FieldType::Date => {
            let d = raw
                .as_str()
                .and_then(parse_date)
                .ok_or_else(|| bad("invalid_format", "a date such as 2027-03-31"))?;
            let bound = |b: &Option<Value>| b.as_ref().and_then(Value::as_str).and_then(parse_date);
            if bound(&f.min).is_some_and(|lo| d < lo) || bound(&f.max).is_some_and(|hi| d > hi) {
                return Err(bad("out_of_range", "the date is outside the allowed range"));
            }
            Ok(Some(Value::String(format!(
                "{:04}-{:02}-{:02}",
                d.year(),
                u8::from(d.month()),
                d.day()
            ))))
        }
        FieldType::Select => {
            let s = raw
                .as_str()
                .map(str::trim)
                .ok_or_else(|| bad("invalid_choice", "choose one of the options"))?;
            if f.options.iter().any(|o| o.value == s) {
                Ok(Some(Value::String(s.to_string())))
            } else {
                Err(bad("invalid_choice", "choose one of the options"))
            }
        }
        FieldType::Multiselect => {
            let items: Vec<&Value> = match raw {
                Value::Array(a) => a.iter().collect(),
                v => vec![v],
            };
            let mut chosen: Vec<String> = Vec::new();
            for i in items {
                let s = i
                    .as_str()
                    .map(str::trim)
                    .filter(|s| f.options.iter().any(|o| o.value == *s))
                    .ok_or_else(|| bad("invalid_choice", "choose among the options"))?;
                if !chosen.iter().any(|c| c == s) {
                    chosen.push(s.to_string());
                }
            }
            check_count(f, chosen.len(), f.options.len())?;
            // Kept in the options' order, whatever order they came in.
            let order = |v: &String| f.options.iter().position(|o| &o.value == v);
            chosen.sort_by_key(order);
            Ok(Some(Value::Array(
                chosen.into_iter().map(Value::String).collect(),
            )))
        }
        FieldType::Checkbox => {
            let on = match raw {
                Value::Bool(b) => *b,
                Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                    "on" | "true" | "yes" | "1" => true,
                    "off" | "false" | "no" | "0" => false,
                    _ => return Err(bad("invalid_format", "tick the box, or not")),
                },
                _ => return Err(bad("invalid_format", "tick the box, or not")),
            };
            Ok(on.then_some(Value::Bool(true)))
        }
        FieldType::Email => {
            let s = raw
                .as_str()
                .ok_or_else(|| bad("invalid_format", "an e-mail address is expected"))?;
            let e = Email::parse("", s).map_err(|e| bad(e.code, e.message))?;
            Ok(Some(Value::String(e.as_str().to_string())))
        }
        FieldType::Phone => {
            let s = raw
                .as_str()
                .map(str::trim)
                .ok_or_else(|| bad("invalid_format", "a phone number is expected"))?;
            let digits = s.chars().filter(char::is_ascii_digit).count();
            let ok = s.chars().count() <= 32
                && (5..=20).contains(&digits)
                && s.chars().enumerate().all(|(i, c)| {
                    c.is_ascii_digit()
                        || matches!(c, ' ' | '-' | '(' | ')' | '.')
                        || (c == '+' && i == 0)
                });
            if ok {
                Ok(Some(Value::String(s.to_string())))
            } else {
                Err(bad(
                    "invalid_format",
                    "digits, and if needed a leading +, spaces, dashes and brackets",
                ))
            }
        }
        FieldType::File => {
            let items: Vec<&Value> = match raw {
                Value::Array(a) => a.iter().collect(),
                v => vec![v],
            };
            let mut ids: Vec<i64> = Vec::new();
            for i in items {
                let id = match i {
                    Value::Number(n) => n.as_i64(),
                    Value::String(s) => s.trim().parse::<i64>().ok(),
                    _ => None,
                }
                .filter(|id| *id > 0)
                .ok_or_else(|| {
                    bad(
                        "invalid_format",
                        "files are named by the ids their upload gave",
                    )
                })?;
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            check_count(f, ids.len(), MAX_FILES)?;
            Ok(Some(Value::Array(
                ids.into_iter().map(Value::from).collect(),
            )))
        }
        FieldType::Reference => {
            let s = raw
                .as_str()
                .map(str::trim)
                .ok_or_else(|| bad("invalid_format", "a reference such as REQ-000123"))?;
            let mut chars = s.chars();
            let ok = s.len() <= 64
                && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
                && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
            if ok {
                Ok(Some(Value::String(s.to_string())))
            } else {
                Err(bad("invalid_format", "a reference such as REQ-000123"))
            }
        }
    }
}

fn check_range(f: &Field, n: f64) -> Result<(), FieldError> {
    if let Some(lo) = f.min.as_ref().and_then(as_f64)
        && n < lo
    {
        return Err(bad("out_of_range", format!("at least {lo}")));
    }
    if let Some(hi) = f.max.as_ref().and_then(as_f64)
        && n > hi
    {
        return Err(bad("out_of_range", format!("at most {hi}")));
    }
    Ok(())
}

fn check_count(f: &Field, n: usize, hard_max: usize) -> Result<(), FieldError> {
    let max = f
        .max
        .as_ref()
        .and_then(as_count)
        .unwrap_or(hard_max)
        .min(hard_max);
    if n > max {
        return Err(bad("too_many", format!("at most {max}")));
    }
    if let Some(min) = f.min.as_ref().and_then(as_count)
        && n < min
    {
        return Err(bad("too_few", format!("at least {min}")));
    }
    Ok(())
}

/// An amount typed as `12`, `12.5`, `1,234.50` or sent as a JSON number, in minor units; `None` when it
/// is not one, has more decimals than the currency, or is negative or too large.
fn parse_money(raw: &Value, decimals: u32) -> Option<i64> {
    let s = match raw {
        Value::String(s) => s.trim().replace([',', ' '], ""),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, f),
        None => (s.as_str(), ""),
    };
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > decimals as usize
        || whole.len() > 15
    {
        return None;
    }
    let scale = 10i64.pow(decimals);
    let w: i64 = whole.parse().ok()?;
    let f: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<width$}", width = decimals as usize)
            .parse()
            .ok()?
    };
    let minor = w.checked_mul(scale)?.checked_add(f)?;
    (minor <= MAX_MINOR).then_some(minor)
}

fn format_minor(minor: i64, decimals: u32) -> String {
    if decimals == 0 {
        return minor.to_string();
    }
    let scale = 10i64.pow(decimals);
    format!(
        "{}.{:0width$}",
        minor / scale,
        minor % scale,
        width = decimals as usize
    )
}

#[cfg(test)]
mod tests;
