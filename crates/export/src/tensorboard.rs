//! TensorBoard event files: `events.out.tfevents.<seconds>.<host>` in a
//! run's `tensorboard/` folder, each record framed as TFRecord (little-
//! endian length, its masked CRC-32C, the bytes, their masked CRC-32C) and
//! flushed as it is written, so `tensorboard --logdir` shows a run while it
//! trains. Scalars are `simple_value`s, images encoded PNGs, and the
//! HParams plugin's records the session start (each varied spec value) and
//! end that its dashboard compares runs by. [`projector_config`] is the
//! Embedding Projector's `projector_config.pbtxt`.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use prost::Message;

use crate::tensorboard_proto::*;

/// The HParams plugin's name, data version and record tags.
const HPARAMS_PLUGIN: &str = "hparams";
const SESSION_START_TAG: &str = "_hparams_/session_start_info";
const SESSION_END_TAG: &str = "_hparams_/session_end_info";

/// A hyperparameter's value, as the HParams dashboard shows it.
#[derive(Debug, Clone, PartialEq)]
pub enum HParam {
    Number(f64),
    Text(String),
    Bool(bool),
}

/// An open event file.
pub struct EventWriter {
    file: File,
    path: PathBuf,
}

impl EventWriter {
    /// Creates `dir` and an event file in it named for `wall_time`
    /// (seconds since the epoch) and `host`, starting with the file
    /// version record.
    pub fn create(dir: &Path, wall_time: f64, host: &str) -> std::io::Result<EventWriter> {
        std::fs::create_dir_all(dir)?;
        let host: String = host
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let path = dir.join(format!("events.out.tfevents.{}.{host}", wall_time as u64));
        let mut writer = EventWriter {
            file: File::create(&path)?,
            path,
        };
        writer.write(Event {
            wall_time,
            step: 0,
            what: Some(EventWhat::FileVersion("brain.Event:2".into())),
        })?;
        Ok(writer)
    }

    /// The file written to.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A scalar under `tag` at `step`.
    pub fn scalar(
        &mut self,
        tag: &str,
        step: usize,
        value: f64,
        wall_time: f64,
    ) -> std::io::Result<()> {
        self.summary(
            step,
            wall_time,
            SummaryValue {
                tag: tag.into(),
                metadata: None,
                value: Some(ValueKind::SimpleValue(value as f32)),
            },
        )
    }

    /// A PNG image under `tag` at `step` (its size read from the PNG).
    pub fn image(
        &mut self,
        tag: &str,
        step: usize,
        png: &[u8],
        wall_time: f64,
    ) -> std::io::Result<()> {
        let (width, height) = png_size(png).ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidData, "not a PNG image")
        })?;
        self.summary(
            step,
            wall_time,
            SummaryValue {
                tag: tag.into(),
                metadata: None,
                value: Some(ValueKind::Image(Image {
                    height: height as i32,
                    width: width as i32,
                    colorspace: 3,
                    encoded_image_string: png.to_vec(),
                })),
            },
        )
    }

    /// The HParams plugin's session start: this run's `hparams`, in the
    /// sweep `group` (its configuration, seeds together).
    pub fn session_start(
        &mut self,
        hparams: &[(String, HParam)],
        group: &str,
        wall_time: f64,
    ) -> std::io::Result<()> {
        let hparams = hparams
            .iter()
            .map(|(k, v)| {
                let kind = match v {
                    HParam::Number(x) => ProtobufKind::Number(*x),
                    HParam::Text(s) => ProtobufKind::String(s.clone()),
                    HParam::Bool(b) => ProtobufKind::Bool(*b),
                };
                (k.clone(), ProtobufValue { kind: Some(kind) })
            })
            .collect();
        let data = HParamsData::SessionStartInfo(SessionStartInfo {
            hparams,
            group_name: group.into(),
            start_time_secs: wall_time,
        });
        self.hparams_record(SESSION_START_TAG, data, wall_time)
    }

    /// The HParams plugin's session end.
    pub fn session_end(&mut self, success: bool, wall_time: f64) -> std::io::Result<()> {
        let data = HParamsData::SessionEndInfo(SessionEndInfo {
            status: if success { 1 } else { 2 },
            end_time_secs: wall_time,
        });
        self.hparams_record(SESSION_END_TAG, data, wall_time)
    }

    fn hparams_record(
        &mut self,
        tag: &str,
        data: HParamsData,
        wall_time: f64,
    ) -> std::io::Result<()> {
        let content = HParamsPluginData {
            version: 0,
            data: Some(data),
        }
        .encode_to_vec();
        self.summary(
            0,
            wall_time,
            SummaryValue {
                tag: tag.into(),
                metadata: Some(SummaryMetadata {
                    plugin_data: Some(PluginData {
                        plugin_name: HPARAMS_PLUGIN.into(),
                        content,
                    }),
                }),
                value: Some(ValueKind::Tensor(TensorProto {
                    dtype: 1,
                    tensor_shape: Some(TensorShapeProto {}),
                    float_val: vec![0.0],
                })),
            },
        )
    }

    fn summary(&mut self, step: usize, wall_time: f64, value: SummaryValue) -> std::io::Result<()> {
        self.write(Event {
            wall_time,
            step: step as i64,
            what: Some(EventWhat::Summary(Summary { value: vec![value] })),
        })
    }

    /// Appends `event` as one TFRecord and flushes it to the file.
    fn write(&mut self, event: Event) -> std::io::Result<()> {
        let data = event.encode_to_vec();
        let length = (data.len() as u64).to_le_bytes();
        let mut record = Vec::with_capacity(data.len() + 16);
        record.extend_from_slice(&length);
        record.extend_from_slice(&masked_crc(&length).to_le_bytes());
        record.extend_from_slice(&data);
        record.extend_from_slice(&masked_crc(&data).to_le_bytes());
        self.file.write_all(&record)?;
        self.file.flush()
    }
}

/// TFRecord's masked CRC-32C (Castagnoli) of `bytes`.
fn masked_crc(bytes: &[u8]) -> u32 {
    const CASTAGNOLI: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISCSI);
    let crc = CASTAGNOLI.checksum(bytes);
    (crc.rotate_right(15)).wrapping_add(0xa282_ead8)
}

/// A PNG's width and height, from its IHDR chunk.
fn png_size(png: &[u8]) -> Option<(u32, u32)> {
    if png.len() < 24 || &png[..8] != b"\x89PNG\r\n\x1a\n" || &png[12..16] != b"IHDR" {
        return None;
    }
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    Some((be(&png[16..20]), be(&png[20..24])))
}

/// The Embedding Projector's `projector_config.pbtxt` for one tensor of
/// codes (`tensor_path`, tab-separated rows) with `metadata_path` (one
/// label a row).
pub fn projector_config(name: &str, tensor_path: &str, metadata_path: &str) -> String {
    format!(
        "embeddings {{\n  tensor_name: \"{name}\"\n  tensor_path: \"{tensor_path}\"\n  metadata_path: \"{metadata_path}\"\n}}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32c_of_a_known_string_and_its_mask() {
        // CRC-32C("123456789") = 0xE3069283, the Castagnoli polynomial's
        // check value; masked (rotated right by 15, plus 0xa282ead8):
        // 0xC78AB0E5, computed by hand from TFRecord's definition
        let masked = 0xc78a_b0e5u32;
        assert_eq!(masked_crc(b"123456789"), masked);
    }
}
