//! Scalar maths: half-precision decoding, `exp`, `erf`, GELU, layer norm.
//!
//! `exp_f32` and `erf_f32` are branch-free (apart from selects) so that loops
//! calling them auto-vectorise.

/// IEEE 754 binary16 -> binary32 (exact, including subnormals, inf and NaN).
///
/// The reference C decoder halves subnormal values (an off-by-one in its
/// normalisation loop); the shipped model has no subnormal, zero, inf or NaN
/// scales, so the correct decoding gives identical results on it.
pub(crate) fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h & 0x8000) << 16;
    let exp = u32::from((h >> 10) & 0x1F);
    let man = u32::from(h & 0x3FF);
    let bits = if exp == 0 {
        if man == 0 {
            sign
        } else {
            // Subnormal: shift the mantissa until its leading 1 reaches bit 10.
            let shift = man.leading_zeros() - 21; // 1..=10 for man in 1..=0x3FF
            let m = (man << shift) & 0x3FF;
            sign | ((127 - 14 - shift) << 23) | (m << 13)
        }
    } else if exp == 31 {
        sign | 0x7F80_0000 | (man << 13)
    } else {
        sign | ((exp + 127 - 15) << 23) | (man << 13)
    };
    f32::from_bits(bits)
}

/// `e^x` in single precision (Cephes `expf` polynomial, about 1 ulp), clamped
/// to the normal range.
#[inline(always)]
pub(crate) fn exp_f32(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // 1.5 * 2^23: adding it rounds to an integer held in the low mantissa bits.
    const MAGIC: f32 = 12_582_912.0;
    let x = x.clamp(-87.0, 88.0);
    let k = x * LOG2E + MAGIC;
    let n = k - MAGIC;
    let ni = (k.to_bits() as i32).wrapping_sub(MAGIC.to_bits() as i32);
    let r = x - n * LN2_HI - n * LN2_LO;
    let r2 = r * r;
    let p = (((((1.987_569_2e-4 * r + 1.398_2e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2) * r
        + 0.166_666_65)
        * r
        + 0.5)
        * r2
        + r
        + 1.0;
    let scale = f32::from_bits((ni.wrapping_add(127) as u32) << 23);
    p * scale
}

/// The error function (Numerical Recipes `erfcc` Chebyshev fit, fractional
/// error of erfc below 1.2e-7; absolute error of erf a few 1e-7 in f32).
#[inline(always)]
pub(crate) fn erf_f32(x: f32) -> f32 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_2
        + t * (1.000_023_7
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_204
                                + t * (1.488_515_9 + t * (-0.822_152_2 + t * 0.170_872_77))))))));
    let r = 1.0 - t * exp_f32(poly);
    if x >= 0.0 { r } else { -r }
}

/// Exact (erf-based) GELU.
#[inline(always)]
pub(crate) fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + erf_f32(x * std::f32::consts::FRAC_1_SQRT_2))
}

/// `x = LayerNorm(x + y)` row by row (`y = None`: `LayerNorm(x)`), rows of
/// `w.len()` values.
pub(crate) fn add_layernorm(x: &mut [f32], y: Option<&[f32]>, w: &[f32], b: &[f32], eps: f32) {
    let h = w.len();
    if h == 0 {
        return;
    }
    for (t, row) in x.chunks_exact_mut(h).enumerate() {
        if let Some(y) = y
            && let Some(yr) = y.get(t * h..(t + 1) * h)
        {
            for (r, &v) in row.iter_mut().zip(yr) {
                *r += v;
            }
        }
        let mut mean = 0f32;
        for &v in row.iter() {
            mean += v;
        }
        mean /= h as f32;
        let mut var = 0f32;
        for &v in row.iter() {
            let d = v - mean;
            var += d * d;
        }
        var /= h as f32;
        let inv = 1.0 / (var + eps).sqrt();
        for ((r, &wi), &bi) in row.iter_mut().zip(w).zip(b) {
            *r = (*r - mean) * inv * wi + bi;
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

    #[test]
    fn f16_known_values() {
        let cases: &[(u16, f32)] = &[
            (0x0000, 0.0),
            (0x3C00, 1.0),
            (0xC000, -2.0),
            (0x3555, 0.333_251_95),
            (0x7BFF, 65504.0),
            (0x0400, 6.103_515_6e-5), // smallest normal
            (0x0001, 5.960_464_5e-8), // smallest subnormal
            (0x0200, 3.051_757_8e-5), // 2^-15, subnormal
            (0x83FF, -6.097_555e-5),  // largest subnormal, negative
            (0x2E66, 0.099_975_586),
        ];
        for &(h, want) in cases {
            assert_eq!(f16_to_f32(h), want, "{h:#06x}");
        }
        assert_eq!(f16_to_f32(0x8000).to_bits(), 0x8000_0000);
        assert_eq!(f16_to_f32(0x7C00), f32::INFINITY);
        assert_eq!(f16_to_f32(0xFC00), f32::NEG_INFINITY);
        assert!(f16_to_f32(0x7E00).is_nan());
    }

    #[test]
    fn f16_roundtrips_every_finite_value() {
        // Every finite half value must decode to a float that is exactly
        // representable back (value * 2^24 is an integer below 2^35).
        for h in 0u16..0x7C00 {
            let v = f64::from(f16_to_f32(h));
            let exp = (h >> 10) & 0x1F;
            let man = f64::from(h & 0x3FF);
            let want = if exp == 0 {
                man * 2f64.powi(-24)
            } else {
                (1.0 + man / 1024.0) * 2f64.powi(i32::from(exp) - 15)
            };
            assert_eq!(v, want, "{h:#06x}");
        }
    }

    #[test]
    fn exp_accuracy() {
        let mut x = -80.0f64;
        while x < 80.0 {
            let got = f64::from(exp_f32(x as f32));
            let want = (f64::from(x as f32)).exp();
            assert!(
                ((got - want) / want).abs() < 3e-7,
                "exp({x}) = {got}, want {want}"
            );
            x += 0.0173;
        }
        assert_eq!(exp_f32(0.0), 1.0);
        assert!(exp_f32(-1000.0) < 1e-37);
        assert!(exp_f32(f32::NEG_INFINITY) < 1e-37);
    }

    #[test]
    fn erf_known_values() {
        // Reference values of erf to 16 digits.
        let cases: &[(f32, f64)] = &[
            (0.0, 0.0),
            (0.01, 0.011_283_415_555_849_618),
            (0.1, 0.112_462_916_018_284_9),
            (0.5, 0.520_499_877_813_046_5),
            (1.0, 0.842_700_792_949_714_9),
            (1.5, 0.966_105_146_475_310_7),
            (2.0, 0.995_322_265_018_952_7),
            (3.0, 0.999_977_909_503_001_4),
            (-0.3, -0.328_626_759_459_127_4),
            (-1.0, -0.842_700_792_949_714_9),
            (-2.5, -0.999_593_047_982_555),
            (6.0, 1.0),
            (-40.0, -1.0),
        ];
        for &(x, want) in cases {
            let got = f64::from(erf_f32(x));
            assert!((got - want).abs() < 4e-7, "erf({x}) = {got}, want {want}");
        }
        assert_eq!(erf_f32(f32::INFINITY), 1.0);
        assert_eq!(erf_f32(f32::NEG_INFINITY), -1.0);
    }

    #[test]
    fn erf_is_odd_and_monotonic() {
        let mut prev = -1.0f32;
        let mut x = -6.0f32;
        while x <= 6.0 {
            let v = erf_f32(x);
            assert!(v >= prev - 1e-7, "erf not monotonic at {x}");
            assert_eq!(v, -erf_f32(-x));
            prev = v;
            x += 0.001;
        }
    }

    #[test]
    fn gelu_values() {
        // 0.5 x (1 + erf(x / sqrt 2))
        let cases: &[(f32, f32)] = &[
            (0.0, 0.0),
            (1.0, 0.841_344_8),
            (-1.0, -0.158_655_25),
            (2.0, 1.954_499_7),
            (-3.0, -0.004_049_61),
        ];
        for &(x, want) in cases {
            assert!((gelu(x) - want).abs() < 1e-6, "gelu({x}) = {}", gelu(x));
        }
    }

    #[test]
    fn layernorm_normalises_rows() {
        let mut x = vec![1.0, 2.0, 3.0, 4.0, -1.0, -1.0, -1.0, 3.0];
        let y = vec![1.0; 8];
        let w = vec![1.0, 1.0, 2.0, 1.0];
        let b = vec![0.0, 0.5, 0.0, 0.0];
        add_layernorm(&mut x, Some(&y), &w, &b, 1e-12);
        // row 0: x+y = 2,3,4,5 -> mean 3.5, var 1.25
        let s = 1.25f32.sqrt();
        let want0 = [-1.5 / s, -0.5 / s + 0.5, 2.0 * 0.5 / s, 1.5 / s];
        for (g, w) in x[..4].iter().zip(want0) {
            assert!((g - w).abs() < 1e-5);
        }
        // row 1: 0,0,0,4 -> mean 1, var 3
        let s = 3f32.sqrt();
        let want1 = [-1.0 / s, -1.0 / s + 0.5, -2.0 / s, 3.0 / s];
        for (g, w) in x[4..].iter().zip(want1) {
            assert!((g - w).abs() < 1e-5);
        }
    }
}
