//! The unscrambled Sobol' sequence in Gray-code order, as
//! `scipy.stats.qmc.Sobol(d, scramble=False)` draws it, with the direction
//! numbers of Joe & Kuo (2008, `new-joe-kuo-6.21201`, search criterion 6;
//! <https://web.maths.unsw.edu.au/~fkuo/sobol/>) for the first
//! [`MAX_DIMENSIONS`] dimensions: enough for a search space, as each
//! searched key is one dimension.

/// Dimensions this table covers.
pub const MAX_DIMENSIONS: usize = 21;

/// Bits of each coordinate (scipy's default, 30).
const BITS: u32 = 30;

/// Joe & Kuo's rows for dimensions 2..=21: the degree `s` of the primitive
/// polynomial, its coefficients `a` (as bits) and the initial direction
/// numbers `m_1..m_s`. Dimension 1 is van der Corput and needs none.
const JOE_KUO: [(u32, u32, &[u32]); MAX_DIMENSIONS - 1] = [
    (1, 0, &[1]),
    (2, 1, &[1, 3]),
    (3, 1, &[1, 3, 1]),
    (3, 2, &[1, 1, 1]),
    (4, 1, &[1, 1, 3, 3]),
    (4, 4, &[1, 3, 5, 13]),
    (5, 2, &[1, 1, 5, 5, 17]),
    (5, 4, &[1, 1, 5, 5, 5]),
    (5, 7, &[1, 1, 7, 11, 19]),
    (5, 11, &[1, 1, 5, 1, 1]),
    (5, 13, &[1, 1, 1, 3, 11]),
    (5, 14, &[1, 3, 5, 5, 31]),
    (6, 1, &[1, 3, 3, 9, 7, 49]),
    (6, 13, &[1, 1, 1, 15, 21, 21]),
    (6, 16, &[1, 3, 1, 13, 27, 49]),
    (6, 19, &[1, 1, 1, 15, 7, 5]),
    (6, 22, &[1, 3, 1, 15, 13, 25]),
    (6, 25, &[1, 1, 5, 5, 19, 61]),
    (7, 1, &[1, 3, 7, 11, 23, 15, 103]),
    (7, 4, &[1, 3, 7, 13, 13, 15, 69]),
];

/// The direction numbers `v_k` of one dimension (0-based), scaled to
/// [`BITS`] bits.
fn directions(dimension: usize) -> [u32; BITS as usize] {
    let mut v = [0u32; BITS as usize];
    if dimension == 0 {
        for (k, v) in v.iter_mut().enumerate() {
            *v = 1 << (BITS - 1 - k as u32);
        }
        return v;
    }
    let (s, a, m) = JOE_KUO[dimension - 1];
    let s = s as usize;
    for k in 0..BITS as usize {
        v[k] = if k < s {
            m[k] << (BITS - 1 - k as u32)
        } else {
            let mut x = v[k - s] ^ (v[k - s] >> s);
            for j in 1..s {
                if (a >> (s - 1 - j)) & 1 == 1 {
                    x ^= v[k - j];
                }
            }
            x
        };
    }
    v
}

/// The first `n` points of the `dimensions`-dimensional sequence (at most
/// [`MAX_DIMENSIONS`]), each coordinate in `[0, 1)`; the first point is 0.
pub fn points(n: usize, dimensions: usize) -> Vec<Vec<f64>> {
    assert!(
        dimensions <= MAX_DIMENSIONS,
        "at most {MAX_DIMENSIONS} dimensions"
    );
    let v: Vec<[u32; BITS as usize]> = (0..dimensions).map(directions).collect();
    let mut x = vec![0u32; dimensions];
    let scale = f64::from(1u32 << BITS);
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        out.push(x.iter().map(|&x| f64::from(x) / scale).collect());
        // Gray code: the next point flips the direction of the lowest zero bit of i.
        let c = (!i).trailing_zeros() as usize;
        if c < BITS as usize {
            for (x, v) in x.iter_mut().zip(&v) {
                *x ^= v[c];
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// scipy's documented example (`scipy.stats.qmc.Sobol`, "Examples"):
    ///
    /// ```python
    /// from scipy.stats import qmc
    /// qmc.Sobol(d=2, scramble=False).random_base2(m=3)
    /// # array([[0.   , 0.   ], [0.5  , 0.5  ], [0.75 , 0.25 ], [0.25 , 0.75 ],
    /// #        [0.375, 0.375], [0.875, 0.875], [0.625, 0.125], [0.125, 0.625]])
    /// ```
    #[test]
    fn matches_scipy_unscrambled_in_two_dimensions() {
        let expected = [
            [0.0, 0.0],
            [0.5, 0.5],
            [0.75, 0.25],
            [0.25, 0.75],
            [0.375, 0.375],
            [0.875, 0.875],
            [0.625, 0.125],
            [0.125, 0.625],
        ];
        let got = points(8, 2);
        for (g, e) in got.iter().zip(expected) {
            assert_eq!(g.as_slice(), e.as_slice());
        }
    }

    /// A (t, s)-sequence in base 2: the first 2^m points put exactly one in
    /// each interval `[k / 2^m, (k + 1) / 2^m)` of every coordinate (true
    /// of any valid direction numbers, so a typo in the table shows as a
    /// repeated interval).
    #[test]
    fn every_coordinate_is_stratified() {
        for m in [4u32, 7, 10] {
            let n = 1usize << m;
            let pts = points(n, MAX_DIMENSIONS);
            for d in 0..MAX_DIMENSIONS {
                let mut seen = vec![false; n];
                for p in &pts {
                    let cell = (p[d] * n as f64) as usize;
                    assert!(
                        !seen[cell],
                        "dimension {} repeats cell {cell} at m = {m}",
                        d + 1
                    );
                    seen[cell] = true;
                }
            }
        }
    }
}
