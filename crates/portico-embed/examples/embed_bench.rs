//! Latency / throughput check:
//! `cargo run --release -p portico-embed --example embed_bench -- /path/to/e5-small-q4.bin [load]`
//! (`load` only loads the model, for measuring its memory).

use std::path::Path;
use std::time::Instant;

use portico_embed::{Kind, Model};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

fn passage(model: &Model, tokens: usize, seed: usize) -> String {
    const WORDS: &[&str] = &[
        "the",
        "portal",
        "lets",
        "customers",
        "open",
        "tickets",
        "track",
        "orders",
        "request",
        "refunds",
        "update",
        "shipping",
        "address",
        "reset",
        "passwords",
        "and",
        "read",
        "help",
        "articles",
        "support",
        "team",
        "answers",
        "within",
        "two",
        "business",
        "days",
        "invoices",
        "settings",
        "account",
        "security",
    ];
    let mut s = String::new();
    let mut i = seed;
    for _ in 0..tokens {
        i = i.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        s.push_str(WORDS[(i >> 8) % WORDS.len()]);
        s.push(' ');
    }
    debug_assert!(model.token_count(&s, Kind::Passage) >= tokens);
    s
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .cloned()
        .or_else(|| std::env::var("PORTICO_TEST_MODEL").ok())
        .ok_or("usage: embed_bench MODEL [load]")?;
    let t0 = Instant::now();
    let mut model = Model::load(Path::new(&path))?;
    println!("load: {:.0} ms", t0.elapsed().as_secs_f64() * 1e3);
    if args.get(2).map(String::as_str) == Some("work") {
        // embed_bench MODEL work TOKENS COUNT THREADS [BATCH]: COUNT timed calls,
        // each of BATCH passages of TOKENS tokens; prints min and median
        let num = |i: usize, d: usize| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
        let (tokens, count, batch) = (num(3, 128), num(4, 8), num(6, 1));
        model.set_threads(num(5, 1));
        let texts: Vec<String> = (0..batch).map(|i| passage(&model, tokens, i)).collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let max = Some(tokens.saturating_sub(2));
        model.embed_batch(&refs, Kind::Passage, max);
        let times: Vec<f64> = (0..count)
            .map(|_| {
                let t = Instant::now();
                model.embed_batch(&refs, Kind::Passage, max);
                t.elapsed().as_secs_f64()
            })
            .collect();
        let min = times.iter().copied().fold(f64::INFINITY, f64::min);
        let med = median(times);
        let n = (tokens * batch) as f64;
        println!(
            "{tokens} tokens x {batch}, {} threads: min {:.1} ms ({:.0} tokens/s), median {:.1} ms ({:.0} tokens/s)",
            num(5, 1),
            min * 1e3,
            n / min,
            med * 1e3,
            n / med
        );
        return Ok(());
    }
    if args.get(2).map(String::as_str) == Some("load") {
        let v = model.embed("hello", Kind::Query, None);
        println!("{model:?} {}", v.len());
        return Ok(());
    }
    let queries = [
        "how do I reset my password",
        "怎么更改花呗手机号码",
        "where can I download my invoice as a PDF file",
        "申请退款流程需要多长时间",
    ];
    for threads in [1, 2] {
        model.set_threads(threads);
        for q in queries {
            let n = model.token_count(q, Kind::Query);
            for _ in 0..5 {
                model.embed(q, Kind::Query, None);
            }
            let times: Vec<f64> = (0..50)
                .map(|_| {
                    let t = Instant::now();
                    model.embed(q, Kind::Query, None);
                    t.elapsed().as_secs_f64() * 1e3
                })
                .collect();
            println!(
                "threads {threads}: query {n:3} tokens: median {:.2} ms",
                median(times)
            );
        }
        for tokens in [128, 256, 512] {
            let texts: Vec<String> = (0..8).map(|i| passage(&model, tokens, i)).collect();
            // every passage is cut to exactly `tokens` tokens (<s>, </s> included)
            let max = Some(tokens - 2);
            let total = tokens * texts.len();
            model.embed(&texts[0], Kind::Passage, max);
            let t = Instant::now();
            for text in &texts {
                model.embed(text, Kind::Passage, max);
            }
            let single = t.elapsed().as_secs_f64();
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            let t = Instant::now();
            model.embed_batch(&refs, Kind::Passage, max);
            let batch = t.elapsed().as_secs_f64();
            println!(
                "threads {threads}: passages of {tokens} tokens: one by one {:.0} tokens/s ({:.1} ms each), batch of 8 {:.0} tokens/s",
                total as f64 / single,
                single * 1e3 / 8.0,
                total as f64 / batch
            );
        }
    }
    Ok(())
}
