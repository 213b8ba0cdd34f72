//! Search quality and speed of the index on its own, on public data sets read from a folder outside the
//! repository (`articles.jsonl` + `dev/queries.jsonl` per set, see BENCHMARKS.md).
//!
//! ```text
//! cargo run --release -p portico-search --example search_bench -- ../shared/data [--docs 10000]
//! ```
//!
//! Quality: every article of `stackfaq` (English) and `atec-faq` (Chinese) is indexed; every dev query is
//! run; Recall@5, MRR@10, nDCG@10 and Hit@1 are printed. Speed: `apisix-docs` (English + Chinese) is
//! indexed repeatedly up to `--docs` documents; indexing rate, index size, query latency (p50/p99) and
//! peak memory are printed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "benchmark tool"
)]

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::time::Instant;

use portico_search::{Audience, FollowState, SearchDoc, SearchIndex, SearchQuery};
use serde::Deserialize;

#[derive(Deserialize)]
struct Article {
    id: String,
    title: String,
    body: String,
    lang: String,
}

#[derive(Deserialize)]
struct DevQuery {
    query: String,
    relevant: Vec<String>,
}

fn read_jsonl<T: for<'de> Deserialize<'de>>(path: &Path) -> Vec<T> {
    let f = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    std::io::BufReader::new(f)
        .lines()
        .map(|l| serde_json::from_str(&l.unwrap()).unwrap())
        .collect()
}

fn locale(lang: &str) -> String {
    if lang.starts_with("zh") {
        "zh-CN".into()
    } else {
        "en".into()
    }
}

fn to_doc(a: &Article, id: String) -> SearchDoc {
    SearchDoc {
        entity: "kb_article".into(),
        url: format!("/kb/{id}"),
        vectors: Vec::new(),
        tags: Vec::new(),
        entity_id: id,
        locale: locale(&a.lang),
        audience: Audience::Public,
        title: a.title.clone(),
        body: a.body.clone(),
    }
}

fn state() -> FollowState {
    FollowState::new(0, 0, 0)
}

fn query(text: &str, limit: usize) -> SearchQuery<'_> {
    SearchQuery {
        text,
        audiences: &[Audience::Public],
        entities: &[],
        locales: &[],
        tags: &[],
        one_per_thing_in: None,
        limit,
        offset: 0,
        semantic: None,
    }
}

fn quality(data: &Path, set: &str) {
    let articles: Vec<Article> = read_jsonl(&data.join(set).join("articles.jsonl"));
    let queries: Vec<DevQuery> = read_jsonl(&data.join(set).join("dev").join("queries.jsonl"));
    let index = SearchIndex::in_memory().unwrap();
    index
        .rebuild(articles.iter().map(|a| to_doc(a, a.id.clone())), state())
        .unwrap();
    let (mut recall5, mut mrr, mut ndcg, mut hit1, mut empty) = (0.0, 0.0, 0.0, 0.0, 0usize);
    for q in &queries {
        let hits = index.search(&query(&q.query, 10)).unwrap().hits;
        if hits.is_empty() {
            empty += 1;
        }
        if let Some(rank) = hits.iter().position(|h| q.relevant.contains(&h.entity_id)) {
            let r = rank as f64 + 1.0;
            mrr += 1.0 / r;
            ndcg += 1.0 / (r + 1.0).log2();
            if rank < 5 {
                recall5 += 1.0;
            }
            if rank == 0 {
                hit1 += 1.0;
            }
        }
    }
    let n = queries.len() as f64;
    println!(
        "| {set} | {} | {} | {:.3} | {:.3} | {:.3} | {:.3} | {:.1}% |",
        articles.len(),
        queries.len(),
        recall5 / n,
        mrr / n,
        ndcg / n,
        hit1 / n,
        100.0 * empty as f64 / n
    );
}

fn peak_rss_mib() -> f64 {
    status_mib("VmHWM:")
}

fn current_rss_mib() -> f64 {
    status_mib("VmRSS:")
}

fn status_mib(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with(field)).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<f64>().ok())
            })
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

fn dir_size(p: &Path) -> u64 {
    std::fs::read_dir(p)
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn speed(data: &Path, docs: usize, warm_ms: f64, warm_mib: f64) {
    println!("- jieba dictionary load: {warm_ms:.0} ms, {warm_mib:.1} MiB resident");
    let articles: Vec<Article> = read_jsonl(&data.join("apisix-docs").join("articles.jsonl"));
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open(dir.path()).unwrap();
    let all = (0..docs).map(|i| {
        let a = &articles[i % articles.len()];
        to_doc(a, format!("{}-{}", a.id, i / articles.len()))
    });
    let t = Instant::now();
    index.rebuild(all, state()).unwrap();
    let secs = t.elapsed().as_secs_f64();
    println!(
        "- indexed {docs} documents (apisix-docs, en + zh, repeated) in {secs:.2} s: {:.0} docs/s; index on disk {:.1} MiB",
        docs as f64 / secs,
        dir_size(dir.path()) as f64 / 1048576.0
    );
    // Queries: the title of every article, in both languages, then a few short ones.
    let mut texts: Vec<String> = articles.iter().map(|a| a.title.clone()).collect();
    texts.extend(
        [
            "route",
            "plugin",
            "upstream",
            "路由",
            "插件",
            "负载均衡",
            "健康检查",
        ]
        .map(String::from),
    );
    for pass in 0..2 {
        let mut lat = Vec::with_capacity(texts.len());
        let t = Instant::now();
        for q in &texts {
            let s = Instant::now();
            let r = index.search(&query(q, 10)).unwrap();
            std::hint::black_box(r);
            lat.push(s.elapsed().as_secs_f64() * 1000.0);
        }
        let total = t.elapsed().as_secs_f64();
        lat.sort_by(f64::total_cmp);
        if pass == 1 {
            println!(
                "- {} queries (top 10 with snippets), one thread: {:.0} queries/s, p50 {:.2} ms, p99 {:.2} ms",
                texts.len(),
                texts.len() as f64 / total,
                percentile(&lat, 0.5),
                percentile(&lat, 0.99)
            );
        }
    }
    println!("- peak RSS of this process: {:.0} MiB", peak_rss_mib());
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut data = PathBuf::from("../shared/data");
    let mut docs = 10_000usize;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--docs" => docs = args.next().and_then(|v| v.parse().ok()).expect("--docs N"),
            other => data = PathBuf::from(other),
        }
    }
    let rss0 = current_rss_mib();
    let t = Instant::now();
    portico_search::analyzer::warm();
    let warm_ms = t.elapsed().as_secs_f64() * 1000.0;
    let warm_mib = current_rss_mib() - rss0;
    println!("### Search quality (dev queries)\n");
    println!("| set | articles | queries | Recall@5 | MRR@10 | nDCG@10 | Hit@1 | no result |");
    println!("|---|---|---|---|---|---|---|---|");
    quality(&data, "stackfaq");
    quality(&data, "atec-faq");
    println!("\n### Index speed\n");
    speed(&data, docs, warm_ms, warm_mib);
}
