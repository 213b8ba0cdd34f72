//! Q4_0 weights x Q8_0-style activations matrix products.
//!
//! Weights stay 4-bit in the model image (an f16 scale plus 16 bytes of
//! nibbles per 32 weights, byte j holding weight j in its low nibble and
//! weight j+16 in its high nibble, value `(q - 8) * d`). Activations are
//! quantised per 32-value block to integers in `-128..=127` with a float scale.
//! A chunk of weight rows is expanded to `i16` (`q - 8`) once and reused
//! for every token, so the hot loop is a plain integer dot product over
//! fixed-size 32-element blocks which LLVM turns into `pmaddwd` on baseline
//! x86_64 (and wider instructions when more target features are enabled).

use std::ops::Range;
use std::sync::Arc;

use crate::math::{f16_to_f32, gelu};
use crate::par::Pool;

/// Values per quantisation block.
pub(crate) const QK: usize = 32;
/// Bytes per Q4_0 block: f16 scale + 16 bytes of nibbles.
pub(crate) const Q4_BLOCK_BYTES: usize = 18;
/// Weight rows per group: a group (in L1) passes over a tile of tokens.
const RO: usize = 8;
/// Below this many multiply-adds a matrix product runs on the calling thread.
const PAR_MIN_MACS: usize = 1 << 22;

/// A `[rows, cols]` Q4_0 matrix living in the model image, with its block
/// scales decoded to f32 once at load time.
pub(crate) struct Q4Matrix {
    /// Byte range of the blocks inside the model image.
    pub bytes: Range<usize>,
    /// `rows * cols / 32` scales.
    pub scales: Vec<f32>,
    pub rows: usize,
    pub cols: usize,
}

/// A linear layer `y = x W^T + b`.
pub(crate) struct Linear {
    pub w: Q4Matrix,
    pub b: Vec<f32>,
}

/// Decodes one Q4_0 block into 32 floats.
pub(crate) fn dequant_block(block: &[u8; Q4_BLOCK_BYTES], out: &mut [f32; QK]) {
    let d = f16_to_f32(u16::from_le_bytes([block[0], block[1]]));
    for j in 0..16 {
        let q = block[2 + j];
        out[j] = f32::from(i16::from(q & 0x0F) - 8) * d;
        out[j + 16] = f32::from(i16::from(q >> 4) - 8) * d;
    }
}

/// Decodes a row of Q4_0 blocks (`out.len() / 32` of them) into floats.
pub(crate) fn dequant_row(blocks: &[u8], out: &mut [f32]) {
    let (blocks, _) = blocks.as_chunks::<Q4_BLOCK_BYTES>();
    let (outs, _) = out.as_chunks_mut::<QK>();
    for (b, o) in blocks.iter().zip(outs) {
        dequant_block(b, o);
    }
}

/// Eight `i16`, 16-byte aligned: with the alignment known, the integer dot
/// products can take one operand straight from memory (`pmaddwd xmm, m128`).
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
#[repr(C, align(16))]
pub(crate) struct I16x8(pub [i16; 8]);

/// `I16x8` per quantisation block.
const VPB: usize = QK / 8;

/// Expands one row's nibbles to `q - 8` (scales are kept apart); `out` has
/// 4 vectors per block.
fn expand_row(blocks: &[u8], out: &mut [I16x8]) {
    let (blocks, _) = blocks.as_chunks::<Q4_BLOCK_BYTES>();
    let (outs, _) = out.as_chunks_mut::<VPB>();
    for (b, o) in blocks.iter().zip(outs) {
        for c in 0..2 {
            for k in 0..8 {
                let q = b[2 + c * 8 + k];
                o[c].0[k] = i16::from(q & 0x0F) - 8;
                o[c + 2].0[k] = i16::from(q >> 4) - 8;
            }
        }
    }
}

/// Activations quantised per 32-value block: `x ≈ q * d`.
#[derive(Default)]
pub(crate) struct QActs {
    /// `tokens * nin / 8` vectors.
    pub q: Vec<I16x8>,
    pub d: Vec<f32>,
    pub nin: usize,
    pub tokens: usize,
}

impl QActs {
    /// Quantised copy of `x` (rows of `nin` values).
    pub(crate) fn new(x: &[f32], nin: usize) -> QActs {
        let mut a = QActs::default();
        a.quantize(x, nin);
        a
    }

    /// Quantises `x` (`tokens` rows of `nin` values, `nin % 32 == 0`) the way
    /// the reference does: scale `amax / 127`, round half to even, clamp.
    pub(crate) fn quantize(&mut self, x: &[f32], nin: usize) {
        let tokens = x.len().checked_div(nin).unwrap_or(0);
        self.nin = nin;
        self.tokens = tokens;
        self.q.clear();
        self.q.resize(tokens * nin / 8, I16x8::default());
        self.d.clear();
        self.d.resize(tokens * nin / QK, 0.0);
        const MAGIC: f32 = 12_582_912.0; // 1.5 * 2^23: x + MAGIC - MAGIC = rint(x)
        let (xs, _) = x.as_chunks::<QK>();
        let (qs, _) = self.q.as_chunks_mut::<VPB>();
        for ((xb, qb), d) in xs.iter().zip(qs).zip(self.d.iter_mut()) {
            // max |x| (8 lanes so that it vectorises; max is order-free)
            let mut m = [0f32; 8];
            for c in xb.as_chunks::<8>().0 {
                for k in 0..8 {
                    let a = c[k].abs();
                    m[k] = if a > m[k] { a } else { m[k] };
                }
            }
            let amax = m.iter().fold(0f32, |acc, &v| if v > acc { v } else { acc });
            let dd = amax / 127.0;
            let id = if dd > 0.0 { 1.0 / dd } else { 0.0 };
            for c in 0..VPB {
                for k in 0..8 {
                    let r = (xb[c * 8 + k] * id + MAGIC) - MAGIC;
                    qb[c].0[k] = r.clamp(-128.0, 127.0) as i16;
                }
            }
            *d = dd;
        }
    }
}

#[inline(always)]
fn dot32(w: &[I16x8; VPB], a: &[I16x8; VPB]) -> i32 {
    // |w| <= 8, |a| <= 128: no overflow; wrapping ops keep the loop free of
    // overflow checks in debug builds
    let mut s = 0i32;
    for c in 0..VPB {
        for k in 0..8 {
            s = s.wrapping_add(i32::from(w[c].0[k]).wrapping_mul(i32::from(a[c].0[k])));
        }
    }
    s
}

/// `sum_b dw[b] * da[b] * <w_b, a_b>` over the blocks of one row.
#[inline(always)]
fn dot_row(w: &[I16x8], dw: &[f32], a: &[I16x8], da: &[f32]) -> f32 {
    let (w4, w_rest) = w.as_chunks::<{ 4 * VPB }>();
    let (a4, a_rest) = a.as_chunks::<{ 4 * VPB }>();
    let (dw4, dw_rest) = dw.as_chunks::<4>();
    let (da4, da_rest) = da.as_chunks::<4>();
    let mut acc = [0f32; 4];
    for (((wb, ab), dwb), dab) in w4.iter().zip(a4).zip(dw4).zip(da4) {
        let (wb, _) = wb.as_chunks::<VPB>();
        let (ab, _) = ab.as_chunks::<VPB>();
        let mut s = [0i32; 4];
        for ((s, w), a) in s.iter_mut().zip(wb).zip(ab) {
            *s = dot32(w, a);
        }
        for k in 0..4 {
            acc[k] += dwb[k] * dab[k] * s[k] as f32;
        }
    }
    let (w1, _) = w_rest.as_chunks::<VPB>();
    let (a1, _) = a_rest.as_chunks::<VPB>();
    for (((wb, ab), &dw), &da) in w1.iter().zip(a1).zip(dw_rest).zip(da_rest) {
        acc[0] += dw * da * dot32(wb, ab) as f32;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3])
}

/// One group of expanded rows over one tile of tokens:
/// `out[t * width + col + k] = bias[k] + row_k . token_t`.
///
/// Not inlined on purpose: as a function parameter, `&[I16x8]` tells LLVM
/// the data is 16-byte aligned, so one operand of every `pmaddwd` is read
/// straight from memory.
#[inline(never)]
#[allow(
    clippy::too_many_arguments,
    reason = "a flat kernel signature keeps the alignment facts"
)]
fn tile(
    w: &[I16x8],
    dw: &[f32],
    bias: &[f32],
    a: &[I16x8],
    da: &[f32],
    out: &mut [f32],
    width: usize,
    col: usize,
) {
    let ro = bias.len();
    if ro == 0 || width == 0 {
        return;
    }
    let nv = w.len() / ro;
    let nb = dw.len() / ro;
    if nv == 0 || nb == 0 {
        return;
    }
    for ((at, dat), orow) in a
        .chunks_exact(nv)
        .zip(da.chunks_exact(nb))
        .zip(out.chunks_exact_mut(width))
    {
        let Some(dst) = orow.get_mut(col..col + ro) else {
            continue;
        };
        for (((y, wr), dwr), &b) in dst
            .iter_mut()
            .zip(w.chunks_exact(nv))
            .zip(dw.chunks_exact(nb))
            .zip(bias)
        {
            *y = b + dot_row(wr, dwr, at, dat);
        }
    }
}

/// Weight rows expanded at once (the expanded chunk stays in L2).
const ROW_CHUNK: usize = 32;
/// Tokens per tile: a tile's activations stay in L2 while every row group
/// of the chunk passes over them.
const TOKEN_TILE: usize = 96;

/// Computes output rows `rows` (global indices over the concatenation of
/// `lins`) for every token into `out`, laid out `[tokens][rows.len()]`.
fn compute_rows(
    data: &[u8],
    lins: &[&Linear],
    acts: &QActs,
    rows: Range<usize>,
    out: &mut [f32],
    apply_gelu: bool,
) {
    let nin = acts.nin;
    let nb = nin / QK;
    let width = rows.len();
    let tokens = acts.tokens;
    let nv = nin / 8;
    let mut wexp = vec![I16x8::default(); ROW_CHUNK * nv];
    let mut dws = vec![0f32; ROW_CHUNK * nb];
    let mut bias = [0f32; ROW_CHUNK];
    let mut c0 = rows.start;
    while c0 < rows.end {
        let c1 = (c0 + ROW_CHUNK).min(rows.end);
        for (k, r) in (c0..c1).enumerate() {
            let we = &mut wexp[k * nv..(k + 1) * nv];
            let dd = &mut dws[k * nb..(k + 1) * nb];
            // the linear layer holding global row r, and the row within it
            let mut local = r;
            let mut found = None;
            for lin in lins {
                if local < lin.w.rows {
                    found = Some(lin);
                    break;
                }
                local -= lin.w.rows;
            }
            let row_bytes = nb * Q4_BLOCK_BYTES;
            let src = found.filter(|lin| lin.w.cols == nin).and_then(|lin| {
                let start = lin.w.bytes.start + local * row_bytes;
                Some((
                    data.get(start..start + row_bytes)?,
                    lin.w.scales.get(local * nb..(local + 1) * nb)?,
                    lin.b.get(local).copied().unwrap_or(0.0),
                ))
            });
            match src {
                Some((blocks, scales, b)) => {
                    expand_row(blocks, we);
                    dd.copy_from_slice(scales);
                    bias[k] = b;
                }
                // unreachable for a validated model: a zero row
                None => {
                    we.fill(I16x8::default());
                    dd.fill(0.0);
                    bias[k] = 0.0;
                }
            }
        }
        let mut t0 = 0;
        while t0 < tokens {
            let t1 = (t0 + TOKEN_TILE).min(tokens);
            let mut g0 = c0;
            while g0 < c1 {
                let g1 = (g0 + RO).min(c1);
                let (k0, k1) = (g0 - c0, g1 - c0);
                tile(
                    &wexp[k0 * nv..k1 * nv],
                    &dws[k0 * nb..k1 * nb],
                    &bias[k0..k1],
                    &acts.q[t0 * nv..t1 * nv],
                    &acts.d[t0 * nb..t1 * nb],
                    out.get_mut(t0 * width..t1 * width).unwrap_or_default(),
                    width,
                    g0 - rows.start,
                );
                g0 = g1;
            }
            t0 = t1;
        }
        c0 = c1;
    }
    if apply_gelu {
        for v in out.iter_mut() {
            *v = gelu(*v);
        }
    }
}

/// `out[t][r] = act(b[r] + sum_i W[r][i] x[t][i])` where `W` is the row-wise
/// concatenation of `lins` (all with `cols == acts.nin`) and `out` is
/// `[acts.tokens][total rows]`. Runs on the pool's threads, split over
/// output rows.
pub(crate) fn matmul<'env>(
    pool: &Pool<'env>,
    data: &'env [u8],
    lins: &[&'env Linear],
    acts: &Arc<QActs>,
    out: &mut [f32],
    apply_gelu: bool,
) {
    let nout: usize = lins.iter().map(|l| l.w.rows).sum();
    let tokens = acts.tokens;
    let macs = tokens.saturating_mul(nout).saturating_mul(acts.nin);
    if !pool.parallel() || macs < PAR_MIN_MACS {
        compute_rows(data, lins, acts, 0..nout, out, apply_gelu);
        return;
    }
    let step = ROW_CHUNK;
    let items = nout.div_ceil(step);
    let job_lins: Vec<&'env Linear> = lins.to_vec();
    let job_acts = Arc::clone(acts);
    let parts = pool.map(items, move |i| {
        let rows = (i * step).min(nout)..((i + 1) * step).min(nout);
        let mut buf = vec![0f32; tokens * rows.len()];
        compute_rows(data, &job_lins, &job_acts, rows, &mut buf, apply_gelu);
        buf
    });
    for (i, buf) in parts.iter().enumerate() {
        let rows = (i * step).min(nout)..((i + 1) * step).min(nout);
        let w = rows.len();
        if w == 0 {
            continue;
        }
        for (orow, brow) in out.chunks_exact_mut(nout).zip(buf.chunks_exact(w)) {
            if let Some(dst) = orow.get_mut(rows.clone()) {
                dst.copy_from_slice(brow);
            }
        }
    }
}

#[cfg(test)]
#[allow(
    clippy::needless_range_loop,
    reason = "index loops mirror the reference"
)]
mod tests {
    use super::*;

    fn flat(v: &[I16x8]) -> Vec<i16> {
        v.iter().flat_map(|x| x.0).collect()
    }

    /// Builds one Q4_0 block from a scale (as f16 bits) and 32 quants 0..=15.
    fn block(d_bits: u16, q: &[u8; 32]) -> [u8; 18] {
        let mut b = [0u8; 18];
        b[..2].copy_from_slice(&d_bits.to_le_bytes());
        for j in 0..16 {
            b[2 + j] = q[j] | (q[j + 16] << 4);
        }
        b
    }

    #[test]
    fn q4_block_decodes_low_then_high_nibbles() {
        // byte j: low nibble -> weight j, high nibble -> weight j + 16
        let mut raw = [0u8; 18];
        raw[..2].copy_from_slice(&0x3800u16.to_le_bytes()); // d = 0.5
        for j in 0..16 {
            raw[2 + j] = (j as u8) | ((15 - j as u8) << 4);
        }
        let mut out = [0f32; 32];
        dequant_block(&raw, &mut out);
        for j in 0..16 {
            assert_eq!(out[j], (j as f32 - 8.0) * 0.5, "weight {j}");
            assert_eq!(out[j + 16], (7.0 - j as f32) * 0.5, "weight {}", j + 16);
        }
        let mut ex = [I16x8::default(); 4];
        expand_row(&raw, &mut ex);
        let ex = flat(&ex);
        for j in 0..32 {
            assert_eq!(f32::from(ex[j]) * 0.5, out[j]);
        }
    }

    #[test]
    fn q4_row_of_blocks() {
        let q: [u8; 32] = std::array::from_fn(|j| (j % 16) as u8);
        let mut row = Vec::new();
        row.extend_from_slice(&block(0x3C00, &q)); // d = 1
        row.extend_from_slice(&block(0xC000, &q)); // d = -2
        let mut out = [0f32; 64];
        dequant_row(&row, &mut out);
        for j in 0..32 {
            let v = (j % 16) as f32 - 8.0;
            assert_eq!(out[j], v);
            assert_eq!(out[32 + j], -2.0 * v);
        }
    }

    #[test]
    fn quantize_matches_reference_rule() {
        let mut x = vec![0f32; 64];
        for (i, v) in x.iter_mut().enumerate() {
            *v = (i as f32 - 20.0) * 0.37;
        }
        for v in &mut x[32..] {
            *v *= 0.01;
        }
        x[40] = 12.7; // amax of block 1 -> d = 0.1
        let mut a = QActs::default();
        a.quantize(&x, 32);
        assert_eq!(a.tokens, 2);
        let q = flat(&a.q);
        // block 0: amax = |x[0]| = 20 * 0.37
        assert_eq!(a.d[0], 20.0 * 0.37 / 127.0);
        assert_eq!(a.d[1], 12.7 / 127.0);
        for j in 0..64 {
            let want = (x[j] * (1.0 / a.d[j / 32])).round_ties_even();
            assert_eq!(f32::from(q[j]), want, "{j}");
        }
        assert_eq!(q[40], 127);
        // ties go to even: 2.5 / 0.1 units etc. exercise via exact halves
        let mut y = vec![0f32; 32];
        y[0] = 127.0;
        y[1] = 2.5;
        y[2] = 3.5;
        y[3] = -2.5;
        a.quantize(&y, 32);
        assert_eq!(&flat(&a.q)[..4], &[127, 2, 4, -2]);
        // an all-zero block has scale 0 and zero quants
        a.quantize(&[0.0; 32], 32);
        assert_eq!(a.d[0], 0.0);
        assert!(flat(&a.q).iter().all(|&q| q == 0));
    }

    fn lin_from(blocks: &[[u8; 18]], rows: usize, cols: usize, b: Vec<f32>) -> (Vec<u8>, Linear) {
        let data: Vec<u8> = blocks.iter().flatten().copied().collect();
        let scales = blocks
            .iter()
            .map(|b| f16_to_f32(u16::from_le_bytes([b[0], b[1]])))
            .collect();
        let lin = Linear {
            w: Q4Matrix {
                bytes: 0..data.len(),
                scales,
                rows,
                cols,
            },
            b,
        };
        (data, lin)
    }

    #[test]
    fn matmul_equals_float_reference_on_quantised_inputs() {
        // 20 rows x 64 cols, 3 tokens; compare with a float product of the
        // dequantised weights and dequantised activations.
        let rows = 20;
        let cols = 64;
        let mut seed = 7u32;
        let mut rnd = || {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            seed >> 8
        };
        let mut blocks = Vec::new();
        for _ in 0..rows * cols / 32 {
            let q: [u8; 32] = std::array::from_fn(|_| (rnd() % 16) as u8);
            let d = 0x2000 + (rnd() % 0x1000) as u16; // small positive halves
            blocks.push(block(d, &q));
        }
        let bias: Vec<f32> = (0..rows).map(|r| r as f32 * 0.25).collect();
        let (data, lin) = lin_from(&blocks, rows, cols, bias.clone());
        let x: Vec<f32> = (0..3 * cols)
            .map(|_| (rnd() % 2001) as f32 / 1000.0 - 1.0)
            .collect();
        let mut acts = QActs::default();
        acts.quantize(&x, cols);
        let mut wf = vec![0f32; rows * cols];
        for (r, row) in wf.chunks_exact_mut(cols).enumerate() {
            dequant_row(&data[r * 36..(r + 1) * 36], row);
        }
        let acts = Arc::new(acts);
        for threads in [1, 2, 3] {
            let mut out = vec![0f32; 3 * rows];
            crate::par::scoped(threads, |pool| {
                matmul(pool, &data, &[&lin], &acts, &mut out, false)
            });
            for t in 0..3 {
                for r in 0..rows {
                    let mut want = f64::from(bias[r]);
                    for i in 0..cols {
                        let a = f64::from(flat(&acts.q)[t * cols + i])
                            * f64::from(acts.d[t * 2 + i / 32]);
                        want += f64::from(wf[r * cols + i]) * a;
                    }
                    let got = f64::from(out[t * rows + r]);
                    assert!(
                        (got - want).abs() < 1e-4 * (1.0 + want.abs()),
                        "t{t} r{r}: {got} vs {want}"
                    );
                }
            }
        }
    }

    #[test]
    fn threaded_matmul_is_bit_identical_to_serial() {
        let rows = 64;
        let cols = 256;
        let q: [u8; 32] = std::array::from_fn(|j| ((j * 7 + 3) % 16) as u8);
        let blocks: Vec<[u8; 18]> = (0..rows * cols / 32)
            .map(|i| block(0x2E00 + (i % 97) as u16, &q))
            .collect();
        let (data, lin) = lin_from(&blocks, rows, cols, vec![0.5; rows]);
        let tokens = 200; // 200 * 128 * 256 > PAR_MIN_MACS
        let x: Vec<f32> = (0..tokens * cols)
            .map(|i| ((i * 31 % 1000) as f32 - 500.0) / 77.0)
            .collect();
        let mut acts = QActs::default();
        acts.quantize(&x, cols);
        let mut serial = vec![0f32; tokens * 2 * rows];
        compute_rows(&data, &[&lin, &lin], &acts, 0..2 * rows, &mut serial, true);
        let acts = Arc::new(acts);
        for threads in [2, 3, 4] {
            let mut par = vec![0f32; tokens * 2 * rows];
            crate::par::scoped(threads, |pool| {
                matmul(pool, &data, &[&lin, &lin], &acts, &mut par, true)
            });
            assert_eq!(serial, par, "threads = {threads}");
        }
    }
}
