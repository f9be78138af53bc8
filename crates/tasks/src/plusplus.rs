//! Greedy k-means++ seeding, as scikit-learn's `_kmeans_plusplus`: the
//! first centre is a point drawn uniformly; each later centre is the best,
//! by the potential (sum of squared distances to the nearest centre) it
//! leaves, of `2 + floor(ln k)` candidates drawn with probability
//! proportional to the squared distance to the nearest centre so far.
//! Candidates are found as numpy's `searchsorted(cumsum, u * potential)`
//! (first index whose running sum reaches the draw), clipped to the last
//! point; ties between candidates go to the first drawn, as `np.argmin`.

use rand::Rng;

use crate::blocks::Blocked;

/// Number of candidates tried per centre after the first.
pub(crate) fn local_trials(k: usize) -> usize {
    2 + (k as f64).ln().floor() as usize
}

/// Seeds `k` centres (centred coordinates, `k * dim` values, row-major).
/// `k` is at least 1 and at most `data.n` (checked by the caller).
pub(crate) fn seed<R: Rng>(data: &Blocked, k: usize, rng: &mut R) -> Vec<f32> {
    let (n, dim) = (data.n, data.dim);
    let mut centres = vec![0.0f32; k * dim];
    let first = rng.gen_range(0..n);
    data.point(first, &mut centres[..dim]);

    let mut closest = vec![0.0f32; n];
    data.distances_to(&centres[..dim], &mut closest);
    let mut potential = sum(&closest);

    let trials = local_trials(k);
    let mut running = vec![0.0f64; n];
    let mut candidate = vec![0.0f32; dim];
    let mut trial_closest = vec![0.0f32; n];
    let mut best_closest = vec![0.0f32; n];
    for c in 1..k {
        let mut total = 0.0f64;
        for (r, &d) in running.iter_mut().zip(&closest) {
            total += f64::from(d);
            *r = total;
        }
        let mut best: Option<(f64, usize)> = None;
        for _ in 0..trials {
            let draw = rng.gen::<f64>() * potential;
            let index = running.partition_point(|&r| r < draw).min(n - 1);
            data.point(index, &mut candidate);
            data.distances_to(&candidate, &mut trial_closest);
            for (t, &near) in trial_closest.iter_mut().zip(&closest) {
                *t = t.min(near);
            }
            let trial_potential = sum(&trial_closest);
            if best.is_none_or(|(p, _)| trial_potential < p) {
                best = Some((trial_potential, index));
                std::mem::swap(&mut best_closest, &mut trial_closest);
            }
        }
        if let Some((p, index)) = best {
            potential = p;
            std::mem::swap(&mut closest, &mut best_closest);
            data.point(index, &mut centres[c * dim..(c + 1) * dim]);
        }
    }
    centres
}

/// Sum in point order, in `f64`.
fn sum(values: &[f32]) -> f64 {
    values.iter().map(|&v| f64::from(v)).sum()
}
