//! UMAP's layout optimisation (umap-learn 0.5's `optimize_layout_euclidean`)
//! split into a fixed number of parts, so that it runs on two threads and
//! gives the same bits on any number of them.
//!
//! The points are cut into [`PARTS`] ranges of consecutive indices (the
//! caller numbers them breadth-first over the graph, so most edges stay
//! inside a range). Each epoch, every part walks the edges of its own
//! points in order, as umap-learn walks all edges: it moves its own points
//! at once, reads the other parts' points as they were when the epoch
//! began, and queues its moves of other parts' points (the tail of a
//! positive sample) to be applied, part by part in order, when the epoch
//! ends. Negative samples come from a ChaCha stream of its own for each
//! part and epoch. Nothing depends on which thread runs a part, or when.
//! (umap-learn's parallel descent lets threads overwrite each other's
//! moves, so it is not reproducible.)
//!
//! Positions and gradients are `f32`, as in umap-learn; the curve's power
//! is a polynomial ([`pow_positive`]), not libm's `powf`.

use aelab_kernels::elementary::pow_positive;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::affinities::SparseRows;

/// Parts the points are cut into: the most threads the descent can use.
pub(crate) const PARTS: usize = 2;

/// umap-learn's `negative_sample_rate`.
const NEGATIVE_RATE: f64 = 5.0;

/// umap-learn's gradient clip.
const CLIP: f32 = 4.0;

/// The low-dimensional similarity `1 / (1 + a d^2b)`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Curve {
    pub a: f32,
    pub b: f32,
}

/// When an edge is next sampled, and next sampled negatively (in epochs),
/// and how often.
#[derive(Debug, Clone, Copy)]
struct Schedule {
    per_sample: f64,
    next_sample: f64,
    per_negative: f64,
    next_negative: f64,
}

/// A move of another part's point: `y[point] -= shift` at the epoch's end.
type Move = (u32, [f32; 2]);

/// Runs `epochs` epochs of the descent on `y`, the graph's points (edges
/// with positive weights), on the current rayon pool.
pub(crate) fn descend(
    y: &mut [[f32; 2]],
    graph: &SparseRows,
    epochs: usize,
    curve: Curve,
    seed: u64,
) {
    let n = y.len();
    if n == 0 {
        return;
    }
    let max = graph.values.iter().copied().fold(0.0f64, f64::max);
    let mut schedules: Vec<Schedule> = graph
        .values
        .iter()
        .map(|&w| {
            let per_sample = max / w;
            let per_negative = per_sample / NEGATIVE_RATE;
            Schedule {
                per_sample,
                next_sample: per_sample,
                per_negative,
                next_negative: per_negative,
            }
        })
        .collect();
    let part_len = n.div_ceil(PARTS);
    let edge_bounds: Vec<usize> = (0..=PARTS)
        .map(|p| graph.offsets[(p * part_len).min(n)])
        .collect();
    let mut snapshot = y.to_vec();
    for epoch in 0..epochs {
        snapshot.copy_from_slice(y);
        let alpha = (1.0 - epoch as f64 / epochs as f64) as f32;
        let parts: Vec<_> = y
            .chunks_mut(part_len)
            .zip(split_at_bounds(&mut schedules, &edge_bounds))
            .enumerate()
            .collect();
        let moves: Vec<Vec<Move>> = parts
            .into_par_iter()
            .map(|(p, (own, schedules))| {
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                rng.set_stream((epoch * PARTS + p) as u64);
                let part = Part {
                    first: p * part_len,
                    own,
                    snapshot: &snapshot,
                    graph,
                    schedules,
                };
                part.run_epoch(epoch as f64, alpha, curve, &mut rng)
            })
            .collect();
        for (point, shift) in moves.into_iter().flatten() {
            let target = &mut y[point as usize];
            target[0] -= shift[0];
            target[1] -= shift[1];
        }
    }
}

/// `values` cut at `bounds` (ascending, the first 0, the last its length).
fn split_at_bounds<'a, T>(mut values: &'a mut [T], bounds: &[usize]) -> Vec<&'a mut [T]> {
    let mut pieces = Vec::with_capacity(bounds.len().saturating_sub(1));
    for pair in bounds.windows(2) {
        let (piece, rest) = values.split_at_mut(pair[1] - pair[0]);
        pieces.push(piece);
        values = rest;
    }
    pieces
}

/// One part's view of an epoch.
struct Part<'a> {
    /// Index of its first point.
    first: usize,
    /// Its points, moved at once.
    own: &'a mut [[f32; 2]],
    /// Every point as the epoch began.
    snapshot: &'a [[f32; 2]],
    graph: &'a SparseRows,
    /// The schedules of its points' edges.
    schedules: &'a mut [Schedule],
}

impl Part<'_> {
    /// Where point `k` is now, as this part sees it, and whether it is its own.
    fn position(&self, k: usize) -> ([f32; 2], bool) {
        match self.own.get(k.wrapping_sub(self.first)) {
            Some(&p) => (p, true),
            None => (self.snapshot[k], false),
        }
    }

    /// Samples the edges due at epoch `now`; returns its moves of other
    /// parts' points.
    fn run_epoch(self, now: f64, alpha: f32, curve: Curve, rng: &mut ChaCha8Rng) -> Vec<Move> {
        let Curve { a, b } = curve;
        let n = self.snapshot.len();
        let edge_start = self.graph.offsets[self.first];
        let mut moves = Vec::new();
        for local in 0..self.own.len() {
            let j = self.first + local;
            for e in self.graph.offsets[j]..self.graph.offsets[j + 1] {
                let schedule = self.schedules[e - edge_start];
                if schedule.next_sample > now {
                    continue;
                }
                let k = self.graph.columns[e] as usize;
                let mut current = self.own[local];
                let (other, own_k) = self.position(k);
                let d2 = squared_distance(current, other);
                if d2 > 0.0 {
                    let pow_b = pow_positive(d2.max(f32::MIN_POSITIVE), b);
                    let coefficient = -2.0 * a * b * pow_b / d2 / (a * pow_b + 1.0);
                    let shift = [0, 1].map(|d| {
                        (coefficient * (current[d] - other[d])).clamp(-CLIP, CLIP) * alpha
                    });
                    current[0] += shift[0];
                    current[1] += shift[1];
                    if own_k {
                        let tail = &mut self.own[k - self.first];
                        tail[0] -= shift[0];
                        tail[1] -= shift[1];
                    } else {
                        moves.push((k as u32, shift));
                    }
                }
                let negatives =
                    ((now - schedule.next_negative) / schedule.per_negative).max(0.0) as usize;
                // every negative sample of the edge pushes from the same
                // position, so their gradients are independent of each
                // other and computed side by side (umap-learn moves the
                // point after each one)
                let mut push = [0.0f32; 2];
                let mut left = negatives;
                while left > 0 {
                    let mut batch = NegativeBatch::default();
                    while batch.count < LANES && left > 0 {
                        left -= 1;
                        let k = rng.gen_range(0..n);
                        if k != j {
                            batch.push(self.position(k).0);
                        }
                    }
                    let gradient = repulsion_sum(current, &batch, curve);
                    push[0] += gradient[0];
                    push[1] += gradient[1];
                }
                current[0] += push[0] * alpha;
                current[1] += push[1] * alpha;
                self.own[local] = current;
                let schedule = &mut self.schedules[e - edge_start];
                schedule.next_sample += schedule.per_sample;
                schedule.next_negative += negatives as f64 * schedule.per_negative;
            }
        }
        moves
    }
}

/// Negative samples computed side by side.
const LANES: usize = 8;

/// Up to [`LANES`] negative samples' positions.
#[derive(Default)]
struct NegativeBatch {
    x: [f32; LANES],
    y: [f32; LANES],
    count: usize,
}

impl NegativeBatch {
    fn push(&mut self, position: [f32; 2]) {
        self.x[self.count] = position[0];
        self.y[self.count] = position[1];
        self.count += 1;
    }
}

aelab_kernels::vectorised! {
    /// The sum, in lane order, of the clipped gradients that the batch's
    /// negative samples exert on `current` (umap-learn's: `2 b / ((0.001 +
    /// d^2)(1 + a d^2b))` times the offset, each coordinate clipped to
    /// [-4, 4], or 4 for a sample at the same place).
    fn repulsion_sum(current: [f32; 2], batch: &NegativeBatch, curve: Curve) -> [f32; 2] {
        let Curve { a, b } = curve;
        let mut gradient_x = [0.0f32; LANES];
        let mut gradient_y = [0.0f32; LANES];
        for lane in 0..LANES {
            let dx = current[0] - batch.x[lane];
            let dy = current[1] - batch.y[lane];
            let d2 = dx * dx + dy * dy;
            let pow_b = pow_positive(if d2 > f32::MIN_POSITIVE { d2 } else { f32::MIN_POSITIVE }, b);
            let coefficient = 2.0 * b / ((0.001 + d2) * (a * pow_b + 1.0));
            let (gx, gy) = if d2 > 0.0 {
                ((coefficient * dx).clamp(-CLIP, CLIP), (coefficient * dy).clamp(-CLIP, CLIP))
            } else {
                (CLIP, CLIP)
            };
            let live = lane < batch.count;
            gradient_x[lane] = if live { gx } else { 0.0 };
            gradient_y[lane] = if live { gy } else { 0.0 };
        }
        let mut sum = [0.0f32; 2];
        for lane in 0..LANES {
            sum[0] += gradient_x[lane];
            sum[1] += gradient_y[lane];
        }
        sum
    }
}

fn squared_distance(p: [f32; 2], q: [f32; 2]) -> f32 {
    (p[0] - q[0]) * (p[0] - q[0]) + (p[1] - q[1]) * (p[1] - q[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two triangles joined by one edge, spread over both parts.
    fn two_triangles() -> SparseRows {
        let rows: [&[(u32, f64)]; 6] = [
            &[(1, 1.0), (2, 0.8)],
            &[(0, 1.0), (2, 0.6)],
            &[(0, 0.8), (1, 0.6), (3, 0.3)],
            &[(2, 0.3), (4, 1.0), (5, 0.9)],
            &[(3, 1.0), (5, 0.7)],
            &[(3, 0.9), (4, 0.7)],
        ];
        let mut graph = SparseRows {
            offsets: vec![0],
            columns: Vec::new(),
            values: Vec::new(),
        };
        for row in rows {
            graph.columns.extend(row.iter().map(|&(j, _)| j));
            graph.values.extend(row.iter().map(|&(_, w)| w));
            graph.offsets.push(graph.columns.len());
        }
        graph
    }

    fn start() -> Vec<[f32; 2]> {
        (0..6)
            .map(|i| [i as f32 * 1.7 % 10.0, (i * i) as f32 * 0.9 % 10.0])
            .collect()
    }

    #[test]
    fn the_same_bits_on_one_thread_or_two() {
        let graph = two_triangles();
        let curve = Curve { a: 1.577, b: 0.895 };
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let mut y = start();
            pool.install(|| descend(&mut y, &graph, 50, curve, 3));
            y
        };
        let one = run(1);
        assert_eq!(one, run(2));
        assert_ne!(one, start());
        assert!(one.iter().flatten().all(|v| v.is_finite()));
    }

    #[test]
    fn joined_points_end_nearer_than_the_others() {
        let graph = two_triangles();
        let mut y = start();
        descend(&mut y, &graph, 200, Curve { a: 1.577, b: 0.895 }, 9);
        let d = |i: usize, j: usize| squared_distance(y[i], y[j]).sqrt();
        let within = [d(0, 1), d(0, 2), d(1, 2), d(3, 4), d(3, 5), d(4, 5)];
        let across = [d(0, 4), d(0, 5), d(1, 4), d(1, 5)];
        let far = within.iter().copied().fold(0.0, f32::max);
        let near = across.iter().copied().fold(f32::INFINITY, f32::min);
        assert!(far < near, "within {within:?}, across {across:?}");
    }

    #[test]
    fn splitting_keeps_every_value_in_order() {
        let mut values = [1, 2, 3, 4, 5];
        let pieces = split_at_bounds(&mut values, &[0, 2, 2, 5]);
        let pieces: Vec<Vec<i32>> = pieces.into_iter().map(|p| p.to_vec()).collect();
        assert_eq!(pieces, vec![vec![1, 2], vec![], vec![3, 4, 5]]);
    }
}
