//! Squared Euclidean distances from query rows to reference rows, exact and
//! blocked: `|q|^2 + |r|^2 - 2 q.r` with the products on `aelab-kernels`'
//! gemm, a block of query rows at a time, so memory stays at one block of
//! rows per thread (never an `n x n` matrix). Blocks are fixed by the data
//! alone and run on the caller's rayon pool (see [`pool`]); each block
//! computes the same values on any thread, so results do not depend on the
//! thread count.

use aelab_kernels::{matmul_threads, ProductInto, View, ViewMut};
use rayon::prelude::*;

/// The machine's threads: the default thread count of this crate's
/// parallel parts ([`crate::FftTsneParams::threads`],
/// [`crate::UmapParams::threads`]).
pub fn machine_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Query rows per block (a block holds `QUERY_BLOCK x n_reference` values).
const QUERY_BLOCK: usize = 128;

/// The pool of `threads` threads (at least 1, at most the machine's),
/// built once per count and shared by every later call. A function that
/// takes a thread count installs it; everything it calls runs on the pool
/// it is in (never a pool of its own), so one thread is one thread.
pub(crate) fn pool(threads: usize) -> std::sync::Arc<rayon::ThreadPool> {
    use std::collections::BTreeMap;
    use std::sync::{Arc, Mutex, OnceLock};
    static POOLS: OnceLock<Mutex<BTreeMap<usize, Arc<rayon::ThreadPool>>>> = OnceLock::new();
    let threads = threads.clamp(1, machine_threads());
    let mut pools = POOLS
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    pools
        .entry(threads)
        .or_insert_with(|| {
            let build = |n: usize| rayon::ThreadPoolBuilder::new().num_threads(n).build();
            Arc::new(
                build(threads)
                    .or_else(|_| build(1))
                    .expect("a one-thread pool can always be built"),
            )
        })
        .clone()
}

/// `per_row(query_index, distances)` for the query rows `rows` (all query
/// rows when `None`), `distances` holding the squared distance to every
/// reference row (clamped at 0); the results in the order of `rows`.
pub(crate) fn map_distance_rows<T: Send>(
    reference: &[f32],
    query: &[f32],
    dim: usize,
    rows: Option<&[usize]>,
    per_row: impl Fn(usize, &[f32]) -> T + Sync,
) -> Vec<T> {
    let n_ref = reference.len() / dim;
    let n_query = query.len() / dim;
    let reference = &reference[..n_ref * dim];
    let ref_norms: Vec<f32> = reference.chunks_exact(dim).map(squared_norm).collect();
    let all: Vec<usize>;
    let rows = match rows {
        Some(rows) => rows,
        None => {
            all = (0..n_query).collect();
            &all
        }
    };
    let blocks: Vec<&[usize]> = rows.chunks(QUERY_BLOCK).collect();
    let run = || {
        blocks
            .par_iter()
            .map_init(
                || (Vec::new(), Vec::new()),
                |(gathered, products): &mut (Vec<f32>, Vec<f32>), block| {
                    gathered.clear();
                    for &q in block.iter() {
                        gathered.extend_from_slice(&query[q * dim..(q + 1) * dim]);
                    }
                    products.resize(block.len() * n_ref, 0.0);
                    // one thread each: the blocks already share the pool
                    matmul_threads(
                        1,
                        ViewMut::rows(products, block.len(), n_ref),
                        View::rows(gathered, block.len(), dim),
                        View::rows(reference, n_ref, dim).t(),
                        ProductInto::Overwrite,
                    );
                    block
                        .iter()
                        .zip(products.chunks_exact_mut(n_ref.max(1)))
                        .zip(gathered.chunks_exact(dim))
                        .map(|((&q, row), values)| {
                            let q_norm = squared_norm(values);
                            for (out, &norm) in row.iter_mut().zip(&ref_norms) {
                                // a select, not `max`, so that it vectorises
                                let d = q_norm + norm - 2.0 * *out;
                                *out = if d > 0.0 { d } else { 0.0 };
                            }
                            per_row(q, row)
                        })
                        .collect::<Vec<T>>()
                },
            )
            .collect::<Vec<Vec<T>>>()
    };
    if n_ref == 0 {
        return rows.iter().map(|&q| per_row(q, &[])).collect();
    }
    run().into_iter().flatten().collect()
}

fn squared_norm(row: &[f32]) -> f32 {
    row.iter().map(|v| v * v).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_give_the_brute_force_distances() {
        // 300 query rows (three blocks), 7 reference rows, 3-D
        let reference: Vec<f32> = (0..21).map(|i| ((i * 37) % 11) as f32 - 5.0).collect();
        let query: Vec<f32> = (0..900).map(|i| ((i * 53) % 17) as f32 * 0.5).collect();
        let rows = map_distance_rows(&reference, &query, 3, None, |_, row| row.to_vec());
        assert_eq!(rows.len(), 300);
        for (q, row) in query.chunks(3).zip(&rows) {
            for (r, &d) in reference.chunks(3).zip(row) {
                let brute: f32 = q.iter().zip(r).map(|(a, b)| (a - b) * (a - b)).sum();
                assert!((d - brute).abs() <= 1e-3 * brute.max(1.0), "{d} vs {brute}");
            }
        }
        let picked = map_distance_rows(&reference, &query, 3, Some(&[299, 5]), |q, _| q);
        assert_eq!(picked, vec![299, 5]);
    }
}
