//! Model-file validation on small synthetic images (no real model needed).

use super::*;

const H: usize = DIM;
const FF: usize = 64;
const MAXP: usize = 8;

/// Position of each directory entry's fields inside a synthetic image.
struct DirPos {
    name: String,
    /// offset of the dtype byte; n (u32) follows, then off (u64), nbytes (u64)
    dtype_at: usize,
}

struct Synth {
    bytes: Vec<u8>,
    dir: Vec<DirPos>,
    /// end of header + tokenizer + directory
    meta_end: usize,
}

impl Synth {
    fn entry(&self, name: &str) -> usize {
        match self.dir.iter().find(|d| d.name == name) {
            Some(d) => d.dtype_at,
            None => panic!("no entry {name}"),
        }
    }
}

fn pieces() -> Vec<(&'static str, f32)> {
    vec![
        ("<s>", 0.0),
        ("<pad>", 0.0),
        ("</s>", 0.0),
        ("<unk>", 0.0),
        ("\u{2581}", -3.0),
        ("\u{2581}query", -5.0),
        (":", -4.0),
        ("\u{2581}hello", -6.0),
        ("\u{2581}passage", -5.0),
        ("o", -4.5),
    ]
}

fn lcg(seed: &mut u32) -> u32 {
    *seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
    *seed >> 8
}

fn q4(rows: usize, cols: usize, seed: &mut u32) -> Vec<u8> {
    let mut v = Vec::new();
    for _ in 0..rows * cols / 32 {
        v.extend_from_slice(&(0x2000u16 + (lcg(seed) % 0x400) as u16).to_le_bytes());
        for _ in 0..16 {
            v.push((lcg(seed) & 0xFF) as u8);
        }
    }
    v
}

fn f32v(n: usize, base: f32, seed: &mut u32) -> Vec<u8> {
    (0..n)
        .flat_map(|_| (base + (lcg(seed) % 1000) as f32 / 10_000.0).to_le_bytes())
        .collect()
}

/// A complete, valid 1-layer model image with H = 384.
fn synth() -> Synth {
    let mut seed = 42u32;
    let p = pieces();
    let voc = p.len() + 2;
    let mut tensors: Vec<(String, u8, usize, Vec<u8>)> = vec![
        ("emb.word".into(), 1, voc * H, q4(voc, H, &mut seed)),
        (
            "emb.pos".into(),
            0,
            MAXP * H,
            f32v(MAXP * H, -0.05, &mut seed),
        ),
        ("emb.type".into(), 0, H, f32v(H, 0.0, &mut seed)),
        ("emb.ln.w".into(), 0, H, f32v(H, 1.0, &mut seed)),
        ("emb.ln.b".into(), 0, H, f32v(H, 0.0, &mut seed)),
    ];
    for (name, rows, cols) in [
        ("q", H, H),
        ("k", H, H),
        ("v", H, H),
        ("ao", H, H),
        ("fi", FF, H),
        ("fo", H, FF),
    ] {
        tensors.push((
            format!("l0.{name}.w"),
            1,
            rows * cols,
            q4(rows, cols, &mut seed),
        ));
        tensors.push((
            format!("l0.{name}.b"),
            0,
            rows,
            f32v(rows, -0.05, &mut seed),
        ));
    }
    for name in ["aln", "oln"] {
        tensors.push((format!("l0.{name}.w"), 0, H, f32v(H, 1.0, &mut seed)));
        tensors.push((format!("l0.{name}.b"), 0, H, f32v(H, 0.0, &mut seed)));
    }

    let mut b = Vec::new();
    b.extend_from_slice(b"E5S1");
    b.extend_from_slice(&1u32.to_le_bytes());
    for v in [H, 1, 12, FF, voc, MAXP, 1] {
        b.extend_from_slice(&(v as i32).to_le_bytes());
    }
    b.extend_from_slice(&1e-12f32.to_le_bytes());
    b.extend_from_slice(&32i32.to_le_bytes());
    b.extend_from_slice(&(p.len() as i32).to_le_bytes());
    for v in [0i32, 2, 1, 3] {
        b.extend_from_slice(&v.to_le_bytes()); // bos, eos, pad, unk
    }
    let blob: Vec<u8> = p.iter().flat_map(|(s, _)| s.bytes()).collect();
    b.extend_from_slice(&(blob.len() as u64).to_le_bytes());
    let mut off = 0u32;
    b.extend_from_slice(&off.to_le_bytes());
    for (s, _) in &p {
        off += s.len() as u32;
        b.extend_from_slice(&off.to_le_bytes());
    }
    for (_, sc) in &p {
        b.extend_from_slice(&sc.to_le_bytes());
    }
    b.extend_from_slice(&blob);
    // normalisation: 'H' -> 'h', tab -> space, U+00AD -> nothing
    let norm: Vec<(u32, Vec<u32>)> = vec![(9, vec![32]), (72, vec![104]), (0xAD, vec![])];
    let mut nm = Vec::new();
    for (cp, outs) in &norm {
        nm.extend_from_slice(&cp.to_le_bytes());
        nm.push(outs.len() as u8);
        for o in outs {
            nm.extend_from_slice(&o.to_le_bytes());
        }
    }
    b.extend_from_slice(&(norm.len() as i32).to_le_bytes());
    b.extend_from_slice(&(nm.len() as u32).to_le_bytes());
    b.extend_from_slice(&nm);

    b.extend_from_slice(&(tensors.len() as i32).to_le_bytes());
    let dir_size: usize = tensors
        .iter()
        .map(|(n, ..)| 2 + n.len() + 1 + 4 + 8 + 8)
        .sum();
    let mut data_off = b.len() + dir_size;
    let mut dir = Vec::new();
    for (name, dtype, n, data) in &tensors {
        b.extend_from_slice(&(name.len() as u16).to_le_bytes());
        b.extend_from_slice(name.as_bytes());
        dir.push(DirPos {
            name: name.clone(),
            dtype_at: b.len(),
        });
        b.push(*dtype);
        b.extend_from_slice(&(*n as u32).to_le_bytes());
        b.extend_from_slice(&(data_off as u64).to_le_bytes());
        b.extend_from_slice(&(data.len() as u64).to_le_bytes());
        data_off += data.len();
    }
    let meta_end = b.len();
    for (.., data) in &tensors {
        b.extend_from_slice(data);
    }
    Synth {
        bytes: b,
        dir,
        meta_end,
    }
}

fn load(bytes: Vec<u8>) -> Result<Model, EmbedError> {
    Model::from_bytes(bytes)
}

fn must_load(bytes: Vec<u8>) -> Model {
    match load(bytes) {
        Ok(m) => m,
        Err(e) => panic!("synthetic model rejected: {e}"),
    }
}

fn patch(bytes: &[u8], at: usize, new: &[u8]) -> Vec<u8> {
    let mut b = bytes.to_vec();
    b[at..at + new.len()].copy_from_slice(new);
    b
}

fn is_format_err(r: Result<Model, EmbedError>) -> bool {
    matches!(r, Err(EmbedError::Format(_)))
}

#[test]
fn synthetic_model_loads_and_embeds() {
    let s = synth();
    let m = must_load(s.bytes.clone());
    assert_eq!(m.dim(), DIM);
    let debug = format!("{m:?}");
    assert!(debug.len() < 300 && debug.contains("dim: 384"), "{debug}");
    // "query: hello" -> <s> ▁query : ▁hello </s>
    assert_eq!(m.token_ids("hello", Kind::Query), vec![0, 5, 6, 7, 2]);
    assert_eq!(m.token_ids("Hello", Kind::Query), vec![0, 5, 6, 7, 2]);
    assert_eq!(m.token_count("hello", Kind::Passage), 5);
    let v = m.embed("hello", Kind::Query, None);
    assert_eq!(v.len(), DIM);
    assert!(v.iter().all(|x| x.is_finite()));
    let n: f32 = v.iter().map(|x| x * x).sum();
    assert!((n - 1.0).abs() < 1e-4, "norm {n}");
    let w = m.embed("hello", Kind::Passage, None);
    assert_ne!(v, w);
    // MAXP = 8 -> windows of 6 content tokens; long text and batch paths
    let long = "hello hello hello hello hello hello hello hello hello zzz";
    let a = m.embed(long, Kind::Passage, None);
    let b = m.embed_batch(&["hello", long, ""], Kind::Passage, None);
    assert_eq!(b.len(), 3);
    assert_eq!(b[1], a);
    assert_eq!(b[0], w);
    assert!(m.embed_batch(&[], Kind::Query, None).is_empty());
    // truncation
    assert_eq!(
        m.embed(long, Kind::Passage, Some(3)),
        m.embed("hello", Kind::Passage, None)
    );
    let zero = m.embed(long, Kind::Passage, Some(0));
    assert!(zero.iter().all(|x| x.is_finite()));
    // text ends at NUL as in the C engine
    assert_eq!(m.embed("hello\0ignored", Kind::Query, None), v);
    // threads do not change results
    let mut m1 = must_load(s.bytes.clone());
    m1.set_threads(1);
    let mut m3 = must_load(s.bytes);
    m3.set_threads(3);
    assert_eq!(m1.embed(long, Kind::Passage, None), a);
    assert_eq!(m3.embed(long, Kind::Passage, None), a);
}

#[test]
fn every_truncation_is_an_error() {
    let s = synth();
    for len in 0..s.meta_end + 64 {
        assert!(
            is_format_err(load(s.bytes[..len].to_vec())),
            "truncated to {len} bytes"
        );
    }
    let total = s.bytes.len();
    let step = (total - s.meta_end) / 97;
    let mut len = s.meta_end;
    while len < total {
        assert!(
            is_format_err(load(s.bytes[..len].to_vec())),
            "truncated to {len} of {total} bytes"
        );
        len += step;
    }
    assert!(is_format_err(load(s.bytes[..total - 1].to_vec())));
    assert!(load(s.bytes).is_ok());
}

#[test]
fn corrupt_headers_are_errors() {
    let b = synth().bytes;
    let cases: Vec<(&str, usize, Vec<u8>)> = vec![
        ("magic", 0, b"E5S2".to_vec()),
        ("hidden 768", 8, 768i32.to_le_bytes().to_vec()),
        ("hidden negative", 8, (-384i32).to_le_bytes().to_vec()),
        ("layers 0", 12, 0i32.to_le_bytes().to_vec()),
        (
            "layers 2 (missing tensors)",
            12,
            2i32.to_le_bytes().to_vec(),
        ),
        ("heads 7", 16, 7i32.to_le_bytes().to_vec()),
        ("heads 0", 16, 0i32.to_le_bytes().to_vec()),
        ("ff 100", 20, 100i32.to_le_bytes().to_vec()),
        ("vocab smaller than pieces", 24, 5i32.to_le_bytes().to_vec()),
        ("max positions 2", 28, 2i32.to_le_bytes().to_vec()),
        (
            "max positions 9 (table too short)",
            28,
            9i32.to_le_bytes().to_vec(),
        ),
        ("type vocab 0", 32, 0i32.to_le_bytes().to_vec()),
        ("eps NaN", 36, f32::NAN.to_le_bytes().to_vec()),
        ("block size 16", 40, 16i32.to_le_bytes().to_vec()),
        ("pieces 0", 44, 0i32.to_le_bytes().to_vec()),
        ("pieces huge", 44, i32::MAX.to_le_bytes().to_vec()),
        ("bos negative", 48, (-1i32).to_le_bytes().to_vec()),
        ("eos out of range", 52, 10i32.to_le_bytes().to_vec()),
        ("unk out of range", 60, 99i32.to_le_bytes().to_vec()),
        ("blob length huge", 64, u64::MAX.to_le_bytes().to_vec()),
        (
            "first piece offset past blob",
            72,
            9999u32.to_le_bytes().to_vec(),
        ),
        (
            "piece offsets decreasing",
            76,
            0xFFu32.to_le_bytes().to_vec(),
        ),
    ];
    for (what, at, new) in cases {
        assert!(is_format_err(load(patch(&b, at, &new))), "{what}");
    }
}

#[test]
fn corrupt_maps_and_directory_are_errors() {
    let s = synth();
    let b = &s.bytes;
    let npieces = pieces().len();
    let blob_len: usize = pieces().iter().map(|(p, _)| p.len()).sum();
    let norm_at = 72 + (npieces + 1) * 4 + npieces * 4 + blob_len;
    // normalisation map: count larger than its byte length allows
    assert!(is_format_err(load(patch(
        b,
        norm_at,
        &100i32.to_le_bytes()
    ))));
    assert!(is_format_err(load(patch(
        b,
        norm_at,
        &(-1i32).to_le_bytes()
    ))));
    // an entry claiming 200 outputs
    assert!(is_format_err(load(patch(b, norm_at + 8 + 4, &[200]))));
    // byte length past the end of the file
    assert!(is_format_err(load(patch(
        b,
        norm_at + 4,
        &u32::MAX.to_le_bytes()
    ))));

    let word = s.entry("emb.word");
    let cases: Vec<(&str, usize, Vec<u8>)> = vec![
        ("dtype f32 for Q4", word, vec![0]),
        ("unknown dtype", s.entry("l0.q.w"), vec![7]),
        ("dtype Q4 for f32", s.entry("emb.pos"), vec![1]),
        (
            "element count",
            s.entry("l0.fi.w"),
            1u32.to_le_bytes().to_vec(),
        ),
        (
            "offset past end",
            s.entry("l0.fo.w") + 5,
            (b.len() as u64).to_le_bytes().to_vec(),
        ),
        (
            "offset overflow",
            s.entry("l0.oln.b") + 5,
            u64::MAX.to_le_bytes().to_vec(),
        ),
        (
            "bias offset near end",
            s.entry("l0.k.b") + 5,
            (b.len() as u64 - 100).to_le_bytes().to_vec(),
        ),
    ];
    for (what, at, new) in cases {
        assert!(is_format_err(load(patch(b, at, &new))), "{what}");
    }
    // a renamed (so missing) tensor
    let ln = s.entry("emb.ln.b") - "emb.ln.b".len();
    assert!(is_format_err(load(patch(b, ln, b"emb.ln.x"))));
    // directory count larger than present
    let ndir_at = s.entry("emb.word") - "emb.word".len() - 2 - 4;
    assert!(is_format_err(load(patch(
        b,
        ndir_at,
        &1000i32.to_le_bytes()
    ))));
    assert!(is_format_err(load(patch(
        b,
        ndir_at,
        &(-3i32).to_le_bytes()
    ))));
    assert!(load(b.clone()).is_ok());
}

#[test]
fn io_errors_name_the_path() {
    let p = Path::new("/nonexistent/dir/e5-small-q4.bin");
    match Model::load(p) {
        Err(EmbedError::Io { path, .. }) => assert!(path.contains("nonexistent")),
        other => panic!("expected an I/O error, got {other:?}"),
    }
}

#[test]
fn model_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Model>();
}
