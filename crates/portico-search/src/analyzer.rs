//! The text analyser for Chinese and English, used for indexing AND for queries (a query analysed any
//! other way silently misses Chinese text).
//!
//! Runs of Han characters are segmented by jieba in search mode, which emits the words of a long
//! compound as well as the compound ("北京大学" → 北京, 大学, 北京大学), so a query for either finds it.
//! Everything else is split into words of letters and digits. Full-width Latin letters and digits are
//! folded to ASCII, words are lower-cased, English words are stemmed ("refunds" → "refund"), and common
//! English and Chinese function words are dropped.
//!
//! Positions count one per English word and one per Han character, so a phrase's tokens sit at the same
//! relative positions wherever it occurs: phrase queries work in both languages and across a mix.

use std::sync::LazyLock;

use jieba_rs::{Jieba, TokenizeMode};
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, Stemmer, StopWordFilter, TextAnalyzer, Token,
    TokenStream, Tokenizer,
};

/// The name the analyser is registered under in every index.
pub const ANALYZER: &str = "portico_mixed";

/// Words longer than this many bytes are not indexed (they are hashes, URLs or noise).
const MAX_TOKEN_BYTES: usize = 64;

/// jieba's dictionary cut to words of frequency 5 or more (`scripts/trim-jieba-dict`): 136,547 of its
/// 349,045 words, 10 MiB in memory instead of 32, and the same search quality on the Chinese FAQ set.
/// Words it lacks are segmented by jieba's built-in HMM, identically at indexing and query time.
const DICTIONARY: &str = include_str!("../data/jieba-dict.txt");

static JIEBA: LazyLock<Jieba> = LazyLock::new(|| {
    // The list is ours and checked by a test; should it ever fail to parse, segmentation falls back to
    // the HMM alone rather than taking search down.
    Jieba::with_dict(&mut DICTIONARY.as_bytes()).unwrap_or_else(|e| {
        tracing::error!(error = %e, "the search dictionary is damaged; segmenting Chinese without it");
        Jieba::empty()
    })
});

/// Words too common to say anything about a document. The English list is Lucene's; the Chinese list
/// holds particles and pronouns that jieba emits as words of their own.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it",
    "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these",
    "they", "this", "to", "was", "will", "with", "的", "了", "和", "是", "在", "我", "你", "他",
    "她", "它", "我们", "你们", "吗", "呢", "吧", "啊", "也", "就", "都", "而", "及", "与", "或",
    "之", "地", "得", "着", "把", "被", "让", "给",
];

/// Loads the dictionary now rather than on the first document or query (about 42 ms and 10 MiB in a
/// release build,
/// a second in a debug one); call it from a blocking thread.
pub fn warm() {
    LazyLock::force(&JIEBA);
}

/// The full analyser: segmentation, folding, lower-casing, stop words, stemming.
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(MixedTokenizer)
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(StopWordFilter::remove(
            STOP_WORDS.iter().map(|w| (*w).to_string()),
        ))
        .filter(Stemmer::new(Language::English))
        .build()
}

/// The terms `text` is indexed under, with their positions (for tests and query building).
pub fn tokens(text: &str) -> Vec<(usize, String)> {
    let mut a = analyzer();
    let mut stream = a.token_stream(text);
    let mut out = Vec::new();
    while let Some(t) = stream.next() {
        out.push((t.position, t.text.clone()));
    }
    out
}

/// Han ideographs (unified, extension A, compatibility, and the supplementary planes' extensions).
fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2EBEF | 0x30000..=0x3134F)
}

/// Full-width ASCII (`ｒｅｆｕｎｄ`, `１２３`) to ASCII.
fn fold_width(c: char) -> char {
    match c as u32 {
        cp @ 0xFF01..=0xFF5E => char::from_u32(cp - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Splits text into Han runs (segmented by jieba) and words of letters and digits.
#[derive(Clone, Debug, Default)]
pub struct MixedTokenizer;

/// The tokens of one text, computed up front (jieba segments a whole run at once).
#[derive(Debug)]
pub struct MixedTokenStream {
    tokens: Vec<Token>,
    next: usize,
    current: Token,
}

impl Tokenizer for MixedTokenizer {
    type TokenStream<'a> = MixedTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> MixedTokenStream {
        MixedTokenStream {
            tokens: segment(text),
            next: 0,
            current: Token::default(),
        }
    }
}

impl TokenStream for MixedTokenStream {
    fn advance(&mut self) -> bool {
        match self.tokens.get_mut(self.next) {
            Some(t) => {
                self.current = std::mem::take(t);
                self.next += 1;
                true
            }
            None => false,
        }
    }

    fn token(&self) -> &Token {
        &self.current
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.current
    }
}

fn segment(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut position = 0usize;
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if is_han(c) {
            let mut end = start + c.len_utf8();
            let mut count = 1;
            while let Some(&(i, d)) = chars.peek() {
                if !is_han(d) {
                    break;
                }
                end = i + d.len_utf8();
                count += 1;
                chars.next();
            }
            let run = &text[start..end];
            // Search mode emits a compound's parts before the compound; tantivy's snippets need tokens
            // in offset order (for one term, offset order is position order, so indexing is unaffected).
            let mut words = JIEBA.tokenize(run, TokenizeMode::Search, true);
            words.sort_by_key(|w| (w.start, w.end));
            for w in words {
                // `w.word` is a slice of `run`; its byte offset gives the highlight range.
                let from = start + (w.word.as_ptr() as usize - run.as_ptr() as usize);
                out.push(Token {
                    offset_from: from,
                    offset_to: from + w.word.len(),
                    position: position + w.start,
                    text: w.word.to_string(),
                    position_length: w.end - w.start,
                });
            }
            position += count;
        } else if fold_width(c).is_alphanumeric() {
            let mut end = start + c.len_utf8();
            let mut word = String::new();
            word.push(fold_width(c));
            while let Some(&(i, d)) = chars.peek() {
                let d2 = fold_width(d);
                if is_han(d) || !d2.is_alphanumeric() {
                    break;
                }
                word.push(d2);
                end = i + d.len_utf8();
                chars.next();
            }
            out.push(Token {
                offset_from: start,
                offset_to: end,
                position,
                text: word,
                position_length: 1,
            });
            position += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::tokens;

    fn words(text: &str) -> Vec<String> {
        tokens(text).into_iter().map(|(_, w)| w).collect()
    }

    #[test]
    fn english_is_lowercased_stemmed_and_stop_words_dropped() {
        assert_eq!(
            words("Tracking THE Refunds of orders"),
            ["track", "refund", "order"]
        );
    }

    #[test]
    fn chinese_is_segmented_with_compounds_and_parts() {
        let w = words("我想申请退款");
        assert!(w.contains(&"申请".to_string()), "{w:?}");
        assert!(w.contains(&"退款".to_string()), "{w:?}");
        assert!(!w.contains(&"我".to_string()), "stop word kept: {w:?}");
        let w = words("北京大学");
        for part in ["北京", "大学", "北京大学"] {
            assert!(w.contains(&part.to_string()), "{part} missing from {w:?}");
        }
    }

    #[test]
    fn mixed_text_and_full_width_letters() {
        let w = words("ｉＰｈｏｎｅ退款123");
        assert_eq!(w.first().map(String::as_str), Some("iphon"));
        assert!(w.contains(&"退款".to_string()), "{w:?}");
        assert_eq!(w.last().map(String::as_str), Some("123"));
    }

    #[test]
    fn positions_count_words_and_han_characters() {
        let t = tokens("track 订单 status");
        assert_eq!(t.first(), Some(&(0, "track".to_string())));
        assert!(t.contains(&(1, "订单".to_string())), "{t:?}");
        assert_eq!(t.last(), Some(&(3, "status".to_string())));
    }

    #[test]
    fn the_dictionary_parses_whole() {
        let jieba = jieba_rs::Jieba::with_dict(&mut super::DICTIONARY.as_bytes()).unwrap();
        for w in ["退款", "订单", "北京大学", "信用卡"] {
            assert!(jieba.has_word(w), "{w}");
        }
        assert_eq!(super::DICTIONARY.lines().count(), 136_547);
    }

    #[test]
    fn tokens_come_in_offset_order() {
        let mut a = super::analyzer();
        let mut stream = a.token_stream("我在北京大学的图书馆借书");
        let mut last = (0, 0);
        while let Some(t) = stream.next() {
            assert!(
                (t.offset_from, t.offset_to) >= last,
                "{} after {last:?}",
                t.text
            );
            last = (t.offset_from, t.offset_to);
        }
    }

    #[test]
    fn punctuation_and_empty_text_give_nothing() {
        assert!(tokens("").is_empty());
        assert!(tokens(" ，。!? — ").is_empty());
    }
}
