//! Elementary functions as branch-free `f32` polynomials, for loops the
//! compiler should vectorise (a call into libm stops it). Each is
//! `#[inline(always)]` and covers only the range aelab needs, stated on it.

use std::f32::consts::{FRAC_PI_2, LN_2, SQRT_2};

/// `e^x` for `x <= 0`, to about 2 ulp (Cephes' `expf` polynomial after
/// `x = n ln 2 + r`); inputs below -87 give `e^-87`, NaN stays NaN.
#[inline(always)]
pub fn exp_nonpositive(x: f32) -> f32 {
    // written as a select, not `max`, so that NaN stays NaN
    exp_in_range(if x < -87.0 { -87.0 } else { x })
}

/// `e^x` for any `x`, to about 2 ulp, with inputs clamped to `[-87, 88]`
/// (so `e^-87` and `e^88` at the ends, never 0 or infinity); NaN stays NaN.
#[inline(always)]
pub fn exp_clamped(x: f32) -> f32 {
    let x = if x < -87.0 { -87.0 } else { x };
    exp_in_range(if x > 88.0 { 88.0 } else { x })
}

/// `x^power` for a positive normal `x` (as [`ln_normal`]), as
/// `e^(power ln x)` clamped as [`exp_clamped`]: relative error about
/// `2e-7 |power ln x|` plus 2 ulp.
#[inline(always)]
pub fn pow_positive(x: f32, power: f32) -> f32 {
    exp_clamped(power * ln_normal(x))
}

/// `e^x` for `x` in `[-87, 88]`.
#[inline(always)]
fn exp_in_range(x: f32) -> f32 {
    const LOG2_E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // Adding then subtracting 1.5 * 2^23 rounds to the nearest integer and
    // leaves that integer in the low mantissa bits.
    const ROUND: f32 = 12_582_912.0;
    let shifted = x * LOG2_E + ROUND;
    let n = shifted - ROUND;
    let r = x - n * LN2_HI - n * LN2_LO;
    let mut p = 1.987_569_1e-4f32;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 0.5;
    let poly = p * r * r + r + 1.0;
    let n_bits = shifted.to_bits() as i32 - ROUND.to_bits() as i32;
    let two_to_n = f32::from_bits(((n_bits + 127) << 23) as u32);
    poly * two_to_n
}

/// `ln(1 + x)` for `x` in `[1/sqrt(2) - 1, 1]` (about `[-0.29, 1]`) as
/// `2 atanh(x / (2 + x))`: a series in `s^2 <= 1/9` that keeps full relative
/// precision for tiny `x`.
#[inline(always)]
pub fn ln_1p_unit(x: f32) -> f32 {
    let s = x / (2.0 + x);
    let s2 = s * s;
    let mut p = 1.0f32 / 17.0;
    p = p * s2 + 1.0 / 15.0;
    p = p * s2 + 1.0 / 13.0;
    p = p * s2 + 1.0 / 11.0;
    p = p * s2 + 1.0 / 9.0;
    p = p * s2 + 1.0 / 7.0;
    p = p * s2 + 1.0 / 5.0;
    p = p * s2 + 1.0 / 3.0;
    2.0 * s * (1.0 + s2 * p)
}

/// `ln(x)` for a positive normal `x` (not 0, subnormal, infinite or NaN),
/// to about 2e-7 relative: `x = m 2^e` with `m` in `[1/sqrt(2), sqrt(2))`,
/// then `e ln 2 + ln(1 + (m - 1))`.
#[inline(always)]
pub fn ln_normal(x: f32) -> f32 {
    let bits = x.to_bits();
    let exponent = ((bits >> 23) as i32 - 127) as f32;
    let mantissa = f32::from_bits((bits & 0x007F_FFFF) | 0x3F80_0000);
    let high = mantissa > SQRT_2;
    let mantissa = if high { mantissa * 0.5 } else { mantissa };
    let exponent = if high { exponent + 1.0 } else { exponent };
    exponent * LN_2 + ln_1p_unit(mantissa - 1.0)
}

/// `(sin, cos)` of `t * pi / 2` for `t` in `[0, 1]` (a quarter turn), to
/// about 1e-7: Taylor series to `x^11` and `x^12`, whose next terms are
/// below 6e-8 there.
#[inline(always)]
pub fn sin_cos_quarter_turn(t: f32) -> (f32, f32) {
    let x = t * FRAC_PI_2;
    let x2 = x * x;
    let mut s = -1.0f32 / 39_916_800.0;
    s = s * x2 + 1.0 / 362_880.0;
    s = s * x2 - 1.0 / 5_040.0;
    s = s * x2 + 1.0 / 120.0;
    s = s * x2 - 1.0 / 6.0;
    let mut c = 1.0f32 / 479_001_600.0;
    c = c * x2 - 1.0 / 3_628_800.0;
    c = c * x2 + 1.0 / 40_320.0;
    c = c * x2 - 1.0 / 720.0;
    c = c * x2 + 1.0 / 24.0;
    c = c * x2 - 0.5;
    (x + x * x2 * s, 1.0 + x2 * c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_is_within_a_few_ulp_of_libm() {
        let mut worst = 0.0f64;
        for i in 0..=200_000 {
            let x = -87.0 * i as f32 / 200_000.0;
            let got = f64::from(exp_nonpositive(x));
            let want = f64::from(x).exp();
            worst = worst.max((got - want).abs() / want);
        }
        assert!(
            worst < 4.0 * f64::from(f32::EPSILON),
            "relative error {worst}"
        );
        assert_eq!(exp_nonpositive(0.0), 1.0);
        assert!(exp_nonpositive(-1e6) > 0.0);
        assert!(exp_nonpositive(f32::NAN).is_nan());
    }

    #[test]
    fn exp_clamped_is_within_a_few_ulp_of_libm_on_both_sides() {
        let mut worst = 0.0f64;
        for i in -200_000..=200_000 {
            let x = 88.0 * i as f32 / 200_000.0;
            let got = f64::from(exp_clamped(x));
            let want = f64::from(x.max(-87.0)).exp();
            worst = worst.max((got - want).abs() / want);
        }
        assert!(
            worst < 4.0 * f64::from(f32::EPSILON),
            "relative error {worst}"
        );
        assert_eq!(exp_clamped(1e6), exp_clamped(88.0));
        // e^88 = 1.65e38, below f32::MAX (3.40e38)
        assert!(
            (f64::from(exp_clamped(1e6)) / 88f64.exp() - 1.0).abs() < 4.0 * f64::from(f32::EPSILON)
        );
        assert_eq!(exp_clamped(-1e6), exp_nonpositive(-87.0));
        assert!(exp_clamped(f32::NAN).is_nan());
    }

    #[test]
    fn powers_of_positive_numbers_match_libm() {
        for power in [0.79f32, 0.895, 1.0, 1.334, 2.5] {
            for i in 0..20_000 {
                // from about 1e-12 to 1e12
                let x = (i as f32 * 2.76e-3 - 27.6).exp();
                let want = f64::from(x).powf(f64::from(power));
                let got = f64::from(pow_positive(x, power));
                let bound = 2e-7 * f64::from(power * x.ln()).abs() + 3e-7;
                assert!(
                    (got - want).abs() <= bound * want,
                    "{x}^{power}: {got} vs {want}"
                );
            }
        }
        assert_eq!(pow_positive(1.0, 0.9), 1.0);
    }

    #[test]
    fn ln_1p_is_accurate_on_its_range() {
        for i in -2_928..=10_000 {
            let x = i as f32 / 10_000.0;
            let want = f64::from(x).ln_1p();
            let got = f64::from(ln_1p_unit(x));
            assert!(
                (got - want).abs() <= 3e-7 * want.abs().max(1e-30),
                "{x}: {got} vs {want}"
            );
        }
        assert!((ln_1p_unit(1e-30) - 1e-30).abs() < 1e-36);
    }

    #[test]
    fn ln_is_accurate_over_the_normal_range() {
        let mut worst = 0.0f64;
        for i in 0..200_000 {
            // from 2^-126 to about 2^100, dense around 1
            let x = (i as f32 * 1.1e-3 - 87.0).exp() * (1.0 + (i % 7) as f32 * 1e-7);
            if !x.is_normal() {
                continue;
            }
            let want = f64::from(x).ln();
            let got = f64::from(ln_normal(x));
            worst = worst.max((got - want).abs() / want.abs().max(1.0));
        }
        assert!(worst < 3e-7, "error {worst}");
        assert_eq!(ln_normal(1.0), 0.0);
        let near_one = 1.0f32 - f32::EPSILON;
        assert!((f64::from(ln_normal(near_one)) - f64::from(near_one).ln()).abs() < 1e-12);
    }

    #[test]
    fn sin_cos_over_a_quarter_turn() {
        for i in 0..=10_000 {
            let t = i as f32 / 10_000.0;
            let (s, c) = sin_cos_quarter_turn(t);
            let x = f64::from(t) * std::f64::consts::FRAC_PI_2;
            assert!((f64::from(s) - x.sin()).abs() < 2e-7, "sin at {t}");
            assert!((f64::from(c) - x.cos()).abs() < 2e-7, "cos at {t}");
        }
    }
}
