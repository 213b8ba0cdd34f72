//! The index on its own: analysis, ranking, filters, follow state and the directory lifecycle.

#![allow(clippy::unwrap_used, reason = "tests")]

use portico_search::{Audience, Change, FollowState, SearchDoc, SearchIndex, SearchQuery};

fn doc(id: &str, locale: &str, audience: Audience, title: &str, body: &str) -> SearchDoc {
    SearchDoc {
        entity: "kb_article".into(),
        entity_id: id.into(),
        locale: locale.into(),
        audience,
        title: title.into(),
        body: body.into(),
        url: format!("/kb/{id}"),
        vectors: Vec::new(),
        tags: Vec::new(),
    }
}

fn state(outbox_id: i64) -> FollowState {
    FollowState::new(outbox_id, 0, 0)
}

fn sample() -> Vec<SearchDoc> {
    vec![
        doc(
            "1",
            "en",
            Audience::Public,
            "Request a refund",
            "Send an item back and get your money returned within 14 days.",
        ),
        doc(
            "1",
            "zh-CN",
            Audience::Public,
            "申请退款",
            "退回商品，14 天内退还您的款项。",
        ),
        doc(
            "2",
            "en",
            Audience::Public,
            "Track an order",
            "See where your parcel is and when it arrives.",
        ),
        doc(
            "2",
            "zh-CN",
            Audience::Public,
            "查询订单",
            "查看包裹的位置和预计送达时间。",
        ),
        doc(
            "3",
            "zh-CN",
            Audience::Public,
            "北京大学校园卡",
            "在北京大学办理校园卡的流程。",
        ),
        doc(
            "4",
            "zh-CN",
            Audience::Public,
            "北京的天气",
            "大学生的出行提示。",
        ),
        doc(
            "5",
            "en",
            Audience::Staff,
            "Refund approval limits",
            "Agents may approve refunds up to 500.",
        ),
        doc(
            "6",
            "en",
            Audience::Customers,
            "Refund status for signed-in customers",
            "Your refunds list.",
        ),
    ]
}

fn q<'a>(text: &'a str, audiences: &'a [Audience]) -> SearchQuery<'a> {
    SearchQuery {
        text,
        audiences,
        entities: &[],
        locales: &[],
        tags: &[],
        one_per_thing_in: None,
        limit: 10,
        offset: 0,
        semantic: None,
    }
}

fn ids(index: &SearchIndex, query: &SearchQuery<'_>) -> Vec<String> {
    index
        .search(query)
        .unwrap()
        .hits
        .into_iter()
        .map(|h| format!("{}/{}", h.entity_id, h.locale))
        .collect()
}

fn built() -> SearchIndex {
    let index = SearchIndex::in_memory().unwrap();
    index.rebuild(sample(), state(7)).unwrap();
    index
}

#[test]
fn finds_english_by_stem_and_chinese_by_word() {
    let index = built();
    assert_eq!(ids(&index, &q("refunds", &[Audience::Public])), ["1/en"]);
    assert_eq!(ids(&index, &q("退款", &[Audience::Public])), ["1/zh-CN"]);
    assert_eq!(ids(&index, &q("订单", &[Audience::Public])), ["2/zh-CN"]);
    assert_eq!(
        ids(&index, &q("ＲＥＦＵＮＤ", &[Audience::Public])),
        ["1/en"]
    );
    assert!(ids(&index, &q("the", &[Audience::Public])).is_empty());
    assert!(ids(&index, &q("  ", &[Audience::Public])).is_empty());
}

#[test]
fn a_chinese_phrase_ranks_above_its_words_apart() {
    let index = built();
    // Both 3 and 4 contain 北京 and 大学; only 3 has them together.
    let found = ids(&index, &q("北京大学", &[Audience::Public]));
    assert_eq!(
        found.first().map(String::as_str),
        Some("3/zh-CN"),
        "{found:?}"
    );
}

#[test]
fn an_english_phrase_ranks_above_its_words_apart() {
    let index = SearchIndex::in_memory().unwrap();
    index
        .rebuild(
            vec![
                doc(
                    "a",
                    "en",
                    Audience::Public,
                    "Order history",
                    "The status of a payment and of each order.",
                ),
                doc(
                    "b",
                    "en",
                    Audience::Public,
                    "Order history",
                    "How to see the payment status of an order.",
                ),
            ],
            state(1),
        )
        .unwrap();
    assert_eq!(
        ids(&index, &q("payment status", &[Audience::Public]))
            .first()
            .map(String::as_str),
        Some("b/en")
    );
}

#[test]
fn any_word_matches_and_more_words_rank_higher() {
    let index = built();
    let found = ids(&index, &q("track refund order", &[Audience::Public]));
    assert_eq!(found.first().map(String::as_str), Some("2/en"), "{found:?}");
    assert!(found.contains(&"1/en".to_string()), "{found:?}");
    // Both languages in one query find both versions.
    let mut found = ids(&index, &q("refund 退款", &[Audience::Public]));
    found.sort();
    assert_eq!(found, ["1/en", "1/zh-CN"]);
}

#[test]
fn organisation_documents_reach_their_members_and_staff_and_tags_narrow() {
    let index = SearchIndex::in_memory().unwrap();
    let mut tagged = doc(
        "7",
        "en",
        Audience::Public,
        "Refund rules",
        "How refunds work.",
    );
    tagged.tags = vec!["category:3".into()];
    let docs = vec![
        doc(
            "1",
            "en",
            Audience::Organization(10),
            "Refund desk",
            "Your company's refund desk.",
        ),
        doc(
            "2",
            "en",
            Audience::Organization(11),
            "Refund desk",
            "Another company's desk.",
        ),
        tagged,
    ];
    index.rebuild(docs, state(1)).unwrap();
    let mut member = ids(
        &index,
        &q("refund", &[Audience::Public, Audience::Organization(10)]),
    );
    member.sort();
    assert_eq!(member, ["1/en", "7/en"]);
    assert_eq!(ids(&index, &q("refund", &[Audience::Public])), ["7/en"]);
    let mut staff = ids(&index, &q("refund", &[Audience::Public, Audience::Staff]));
    staff.sort();
    assert_eq!(staff, ["1/en", "2/en", "7/en"]);
    let in_category = SearchQuery {
        tags: &["category:3"],
        ..q("refund", &[Audience::Public, Audience::Staff])
    };
    assert_eq!(ids(&index, &in_category), ["7/en"]);
    let elsewhere = SearchQuery {
        tags: &["category:4"],
        ..q("refund", &[Audience::Public, Audience::Staff])
    };
    assert!(ids(&index, &elsewhere).is_empty());
}

#[test]
fn audiences_filter_and_nobody_sees_anything_without_one() {
    let index = built();
    assert_eq!(ids(&index, &q("refund", &[Audience::Public])), ["1/en"]);
    let mut staff = ids(
        &index,
        &q(
            "refund",
            &[Audience::Public, Audience::Customers, Audience::Staff],
        ),
    );
    staff.sort();
    assert_eq!(staff, ["1/en", "5/en", "6/en"]);
    assert!(ids(&index, &q("refund", &[])).is_empty());
}

#[test]
fn entity_and_locale_filters_paging_and_total() {
    let index = built();
    let mut query = q("refund", &[Audience::Public]);
    query.locales = &["zh-CN"];
    assert!(ids(&index, &query).is_empty());
    query.locales = &["en", "zh-CN"];
    assert_eq!(ids(&index, &query), ["1/en"]);
    query.locales = &[];
    query.entities = &["task"];
    assert!(ids(&index, &query).is_empty());
    let mut page = q("order", &[Audience::Public]);
    page.limit = 1;
    let r = index.search(&page).unwrap();
    assert_eq!((r.hits.len(), r.total), (1, 1));
    page.offset = 1;
    assert!(index.search(&page).unwrap().hits.is_empty());
}

#[test]
fn snippets_highlight_what_matched() {
    let index = built();
    let r = index.search(&q("money", &[Audience::Public])).unwrap();
    let hit = &r.hits[0];
    assert!(hit.snippet.contains("money"), "{hit:?}");
    let (a, b) = hit.highlights[0];
    assert_eq!(&hit.snippet[a..b], "money");
    // A title-only match still shows the beginning of the body.
    let r = index.search(&q("track", &[Audience::Public])).unwrap();
    assert!(
        r.hits[0].snippet.starts_with("See where"),
        "{:?}",
        r.hits[0]
    );
}

#[test]
fn chinese_highlights_are_ordered_and_do_not_overlap() {
    let index = SearchIndex::in_memory().unwrap();
    let body = "如果您的信用卡被盗刷，请立即致电银行冻结信用卡，并在北京大学附近的网点办理挂失。"
        .repeat(4);
    index
        .rebuild(
            vec![doc("9", "zh-CN", Audience::Public, "信用卡挂失", &body)],
            state(1),
        )
        .unwrap();
    for text in ["信用卡", "北京大学", "信用卡 北京大学 挂失"] {
        let hit = &index.search(&q(text, &[Audience::Public])).unwrap().hits[0];
        assert!(!hit.highlights.is_empty(), "{text}: {hit:?}");
        let mut end = 0;
        for &(a, b) in &hit.highlights {
            assert!(a >= end && a < b, "{text}: {:?}", hit.highlights);
            assert!(
                hit.snippet.get(a..b).is_some(),
                "{text}: {:?}",
                hit.highlights
            );
            end = b;
        }
        assert!(
            hit.snippet
                .contains(&hit.snippet[hit.highlights[0].0..hit.highlights[0].1])
        );
    }
}

#[test]
fn titles_are_highlighted_and_one_hit_per_thing_in_the_viewers_language() {
    let index = built();
    let mut query = q("refund", &[Audience::Public]);
    query.one_per_thing_in = Some("zh-CN");
    let r = index.search(&query).unwrap();
    // Matched in English, shown in Chinese: the thing's own version, once.
    assert_eq!(r.total, 1);
    assert_eq!(r.hits[0].title, "申请退款");
    let mut query = q("退款 refund", &[Audience::Public]);
    query.one_per_thing_in = Some("en");
    let r = index.search(&query).unwrap();
    assert_eq!(r.hits.len(), 1, "{:?}", r.hits);
    let h = &r.hits[0];
    assert_eq!(h.title, "Request a refund");
    let (a, b) = h.title_highlights[0];
    assert_eq!(&h.title[a..b], "refund");
    // Without grouping each version is its own hit.
    assert_eq!(
        index
            .search(&q("退款 refund", &[Audience::Public]))
            .unwrap()
            .hits
            .len(),
        2
    );
}

#[test]
fn grouped_results_page_and_estimate_their_total() {
    let index = SearchIndex::in_memory().unwrap();
    let docs = (0..10).map(|i| {
        doc(
            &i.to_string(),
            "en",
            Audience::Public,
            &format!("Parcel {i}"),
            "Where is it",
        )
    });
    index.rebuild(docs, state(1)).unwrap();
    let mut query = q("parcel", &[Audience::Public]);
    query.one_per_thing_in = Some("en");
    query.limit = 2;
    let first = index.search(&query).unwrap();
    query.offset = 2;
    let second = index.search(&query).unwrap();
    let ids = |r: &portico_search::SearchResults| {
        r.hits
            .iter()
            .map(|h| h.entity_id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(second.hits.len(), 2);
    assert!(
        ids(&first).iter().all(|id| !ids(&second).contains(id)),
        "pages do not overlap"
    );
    // Only (offset + limit) × 3 documents are read; one language each, so the estimate is exact.
    assert_eq!(first.total, 10);
    assert_eq!(second.total, 10);
}

#[test]
fn replace_swaps_every_version_and_replace_kind_swaps_a_whole_kind() {
    let index = built();
    index
        .apply(
            vec![Change::Replace {
                entity: "kb_article".into(),
                entity_id: "1".into(),
                docs: vec![doc("1", "en", Audience::Public, "Returns", "Send it back.")],
            }],
            state(8),
        )
        .unwrap();
    assert!(ids(&index, &q("退款", &[Audience::Public])).is_empty());
    assert_eq!(ids(&index, &q("returns", &[Audience::Public])), ["1/en"]);
    index
        .apply(
            vec![Change::Replace {
                entity: "kb_article".into(),
                entity_id: "1".into(),
                docs: vec![],
            }],
            state(9),
        )
        .unwrap();
    assert!(ids(&index, &q("returns", &[Audience::Public])).is_empty());
    assert_eq!(index.follow_state().unwrap().map(|s| s.outbox_id), Some(9));

    index
        .apply(
            vec![Change::ReplaceKind {
                entity: "kb_article".into(),
                docs: vec![],
            }],
            state(10),
        )
        .unwrap();
    assert_eq!(index.num_docs(), 0);
}

#[test]
fn the_follow_state_survives_reopening_and_a_second_process_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    {
        let index = SearchIndex::open(dir.path()).unwrap();
        assert_eq!(index.follow_state().unwrap(), None);
        index.rebuild(sample(), state(42)).unwrap();
        // While this one is open, another opener is refused rather than corrupting it.
        assert!(matches!(
            SearchIndex::open(dir.path()),
            Err(portico_search::SearchError::Locked)
        ));
    }
    let index = SearchIndex::open(dir.path()).unwrap();
    assert_eq!(index.follow_state().unwrap().map(|s| s.outbox_id), Some(42));
    assert_eq!(index.num_docs(), sample().len() as u64);
}

#[test]
fn a_second_process_never_wipes_a_live_index_of_another_version() {
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open(dir.path()).unwrap();
    index.rebuild(sample(), state(1)).unwrap();
    // Even with a meta.json this version would discard, the holder's files stay untouched.
    let meta = std::fs::read(dir.path().join("meta.json")).unwrap();
    std::fs::write(dir.path().join("meta.json"), b"{ damaged").unwrap();
    assert!(matches!(
        SearchIndex::open(dir.path()),
        Err(portico_search::SearchError::Locked)
    ));
    assert_eq!(
        std::fs::read(dir.path().join("meta.json")).unwrap(),
        b"{ damaged"
    );
    std::fs::write(dir.path().join("meta.json"), meta).unwrap();
    assert_eq!(index.num_docs(), sample().len() as u64);
}

#[test]
fn a_damaged_index_directory_is_recreated_empty() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("meta.json"), b"{ not json").unwrap();
    let index = SearchIndex::open(dir.path()).unwrap();
    assert_eq!(index.follow_state().unwrap(), None);
    assert_eq!(index.num_docs(), 0);
}

fn with_vectors(mut d: SearchDoc, v: &[f32]) -> SearchDoc {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    d.vectors = vec![v.iter().map(|x| x / n).collect()];
    d
}

fn meaning<'a>(text: &'a str, vector: &'a [f32], audiences: &'a [Audience]) -> SearchQuery<'a> {
    SearchQuery {
        one_per_thing_in: Some("en"),
        semantic: Some(portico_search::Semantic {
            vector,
            meaning: 0.8,
            min_similarity: 0.5,
        }),
        ..q(text, audiences)
    }
}

#[test]
fn meaning_finds_what_the_words_miss_and_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let docs = vec![
        with_vectors(
            doc(
                "1",
                "en",
                Audience::Public,
                "Request a refund",
                "Get your money back.",
            ),
            &[1.0, 0.0, 0.0],
        ),
        with_vectors(
            doc("1", "zh-CN", Audience::Public, "申请退款", "退还您的款项。"),
            &[0.95, 0.05, 0.0],
        ),
        with_vectors(
            doc(
                "2",
                "en",
                Audience::Public,
                "Track an order",
                "Where your parcel is.",
            ),
            &[0.0, 1.0, 0.0],
        ),
        with_vectors(
            doc(
                "3",
                "en",
                Audience::Staff,
                "Refund approval limits",
                "Up to 500.",
            ),
            &[0.9, 0.0, 0.1],
        ),
        // No vector yet: found by its words only.
        doc(
            "4",
            "en",
            Audience::Public,
            "Reimbursement policy",
            "Rules.",
        ),
    ];
    let query_vec = [1.0f32, 0.0, 0.0];
    {
        let index = SearchIndex::open(dir.path()).unwrap();
        index.rebuild(docs.clone(), state(1)).unwrap();
        assert_eq!(index.things_with_vectors(), 3);
        // "reimbursement" matches thing 4 by its words; thing 1 joins by meaning and ranks first.
        let q = meaning("reimbursement", &query_vec, &[Audience::Public]);
        let got = ids(&index, &q);
        assert_eq!(got, vec!["1/en", "4/en"]);
        // Staff-only things never come by meaning to the public; far things (2) are not added.
        let staff = ids(
            &index,
            &meaning(
                "reimbursement",
                &query_vec,
                &[Audience::Public, Audience::Staff],
            ),
        );
        assert!(staff.contains(&"3/en".to_string()));
        assert!(!staff.contains(&"2/en".to_string()));
        // A hit added by meaning is shown in the viewer's language, with the body's start as snippet.
        let res = index.search(&q).unwrap();
        assert_eq!(res.hits[0].locale, "en");
        assert_eq!(res.hits[0].snippet, "Get your money back.");
        assert_eq!(res.total, 2);
        // A query vector of another dimension ranks by words alone rather than failing.
        let odd = [1.0f32, 0.0];
        assert_eq!(
            ids(&index, &meaning("reimbursement", &odd, &[Audience::Public])),
            vec!["4/en"]
        );
    }
    // Reopened: the vectors come back from the stored documents.
    let index = SearchIndex::open(dir.path()).unwrap();
    assert_eq!(index.things_with_vectors(), 3);
    assert_eq!(
        ids(
            &index,
            &meaning("reimbursement", &query_vec, &[Audience::Public])
        ),
        vec!["1/en", "4/en"]
    );
    // Replacing a thing without vectors takes it out of the meaning ranking.
    index
        .apply(
            vec![Change::Replace {
                entity: "kb_article".into(),
                entity_id: "1".into(),
                docs: vec![doc(
                    "1",
                    "en",
                    Audience::Public,
                    "Request a refund",
                    "Money.",
                )],
            }],
            state(2),
        )
        .unwrap();
    assert_eq!(index.things_with_vectors(), 2);
    assert_eq!(
        ids(
            &index,
            &meaning("reimbursement", &query_vec, &[Audience::Public])
        ),
        vec!["4/en"]
    );
}

#[test]
fn a_rebuild_whose_documents_fail_to_arrive_changes_nothing() {
    let index = built();
    let before = index.num_docs();
    let docs = vec![
        Ok(doc(
            "9",
            "en",
            Audience::Public,
            "Half a rebuild",
            "Only this arrived.",
        )),
        Err("the database went away".to_string()),
    ];
    let err = index.rebuild_from(docs, state(99)).unwrap_err();
    assert!(err.to_string().contains("database went away"), "{err}");
    assert_eq!(index.num_docs(), before);
    assert_eq!(index.follow_state().unwrap().unwrap().outbox_id, 7);
    assert!(ids(&index, &q("refund", &[Audience::Public])).contains(&"1/en".to_string()));
}
