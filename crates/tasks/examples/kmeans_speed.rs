//! Times this crate's Lloyd k-means against linfa's on real codes and
//! scores both against the labels.
//!
//! ```text
//! cargo run --release -p aelab-tasks --example kmeans_speed -- \
//!     CODES.f32 DIM LABELS.u8 [K=10] [STARTS=20] [SEEDS=0,1,2]
//! ```
//!
//! `CODES.f32` is raw little-endian `f32`, row-major, `DIM` values a code;
//! `LABELS.u8` one byte a code. Set `RAYON_NUM_THREADS=1` for one thread.

use std::error::Error;
use std::time::Instant;

use aelab_tasks::{
    cluster_accuracy, kmeans, normalized_mutual_info, KMeansAlgorithm, KMeansParams,
};

mod codes_file;

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        return Err("usage: kmeans_speed CODES.f32 DIM LABELS.u8 [K] [STARTS] [SEEDS]".into());
    }
    let dim: usize = args[1].parse()?;
    let (codes, labels) = codes_file::read(&args[0], dim, &args[2])?;
    let k: usize = args.get(3).map_or(Ok(10), |s| s.parse())?;
    let starts: usize = args.get(4).map_or(Ok(20), |s| s.parse())?;
    let seeds: Vec<u64> = args
        .get(5)
        .map_or("0,1,2", String::as_str)
        .split(',')
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    println!(
        "{} codes of dim {dim}, k = {k}, {starts} starts, {} rayon threads",
        codes.len() / dim,
        rayon::current_num_threads()
    );
    println!("algorithm  seed  seconds      inertia        ACC     NMI");
    for algorithm in [KMeansAlgorithm::Lloyd, KMeansAlgorithm::Linfa] {
        for &seed in &seeds {
            let mut params = KMeansParams::new(k, starts, seed);
            params.algorithm = algorithm;
            let start = Instant::now();
            let clustering = kmeans(&codes, dim, &params)?;
            let seconds = start.elapsed().as_secs_f64();
            let acc = cluster_accuracy(&labels, &clustering.assignments)?.accuracy;
            let nmi = normalized_mutual_info(&labels, &clustering.assignments)?;
            println!(
                "{:<9} {seed:>5} {seconds:>8.3} {:>12.1} {acc:>10.4} {nmi:>7.4}",
                format!("{algorithm:?}"),
                clustering.inertia
            );
        }
    }
    Ok(())
}
