//! Downloads of the IDX data sets with the caller's progress bars: one bar
//! of bytes per file (a retry starts a fresh one), for a run that fetches
//! on first use and for `cargo xtask fetch`.

use aelab_data::catalogue::Dataset as IdxDataset;
use aelab_data::fetch::{self, FetchOptions, FetchProgress, FetchStage, Fetched};

use crate::{Bar, PipelineError, Progress, Result};

/// A progress callback for [`aelab_data::fetch`] that draws on `progress`.
pub(crate) fn download_bars(progress: &dyn Progress) -> impl FnMut(FetchProgress) + '_ {
    let mut current: Option<(Box<dyn Bar>, u64)> = None;
    move |event: FetchProgress| match event.stage {
        FetchStage::Started => {
            if let Some((bar, _)) = current.take() {
                bar.finish();
            }
            current = Some((
                progress.bar(&event.file, event.total.unwrap_or(0), "bytes"),
                0,
            ));
        }
        FetchStage::Receiving => {
            if let Some((bar, seen)) = &mut current {
                bar.inc(event.done.saturating_sub(*seen));
                *seen = event.done;
            }
        }
        FetchStage::Finished => {
            if let Some((bar, _)) = current.take() {
                bar.finish();
            }
        }
    }
}

/// Downloads (or verifies in the cache) the data set named `name`
/// (`mnist`, `fashion-mnist`, `kmnist`), trying `mirrors` before those of
/// `AELAB_MIRROR` and the public ones.
pub fn fetch_dataset(name: &str, mirrors: &[String], progress: &dyn Progress) -> Result<Fetched> {
    let dataset = IdxDataset::from_name(name).ok_or_else(|| {
        let known: Vec<&str> = IdxDataset::ALL.iter().map(|d| d.name()).collect();
        PipelineError::Mismatch(format!(
            "no data set `{name}` to fetch; known: {} (the 8x8 digits are built in)",
            known.join(", ")
        ))
    })?;
    let mut options = FetchOptions::from_env();
    options.mirrors.splice(0..0, mirrors.iter().cloned());
    let dir = fetch::cache_dir(dataset)?;
    Ok(fetch::fetch(
        dataset,
        &dir,
        &options,
        download_bars(progress),
    )?)
}
