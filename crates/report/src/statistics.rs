//! Seed-to-seed statistics for the comparison: how much a metric spreads
//! across runs that share their settings but not their seed, and whether the
//! difference between two such groups is bigger than that noise (Welch's
//! unequal-variance t-test).
//!
//! Everything here is a pure function on `f64` slices with no dependencies:
//! the Student-t distribution (CDF through the regularised incomplete beta
//! function, quantile by bisection on the CDF) is implemented by hand and
//! checked against scipy in the tests.

/// The centre and spread of one group of runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    /// How many finite values were used.
    pub n: usize,
    /// Their mean.
    pub mean: f64,
    /// The sample standard deviation (divisor `n - 1`); NaN when `n < 2`.
    pub sd: f64,
    /// The t-based 95% confidence interval of the mean,
    /// `mean ± t(0.975, n - 1) · sd / √n` (as
    /// `scipy.stats.t.interval(0.95, n - 1, loc=mean, scale=sem)`);
    /// `None` when `n < 2`.
    pub ci95: Option<(f64, f64)>,
}

/// The mean, sample standard deviation and 95% interval of the mean of
/// `values`.
///
/// Non-finite values (NaN, ±∞, e.g. a run whose metric is missing or
/// diverged) are left out, and `n` counts only the values used. `None` when no
/// finite value is left.
pub fn spread(values: &[f64]) -> Option<Spread> {
    let (n, mean, var) = moments(values)?;
    if n < 2 {
        return Some(Spread {
            n,
            mean,
            sd: f64::NAN,
            ci95: None,
        });
    }
    let sd = var.sqrt();
    let half = student_t_quantile(0.975, (n - 1) as f64) * sd / (n as f64).sqrt();
    Some(Spread {
        n,
        mean,
        sd,
        ci95: Some((mean - half, mean + half)),
    })
}

/// The result of Welch's unequal-variance t-test between groups `a` and `b`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Welch {
    /// The t statistic, `(mean_a - mean_b) / se` with
    /// `se = √(var_a / n_a + var_b / n_b)`: the sign convention of
    /// `scipy.stats.ttest_ind(a, b, equal_var=False)`, so `t` is positive
    /// when `a` is larger (the opposite sign of `diff`).
    pub t: f64,
    /// The Welch–Satterthwaite degrees of freedom.
    pub df: f64,
    /// The two-sided p-value: the chance, were both groups drawn from
    /// distributions with the same mean, of a |t| at least this large.
    pub p: f64,
    /// `mean_b - mean_a`: how much `b` differs from `a`.
    pub diff: f64,
}

/// Welch's unequal-variance t-test of whether groups `a` and `b` have the
/// same mean, as `scipy.stats.ttest_ind(a, b, equal_var=False)` (see
/// [`Welch::t`] for the sign).
///
/// Non-finite values are left out of each group, as in [`spread`]. `None`
/// when either group has fewer than 2 finite values, or when both groups have
/// zero variance. In the latter case the test has no estimate of the noise to
/// compare the difference with, so it is `None` even when the means differ:
/// identical values across seeds usually mean the seed changed nothing, not
/// that the difference is certain (scipy returns `t = ±inf, p = 0` there).
/// The means are still available from [`spread`].
pub fn welch_t_test(a: &[f64], b: &[f64]) -> Option<Welch> {
    let (na, mean_a, var_a) = moments(a)?;
    let (nb, mean_b, var_b) = moments(b)?;
    if na < 2 || nb < 2 || (var_a == 0.0 && var_b == 0.0) {
        return None;
    }
    let (na, nb) = (na as f64, nb as f64);
    let (sa, sb) = (var_a / na, var_b / nb);
    let se2 = sa + sb;
    let t = (mean_a - mean_b) / se2.sqrt();
    let df = se2 * se2 / (sa * sa / (na - 1.0) + sb * sb / (nb - 1.0));
    Some(Welch {
        t,
        df,
        p: two_sided_p(t, df),
        diff: mean_b - mean_a,
    })
}

/// The cumulative distribution function of Student's t distribution with
/// `df` degrees of freedom, `P(T ≤ t)`, accurate to about 1e-12 relative
/// (also far in the lower tail).
///
/// NaN when `t` is NaN or `df` is not finite and positive; 0 and 1 at
/// `t = -∞` and `t = +∞`.
pub fn student_t_cdf(t: f64, df: f64) -> f64 {
    if t.is_nan() || !df_ok(df) {
        return f64::NAN;
    }
    let tail = 0.5 * two_sided_p(t, df);
    if t < 0.0 {
        tail
    } else {
        1.0 - tail
    }
}

/// The quantile (inverse CDF) of Student's t distribution with `df` degrees
/// of freedom: the `t` with `student_t_cdf(t, df) = p`, e.g.
/// `student_t_quantile(0.975, df)` for a two-sided 95% interval. Found by
/// bisection on the CDF, accurate to about 1e-12 relative.
///
/// `-∞` at `p = 0`, `+∞` at `p = 1`; NaN when `p` is outside `[0, 1]` or NaN,
/// or `df` is not finite and positive.
pub fn student_t_quantile(p: f64, df: f64) -> f64 {
    if !(0.0..=1.0).contains(&p) || !df_ok(df) {
        return f64::NAN;
    }
    if p == 0.5 {
        return 0.0;
    }
    if p > 0.5 {
        // 1 - p is exact here; solving in the lower tail keeps precision.
        return -student_t_quantile(1.0 - p, df);
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    // Bracket the root in the lower tail, where the CDF is 0.5 · I_x(df/2, 1/2)
    // and keeps its relative precision: cdf(lo) <= p < cdf(hi).
    let (mut lo, mut hi) = (-1.0_f64, 0.0_f64);
    while student_t_cdf(lo, df) > p {
        hi = lo;
        lo *= 2.0;
        if lo.is_infinite() {
            return f64::NEG_INFINITY;
        }
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if student_t_cdf(mid, df) > p {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    0.5 * (lo + hi)
}

/// A p-value for a verdict sentence: `p < 0.001` below 0.001, else three
/// decimals, `p = 0.012`; `p undefined` when `p` is NaN.
pub fn format_p(p: f64) -> String {
    if p.is_nan() {
        "p undefined".to_string()
    } else if p < 0.001 {
        "p < 0.001".to_string()
    } else {
        format!("p = {p:.3}")
    }
}

/// The count, mean and sample variance (divisor `n - 1`, NaN for `n < 2`) of
/// the finite values; `None` when there are none. Two passes, so the
/// variance of values with a large common offset stays accurate.
fn moments(values: &[f64]) -> Option<(usize, f64, f64)> {
    let finite = || values.iter().copied().filter(|v| v.is_finite());
    let n = finite().count();
    if n == 0 {
        return None;
    }
    let mean = finite().sum::<f64>() / n as f64;
    let var = if n < 2 {
        f64::NAN
    } else {
        finite().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1) as f64
    };
    Some((n, mean, var))
}

fn df_ok(df: f64) -> bool {
    df.is_finite() && df > 0.0
}

/// `P(|T| ≥ |t|)` for Student's t with `df` degrees of freedom:
/// `I_x(df/2, 1/2)` with `x = df / (df + t²)`, computed directly rather than
/// as `2 · (1 - cdf)` so that small p-values keep their precision.
fn two_sided_p(t: f64, df: f64) -> f64 {
    if t.is_nan() || !df_ok(df) {
        return f64::NAN;
    }
    let t2 = t * t;
    // x and 1 - x, each written so that neither cancels nor overflows
    // (t² = ∞ gives x = 0, 1 - x = 1; t = 0 gives x = 1, 1 - x = 0).
    let x = 1.0 / (1.0 + t2 / df);
    let y = 1.0 / (1.0 + df / t2);
    incomplete_beta(0.5 * df, 0.5, x, y)
}

/// The regularised incomplete beta function `I_x(a, b)` for `a, b > 0`, given
/// both `x` and `y = 1 - x` (so the caller can supply whichever it knows
/// exactly). Continued fraction as in Numerical Recipes (`betai`), using the
/// symmetry `I_x(a, b) = 1 - I_{1-x}(b, a)` where the fraction converges
/// faster.
fn incomplete_beta(a: f64, b: f64, x: f64, y: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if y <= 0.0 {
        return 1.0;
    }
    let ln_front = a * x.ln() + b * y.ln() - ln_beta(a, b);
    if x < (a + 1.0) / (a + b + 2.0) {
        ln_front.exp() * beta_continued_fraction(a, b, x) / a
    } else {
        1.0 - ln_front.exp() * beta_continued_fraction(b, a, y) / b
    }
}

/// The continued fraction for the incomplete beta function, evaluated with
/// the modified Lentz method (Numerical Recipes `betacf`).
fn beta_continued_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    const EPS: f64 = 1e-16;
    const MAX_ITERATIONS: usize = 10_000;
    let guard = |v: f64| if v.abs() < TINY { TINY } else { v };
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 / guard(1.0 - qab * x / qap);
    let mut h = d;
    for m in 1..=MAX_ITERATIONS {
        let m = m as f64;
        let m2 = 2.0 * m;
        // Even step.
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 / guard(1.0 + aa * d);
        c = guard(1.0 + aa / c);
        h *= d * c;
        // Odd step.
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 / guard(1.0 + aa * d);
        c = guard(1.0 + aa / c);
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() < EPS {
            break;
        }
    }
    h
}

/// `ln B(a, b) = ln Γ(a) + ln Γ(b) - ln Γ(a + b)`.
fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// `ln Γ(x)` for `x > 0`: the Stirling series for `x ≥ 10` (truncation error
/// below 1e-17), shifted up by the recurrence `Γ(x) = Γ(x + k) / (x ⋯ (x + k - 1))`
/// for smaller `x`.
fn ln_gamma(x: f64) -> f64 {
    if x < 10.0 {
        let mut shifted = x;
        let mut product = 1.0;
        while shifted < 10.0 {
            product *= shifted;
            shifted += 1.0;
        }
        return ln_gamma(shifted) - product.ln();
    }
    // Bernoulli-number coefficients B_2k / (2k (2k - 1)), k = 1..=7.
    const SERIES: [f64; 7] = [
        1.0 / 12.0,
        -1.0 / 360.0,
        1.0 / 1260.0,
        -1.0 / 1680.0,
        1.0 / 1188.0,
        -691.0 / 360_360.0,
        1.0 / 156.0,
    ];
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    let correction = SERIES.iter().rev().fold(0.0, |acc, c| acc * inv2 + c) * inv;
    (x - 0.5) * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI).ln() + correction
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_close(actual: f64, expected: f64, rel: f64, what: &str) {
        let err = (actual - expected).abs() / expected.abs().max(f64::MIN_POSITIVE);
        assert!(
            err <= rel || actual == expected,
            "{what}: got {actual:e}, expected {expected:e} (relative error {err:e} > {rel:e})"
        );
    }

    #[test]
    fn welch_matches_scipy() {
        // Python (scipy 1.17.1):
        // from scipy import stats
        // pairs = {
        //     "unequal_n_3_vs_7": ([0.0312, 0.0298, 0.0305], [0.0291, 0.0287, 0.0295, 0.0289, 0.0301, 0.0284, 0.0293]),
        //     "nearly_equal_means": ([0.912, 0.905, 0.918, 0.909, 0.915], [0.914, 0.903, 0.917, 0.911, 0.913]),
        //     "clearly_different": ([0.101, 0.102, 0.100, 0.103, 0.101, 0.102], [0.121, 0.122, 0.120, 0.123, 0.119, 0.121]),
        //     "negative_values": ([-1.5, -2.25, -0.75, -1.8], [0.4, -0.3, 1.1, 0.25, -0.05]),
        //     "one_variance_zero": ([0.5, 0.5, 0.5], [0.4, 0.45, 0.42, 0.47]),
        // }
        // for name, (a, b) in pairs.items():
        //     r = stats.ttest_ind(a, b, equal_var=False)
        //     print(name, repr(float(r.statistic)), repr(float(r.df)), repr(float(r.pvalue)))
        // (name, a, b, t, df, p)
        type Case = (&'static str, &'static [f64], &'static [f64], f64, f64, f64);
        #[rustfmt::skip]
        let cases: &[Case] = &[
            ("unequal_n_3_vs_7", &[0.0312, 0.0298, 0.0305],
             &[0.0291, 0.0287, 0.0295, 0.0289, 0.0301, 0.0284, 0.0293],
             2.97553793961446, 3.165295013238141, 0.054970918564222426),
            ("nearly_equal_means", &[0.912, 0.905, 0.918, 0.909, 0.915],
             &[0.914, 0.903, 0.917, 0.911, 0.913],
             0.06114178405160146, 7.987692994634871, 0.9527484469639267),
            ("clearly_different", &[0.101, 0.102, 0.100, 0.103, 0.101, 0.102],
             &[0.121, 0.122, 0.120, 0.123, 0.119, 0.121],
             -27.128725401969884, 9.222648752399202, 4.114237699768971e-10),
            ("negative_values", &[-1.5, -2.25, -0.75, -1.8], &[0.4, -0.3, 1.1, 0.25, -0.05],
             -4.69620253164557, 5.946065254839125, 0.0034194199152155534),
            ("one_variance_zero", &[0.5, 0.5, 0.5], &[0.4, 0.45, 0.42, 0.47],
             4.181238885867402, 3.0, 0.024925677442135107),
        ];
        for &(name, a, b, t, df, p) in cases {
            let w = welch_t_test(a, b).expect(name);
            assert_close(w.t, t, 1e-12, &format!("{name} t"));
            assert_close(w.df, df, 1e-12, &format!("{name} df"));
            assert_close(w.p, p, 1e-12, &format!("{name} p"));
            let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
            assert_close(w.diff, mean(b) - mean(a), 1e-12, &format!("{name} diff"));
            assert_eq!(w.t.signum(), -w.diff.signum(), "{name}: scipy's sign");
        }
        let p = |i: usize| welch_t_test(cases[i].1, cases[i].2).map(|w| w.p);
        assert!(p(1).is_some_and(|p| p > 0.9), "nearly equal means");
        assert!(p(2).is_some_and(|p| p < 1e-4), "clearly different");
    }

    #[test]
    fn welch_is_symmetric_in_its_groups() {
        let (a, b) = ([1.0, 2.0, 4.0], [3.0, 5.0, 6.0, 9.0]);
        let (ab, ba) = (welch_t_test(&a, &b), welch_t_test(&b, &a));
        let (ab, ba) = (ab.expect("a, b"), ba.expect("b, a"));
        assert_eq!(ab.t, -ba.t);
        assert_eq!(ab.diff, -ba.diff);
        assert_eq!(ab.df, ba.df);
        assert_eq!(ab.p, ba.p);
    }

    #[test]
    fn welch_edge_cases() {
        // Fewer than two values in a group.
        assert_eq!(welch_t_test(&[], &[1.0, 2.0]), None);
        assert_eq!(welch_t_test(&[1.0], &[1.0, 2.0]), None);
        assert_eq!(welch_t_test(&[1.0, 2.0], &[3.0]), None);
        // Both variances zero: no noise estimate, whether or not the means
        // differ.
        assert_eq!(welch_t_test(&[1.0, 1.0, 1.0], &[1.0, 1.0]), None);
        assert_eq!(welch_t_test(&[1.0, 1.0, 1.0], &[2.0, 2.0]), None);
        // Non-finite values are left out: NaN and ∞ leave the same test as
        // without them, and can take a group below two values.
        let clean = welch_t_test(&[1.0, 2.0, 4.0], &[3.0, 5.0, 6.0]);
        let dirty = welch_t_test(
            &[1.0, f64::NAN, 2.0, 4.0],
            &[f64::INFINITY, 3.0, 5.0, 6.0, f64::NAN],
        );
        assert!(clean.is_some());
        assert_eq!(clean, dirty);
        assert_eq!(welch_t_test(&[1.0, f64::NAN], &[3.0, 5.0]), None);
        // Equal means: t = 0, p = 1.
        let w = welch_t_test(&[1.0, 2.0, 3.0], &[0.0, 2.0, 4.0]).expect("equal means");
        assert_eq!((w.t, w.diff), (0.0, 0.0));
        assert_close(w.p, 1.0, 1e-15, "p at t = 0");
    }

    #[test]
    fn spread_matches_scipy() {
        // Python (scipy 1.17.1, numpy):
        // import numpy as np
        // from scipy import stats
        // x = np.array([0.0312, 0.0298, 0.0305, 0.0321, 0.0309])
        // m, sd, n = x.mean(), x.std(ddof=1), len(x)
        // lo, hi = stats.t.interval(0.95, n - 1, loc=m, scale=sd / np.sqrt(n))
        // print(repr(float(m)), repr(float(sd)), repr(float(lo)), repr(float(hi)))
        let s = spread(&[0.0312, 0.0298, 0.0305, 0.0321, 0.0309]).expect("five values");
        assert_eq!(s.n, 5);
        assert_close(s.mean, 0.0309, 1e-14, "mean");
        assert_close(s.sd, 0.0008514693182963188, 1e-12, "sd");
        let (lo, hi) = s.ci95.expect("n >= 2");
        assert_close(lo, 0.02984276120189636, 1e-12, "ci low");
        assert_close(hi, 0.03195723879810364, 1e-12, "ci high");
    }

    #[test]
    fn spread_edge_cases() {
        assert_eq!(spread(&[]), None);
        assert_eq!(spread(&[f64::NAN, f64::NEG_INFINITY]), None);
        let one = spread(&[0.25]).expect("one value");
        assert_eq!((one.n, one.mean, one.ci95), (1, 0.25, None));
        assert!(one.sd.is_nan());
        let flat = spread(&[0.5, 0.5, 0.5]).expect("zero variance");
        assert_eq!((flat.n, flat.mean, flat.sd), (3, 0.5, 0.0));
        assert_eq!(flat.ci95, Some((0.5, 0.5)));
        // NaN is left out and not counted.
        let with_nan = spread(&[1.0, f64::NAN, 3.0]).expect("two finite values");
        assert_eq!(spread(&[1.0, 3.0]), Some(with_nan));
        assert_eq!((with_nan.n, with_nan.mean), (2, 2.0));
        assert_close(with_nan.sd, std::f64::consts::SQRT_2, 1e-15, "sd");
    }

    const DFS: [f64; 6] = [1.0, 2.0, 4.5, 10.0, 30.0, 200.0];

    #[test]
    fn cdf_matches_scipy() {
        // Python (scipy 1.17.1):
        // from scipy import stats
        // for df in [1, 2, 4.5, 10, 30, 200]:
        //     for t in [-40.0, -3.5, -1.0, -0.1, 0.0, 0.25, 1.96, 2.5, 8.0]:
        //         print(df, t, repr(float(stats.t.cdf(t, df))))
        let ts = [-40.0, -3.5, -1.0, -0.1, 0.0, 0.25, 1.96, 2.5, 8.0];
        #[rustfmt::skip]
        let expected: [[f64; 9]; 6] = [
            [0.007956089912025812, 0.08858553278290476, 0.25000000000000006, 0.4682744825694465,
             0.5, 0.5779791303773694, 0.8498285541119834, 0.8788810584091566, 0.9604165758394344],
            [0.0003122073360923703, 0.036413675027234665, 0.2113248654051871, 0.4647327192070701,
             0.5, 0.5870388279778489, 0.9054713451991339, 0.9351941398892446, 0.9923659639173309],
            [3.224782606460499e-07, 0.010270844984692789, 0.18400254194009424, 0.46232203381534276,
             0.5, 0.5932035084878169, 0.9431748758818074, 0.9700471567488997, 0.9996019526059178],
            [1.1404288715428768e-12, 0.002863252714942605, 0.17044656615103, 0.4611603592822041,
             0.5, 0.596175897131693, 0.9607818798761502, 0.9842765778816955, 0.9999941125286052],
            [6.863022597203209e-28, 0.0007384037188221266, 0.1626543077130151, 0.4605048058951356,
             0.5, 0.5978542954597124, 0.9703288435519748, 0.9909421754659666, 0.9999999968670887],
            [1.1243698267601098e-97, 0.0002867700374914997, 0.15925942395487336, 0.4602222462521605,
             0.5, 0.5985780243189678, 0.9743075795770934, 0.9933884136791497, 0.9999999999999506],
        ];
        for (df, row) in DFS.iter().zip(expected) {
            for (t, p) in ts.iter().zip(row) {
                assert_close(student_t_cdf(*t, *df), p, 1e-12, &format!("cdf({t}, {df})"));
            }
        }
    }

    #[test]
    fn cdf_closed_forms() {
        // df = 1 is the Cauchy distribution: 1/2 + atan(t)/π.
        // df = 2: 1/2 + t / (2 √(2 + t²)).
        // In the lower tail both forms cancel, so there they are used in the
        // equivalent forms atan(-1/t)/π and 1 / (√(2 + t²) (√(2 + t²) - t)).
        let pi = std::f64::consts::PI;
        for t in [
            -1e6_f64, -250.0, -7.3, -1.0, -0.3, 0.0, 1e-8, 0.6, 2.0, 13.0, 1e4,
        ] {
            let r = (2.0 + t * t).sqrt();
            let (cauchy, two) = if t < 0.0 {
                ((-1.0 / t).atan() / pi, 1.0 / (r * (r - t)))
            } else {
                (0.5 + t.atan() / pi, 0.5 + t / (2.0 * r))
            };
            assert_close(
                student_t_cdf(t, 1.0),
                cauchy,
                1e-12,
                &format!("df 1, t {t}"),
            );
            assert_close(student_t_cdf(t, 2.0), two, 1e-12, &format!("df 2, t {t}"));
        }
        // Where the stated forms do not cancel they agree with their
        // rearrangements.
        for t in [-7.3_f64, -1.0, -0.3] {
            let r = (2.0 + t * t).sqrt();
            assert_close(
                0.5 + t.atan() / pi,
                (-1.0 / t).atan() / pi,
                1e-14,
                "Cauchy forms",
            );
            assert_close(
                0.5 + t / (2.0 * r),
                1.0 / (r * (r - t)),
                1e-14,
                "df 2 forms",
            );
        }
    }

    #[test]
    fn quantile_matches_scipy() {
        // Python (scipy 1.17.1):
        // from scipy import stats
        // for df in [1, 2, 4.5, 10, 30, 200]:
        //     print(df, repr(float(stats.t.ppf(0.975, df))))
        // for df, p in [(3, 1e-6), (3, 0.1), (7.5, 0.5), (7.5, 0.9), (50, 0.999)]:
        //     print(df, p, repr(float(stats.t.ppf(p, df))))
        let q975 = [
            12.706204736174694,
            4.302652729749462,
            2.6589123472044034,
            2.228138851986274,
            2.0422724563012378,
            1.9718962236339088,
        ];
        for (df, q) in DFS.iter().zip(q975) {
            assert_close(
                student_t_quantile(0.975, *df),
                q,
                1e-12,
                &format!("df {df}"),
            );
            assert_close(
                student_t_quantile(0.025, *df),
                -q,
                1e-12,
                &format!("df {df}"),
            );
        }
        let others = [
            (3.0, 1e-6, -103.29946778041935),
            (3.0, 0.1, -1.6377443536962089),
            (7.5, 0.5, 0.0),
            (7.5, 0.9, 1.4052118464159533),
            (50.0, 0.999, 3.261409055798318),
        ];
        for (df, p, q) in others {
            assert_close(
                student_t_quantile(p, df),
                q,
                1e-12,
                &format!("ppf({p}, {df})"),
            );
        }
    }

    #[test]
    fn quantile_inverts_the_cdf_and_closed_forms() {
        for df in DFS {
            for p in [1e-12, 1e-3, 0.2, 0.5, 0.7, 0.99, 1.0 - 1e-9] {
                let q = student_t_quantile(p, df);
                assert_close(
                    student_t_cdf(q, df),
                    p,
                    1e-10,
                    &format!("cdf(ppf({p}), {df})"),
                );
            }
        }
        // Cauchy: tan(π (p - 1/2)).
        let cauchy = (std::f64::consts::PI * 0.475).tan();
        assert_close(student_t_quantile(0.975, 1.0), cauchy, 1e-12, "Cauchy");
    }

    #[test]
    fn distribution_edge_cases() {
        assert!(student_t_cdf(f64::NAN, 3.0).is_nan());
        assert!(student_t_cdf(1.0, 0.0).is_nan());
        assert!(student_t_cdf(1.0, -2.0).is_nan());
        assert!(student_t_cdf(1.0, f64::INFINITY).is_nan());
        assert_eq!(student_t_cdf(f64::NEG_INFINITY, 3.0), 0.0);
        assert_eq!(student_t_cdf(f64::INFINITY, 3.0), 1.0);
        assert_eq!(student_t_quantile(0.0, 3.0), f64::NEG_INFINITY);
        assert_eq!(student_t_quantile(1.0, 3.0), f64::INFINITY);
        assert!(student_t_quantile(1.5, 3.0).is_nan());
        assert!(student_t_quantile(f64::NAN, 3.0).is_nan());
        assert!(student_t_quantile(0.9, f64::NAN).is_nan());
        // Fractional df below 1 (heavier tails than Cauchy) still works.
        let q = student_t_quantile(0.9, 0.5);
        assert_close(student_t_cdf(q, 0.5), 0.9, 1e-12, "df 0.5");
    }

    #[test]
    fn ln_gamma_known_values() {
        let pi = std::f64::consts::PI;
        assert!(ln_gamma(1.0).abs() < 1e-14);
        assert!(ln_gamma(2.0).abs() < 1e-14);
        assert_close(ln_gamma(0.5), 0.5 * pi.ln(), 1e-14, "Γ(1/2) = √π");
        assert_close(ln_gamma(10.0), 362_880f64.ln(), 1e-15, "Γ(10) = 9!");
        // Γ(101) = 100!, ln 100! from the sum of logs.
        let ln_fact: f64 = (1..=100).map(|k| (k as f64).ln()).sum();
        assert_close(ln_gamma(101.0), ln_fact, 1e-14, "Γ(101) = 100!");
    }

    #[test]
    fn formats_p_values() {
        assert_eq!(format_p(4.1e-10), "p < 0.001");
        assert_eq!(format_p(0.000_999_9), "p < 0.001");
        assert_eq!(format_p(0.001), "p = 0.001");
        assert_eq!(format_p(0.012_34), "p = 0.012");
        assert_eq!(format_p(0.054_970_918_564_222_426), "p = 0.055");
        assert_eq!(format_p(0.952_748), "p = 0.953");
        assert_eq!(format_p(1.0), "p = 1.000");
        assert_eq!(format_p(f64::NAN), "p undefined");
    }
}
