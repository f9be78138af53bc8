//! Downloading a data set's four files into a local cache.
//!
//! [`fetch`] makes sure a folder holds the four files of a [`Dataset`],
//! each verified against its published checksum ([`Checksum`]). Files
//! already there and verified are kept; a missing one is downloaded from a
//! list of mirrors tried in order: the caller's own (from `--mirror` or
//! [`MIRROR_ENV`], see [`mirrors_from_env`]) first, then the public ones
//! torchvision uses ([`Dataset::mirrors`]). Each URL is tried
//! [`FetchOptions::attempts`] times, waiting [`FetchOptions::backoff`] before
//! the second try and twice as long before each further one.
//!
//! Nothing unverified is ever visible under a file's real name: a download
//! streams into a hidden temporary file in the same folder
//! (`.NAME.PID.part`), is verified, flushed to disk and only then renamed.
//! A download with the wrong checksum is deleted. A lock on `.lock` in the
//! folder makes concurrent processes take turns: the second one waits, then
//! finds the files the first downloaded and verifies them instead of
//! downloading them again.
//!
//! Where the cache is: [`cache_root`] (`$AELAB_DATA`, else
//! `$XDG_CACHE_HOME/aelab`, else `$HOME/.cache/aelab`), one folder per data
//! set ([`cache_dir`]). [`crate::mnist::resolve`] decides between an explicit
//! folder, `MNIST_DIR` and the cache.
//!
//! Progress goes to a callback ([`FetchProgress`]) so that the command line
//! can draw a bar; this crate draws nothing.

use std::ffi::OsString;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::catalogue::{Dataset, RemoteFile};
use crate::DataError;

/// Environment variable naming the cache root (the data sets go in
/// subfolders named after them).
pub const DATA_ENV: &str = "AELAB_DATA";

/// Environment variable with mirrors to try before the public ones: one URL
/// of a folder holding the files, or several separated by spaces or commas.
/// `http://`, `https://` and `file://` URLs work.
pub const MIRROR_ENV: &str = "AELAB_MIRROR";

/// Environment variable that, set to `0`, keeps downloads to the mirrors of
/// [`MIRROR_ENV`] (an air-gapped site with its own mirror, or tests).
pub const PUBLIC_MIRRORS_ENV: &str = "AELAB_PUBLIC_MIRRORS";

/// The lock file in a data set's cache folder.
pub const LOCK_FILE: &str = ".lock";

/// No published file is near this size; a mirror sending more is refused
/// rather than allowed to fill the disk.
const MAX_FILE_BYTES: u64 = 256 << 20;

/// How to download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchOptions {
    /// Mirrors (URLs of folders holding the files) tried before the public
    /// ones, in order: `--mirror` and [`mirrors_from_env`].
    pub mirrors: Vec<String>,
    /// Whether the public mirrors ([`Dataset::mirrors`]) follow `mirrors`.
    pub public_mirrors: bool,
    /// Tries per URL (at least 1) before the next mirror.
    pub attempts: u32,
    /// The wait before a URL's second try; doubled before each further try.
    pub backoff: Duration,
    /// The longest wait to connect to a server.
    pub connect_timeout: Duration,
    /// The longest wait for any one read (a stalled transfer is retried).
    pub read_timeout: Duration,
}

impl Default for FetchOptions {
    /// No mirrors of one's own, the public ones, 3 tries per URL 1 s and 2 s
    /// apart, 30 s to connect, 60 s for any read.
    fn default() -> Self {
        FetchOptions {
            mirrors: Vec::new(),
            public_mirrors: true,
            attempts: 3,
            backoff: Duration::from_secs(1),
            connect_timeout: Duration::from_secs(30),
            read_timeout: Duration::from_secs(60),
        }
    }
}

impl FetchOptions {
    /// The defaults, with the mirrors of [`MIRROR_ENV`] first, and no
    /// public mirrors if [`PUBLIC_MIRRORS_ENV`] is `0`.
    pub fn from_env() -> Self {
        FetchOptions {
            mirrors: mirrors_from_env(),
            public_mirrors: std::env::var(PUBLIC_MIRRORS_ENV).map_or(true, |v| v.trim() != "0"),
            ..FetchOptions::default()
        }
    }

    /// The URLs to try for `dataset`, in order.
    pub fn mirror_list(&self, dataset: Dataset) -> Vec<String> {
        let public = dataset.mirrors().iter().map(|m| m.to_string());
        let mut list: Vec<String> = self.mirrors.clone();
        if self.public_mirrors {
            list.extend(public);
        }
        list
    }
}

/// The mirrors listed in [`MIRROR_ENV`], in order (none if it is unset).
pub fn mirrors_from_env() -> Vec<String> {
    std::env::var(MIRROR_ENV)
        .map(|text| split_mirrors(&text))
        .unwrap_or_default()
}

/// Splits a mirror list on spaces and commas.
pub fn split_mirrors(text: &str) -> Vec<String> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// What a download is doing, for a progress bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchProgress {
    /// The file's name, e.g. `train-images-idx3-ubyte.gz`.
    pub file: String,
    /// Where it is coming from.
    pub url: String,
    /// Bytes received so far in this try.
    pub done: u64,
    /// The file's size, when the server says it.
    pub total: Option<u64>,
    pub stage: FetchStage,
}

/// The stages [`FetchProgress`] reports, in order for each file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchStage {
    /// A try began (`done` is 0). A retry starts again from 0.
    Started,
    /// Bytes arrived.
    Receiving,
    /// The file was verified and is in place under its real name.
    Finished,
}

/// What [`fetch`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The folder holding the four files.
    pub dir: PathBuf,
    /// Files this call downloaded.
    pub downloaded: Vec<PathBuf>,
    /// Files that were already there (and verified).
    pub present: Vec<PathBuf>,
}

/// The cache root: `$AELAB_DATA`, else `$XDG_CACHE_HOME/aelab`, else
/// `$HOME/.cache/aelab` (on Windows, without `HOME`, `%LOCALAPPDATA%\aelab`).
pub fn cache_root() -> Result<PathBuf, DataError> {
    cache_root_from(|name| std::env::var_os(name)).ok_or_else(|| {
        DataError::NotFound(format!(
            "no folder for the data cache: none of {DATA_ENV}, XDG_CACHE_HOME or HOME is set; \
             set {DATA_ENV} to a writable folder"
        ))
    })
}

/// [`cache_root`] with the environment read through `var` (empty values
/// count as unset).
pub fn cache_root_from(var: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    let get = |name: &str| var(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    get(DATA_ENV)
        .or_else(|| get("XDG_CACHE_HOME").map(|d| d.join("aelab")))
        .or_else(|| get("HOME").map(|d| d.join(".cache").join("aelab")))
        .or_else(|| get("LOCALAPPDATA").map(|d| d.join("aelab")))
}

/// The cache folder of `dataset`: [`cache_root`] / its name.
pub fn cache_dir(dataset: Dataset) -> Result<PathBuf, DataError> {
    Ok(cache_root()?.join(dataset.name()))
}

/// Makes sure `dir` holds the four files of `dataset`, verified, downloading
/// what is missing or fails verification (see the module documentation).
/// `progress` hears about every download.
///
/// Errors: [`DataError::CacheNotWritable`] if `dir` cannot be created or
/// written; [`DataError::Download`] if every mirror fails for a file (it lists
/// each URL tried and why, the files needed with their checksums and how to
/// point aelab at a folder instead).
pub fn fetch(
    dataset: Dataset,
    dir: &Path,
    options: &FetchOptions,
    mut progress: impl FnMut(FetchProgress),
) -> Result<Fetched, DataError> {
    // Without a lock first: a complete cache needs no writing, so it may be
    // read-only.
    let mut present = Vec::new();
    let mut missing = Vec::new();
    for file in dataset.files() {
        let path = dir.join(file.file_name());
        if path.is_file() && verified(file, &path) {
            present.push(path);
        } else {
            missing.push(file);
        }
    }
    if missing.is_empty() {
        return Ok(Fetched {
            dir: dir.to_path_buf(),
            downloaded: Vec::new(),
            present,
        });
    }

    let not_writable = |error| DataError::CacheNotWritable {
        dir: dir.to_path_buf(),
        error,
    };
    std::fs::create_dir_all(dir).map_err(not_writable)?;
    let lock_path = dir.join(LOCK_FILE);
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(not_writable)?;
    if lock.try_lock().is_err() {
        tracing::info!(
            "waiting for another aelab process to finish downloading into {}",
            dir.display()
        );
        lock.lock().map_err(|e| DataError::io(&lock_path, e))?;
    }
    remove_stale_parts(dataset, dir);

    let agent = agent(options);
    let mirrors = options.mirror_list(dataset);
    let mut downloaded = Vec::new();
    for file in missing {
        let path = dir.join(file.file_name());
        if path.is_file() {
            if verified(file, &path) {
                tracing::info!(
                    "{} is there already (fetched by another process)",
                    path.display()
                );
                present.push(path);
                continue;
            }
            tracing::warn!(
                "{} fails verification; downloading it again",
                path.display()
            );
            std::fs::remove_file(&path).map_err(not_writable)?;
        }
        download_file(&agent, dataset, file, dir, &mirrors, options, &mut progress)?;
        downloaded.push(path);
    }
    // The lock is released when `lock` is dropped (closed).
    drop(lock);
    Ok(Fetched {
        dir: dir.to_path_buf(),
        downloaded,
        present,
    })
}

fn verified(file: &RemoteFile, path: &Path) -> bool {
    match file.checksum.verify(path) {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!("{e}");
            false
        }
    }
}

/// Removes temporary files a killed process left behind (we hold the lock,
/// so no other process is writing them).
fn remove_stale_parts(dataset: Dataset, dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let stale = name.ends_with(".part")
            && dataset
                .files()
                .iter()
                .any(|f| name.starts_with(&format!(".{}.", f.file_name())));
        if stale {
            tracing::debug!("removing the stale temporary file {name}");
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn agent(options: &FetchOptions) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(options.connect_timeout))
        .timeout_per_read(Some(options.read_timeout))
        .user_agent(concat!("aelab/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// Why one try failed.
enum TryError {
    /// Worth trying the same URL again (network trouble, 5xx, 429).
    Retry(String),
    /// Not worth retrying this URL (404, a wrong checksum): next mirror.
    NextMirror(String),
    /// The cache cannot be written: no mirror will help.
    Cache(DataError),
}

fn download_file(
    agent: &ureq::Agent,
    dataset: Dataset,
    file: &RemoteFile,
    dir: &Path,
    mirrors: &[String],
    options: &FetchOptions,
    progress: &mut dyn FnMut(FetchProgress),
) -> Result<(), DataError> {
    let name = file.file_name();
    let path = dir.join(&name);
    let part = dir.join(format!(".{name}.{}.part", std::process::id()));
    let mut tried = Vec::new();
    for mirror in mirrors {
        let url = join_url(mirror, &name);
        for attempt in 1..=options.attempts.max(1) {
            if attempt > 1 {
                let wait = options.backoff.saturating_mul(1 << (attempt - 2).min(16));
                tracing::info!("retrying {url} in {:.1} s", wait.as_secs_f64());
                std::thread::sleep(wait);
            }
            tracing::info!("downloading {url}");
            let result = download_once(agent, &url, &name, &part, dir, progress)
                .and_then(|()| check(file, &part));
            let failure = match result {
                Ok(()) => {
                    install(&part, &path, dir)?;
                    progress(FetchProgress {
                        file: name.clone(),
                        url: url.clone(),
                        done: std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0),
                        total: None,
                        stage: FetchStage::Finished,
                    });
                    tracing::info!("{} verified and saved", path.display());
                    return Ok(());
                }
                Err(failure) => failure,
            };
            let _ = std::fs::remove_file(&part);
            match failure {
                TryError::Retry(why) => {
                    tracing::warn!("{url} (try {attempt}): {why}");
                    tried.push(format!("  {url} (try {attempt}): {why}"));
                }
                TryError::NextMirror(why) => {
                    tracing::warn!("{url}: {why}");
                    tried.push(format!("  {url}: {why}"));
                    break;
                }
                TryError::Cache(e) => return Err(e),
            }
        }
    }
    if mirrors.is_empty() {
        tried.push("  (no mirrors: the public ones are turned off and none was given)".into());
    }
    Err(DataError::Download {
        file: name,
        tried,
        help: help(dataset, dir),
    })
}

/// `mirror` and `name`, with one `/` between.
fn join_url(mirror: &str, name: &str) -> String {
    format!("{}/{name}", mirror.trim_end_matches('/'))
}

/// One try: streams `url` into `part`.
fn download_once(
    agent: &ureq::Agent,
    url: &str,
    name: &str,
    part: &Path,
    dir: &Path,
    progress: &mut dyn FnMut(FetchProgress),
) -> Result<(), TryError> {
    let (mut reader, total): (Box<dyn Read>, Option<u64>) =
        if let Some(local) = url.strip_prefix("file://") {
            let file = File::open(local).map_err(|e| TryError::NextMirror(e.to_string()))?;
            let total = file.metadata().ok().map(|m| m.len());
            (Box::new(file), total)
        } else {
            let response = agent.get(url).call().map_err(classify)?;
            let status = response.status();
            if !status.is_success() {
                let why = format!("HTTP {status}");
                let code = status.as_u16();
                return Err(if code == 408 || code == 429 || status.is_server_error() {
                    TryError::Retry(why)
                } else {
                    TryError::NextMirror(why)
                });
            }
            let total = response.body().content_length();
            (Box::new(response.into_body().into_reader()), total)
        };
    if let Some(total) = total.filter(|&t| t > MAX_FILE_BYTES) {
        return Err(TryError::NextMirror(format!(
            "the server announces {total} bytes, more than any published file"
        )));
    }
    let mut out = File::create(part).map_err(|error| {
        TryError::Cache(DataError::CacheNotWritable {
            dir: dir.to_path_buf(),
            error,
        })
    })?;
    let mut report = |done, stage| {
        progress(FetchProgress {
            file: name.to_string(),
            url: url.to_string(),
            done,
            total,
            stage,
        })
    };
    report(0, FetchStage::Started);
    let mut buf = vec![0u8; 64 << 10];
    let mut done = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(TryError::Retry(format!(
                    "the transfer broke off after {done} bytes: {e}"
                )))
            }
        };
        out.write_all(&buf[..n]).map_err(|e| cache_error(part, e))?;
        done += n as u64;
        if done > MAX_FILE_BYTES {
            return Err(TryError::NextMirror(format!(
                "more than {MAX_FILE_BYTES} bytes, more than any published file"
            )));
        }
        report(done, FetchStage::Receiving);
    }
    if let Some(total) = total.filter(|&t| t != done) {
        return Err(TryError::Retry(format!(
            "the transfer ended after {done} of {total} bytes"
        )));
    }
    out.sync_all().map_err(|e| cache_error(part, e))?;
    Ok(())
}

fn cache_error(part: &Path, e: std::io::Error) -> TryError {
    TryError::Cache(DataError::io(part, e))
}

fn classify(e: ureq::Error) -> TryError {
    use ureq::Error as E;
    let why = e.to_string();
    match e {
        E::BadUri(_)
        | E::Http(_)
        | E::InvalidProxyUrl
        | E::TooManyRedirects
        | E::RedirectFailed => TryError::NextMirror(why),
        _ => TryError::Retry(why),
    }
}

/// Verifies `part`, the finished download of `file`.
fn check(file: &RemoteFile, part: &Path) -> Result<(), TryError> {
    match file.checksum.compute(part) {
        Ok(actual) if actual == file.checksum.expected() => Ok(()),
        Ok(actual) => Err(TryError::NextMirror(
            DataError::Checksum {
                path: PathBuf::from(file.file_name()),
                algorithm: file.checksum.algorithm(),
                expected: file.checksum.expected().to_string(),
                actual,
            }
            .to_string()
                + "; the download was deleted",
        )),
        Err(DataError::Gzip { source, .. }) => Err(TryError::NextMirror(format!(
            "{}: not a whole gzip file ({source}); the download was deleted",
            file.file_name()
        ))),
        Err(e) => Err(TryError::Cache(e)),
    }
}

/// Renames the verified `part` to `path` and makes the rename durable.
fn install(part: &Path, path: &Path, dir: &Path) -> Result<(), DataError> {
    std::fs::rename(part, path).map_err(|error| DataError::CacheNotWritable {
        dir: dir.to_path_buf(),
        error,
    })?;
    // The folder's entry must reach the disk too; not every platform lets a
    // folder be opened and synced, and the file itself is already synced.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// What to tell someone whose download failed: the files needed, their
/// checksums and the ways to supply them.
pub fn help(dataset: Dataset, dir: &Path) -> String {
    let files: Vec<String> = dataset
        .files()
        .iter()
        .map(|f| format!("  {:<28} {}", f.file_name(), f.checksum.expected()))
        .collect();
    let algorithm = dataset.files()[0].checksum.algorithm();
    let env = if dataset == Dataset::Mnist {
        " or MNIST_DIR"
    } else {
        ""
    };
    format!(
        "{} needs these files, checked against the {algorithm}:\n{}\n\
         If you have them, put them in a folder and set data.dir in the spec{env} to it, \
         or copy them into {}. To download from another mirror, pass --mirror URL or set \
         {MIRROR_ENV}=URL (a URL of a folder holding the files: http://, https:// or file://).",
        dataset.title(),
        files.join("\n"),
        dir.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn cache_root_prefers_aelab_data_then_xdg_then_home() {
        let all = [
            ("AELAB_DATA", "/d"),
            ("XDG_CACHE_HOME", "/x"),
            ("HOME", "/h"),
        ];
        assert_eq!(cache_root_from(env(&all)), Some(PathBuf::from("/d")));
        assert_eq!(
            cache_root_from(env(&[
                ("AELAB_DATA", ""),
                ("XDG_CACHE_HOME", "/x"),
                ("HOME", "/h")
            ])),
            Some(PathBuf::from("/x/aelab"))
        );
        assert_eq!(
            cache_root_from(env(&[("HOME", "/h")])),
            Some(PathBuf::from("/h/.cache/aelab"))
        );
        assert_eq!(cache_root_from(env(&[])), None);
    }

    #[test]
    fn mirror_lists() {
        assert_eq!(
            split_mirrors(" http://a/x/, https://b/y  file:///c "),
            vec!["http://a/x/", "https://b/y", "file:///c"]
        );
        assert!(split_mirrors("  ").is_empty());
        assert_eq!(join_url("http://a/x/", "f.gz"), "http://a/x/f.gz");
        assert_eq!(join_url("http://a/x", "f.gz"), "http://a/x/f.gz");
        let options = FetchOptions {
            mirrors: vec!["http://local/".into()],
            ..FetchOptions::default()
        };
        assert_eq!(
            options.mirror_list(Dataset::Mnist),
            vec![
                "http://local/",
                "http://yann.lecun.com/exdb/mnist/",
                "https://ossci-datasets.s3.amazonaws.com/mnist/"
            ]
        );
        let own_only = FetchOptions {
            public_mirrors: false,
            ..options
        };
        assert_eq!(own_only.mirror_list(Dataset::Kmnist), vec!["http://local/"]);
    }

    #[test]
    fn help_lists_files_sums_and_ways_out() {
        let text = help(Dataset::FashionMnist, Path::new("/cache/fashion-mnist"));
        for needle in [
            "Fashion-MNIST",
            "train-images-idx3-ubyte.gz",
            "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
            "MD5 of the .gz file",
            "data.dir",
            "/cache/fashion-mnist",
            "AELAB_MIRROR",
        ] {
            assert!(text.contains(needle), "{needle}: {text}");
        }
        assert!(!text.contains("MNIST_DIR"), "{text}");
        assert!(help(Dataset::Mnist, Path::new("/c")).contains("MNIST_DIR"));
    }
}
