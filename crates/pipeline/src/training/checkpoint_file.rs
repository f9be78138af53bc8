//! A training checkpoint on disk (`aelab_train::Checkpoint`): the magic
//! bytes `AELABCK1`, the header's length (u64, little-endian), a JSON
//! header (config key, epoch, history, optimizer step, shuffle position,
//! divergence, list lengths), then every parameter list and every moment
//! list as little-endian f32. Written to a temporary name and renamed, so
//! a checkpoint that is there is whole.

use std::path::Path;

use aelab_archive::write_atomic;
use aelab_train::{Checkpoint, EpochRecord};
use serde::{Deserialize, Serialize};

use crate::{PipelineError, Result};

const MAGIC: &[u8; 8] = b"AELABCK1";

#[derive(Serialize, Deserialize)]
struct Header {
    config: String,
    epoch: usize,
    history: Vec<Record>,
    optimizer_step: u64,
    /// A u128, as text (JSON numbers are not that wide).
    shuffle_position: String,
    diverged: Option<(usize, usize)>,
    parameters: Vec<usize>,
    moments: Vec<usize>,
}

/// An epoch's losses, read back bit for bit (serde_json's
/// `float_roundtrip`; a continuation must not miss the last bit). JSON has
/// no NaN or infinity, so a loss that is not finite (a diverged epoch) is
/// written as its bits (`*_bits`), as every loss was before.
#[derive(Serialize, Deserialize)]
struct Record {
    epoch: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    train_loss: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    val_loss: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    train_loss_bits: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    val_loss_bits: Option<u64>,
    seconds: f64,
}

/// `value` as a [`Record`] holds it: `(plain, bits)`.
fn stored(value: f64) -> (Option<f64>, Option<u64>) {
    match value.is_finite() {
        true => (Some(value), None),
        false => (None, Some(value.to_bits())),
    }
}

/// Writes `state` to `path` atomically.
pub(crate) fn write_checkpoint(path: &Path, state: &Checkpoint) -> Result<()> {
    let header = Header {
        config: state.config.clone(),
        epoch: state.epoch,
        history: state
            .history
            .iter()
            .map(|r| {
                let (train_loss, train_loss_bits) = stored(r.train_loss);
                let (val_loss, val_loss_bits) = r.val_loss.map_or((None, None), stored);
                Record {
                    epoch: r.epoch,
                    train_loss,
                    val_loss,
                    train_loss_bits,
                    val_loss_bits,
                    seconds: r.seconds,
                }
            })
            .collect(),
        optimizer_step: state.optimizer_step,
        shuffle_position: state.shuffle_position.to_string(),
        diverged: state.diverged,
        parameters: state.parameters.iter().map(Vec::len).collect(),
        moments: state.moments.iter().map(Vec::len).collect(),
    };
    let header = serde_json::to_vec(&header)
        .map_err(|e| PipelineError::Other(format!("cannot encode a checkpoint: {e}")))?;
    let floats: usize = state
        .parameters
        .iter()
        .chain(&state.moments)
        .map(Vec::len)
        .sum();
    let mut bytes = Vec::with_capacity(16 + header.len() + 4 * floats);
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&(header.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&header);
    for list in state.parameters.iter().chain(&state.moments) {
        for x in list {
            bytes.extend_from_slice(&x.to_le_bytes());
        }
    }
    Ok(write_atomic(path, &bytes)?)
}

/// Reads a checkpoint [`write_checkpoint`] wrote.
pub(crate) fn read_checkpoint(path: &Path) -> Result<Checkpoint> {
    let bytes = std::fs::read(path)
        .map_err(|e| PipelineError::io("cannot read the checkpoint", path, e))?;
    let bad = |why: &str| PipelineError::damaged(path, "checkpoint", why);
    if bytes.len() < 16 || &bytes[..8] != MAGIC {
        return Err(bad("no AELABCK1 header"));
    }
    let len = u64::from_le_bytes(bytes[8..16].try_into().map_err(|_| bad("short"))?) as usize;
    let body = bytes
        .get(16..16usize.saturating_add(len))
        .ok_or_else(|| bad("short header"))?;
    let header: Header = serde_json::from_slice(body).map_err(|e| bad(&e.to_string()))?;
    let mut rest = &bytes[16 + len..];
    let mut take = |n: usize| -> Result<Vec<f32>> {
        let size = n.checked_mul(4).ok_or_else(|| bad("lengths overflow"))?;
        if rest.len() < size {
            return Err(bad("fewer numbers than the header lists"));
        }
        let (now, later) = rest.split_at(size);
        rest = later;
        Ok(now
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    };
    let parameters = header
        .parameters
        .iter()
        .map(|&n| take(n))
        .collect::<Result<Vec<_>>>()?;
    let moments = header
        .moments
        .iter()
        .map(|&n| take(n))
        .collect::<Result<Vec<_>>>()?;
    if !rest.is_empty() {
        return Err(bad("more numbers than the header lists"));
    }
    Ok(Checkpoint {
        config: header.config,
        epoch: header.epoch,
        history: header
            .history
            .into_iter()
            .map(|r| {
                Ok(EpochRecord {
                    epoch: r.epoch,
                    train_loss: r
                        .train_loss_bits
                        .map(f64::from_bits)
                        .or(r.train_loss)
                        .ok_or_else(|| bad("an epoch without its training loss"))?,
                    val_loss: r.val_loss_bits.map(f64::from_bits).or(r.val_loss),
                    seconds: r.seconds,
                })
            })
            .collect::<Result<Vec<_>>>()?,
        parameters,
        optimizer_step: header.optimizer_step,
        moments,
        shuffle_position: header
            .shuffle_position
            .parse()
            .map_err(|_| bad("shuffle position"))?,
        diverged: header.diverged,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_reads_back_bit_for_bit_and_a_cut_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.ckpt");
        let state = Checkpoint {
            config: "cfg".into(),
            epoch: 2,
            history: vec![EpochRecord {
                epoch: 1,
                train_loss: 0.25,
                val_loss: Some(0.1 + 0.2),
                // (checked below through its bits)
                seconds: 1.5,
            }],
            parameters: vec![vec![1.0, -0.0, f32::MIN_POSITIVE], vec![]],
            optimizer_step: 7,
            moments: vec![vec![3.5; 4]],
            shuffle_position: u128::MAX - 3,
            diverged: Some((2, 9)),
        };
        write_checkpoint(&path, &state).unwrap();
        let back = read_checkpoint(&path).unwrap();
        assert_eq!(back.parameters[0][1].to_bits(), (-0.0f32).to_bits());
        assert_eq!(
            back.history[0].val_loss.map(f64::to_bits),
            Some((0.1f64 + 0.2).to_bits())
        );
        assert_eq!(back.shuffle_position, state.shuffle_position);
        assert_eq!(
            (back.epoch, back.diverged, back.moments.clone()),
            (2, Some((2, 9)), state.moments.clone())
        );
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 2]).unwrap();
        match read_checkpoint(&path) {
            Err(e @ PipelineError::Damaged { .. }) => {
                assert!(e.is_bad_input());
                assert!(e.to_string().contains("not a whole checkpoint"), "{e}");
            }
            other => panic!(
                "a truncated checkpoint read as {:?}",
                other.map(|c| c.epoch)
            ),
        }
    }
}
