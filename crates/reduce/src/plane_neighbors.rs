//! Exact k-nearest neighbours of 2-D points (maps) through a uniform grid
//! of cells holding about two points each: each point searches rings of
//! cells outwards until the next ring is farther than its `k`-th nearest
//! so far. The same lists as the brute-force search (squared distances in
//! f32 as `knn.rs` computes them for 2-D rows would differ only in
//! rounding; here they are exact differences), ties broken by index, in
//! `n sqrt(k)` time instead of `n^2`.

use rayon::prelude::*;

/// The `k` nearest other points of every point of `points` (`x, y` per
/// row) as `(squared distance, index)`, nearest first, ties by index.
pub(crate) fn plane_neighbors(points: &[f32], k: usize) -> Vec<Vec<(f32, usize)>> {
    let n = points.len() / 2;
    let at = |i: usize| [points[2 * i], points[2 * i + 1]];
    if n == 0 {
        return Vec::new();
    }
    let (mut min, mut max) = ([f32::INFINITY; 2], [f32::NEG_INFINITY; 2]);
    for i in 0..n {
        let p = at(i);
        for d in 0..2 {
            min[d] = min[d].min(p[d]);
            max[d] = max[d].max(p[d]);
        }
    }
    let side = ((n as f64 / 2.0).sqrt().ceil() as usize).clamp(1, 4096);
    let extent = [
        f64::from(max[0] - min[0]).max(f64::MIN_POSITIVE),
        f64::from(max[1] - min[1]).max(f64::MIN_POSITIVE),
    ];
    let cell_of = |p: [f32; 2]| -> [usize; 2] {
        let mut c = [0; 2];
        for d in 0..2 {
            let t = f64::from(p[d] - min[d]) / extent[d] * side as f64;
            c[d] = (t.max(0.0) as usize).min(side - 1);
        }
        c
    };
    // points sorted by cell (counting sort, in index order within a cell)
    let mut starts = vec![0usize; side * side + 1];
    for i in 0..n {
        let [cx, cy] = cell_of(at(i));
        starts[cy * side + cx + 1] += 1;
    }
    for c in 0..side * side {
        starts[c + 1] += starts[c];
    }
    let mut fill = starts.clone();
    let mut members = vec![0usize; n];
    for i in 0..n {
        let [cx, cy] = cell_of(at(i));
        members[fill[cy * side + cx]] = i;
        fill[cy * side + cx] += 1;
    }
    let cell_width = [extent[0] / side as f64, extent[1] / side as f64];
    let min_width = cell_width[0].min(cell_width[1]);
    (0..n)
        .into_par_iter()
        .map(|i| {
            let p = at(i);
            let [cx, cy] = cell_of(p);
            let mut nearest: Vec<(f32, usize)> = Vec::with_capacity(k + 1);
            let offer = |nearest: &mut Vec<(f32, usize)>, j: usize| {
                if j == i {
                    return;
                }
                let q = at(j);
                let (dx, dy) = (p[0] - q[0], p[1] - q[1]);
                let d = dx * dx + dy * dy;
                if nearest.len() < k || (d, j) < nearest[nearest.len() - 1] {
                    let at = nearest.partition_point(|&e| e < (d, j));
                    nearest.insert(at, (d, j));
                    nearest.truncate(k);
                }
            };
            let visit = |x: isize, y: isize, nearest: &mut Vec<(f32, usize)>| {
                if (0..side as isize).contains(&x) && (0..side as isize).contains(&y) {
                    let c = y as usize * side + x as usize;
                    for &j in &members[starts[c]..starts[c + 1]] {
                        offer(nearest, j);
                    }
                }
            };
            let (cx, cy) = (cx as isize, cy as isize);
            for ring in 0..side as isize {
                // every cell at Chebyshev distance `ring` from (cx, cy)
                if ring == 0 {
                    visit(cx, cy, &mut nearest);
                } else {
                    for x in cx - ring..=cx + ring {
                        visit(x, cy - ring, &mut nearest);
                        visit(x, cy + ring, &mut nearest);
                    }
                    for y in cy - ring + 1..cy + ring {
                        visit(cx - ring, y, &mut nearest);
                        visit(cx + ring, y, &mut nearest);
                    }
                }
                // points beyond this ring are more than `ring` cell widths away
                if nearest.len() == k {
                    let reach = ring as f64 * min_width;
                    if f64::from(nearest[k - 1].0) < reach * reach * (1.0 - 1e-6) {
                        break;
                    }
                }
            }
            nearest
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_brute_force_with_ties_and_duplicates() {
        let mut points: Vec<f32> = (0..900)
            .flat_map(|i| {
                let f = i as f32;
                [
                    (f * 0.37).sin() * 50.0 + (i % 7) as f32,
                    (f * 0.11).cos() * 20.0,
                ]
            })
            .collect();
        // a lattice (many equal distances) and coincident points
        points.extend((0..100).flat_map(|i| [(i % 10) as f32, (i / 10) as f32 + 100.0]));
        points.extend([3.0, 3.0, 3.0, 3.0, 3.0, 3.0]);
        let n = points.len() / 2;
        let k = 7;
        let fast = plane_neighbors(&points, k);
        for i in 0..n {
            let mut all: Vec<(f32, usize)> = (0..n)
                .filter(|&j| j != i)
                .map(|j| {
                    let (dx, dy) = (
                        points[2 * i] - points[2 * j],
                        points[2 * i + 1] - points[2 * j + 1],
                    );
                    (dx * dx + dy * dy, j)
                })
                .collect();
            all.sort_by(|a, b| a.partial_cmp(b).expect("finite"));
            all.truncate(k);
            assert_eq!(fast[i], all, "point {i}");
        }
    }
}
