//! Reading a data file whole, gunzipping it when it is gzipped, and
//! fingerprinting the decompressed bytes.

use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::DataError;

/// A data file's decompressed bytes and their SHA-256, which the archive
/// records so a result can be tied to the exact data it came from whatever
/// the compression.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
    pub sha256: String,
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

impl SourceFile {
    /// Reads `path`; a gzip stream (recognised by its magic bytes, not the
    /// file name) is decompressed.
    pub fn read(path: &Path) -> Result<Self, DataError> {
        let raw = std::fs::read(path).map_err(|e| DataError::io(path, e))?;
        let bytes = if raw.starts_with(&GZIP_MAGIC) {
            let mut out = Vec::with_capacity(raw.len() * 4);
            flate2::read::GzDecoder::new(raw.as_slice())
                .read_to_end(&mut out)
                .map_err(|source| DataError::Gzip {
                    path: path.to_path_buf(),
                    source,
                })?;
            out
        } else {
            raw
        };
        Ok(Self::from_bytes(path, bytes))
    }

    /// Wraps bytes already in memory (tests, fuzzing).
    pub fn from_bytes(path: &Path, bytes: Vec<u8>) -> Self {
        let sha256 = sha256_hex(&bytes);
        SourceFile {
            path: path.to_path_buf(),
            bytes,
            sha256,
        }
    }
}

/// Lower-case hexadecimal SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lower-case hexadecimal text of a digest.
pub(crate) fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn gzip_and_raw_give_the_same_bytes_and_checksum() {
        let dir = std::env::temp_dir().join(format!("aelab-src-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let raw_path = dir.join("raw");
        let gz_path = dir.join("raw.gz");
        std::fs::write(&raw_path, b"hello digits").unwrap();
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(b"hello digits").unwrap();
        std::fs::write(&gz_path, enc.finish().unwrap()).unwrap();

        let a = SourceFile::read(&raw_path).unwrap();
        let b = SourceFile::read(&gz_path).unwrap();
        assert_eq!(a.bytes, b.bytes);
        assert_eq!(a.sha256, b.sha256);
        assert_eq!(a.sha256, sha256_hex(b"hello digits"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn cut_off_gzip_is_an_error_naming_the_file() {
        let dir = std::env::temp_dir().join(format!("aelab-gz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("cut.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&[7u8; 4096]).unwrap();
        let full = enc.finish().unwrap();
        std::fs::write(&path, &full[..full.len() / 2]).unwrap();
        let err = SourceFile::read(&path).unwrap_err().to_string();
        assert!(err.contains("cut.gz") && err.contains("gzip"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
