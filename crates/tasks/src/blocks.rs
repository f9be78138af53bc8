//! Codes re-laid for the k-means distance loops: centred on their mean (as
//! scikit-learn centres the data before k-means, for precision) and stored
//! in blocks of [`BLOCK`] points, dimension-major within a block, so that the
//! inner loops run over `BLOCK` contiguous `f32` values and vectorise. The
//! last block is padded with zeros; padded slots are never read back.
//!
//! Every loop here has a fixed order, so the results are bit-identical from
//! run to run and from machine to machine (Rust does not fuse multiplies and
//! adds unless asked to).

/// Points per block.
pub(crate) const BLOCK: usize = 32;

/// Centred codes in blocks; see the module docs.
#[derive(Debug, Clone)]
pub(crate) struct Blocked {
    /// Number of points.
    pub n: usize,
    /// Code dimension.
    pub dim: usize,
    /// `blocks * dim * BLOCK` values: block `b`, dimension `j`, slot `i` at
    /// `(b * dim + j) * BLOCK + i`.
    data: Vec<f32>,
    /// Mean of each dimension, in `f64`.
    pub mean: Vec<f64>,
    /// Mean over the dimensions of each dimension's (population) variance,
    /// as scikit-learn's `_tolerance` uses.
    pub mean_variance: f64,
}

impl Blocked {
    /// Lays out `n = codes.len() / dim` codes (already checked by the caller).
    pub(crate) fn new(codes: &[f32], dim: usize) -> Self {
        let n = codes.len() / dim;
        let mut mean = vec![0.0f64; dim];
        for row in codes.chunks_exact(dim) {
            for (m, &v) in mean.iter_mut().zip(row) {
                *m += f64::from(v);
            }
        }
        for m in &mut mean {
            *m /= n as f64;
        }
        let mut variance = vec![0.0f64; dim];
        for row in codes.chunks_exact(dim) {
            for ((s, &v), m) in variance.iter_mut().zip(row).zip(&mean) {
                let d = f64::from(v) - m;
                *s += d * d;
            }
        }
        let mean_variance = variance.iter().map(|s| s / n as f64).sum::<f64>() / dim as f64;

        let blocks = n.div_ceil(BLOCK);
        let mut data = vec![0.0f32; blocks * dim * BLOCK];
        for (p, row) in codes.chunks_exact(dim).enumerate() {
            let (b, i) = (p / BLOCK, p % BLOCK);
            for (j, (&v, m)) in row.iter().zip(&mean).enumerate() {
                data[(b * dim + j) * BLOCK + i] = (f64::from(v) - m) as f32;
            }
        }
        Self {
            n,
            dim,
            data,
            mean,
            mean_variance,
        }
    }

    /// The blocks in order, each `dim` columns of `BLOCK` values (one
    /// column a dimension), with the number of real (not padded) points.
    pub(crate) fn blocks(&self) -> impl Iterator<Item = (&[[f32; BLOCK]], usize)> {
        let n = self.n;
        let (columns, _) = self.data.as_chunks::<BLOCK>();
        columns
            .chunks_exact(self.dim)
            .enumerate()
            .map(move |(b, block)| (block, (n - b * BLOCK).min(BLOCK)))
    }

    /// Writes the centred point `p` into `out` (`dim` long).
    pub(crate) fn point(&self, p: usize, out: &mut [f32]) {
        let (b, i) = (p / BLOCK, p % BLOCK);
        for (j, o) in out.iter_mut().enumerate() {
            *o = self.data[(b * self.dim + j) * BLOCK + i];
        }
    }

    /// Squared distances, in `f32`, from every point to `centre` (centred
    /// coordinates, `dim` long), written into `out` (`n` long).
    pub(crate) fn distances_to(&self, centre: &[f32], out: &mut [f32]) {
        for ((block, real), out) in self.blocks().zip(out.chunks_mut(BLOCK)) {
            let mut acc = [0.0f32; BLOCK];
            for (column, &c) in block.iter().zip(centre) {
                for i in 0..BLOCK {
                    let t = column[i] - c;
                    acc[i] += t * t;
                }
            }
            out.copy_from_slice(&acc[..real]);
        }
    }
}
