//! The one error type of the crate: each variant says which input was wrong
//! and by how much, so a caller can print it as it stands.

use thiserror::Error;

/// What was wrong with the numbers handed to a task.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum TasksError {
    /// Codes were given with `dim = 0`.
    #[error("dim = 0: codes need at least one dimension")]
    ZeroDim,

    /// The flat slice does not hold a whole number of codes.
    #[error("{what}: {len} values are not a whole number of {dim}-dimensional codes")]
    RaggedCodes {
        /// Which argument.
        what: &'static str,
        /// Its length.
        len: usize,
        /// The code dimension it was read with.
        dim: usize,
    },

    /// An argument held no points at all.
    #[error("{what} is empty: there are no points to score")]
    Empty {
        /// Which argument.
        what: &'static str,
    },

    /// A code value is NaN or infinite.
    #[error("{what}: code {point} has the non-finite value {value} at dimension {dimension}")]
    NonFiniteCode {
        /// Which argument.
        what: &'static str,
        /// Index of the code (row).
        point: usize,
        /// Index within the code (column).
        dimension: usize,
        /// The value found.
        value: f32,
    },

    /// k-means was asked for no clusters.
    #[error("k = 0 clusters: k-means needs at least one cluster")]
    ZeroClusters,

    /// k-means was asked for more clusters than there are points.
    #[error("k = {k} clusters for {points} points")]
    TooManyClusters {
        /// Clusters asked for.
        k: usize,
        /// Points given.
        points: usize,
    },

    /// k-means was asked for no starts.
    #[error("starts = 0: k-means needs at least one start")]
    ZeroStarts,

    /// An iterative method was allowed no iterations.
    #[error("max_iterations = 0 for {what}: at least one iteration is needed")]
    ZeroIterations {
        /// Which method.
        what: &'static str,
    },

    /// The k-means tolerance is negative or not finite.
    #[error("k-means tolerance = {0}: it must be finite and at least 0")]
    BadTolerance(f64),

    /// Two arguments that pair up point by point differ in length.
    #[error("{left} has {left_len} entries but {right} has {right_len}")]
    LengthMismatch {
        /// The first argument.
        left: &'static str,
        /// Its length.
        left_len: usize,
        /// The second argument.
        right: &'static str,
        /// Its length.
        right_len: usize,
    },

    /// A cluster id implies more clusters than there are points.
    #[error("cluster id {id} for {points} points: ids must be below the number of points")]
    ClusterIdTooLarge {
        /// The largest id found.
        id: usize,
        /// Points given.
        points: usize,
    },

    /// The probe's training labels hold fewer than two classes.
    #[error("the probe's training set has {classes} class(es) in {points} points; a classifier needs at least 2")]
    TooFewClasses {
        /// Distinct training labels.
        classes: usize,
        /// Training points.
        points: usize,
    },

    /// The probe's L2 weight is negative or not finite.
    #[error("probe l2 = {0}: it must be finite and at least 0")]
    BadL2(f64),

    /// A ranking task got only one kind of point.
    #[error(
        "{positives} anomalous and {negatives} normal points: the score needs at least one of each"
    )]
    OneClassRanking {
        /// Points marked anomalous.
        positives: usize,
        /// Points marked normal.
        negatives: usize,
    },

    /// A ranking score is NaN or infinite.
    #[error("score {index} is {value}: scores must be finite")]
    NonFiniteScore {
        /// Index of the score.
        index: usize,
        /// The value found.
        value: f64,
    },

    /// linfa's k-means reported an error.
    #[error("k-means (linfa) failed: {0}")]
    LinfaKMeans(#[from] linfa_clustering::KMeansError),

    /// An array had a shape ndarray refused (a bug: shapes are checked first).
    #[error("array shape: {0}")]
    Shape(#[from] ndarray::ShapeError),
}
