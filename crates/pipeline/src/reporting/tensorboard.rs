//! A run's TensorBoard log, `runs/<name>/tensorboard/`: the loss, learning
//! rate and seconds of every epoch as it ends (a continued search trial's
//! earlier epochs first), then the final metrics (each `summary.json`
//! metric under its own name), the reconstruction grid, the HParams
//! plugin's session records (every swept or searched spec value, the
//! variant, the seed) and the Embedding Projector's files: the codes of up
//! to [`PROJECTED`] validation digits (`codes.tsv`) with their labels
//! (`labels.tsv`). `tensorboard --logdir results/<name>` compares the runs
//! of every archive of an experiment.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use aelab_archive::{write_atomic, RunStatus, Summary};
use aelab_export::{projector_config, EventWriter, HParam};
use aelab_report::METRICS;
use aelab_spec::RunConfig;
use aelab_train::EpochRecord;

use crate::{PipelineError, Result};

/// Validation digits whose codes the projector shows.
pub const PROJECTED: usize = 1_000;

/// The folder of a run's log.
pub(crate) fn log_dir(run_dir: &Path) -> PathBuf {
    run_dir.join("tensorboard")
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// An open run log.
pub(crate) struct RunLog {
    writer: EventWriter,
    dir: PathBuf,
}

impl RunLog {
    /// Starts the log of `run` in `run_dir` with its HParams session.
    pub(crate) fn start(run_dir: &Path, run: &RunConfig) -> Result<RunLog> {
        let dir = log_dir(run_dir);
        let io = |e| PipelineError::io("cannot write the TensorBoard log in", &dir, e);
        if dir.exists() {
            // a rerun into the same folder: one log, not two
            std::fs::remove_dir_all(&dir).map_err(io)?;
        }
        let mut writer =
            EventWriter::create(&dir, now(), &crate::running::provenance::host()).map_err(io)?;
        let mut hparams: Vec<(String, HParam)> = run
            .sweep
            .iter()
            .map(|(key, value)| (key.clone(), hparam(value)))
            .collect();
        hparams.push(("variant".into(), HParam::Text(run.variant.clone())));
        hparams.push(("seed".into(), HParam::Number(run.seed as f64)));
        writer
            .session_start(&hparams, &run.group, now())
            .map_err(io)?;
        Ok(RunLog { writer, dir })
    }

    /// One epoch's scalars at step `epoch`; `lr` its learning rate (none
    /// for PCA's one fit).
    pub(crate) fn epoch(&mut self, record: &EpochRecord, lr: Option<f64>) -> Result<()> {
        let step = record.epoch;
        let t = now();
        let mut scalars = vec![
            ("loss/train", record.train_loss),
            ("train/seconds", record.seconds),
        ];
        scalars.extend(lr.map(|lr| ("train/lr", lr)));
        if let Some(v) = record.val_loss {
            scalars.push(("loss/validation", v));
        }
        for (tag, value) in scalars {
            self.writer.scalar(tag, step, value, t).map_err(|e| {
                PipelineError::io("cannot write the TensorBoard log in", &self.dir, e)
            })?;
        }
        Ok(())
    }

    /// The final metrics, the reconstruction grid (`reconstructions.png`
    /// of `run_dir`, if drawn), the projector's files from `codes`
    /// (`latent` values a digit, with `labels`) and the session's end.
    pub(crate) fn finish(
        mut self,
        summary: &Summary,
        run_dir: &Path,
        codes: Option<(&[f32], usize, &[u8])>,
    ) -> Result<()> {
        let dir = self.dir.clone();
        let io = |e| PipelineError::io("cannot write the TensorBoard log in", &dir, e);
        let step = summary.epochs_completed.max(1);
        let t = now();
        for metric in METRICS {
            if let Some(v) = (metric.value)(summary).filter(|v| v.is_finite()) {
                self.writer.scalar(metric.key, step, v, t).map_err(io)?;
            }
        }
        if let Ok(png) = std::fs::read(run_dir.join("reconstructions.png")) {
            self.writer
                .image("reconstructions", step, &png, t)
                .map_err(io)?;
        }
        if let Some((codes, latent, labels)) = codes.filter(|(c, l, _)| !c.is_empty() && *l > 0) {
            let rows: String = codes
                .chunks_exact(latent)
                .map(|row| {
                    let values: Vec<String> = row.iter().map(|v| v.to_string()).collect();
                    values.join("\t") + "\n"
                })
                .collect();
            let names: String = labels.iter().map(|l| format!("{l}\n")).collect();
            write_atomic(&self.dir.join("codes.tsv"), rows.as_bytes())?;
            write_atomic(&self.dir.join("labels.tsv"), names.as_bytes())?;
            write_atomic(
                &self.dir.join("projector_config.pbtxt"),
                projector_config("codes", "codes.tsv", "labels.tsv").as_bytes(),
            )?;
        }
        self.writer
            .session_end(summary.status == Some(RunStatus::Ok), now())
            .map_err(io)
    }
}

/// A spec value as the HParams dashboard shows it: a number, a flag or text.
fn hparam(value: &str) -> HParam {
    match value {
        "true" => HParam::Bool(true),
        "false" => HParam::Bool(false),
        v => v.parse::<f64>().map_or_else(
            |_| HParam::Text(v.trim_matches('"').to_string()),
            HParam::Number,
        ),
    }
}
