//! Meaning beside the words: sentence vectors of the documents that have them, held in memory next to
//! the full-text index, and the fusion of the two rankings.
//!
//! A source may give a document one or more unit-length vectors (an embedding of the title, one of the
//! body). They are stored with the document in the index, so a node that resumes its index has them
//! without asking the database, and kept here as one flat table that a query scans in full: a dot
//! product per vector is a few milliseconds for tens of thousands of documents, and exact.
//!
//! The query's own vector is made by the caller (the model lives in the application), so this crate
//! stays free of the model and ranks lexically when no vector comes with the query.

use std::collections::HashMap;

use crate::audience::Audience;

/// How many of the nearest things take part in the fusion.
pub const DENSE_CANDIDATES: usize = 100;

/// Meaning-based ranking for one query.
#[derive(Debug, Clone, Copy)]
pub struct Semantic<'a> {
    /// The query's unit-length vector (same model and dimension as the documents').
    pub vector: &'a [f32],
    /// Share of similarity in the fused score, 0 to 1 (the rest is the word score).
    pub meaning: f32,
    /// Things less similar than this (cosine) are not added by meaning alone; they still rank by
    /// meaning when the words found them.
    pub min_similarity: f32,
}

/// One language version's vectors.
#[derive(Debug, Clone)]
pub(crate) struct Version {
    pub locale: String,
    pub audience: Audience,
    /// The document's tags (a query may require some).
    pub tags: Vec<String>,
    /// Unit vectors, `dim` floats each, one after another.
    pub vectors: Vec<f32>,
}

/// What a query lets through: empty lists of kinds, languages and tags admit any.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Filter<'a> {
    pub audiences: &'a [Audience],
    pub entities: &'a [&'a str],
    pub locales: &'a [&'a str],
    /// Every one of these tags.
    pub tags: &'a [&'a str],
}

impl Filter<'_> {
    fn admits(&self, v: &Version) -> bool {
        crate::audience::admits(self.audiences, v.audience)
            && (self.locales.is_empty() || self.locales.contains(&v.locale.as_str()))
            && self
                .tags
                .iter()
                .all(|t| v.tags.iter().any(|have| have == t))
    }
}

/// The vectors of every thing that has some, by reference (`entity` + id).
#[derive(Debug, Default)]
pub(crate) struct DenseTable {
    things: HashMap<String, Thing>,
    dim: usize,
}

#[derive(Debug, Clone)]
struct Thing {
    entity: String,
    versions: Vec<Version>,
}

/// A thing the query is near: its reference, best cosine and the language of the closest version.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Near {
    pub reference: String,
    pub similarity: f32,
    pub locale: String,
}

/// A dot product over 8 lanes, which the compiler turns into vector instructions.
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// Vectors as stored in the index: little-endian f32s.
pub(crate) fn to_bytes(vectors: &[Vec<f32>]) -> Vec<u8> {
    vectors
        .iter()
        .flatten()
        .flat_map(|f| f.to_le_bytes())
        .collect()
}

/// Stored bytes back to floats; `None` when they are not whole floats.
pub(crate) fn from_bytes(bytes: &[u8]) -> Option<Vec<f32>> {
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    Some(
        bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
    )
}

impl DenseTable {
    /// Number of things with vectors.
    pub fn len(&self) -> usize {
        self.things.len()
    }

    /// Removes a thing's vectors.
    pub fn remove(&mut self, reference: &str) {
        self.things.remove(reference);
    }

    /// Removes every thing of a kind.
    pub fn remove_kind(&mut self, entity: &str) {
        self.things.retain(|_, t| t.entity != entity);
    }

    /// Adds one version's vectors (flat, `dim` each). Vectors of another dimension than the table's
    /// (a model changed while documents of the old one remain) replace the table's dimension only when
    /// the table is empty; otherwise they are left out, and the thing ranks by its words.
    pub fn add(&mut self, reference: &str, entity: &str, version: Version, dim: usize) {
        if dim == 0 || version.vectors.is_empty() || !version.vectors.len().is_multiple_of(dim) {
            return;
        }
        if self.things.is_empty() {
            self.dim = dim;
        } else if dim != self.dim {
            return;
        }
        let thing = self
            .things
            .entry(reference.to_string())
            .or_insert_with(|| Thing {
                entity: entity.to_string(),
                versions: Vec::new(),
            });
        thing.versions.retain(|v| v.locale != version.locale);
        thing.versions.push(version);
    }

    /// How alike `query` is to the closest version of one thing the filters let through (`None`: the
    /// thing has no vectors the viewer may see).
    pub fn similarity(&self, reference: &str, query: &[f32], filter: &Filter<'_>) -> Option<f32> {
        if query.len() != self.dim {
            return None;
        }
        let thing = self.things.get(reference)?;
        thing
            .versions
            .iter()
            .filter(|v| filter.admits(v))
            .flat_map(|v| v.vectors.chunks_exact(self.dim))
            .map(|vector| dot(query, vector))
            .reduce(f32::max)
    }

    /// The things nearest `query` that the filters let through, best first, at most `k`.
    pub fn nearest(&self, query: &[f32], filter: &Filter<'_>, k: usize) -> Vec<Near> {
        if query.len() != self.dim || k == 0 {
            return Vec::new();
        }
        let mut found: Vec<(f32, &str, &str)> = Vec::new();
        for (reference, thing) in &self.things {
            if !filter.entities.is_empty() && !filter.entities.contains(&thing.entity.as_str()) {
                continue;
            }
            let mut best: Option<(f32, &str)> = None;
            for v in &thing.versions {
                if !filter.admits(v) {
                    continue;
                }
                for vector in v.vectors.chunks_exact(self.dim) {
                    let s = dot(query, vector);
                    if best.is_none_or(|(b, _)| s > b) {
                        best = Some((s, v.locale.as_str()));
                    }
                }
            }
            if let Some((s, locale)) = best {
                found.push((s, reference.as_str(), locale));
            }
        }
        let by_score = |a: &(f32, &str, &str), b: &(f32, &str, &str)| {
            b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1))
        };
        if found.len() > k {
            found.select_nth_unstable_by(k - 1, by_score);
            found.truncate(k);
        }
        found.sort_by(by_score);
        found
            .into_iter()
            .map(|(similarity, reference, locale)| Near {
                reference: reference.to_string(),
                similarity,
                locale: locale.to_string(),
            })
            .collect()
    }
}

/// One thing to rank: its reference, its similarity to the query (`None`: it has no vectors) and its
/// word score (0: the words did not find it).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Candidate {
    pub reference: String,
    pub similarity: Option<f32>,
    pub words: f32,
}

/// Fuses the two rankings by a convex combination of normalised scores: similarity scaled to 0..1
/// over the candidates (the least similar 0, the most 1), word scores divided by the best one, and
/// `meaning` (0..1) the share of similarity. Raw scores keep how far apart things are, which ranks
/// alone lose. A thing without vectors (a kind that is not embedded) counts as middling alike, so its
/// words decide where it stands among the others. Things the words did not find and
/// that are less alike than `min_similarity` are left out. Best first; ties keep the given order.
pub(crate) fn fuse(
    candidates: Vec<Candidate>,
    meaning: f32,
    min_similarity: f32,
) -> Vec<(String, f32)> {
    let kept: Vec<Candidate> = candidates
        .into_iter()
        .filter(|c| c.words > 0.0 || c.similarity.is_some_and(|s| s >= min_similarity))
        .collect();
    let sims = kept.iter().filter_map(|c| c.similarity);
    let (lo, hi) = sims.fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), s| {
        (lo.min(s), hi.max(s))
    });
    let best_words = kept.iter().map(|c| c.words).fold(0.0f32, f32::max);
    let meaning = meaning.clamp(0.0, 1.0);
    let mut out: Vec<(String, f32)> = kept
        .into_iter()
        .map(|c| {
            let words = if best_words > 0.0 {
                c.words / best_words
            } else {
                0.0
            };
            let score = match c.similarity {
                Some(s) => {
                    let alike = if hi > lo { (s - lo) / (hi - lo) } else { 1.0 };
                    meaning * alike + (1.0 - meaning) * words
                }
                None => meaning * 0.5 + (1.0 - meaning) * words,
            };
            (c.reference, score)
        })
        .collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(v: &[f32]) -> Vec<f32> {
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter().map(|x| x / n).collect()
    }

    #[test]
    fn dot_matches_the_plain_sum_with_a_tail() {
        let a: Vec<f32> = (0..19).map(|i| i as f32 * 0.5).collect();
        let b: Vec<f32> = (0..19).map(|i| 1.0 - i as f32 * 0.1).collect();
        let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - plain).abs() < 1e-4);
    }

    #[test]
    fn bytes_round_trip_and_reject_partial_floats() {
        let v = vec![vec![1.5f32, -2.0], vec![0.25, 3.0]];
        assert_eq!(from_bytes(&to_bytes(&v)), Some(vec![1.5, -2.0, 0.25, 3.0]));
        assert_eq!(from_bytes(&[1, 2, 3]), None);
    }

    #[test]
    fn nearest_respects_audience_kind_language_and_tags_and_keeps_the_best_version() {
        let mut t = DenseTable::default();
        let v = |locale: &str, audience: Audience, tags: &[&str], vectors: Vec<f32>| Version {
            locale: locale.into(),
            audience,
            tags: tags.iter().map(|t| t.to_string()).collect(),
            vectors,
        };
        t.add(
            "a\u{1f}1",
            "a",
            v("en", Audience::Public, &["c:x"], unit(&[1.0, 0.0])),
            2,
        );
        t.add(
            "a\u{1f}1",
            "a",
            v("zh-CN", Audience::Public, &["c:x"], unit(&[0.9, 0.1])),
            2,
        );
        t.add(
            "a\u{1f}2",
            "a",
            v("en", Audience::Staff, &[], unit(&[1.0, 0.05])),
            2,
        );
        t.add(
            "b\u{1f}3",
            "b",
            v("en", Audience::Public, &["c:y"], unit(&[0.0, 1.0])),
            2,
        );
        t.add(
            "b\u{1f}5",
            "b",
            v("en", Audience::Organization(7), &[], unit(&[0.5, 0.5])),
            2,
        );
        // Another dimension is left out rather than mixed in.
        t.add(
            "b\u{1f}4",
            "b",
            v("en", Audience::Public, &[], vec![1.0, 0.0, 0.0]),
            3,
        );
        assert_eq!(t.len(), 4);
        let q = unit(&[1.0, 0.0]);
        let f = |audiences: &'static [Audience]| Filter {
            audiences,
            entities: &[],
            locales: &[],
            tags: &[],
        };
        let public = t.nearest(&q, &f(&[Audience::Public]), 10);
        assert_eq!(public.len(), 2);
        assert_eq!(public[0].reference, "a\u{1f}1");
        assert_eq!(public[0].locale, "en");
        assert_eq!(public[1].reference, "b\u{1f}3");
        let staff = t.nearest(
            &q,
            &Filter {
                entities: &["a"],
                ..f(&[Audience::Public, Audience::Staff])
            },
            10,
        );
        assert_eq!(staff.len(), 2);
        let members = t.nearest(&q, &f(&[Audience::Public, Audience::Organization(7)]), 10);
        assert_eq!(members.len(), 3);
        assert!(
            t.nearest(&q, &f(&[Audience::Organization(8)]), 10)
                .is_empty()
        );
        let zh = t.nearest(
            &q,
            &Filter {
                locales: &["zh-CN"],
                ..f(&[Audience::Public])
            },
            1,
        );
        assert_eq!(zh[0].locale, "zh-CN");
        let tagged = t.nearest(
            &q,
            &Filter {
                tags: &["c:y"],
                ..f(&[Audience::Public])
            },
            10,
        );
        assert_eq!(tagged.len(), 1);
        assert_eq!(tagged[0].reference, "b\u{1f}3");
        // A query of the wrong dimension finds nothing instead of failing.
        assert!(t.nearest(&[1.0], &f(&[Audience::Public]), 10).is_empty());
        t.remove_kind("a");
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn fusion_weighs_similarity_by_its_size_and_keeps_word_only_things() {
        let c = |r: &str, sim: Option<f32>, words: f32| Candidate {
            reference: r.into(),
            similarity: sim,
            words,
        };
        let fused = fuse(
            vec![
                // The only word match is weak in meaning (a common word matched).
                c("weak", Some(0.76), 3.0),
                c("close", Some(0.86), 0.0),
                c("both", Some(0.84), 2.0),
                c("far", Some(0.70), 0.0),
                c("task", None, 1.5),
            ],
            0.8,
            0.8,
        );
        let order: Vec<&str> = fused.iter().map(|(r, _)| r.as_str()).collect();
        // "far" is neither found by words nor alike enough; "task" ranks by its words alone.
        assert_eq!(order, vec!["close", "both", "task", "weak"]);
        // Without meaning, the word order stands.
        let words_only = fuse(
            vec![c("a", Some(0.9), 1.0), c("b", Some(0.7), 2.0)],
            0.0,
            0.8,
        );
        assert_eq!(words_only[0].0, "b");
    }
}
