//! An order of the points in which neighbours sit near each other in
//! memory: breadth-first over the affinity graph (the visiting order of
//! Cuthill and McKee's bandwidth reduction, without its degree sort). An
//! iteration of t-SNE reads every neighbour's position; in the data's own
//! order those reads jump across the whole map (a cache miss each), in
//! this order most fall in lines read a moment before.

use std::collections::VecDeque;

use crate::affinities::SparseRows;

/// Point indices in breadth-first order over `p`'s rows, each component
/// started from its lowest unvisited index, each point's unvisited
/// neighbours queued in column order: it depends only on `p`.
pub(crate) fn breadth_first_order(p: &SparseRows) -> Vec<u32> {
    let n = p.offsets.len() - 1;
    let mut visited = vec![false; n];
    let mut order = Vec::with_capacity(n);
    let mut queue = VecDeque::new();
    for start in 0..n {
        if visited[start] {
            continue;
        }
        visited[start] = true;
        queue.push_back(start);
        while let Some(i) = queue.pop_front() {
            order.push(i as u32);
            for &j in &p.columns[p.offsets[i]..p.offsets[i + 1]] {
                if !visited[j as usize] {
                    visited[j as usize] = true;
                    queue.push_back(j as usize);
                }
            }
        }
    }
    order
}

/// `p` with its points renumbered: new point `r` is old point `order[r]`.
pub(crate) fn renumbered(p: &SparseRows, order: &[u32]) -> SparseRows {
    let mut rank = vec![0u32; order.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i as usize] = r as u32;
    }
    let mut offsets = Vec::with_capacity(order.len() + 1);
    let mut columns = Vec::with_capacity(p.columns.len());
    let mut values = Vec::with_capacity(p.values.len());
    offsets.push(0);
    let mut row = Vec::new();
    for &i in order {
        let span = p.offsets[i as usize]..p.offsets[i as usize + 1];
        row.clear();
        row.extend(
            p.columns[span.clone()]
                .iter()
                .zip(&p.values[span])
                .map(|(&j, &v)| (rank[j as usize], v)),
        );
        row.sort_by_key(|&(j, _)| j);
        columns.extend(row.iter().map(|&(j, _)| j));
        values.extend(row.iter().map(|&(_, v)| v));
        offsets.push(columns.len());
    }
    SparseRows {
        offsets,
        columns,
        values,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A path 0 - 3 - 1 - 4 - 2 and a lone point 5.
    fn path() -> SparseRows {
        let edges: [&[u32]; 6] = [&[3], &[3, 4], &[4], &[0, 1], &[1, 2], &[]];
        let mut offsets = vec![0];
        let mut columns = Vec::new();
        for row in edges {
            columns.extend_from_slice(row);
            offsets.push(columns.len());
        }
        let values = columns.iter().map(|&j| f64::from(j) + 0.5).collect();
        SparseRows {
            offsets,
            columns,
            values,
        }
    }

    #[test]
    fn the_order_walks_the_graph_and_renumbering_keeps_every_edge() {
        let p = path();
        let order = breadth_first_order(&p);
        assert_eq!(order, [0, 3, 1, 4, 2, 5]);
        let q = renumbered(&p, &order);
        // every edge i -> j with its value, under the new numbers
        for (r, &i) in order.iter().enumerate() {
            let old: Vec<(u32, f64)> = (p.offsets[i as usize]..p.offsets[i as usize + 1])
                .map(|e| {
                    (
                        order.iter().position(|&x| x == p.columns[e]).unwrap() as u32,
                        p.values[e],
                    )
                })
                .collect();
            let mut old = old;
            old.sort_by_key(|&(j, _)| j);
            let new: Vec<(u32, f64)> = (q.offsets[r]..q.offsets[r + 1])
                .map(|e| (q.columns[e], q.values[e]))
                .collect();
            assert_eq!(new, old, "point {i}");
        }
        // along the path, neighbours are now adjacent
        assert_eq!(&q.columns[q.offsets[1]..q.offsets[2]], &[0, 2]);
    }
}
