//! The BERT (XLM-RoBERTa) encoder: embeddings, 12 post-LN transformer layers
//! with Q4_0 weights, mean pooling per segment.
//!
//! Several segments (sliding windows of one or more texts) run together: the
//! token-wise matrix products see all their tokens at once, attention stays
//! within each segment.

use std::ops::Range;
use std::sync::Arc;

use crate::kernels::{Linear, Q4_BLOCK_BYTES, Q4Matrix, QActs, QK, dequant_row, matmul};
use crate::math::{add_layernorm, exp_f32};
use crate::par::Pool;

/// Below this many attention multiply-adds, heads run on the calling thread.
const PAR_MIN_ATTN: usize = 1 << 19;

#[derive(Debug, Clone, Copy)]
pub(crate) struct Config {
    pub h: usize,
    pub nl: usize,
    pub nh: usize,
    pub ff: usize,
    pub maxp: usize,
    pub eps: f32,
    pub bos: u32,
    pub eos: u32,
}

pub(crate) struct Layer {
    pub q: Linear,
    pub k: Linear,
    pub v: Linear,
    pub ao: Linear,
    pub aln_w: Vec<f32>,
    pub aln_b: Vec<f32>,
    pub fi: Linear,
    pub fo: Linear,
    pub oln_w: Vec<f32>,
    pub oln_b: Vec<f32>,
}

pub(crate) struct Weights {
    /// `[vocab, h]` word embeddings, kept 4-bit (no decoded scales).
    pub word: Q4Matrix,
    /// `[maxp, h]` position embeddings.
    pub pos: Vec<f32>,
    /// Token-type 0 embedding.
    pub type0: Vec<f32>,
    pub eln_w: Vec<f32>,
    pub eln_b: Vec<f32>,
    pub layers: Vec<Layer>,
}

/// The tokens of one encoder pass: `<s> … </s>` segments back to back.
pub(crate) struct Batch {
    pub ids: Vec<u32>,
    /// Token ranges of the segments, contiguous and in order.
    pub segs: Vec<Range<usize>>,
}

/// Runs the encoder and returns the mean-pooled (not normalised) hidden
/// state of every segment, `segs.len() * h` values.
pub(crate) fn forward(
    data: &[u8],
    cfg: &Config,
    w: &Weights,
    batch: &Batch,
    threads: usize,
) -> Vec<f32> {
    let h = cfg.h;
    let t_n = batch.ids.len();
    let nb_word = h / QK;
    let row_bytes = nb_word * Q4_BLOCK_BYTES;

    // embeddings: word + (position + type 0), then LayerNorm
    let mut x = vec![0f32; t_n * h];
    for seg in &batch.segs {
        for (p, t) in seg.clone().enumerate() {
            let Some(row) = x.get_mut(t * h..(t + 1) * h) else {
                continue;
            };
            let id = batch.ids.get(t).copied().unwrap_or(0) as usize;
            if id < w.word.rows {
                let start = w.word.bytes.start + id * row_bytes;
                if let Some(src) = data.get(start..start + row_bytes) {
                    dequant_row(src, row);
                }
            }
            let pp = w.pos.get(p * h..(p + 1) * h).unwrap_or(&[]);
            for ((r, &pv), &tv) in row.iter_mut().zip(pp).zip(&w.type0) {
                *r += pv + tv;
            }
        }
    }
    add_layernorm(&mut x, None, &w.eln_w, &w.eln_b, cfg.eps);

    let segs: &[Range<usize>] = &batch.segs;
    let x = crate::par::scoped(threads, |pool| {
        let mut qkv = vec![0f32; t_n * 3 * h];
        let mut ctx = vec![0f32; t_n * h];
        let mut tmp = vec![0f32; t_n * h];
        let mut mid = vec![0f32; t_n * cfg.ff];
        for ly in &w.layers {
            let acts = Arc::new(QActs::new(&x, h));
            matmul(pool, data, &[&ly.q, &ly.k, &ly.v], &acts, &mut qkv, false);
            let shared = Arc::new(std::mem::take(&mut qkv));
            attention(pool, &shared, *cfg, segs, &mut ctx);
            // get the buffer back (a helper may still hold the job briefly)
            qkv = Arc::try_unwrap(shared).unwrap_or_else(|s| vec![0f32; s.len()]);
            let acts = Arc::new(QActs::new(&ctx, h));
            matmul(pool, data, &[&ly.ao], &acts, &mut tmp, false);
            add_layernorm(&mut x, Some(&tmp), &ly.aln_w, &ly.aln_b, cfg.eps);
            let acts = Arc::new(QActs::new(&x, h));
            matmul(pool, data, &[&ly.fi], &acts, &mut mid, true);
            let acts = Arc::new(QActs::new(&mid, cfg.ff));
            matmul(pool, data, &[&ly.fo], &acts, &mut tmp, false);
            add_layernorm(&mut x, Some(&tmp), &ly.oln_w, &ly.oln_b, cfg.eps);
        }
        x
    });

    // mean pooling per segment
    let mut out = vec![0f32; batch.segs.len() * h];
    for (o, seg) in out.chunks_exact_mut(h).zip(&batch.segs) {
        for row in x
            .get(seg.start * h..seg.end * h)
            .unwrap_or(&[])
            .chunks_exact(h)
        {
            for (a, &v) in o.iter_mut().zip(row) {
                *a += v;
            }
        }
        let inv = 1.0 / seg.len().max(1) as f32;
        for a in o.iter_mut() {
            *a *= inv;
        }
    }
    out
}

/// Scaled dot-product attention within each segment; `qkv` rows are
/// `[q | k | v]`, `ctx` rows get the concatenated heads.
fn attention<'env>(
    pool: &Pool<'env>,
    qkv: &Arc<Vec<f32>>,
    cfg: Config,
    segs: &'env [Range<usize>],
    ctx: &mut [f32],
) {
    let h = cfg.h;
    let nh = cfg.nh;
    let hd = h / nh;
    let work: usize = segs
        .iter()
        .map(|s| s.len() * s.len())
        .sum::<usize>()
        .saturating_mul(2 * h);
    if !pool.parallel() || work < PAR_MIN_ATTN {
        for head in 0..nh {
            attend_head(qkv, &cfg, segs, head, ctx, h, head * hd);
        }
        return;
    }
    let t_n = ctx.len() / h;
    // one work item per head, each filling `[t_n][hd]`
    let job_qkv = Arc::clone(qkv);
    let parts = pool.map(nh, move |head| {
        let mut buf = vec![0f32; t_n * hd];
        attend_head(&job_qkv, &cfg, segs, head, &mut buf, hd, 0);
        buf
    });
    for (head, buf) in parts.iter().enumerate() {
        let col = head * hd;
        for (crow, brow) in ctx.chunks_exact_mut(h).zip(buf.chunks_exact(hd)) {
            if let Some(dst) = crow.get_mut(col..col + hd) {
                dst.copy_from_slice(brow);
            }
        }
    }
}

/// Keys per packed tile in the score computation.
const KT: usize = 32;
/// Lanes of the softmax max / sum reductions.
const SL: usize = 8;

/// One head over all segments; writes `hd` values per token at
/// `out[t * stride + col ..]`.
fn attend_head(
    qkv: &[f32],
    cfg: &Config,
    segs: &[Range<usize>],
    head: usize,
    out: &mut [f32],
    stride: usize,
    col: usize,
) {
    let h = cfg.h;
    let hd = h / cfg.nh;
    let row = 3 * h;
    let scale = 1.0 / (hd as f32).sqrt();
    let qo = head * hd;
    let ko = h + head * hd;
    let vo = 2 * h + head * hd;
    for seg in segs {
        let l = seg.len();
        if l == 0 {
            continue;
        }
        // keys packed in tiles of KT: kp[tile][e][k] = K[tile * KT + k][e]
        // (zero padded), so KT scores accumulate in registers, each in the
        // reference order (sum over e = 0, 1, …)
        let tiles = l.div_ceil(KT);
        let mut kp = vec![0f32; tiles * hd * KT];
        for (s, t) in seg.clone().enumerate() {
            let k = qkv.get(t * row + ko..t * row + ko + hd).unwrap_or(&[]);
            let base = (s / KT) * hd * KT + s % KT;
            for (e, &kv) in k.iter().enumerate() {
                kp[base + e * KT] = kv;
            }
        }
        let mut prob = vec![0f32; tiles * KT];
        for t in seg.clone() {
            let q = qkv.get(t * row + qo..t * row + qo + hd).unwrap_or(&[]);
            for (tile, dst) in kp.chunks_exact(hd * KT).zip(prob.as_chunks_mut::<KT>().0) {
                let mut acc = [0f32; KT];
                for (&qe, kr) in q.iter().zip(tile.as_chunks::<KT>().0) {
                    for k in 0..KT {
                        acc[k] += qe * kr[k];
                    }
                }
                *dst = acc;
            }
            let p = &mut prob[..l];
            let mut mx = [-1e30f32; SL];
            let (p8, p_rest) = p.as_chunks_mut::<SL>();
            for c in p8.iter_mut() {
                for k in 0..SL {
                    c[k] *= scale;
                    mx[k] = if c[k] > mx[k] { c[k] } else { mx[k] };
                }
            }
            for v in p_rest.iter_mut() {
                *v *= scale;
                mx[0] = if *v > mx[0] { *v } else { mx[0] };
            }
            let mx = mx.iter().fold(-1e30f32, |m, &v| if v > m { v } else { m });
            let mut sums = [0f32; SL];
            let (p8, p_rest) = p.as_chunks_mut::<SL>();
            for c in p8.iter_mut() {
                for k in 0..SL {
                    c[k] = exp_f32(c[k] - mx);
                    sums[k] += c[k];
                }
            }
            for v in p_rest.iter_mut() {
                *v = exp_f32(*v - mx);
                sums[0] += *v;
            }
            let sum = ((sums[0] + sums[1]) + (sums[2] + sums[3]))
                + ((sums[4] + sums[5]) + (sums[6] + sums[7]));
            let inv = 1.0 / sum;
            let Some(o) = out.get_mut(t * stride + col..t * stride + col + hd) else {
                continue;
            };
            let rows = seg.clone().zip(p.iter());
            if let Some(o) = o.as_mut_array::<32>() {
                // the model's head size: accumulate in registers
                let mut acc = [0f32; 32];
                for (s, &pv) in rows {
                    let pw = pv * inv;
                    if let Some(v) = qkv.get(s * row + vo..).and_then(|v| v.first_chunk::<32>()) {
                        for e in 0..32 {
                            acc[e] += pw * v[e];
                        }
                    }
                }
                *o = acc;
            } else {
                o.fill(0.0);
                for (s, &pv) in rows {
                    let pw = pv * inv;
                    let v = qkv.get(s * row + vo..s * row + vo + hd).unwrap_or(&[]);
                    for (a, &vv) in o.iter_mut().zip(v) {
                        *a += pw * vv;
                    }
                }
            }
        }
    }
}
