#![allow(clippy::unwrap_used, reason = "tests")]

use serde_json::json;

use super::*;

fn schema(v: Value) -> FormSchema {
    serde_json::from_value(v).unwrap()
}

fn input(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// The fields named by a failed validation, with their codes.
fn problems(s: &FormSchema, v: Value) -> Vec<(String, &'static str)> {
    match s.validate(&input(v)) {
        Ok(_) => Vec::new(),
        Err(e) => e.0.into_iter().map(|e| (e.field, e.code)).collect(),
    }
}

fn kept(s: &FormSchema, v: Value) -> Value {
    Value::Object(s.validate(&input(v)).unwrap())
}

fn refund() -> FormSchema {
    schema(json!({
        "sections": [
            {"key": "order", "title": {"en": "Your order", "zh-CN": "您的订单"}},
            {"key": "problem", "title": "What happened"}
        ],
        "fields": [
            {"key": "order_number", "label": "Order number", "type": "reference", "required": true, "reference": "order", "section": "order"},
            {"key": "reason", "label": {"en": "Reason", "zh-CN": "原因"}, "type": "select", "required": true, "section": "problem",
             "options": [{"value": "damaged", "label": "Damaged"}, {"value": "wrong_item", "label": "Wrong item"}, {"value": "changed_mind", "label": "Changed my mind"}]},
            {"key": "photo", "label": "Photo of the damage", "type": "file", "required": true, "max": 3,
             "visible_if": {"field": "reason", "equals": "damaged"}, "section": "problem"},
            {"key": "damage_kind", "label": "What is damaged", "type": "multiselect", "min": 1,
             "options": [{"value": "box", "label": "Box"}, {"value": "item", "label": "Item"}],
             "visible_if": {"field": "reason", "in": ["damaged"]}},
            {"key": "item_broken", "label": "Item still works?", "type": "checkbox",
             "visible_if": {"field": "damage_kind", "equals": "item"}},
            {"key": "amount", "label": "Amount", "type": "money", "currency": "CNY", "min": 0.01, "max": 5000},
            {"key": "bought_on", "label": "Bought on", "type": "date", "min": "2020-01-01", "max": "2030-12-31"},
            {"key": "details", "label": "Details", "type": "textarea", "max_length": 2000},
            {"key": "contact_email", "label": "E-mail", "type": "email"},
            {"key": "phone", "label": "Phone", "type": "phone"},
            {"key": "quantity", "label": "Quantity", "type": "number", "min": 1, "max": 99, "default": 1},
            {"key": "postcode", "label": "Postcode", "type": "text", "pattern": "[0-9]{6}", "min_length": 6}
        ]
    }))
}

#[test]
fn the_refund_form_is_a_valid_schema_and_labels_read_in_both_languages() {
    let s = refund();
    s.check().unwrap();
    assert_eq!(s.fields[1].label.get(Locale::ZhCn), "原因");
    assert_eq!(s.fields[0].label.get(Locale::ZhCn), "Order number");
    // A schema survives a round trip as JSON.
    let again: FormSchema = serde_json::from_value(serde_json::to_value(&s).unwrap()).unwrap();
    assert_eq!(again, s);
}

#[test]
fn every_type_reads_good_answers_and_keeps_them_normalised() {
    let s = refund();
    let v = kept(
        &s,
        json!({
            "order_number": " ORD-2026-0042 ",
            "reason": "damaged",
            "photo": ["12", 7, 12],
            "damage_kind": ["item", "box", "item"],
            "item_broken": "on",
            "amount": "1,234.5",
            "bought_on": "2026-11-30",
            "details": "The lid\ncracked.\n\n",
            "contact_email": "Ada@Example.COM",
            "phone": "+86 (10) 6552-9988",
            "quantity": "3",
            "postcode": "100020"
        }),
    );
    assert_eq!(v["order_number"], "ORD-2026-0042");
    assert_eq!(v["photo"], json!([12, 7]));
    assert_eq!(
        v["damage_kind"],
        json!(["box", "item"]),
        "in the options' order, once each"
    );
    assert_eq!(v["item_broken"], true);
    assert_eq!(
        v["amount"],
        json!({"amount": "1234.50", "minor": 123450, "currency": "CNY"})
    );
    assert_eq!(v["bought_on"], "2026-11-30");
    assert_eq!(v["details"], "The lid\ncracked.");
    assert_eq!(v["quantity"], 3);
    assert_eq!(v["postcode"], "100020");
    assert_eq!(
        v["contact_email"]
            .as_str()
            .map(str::to_lowercase)
            .as_deref(),
        Some("ada@example.com")
    );
}

#[test]
fn every_rule_refuses_what_breaks_it_naming_the_field() {
    let s = refund();
    let base = json!({"order_number": "ORD-1", "reason": "changed_mind"});
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    let cases: Vec<(&str, Value, &str)> = vec![
        ("order_number", json!("ORD 1; DROP"), "invalid_format"),
        ("order_number", json!(42), "invalid_format"),
        ("reason", json!("bored"), "invalid_choice"),
        ("amount", json!("12.345"), "invalid_format"),
        ("amount", json!("-3"), "invalid_format"),
        ("amount", json!("0"), "out_of_range"),
        ("amount", json!("5000.01"), "out_of_range"),
        ("amount", json!("ten"), "invalid_format"),
        ("bought_on", json!("2026-02-30"), "invalid_format"),
        ("bought_on", json!("2019-12-31"), "out_of_range"),
        ("details", json!("x".repeat(2001)), "too_long"),
        ("details", json!("bell\u{7}"), "invalid_format"),
        ("contact_email", json!("not an address"), "invalid_format"),
        ("phone", json!("call me"), "invalid_format"),
        ("phone", json!("+1+2345678"), "invalid_format"),
        ("quantity", json!("0"), "out_of_range"),
        ("quantity", json!("many"), "invalid_format"),
        ("quantity", json!(true), "invalid_format"),
        ("postcode", json!("12345a"), "invalid_format"),
        ("postcode", json!("12345"), "too_short"),
        ("postcode", json!("line\nbreak"), "invalid_format"),
    ];
    for (field, value, code) in cases {
        let got = problems(&s, with(field, value.clone()));
        assert_eq!(
            got,
            vec![(format!("fields.{field}"), code)],
            "{field} = {value}"
        );
    }
    // Several problems at once, each named.
    let got = problems(&s, json!({"reason": "bored", "quantity": "x"}));
    assert!(got.contains(&("fields.order_number".into(), "required")));
    assert!(got.contains(&("fields.reason".into(), "invalid_choice")));
    assert!(got.contains(&("fields.quantity".into(), "invalid_format")));
}

#[test]
fn fields_not_in_the_form_are_refused() {
    let s = refund();
    let got = problems(
        &s,
        json!({"order_number": "A1", "reason": "changed_mind", "is_admin": true}),
    );
    assert_eq!(got, vec![("fields.is_admin".to_string(), "not_in_form")]);
}

#[test]
fn hidden_fields_are_neither_required_nor_kept_and_conditions_chain() {
    let s = refund();
    // Not damaged: the photo is not required, and whatever was sent for hidden fields is dropped.
    let v = kept(
        &s,
        json!({"order_number": "A1", "reason": "wrong_item", "photo": [1], "damage_kind": ["item"], "item_broken": true}),
    );
    assert!(v.get("photo").is_none() && v.get("damage_kind").is_none());
    assert!(
        v.get("item_broken").is_none(),
        "its controlling field is hidden"
    );
    // Damaged: the photo is required now, and the multiselect's minimum applies.
    assert_eq!(
        problems(
            &s,
            json!({"order_number": "A1", "reason": "damaged", "damage_kind": []})
        ),
        vec![("fields.photo".to_string(), "required")]
    );
    // A chain: the checkbox shows only when the item (not just the box) is damaged.
    let shown = s.visibility(&input(json!({"reason": "damaged", "damage_kind": ["box"]})));
    let at = |k: &str| s.fields.iter().position(|f| f.key == k).unwrap();
    assert!(shown[at("photo")] && shown[at("damage_kind")] && !shown[at("item_broken")]);
    let shown = s.visibility(&input(
        json!({"reason": "damaged", "damage_kind": ["box", "item"]}),
    ));
    assert!(shown[at("item_broken")]);
    // A controlling answer that is not valid shows nothing that depends on it.
    let shown = s.visibility(&input(json!({"reason": "exploded"})));
    assert!(!shown[at("photo")]);
}

#[test]
fn defaults_fill_left_out_keys_and_checkboxes_read_form_values() {
    let s = refund();
    let v = kept(&s, json!({"order_number": "A1", "reason": "changed_mind"}));
    assert_eq!(v["quantity"], 1);
    // Sent empty on purpose: no default, and the field is optional.
    let v = kept(
        &s,
        json!({"order_number": "A1", "reason": "changed_mind", "quantity": ""}),
    );
    assert!(v.get("quantity").is_none());
    let agree = schema(json!({"fields": [
        {"key": "agree", "label": "I agree", "type": "checkbox", "required": true}
    ]}));
    assert_eq!(
        problems(&agree, json!({"agree": "off"})),
        vec![("fields.agree".to_string(), "required")]
    );
    assert_eq!(
        problems(&agree, json!({})),
        vec![("fields.agree".to_string(), "required")]
    );
    assert_eq!(kept(&agree, json!({"agree": "on"}))["agree"], true);
    assert_eq!(
        problems(&agree, json!({"agree": "perhaps"})),
        vec![("fields.agree".to_string(), "invalid_format")]
    );
}

#[test]
fn counts_of_choices_and_files_are_bounded() {
    let s = schema(json!({"fields": [
        {"key": "topics", "label": "Topics", "type": "multiselect", "min": 2, "max": 2,
         "options": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}, {"value": "c", "label": "C"}]},
        {"key": "files", "label": "Files", "type": "file", "max": 2}
    ]}));
    s.check().unwrap();
    assert_eq!(
        problems(&s, json!({"topics": ["a"]})),
        vec![("fields.topics".to_string(), "too_few")]
    );
    assert_eq!(
        problems(&s, json!({"topics": ["a", "b", "c"]})),
        vec![("fields.topics".to_string(), "too_many")]
    );
    assert_eq!(
        problems(&s, json!({"topics": ["a", "z"]})),
        vec![("fields.topics".to_string(), "invalid_choice")]
    );
    assert_eq!(
        problems(&s, json!({"files": [1, 2, 3]})),
        vec![("fields.files".to_string(), "too_many")]
    );
    assert_eq!(
        problems(&s, json!({"files": ["x"]})),
        vec![("fields.files".to_string(), "invalid_format")]
    );
    assert_eq!(
        problems(&s, json!({"files": [-4]})),
        vec![("fields.files".to_string(), "invalid_format")]
    );
    // A single value from a plain HTML form is a list of one.
    assert_eq!(kept(&s, json!({"files": "9"}))["files"], json!([9]));
}

#[test]
fn money_follows_its_currency() {
    let yen = schema(json!({"fields": [
        {"key": "fee", "label": "Fee", "type": "money", "currency": "JPY"}
    ]}));
    yen.check().unwrap();
    assert_eq!(
        kept(&yen, json!({"fee": "1500"}))["fee"],
        json!({"amount": "1500", "minor": 1500, "currency": "JPY"})
    );
    assert_eq!(
        problems(&yen, json!({"fee": "1500.5"})),
        vec![("fields.fee".to_string(), "invalid_format")]
    );
    assert_eq!(
        problems(&yen, json!({"fee": "9".repeat(30)})),
        vec![("fields.fee".to_string(), "invalid_format")]
    );
    assert_eq!(
        kept(
            &refund(),
            json!({"order_number": "A", "reason": "changed_mind", "amount": 19.9})
        )["amount"]["minor"],
        1990
    );
}

#[test]
fn bad_schemas_are_refused_naming_the_part() {
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"fields": [{"key": "Bad Key", "label": "x", "type": "text"}]}),
            "form.fields[0].key",
        ),
        (
            json!({"fields": [{"key": "a", "label": "x", "type": "text"}, {"key": "a", "label": "y", "type": "text"}]}),
            "form.fields[1].key",
        ),
        (
            json!({"fields": [{"key": "a", "label": "", "type": "text"}]}),
            "form.fields[0].label",
        ),
        (
            json!({"fields": [{"key": "a", "label": "x", "type": "select"}]}),
            "form.fields[0].options",
        ),
        (
            json!({"fields": [{"key": "a", "label": "x", "type": "select", "options": [{"value": "v", "label": "V"}, {"value": "v", "label": "W"}]}]}),
            "form.fields[0].options[1].value",
        ),
        (
            json!({"fields": [{"key": "a", "label": "x", "type": "text", "options": [{"value": "v", "label": "V"}]}]}),
            "form.fields[0].options",
        ),
        (
            json!({"fields": [{"key": "a", "label": "x", "type": "number", "min": 5, "max": 1}]}),
            "form.fields[0].max",
        ),
        (
            json!({"fields": [{"key": "a", "label": "x", "type": "number", "min": "lots"}]}),
            "form.fields[0].min",
        ),
        (
            json!({"fields": [{"key": "a", "label": "x", "type": "text", "pattern": "(unclosed"}]}),
            "form.fields[0].pattern",
        ),
        (
            json!({"fields": [{"key": "a", "label": "x", "type": "number", "pattern": "[0-9]+"}]}),
            "form.fields[0].pattern",
        ),
        (
            json!({"fields": [{"key": "a", "label": "x", "type": "money"}]}),
            "form.fields[0].currency",
        ),
        (
            json!({"fields": [{"key": "a", "label": "x", "type": "text", "max_length": 100000}]}),
            "form.fields[0].max_length",
        ),
        (
            json!({"fields": [{"key": "a", "label": "x", "type": "number", "max_length": 3}]}),
            "form.fields[0].max_length",
        ),
        (
            json!({"fields": [{"key": "a", "label": "x", "type": "text", "section": "nowhere"}]}),
            "form.fields[0].section",
        ),
        (
            // A condition on a later field (or itself) could loop: refused.
            json!({"fields": [{"key": "a", "label": "x", "type": "text", "visible_if": {"field": "b", "equals": "y"}}, {"key": "b", "label": "y", "type": "text"}]}),
            "form.fields[0].visible_if.field",
        ),
        (
            json!({"fields": [{"key": "a", "label": "x", "type": "text", "visible_if": {"field": "a", "equals": "y"}}]}),
            "form.fields[0].visible_if.field",
        ),
        (
            json!({"fields": [{"key": "s", "label": "S", "type": "select", "options": [{"value": "v", "label": "V"}]}, {"key": "b", "label": "y", "type": "text", "visible_if": {"field": "s", "equals": "nope"}}]}),
            "form.fields[1].visible_if",
        ),
        (
            json!({"fields": [{"key": "s", "label": "S", "type": "text"}, {"key": "b", "label": "y", "type": "text", "visible_if": {"field": "s"}}]}),
            "form.fields[1].visible_if",
        ),
        (
            json!({"fields": [{"key": "a", "label": "x", "type": "number", "default": "many"}]}),
            "form.fields[0].default",
        ),
        (
            json!({"fields": [{"key": "a", "label": "x", "type": "text", "reference": "order"}]}),
            "form.fields[0].reference",
        ),
    ];
    for (v, field) in cases {
        let s = schema(v.clone());
        let e = s.check().expect_err(&v.to_string());
        assert!(
            e.0.iter().any(|x| x.field == field),
            "{v}: wanted {field}, got {:?}",
            e.0
        );
    }
    // Unknown types and unknown settings do not even parse.
    assert!(
        serde_json::from_value::<FormSchema>(
            json!({"fields": [{"key": "a", "label": "x", "type": "colour"}]})
        )
        .is_err()
    );
    assert!(
        serde_json::from_value::<FormSchema>(
            json!({"fields": [{"key": "a", "label": "x", "type": "text", "colour": 1}]})
        )
        .is_err()
    );
    let many = Value::Array(
        (0..61)
            .map(|i| json!({"key": format!("f{i}"), "label": "x", "type": "text"}))
            .collect(),
    );
    assert!(schema(json!({"fields": many})).check().is_err());
}

#[test]
fn hostile_patterns_cannot_blow_up() {
    // The regex engine runs in linear time; a pattern that would backtrack for ever elsewhere is fine.
    let s = schema(json!({"fields": [
        {"key": "a", "label": "x", "type": "text", "pattern": "(a+)+$"}
    ]}));
    s.check().unwrap();
    let long = format!("{}!", "a".repeat(400));
    assert_eq!(
        problems(&s, json!({ "a": long })),
        vec![("fields.a".to_string(), "invalid_format")]
    );
}
