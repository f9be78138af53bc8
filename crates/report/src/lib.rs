//! Reports for people: the PNG plots of a run (loss curves, reconstructions,
//! 2-D maps) drawn with plotters and an embedded font (no system font
//! libraries needed), and the experiment's comparison (`comparison.csv`,
//! `report.md`, `report.html`): which settings differ, the final metrics with
//! the best value per metric marked, which run won each metric and by how
//! much, and every figure.
//!
//! The crate writes only the files it is asked to, each atomically through
//! `aelab-archive`; it computes no metrics of its own, only statistics over
//! the ones it is given (the spread across seeds and Welch's t-test between
//! groups of runs, in `statistics`).

#![forbid(unsafe_code)]

mod bar_plot;
mod canvas;
mod choice;
mod comparison;
mod confusion_plot;
mod digit_grid;
mod embedding_plot;
mod error;
mod fonts;
mod groups;
mod html;
mod line_plot;
mod markdown;
mod metrics;
mod one_class_table;
mod palette;
mod search_section;
mod statistics;
mod sweep_plots;
mod written;

pub use aelab_archive::Figure;
pub use bar_plot::grouped_bars;
pub use choice::Choice;
pub use comparison::{Baseline, ReportInput, RunReport};
pub use confusion_plot::confusion_matrix;
pub use digit_grid::{digit_grid, DigitRow};
pub use embedding_plot::embedding_scatter;
pub use error::ReportError;
pub use groups::{seed_groups, SeedGroup};
pub use line_plot::{line_chart, line_chart_with_spread, Series, SpreadStyle, XAxis};
pub use metrics::{Better, Metric, METRICS};
pub use one_class_table::OneClassTable;
pub use search_section::{trial_curves, RungRow, SearchSection, TrialCurve};
pub use statistics::{
    format_p, spread, student_t_cdf, student_t_quantile, welch_t_test, Spread, Welch,
};
pub use sweep_plots::{geometric, parallel_coordinates, pareto_scatter};
pub use written::write_report;
