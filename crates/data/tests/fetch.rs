//! Downloads against a local HTTP server on 127.0.0.1 that the test starts
//! and that serves the real MNIST files from `$MNIST_DIR` (no test reaches
//! the internet: the public mirrors are turned off). The server can answer
//! 404, send wrong bytes, drop the connection halfway through the first
//! request for a file, and count the requests for each path. Cases: a good
//! fetch; the first mirrors down and a later one used; a wrong checksum; a
//! dropped connection; two processes fetching at once; a cache folder that
//! cannot be written; no server at all.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use aelab_data::catalogue::{Dataset, STEMS};
use aelab_data::fetch::{self, FetchOptions, FetchProgress, FetchStage};
use aelab_data::{mnist, DataError};

/// The SHA-256 sums of the decompressed MNIST files, as published.
const MNIST_SHA256: [&str; 4] = [
    "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
];

/// What the server sends for `/bad/...`: a whole gzip file of other bytes.
const BAD_CONTENT: &[u8] = b"these are not the MNIST bytes you are looking for\n";

fn mnist_dir() -> PathBuf {
    let dir = std::env::var_os("MNIST_DIR")
        .filter(|d| !d.is_empty())
        .expect("MNIST_DIR must name the folder with the four MNIST .gz files (see .ci/run)");
    PathBuf::from(dir)
}

/// A tiny HTTP/1.1 server: one request per connection, `Connection: close`.
/// The first path segment picks the behaviour:
/// - `good`: the file from `$MNIST_DIR`;
/// - `missing`: 404;
/// - `bad`: 200 with a gzip of [`BAD_CONTENT`];
/// - `drop`: on the first request for a path, the full `Content-Length` but
///   only half the bytes, then the connection is closed; whole afterwards;
/// - `slow`: the file, after a 300 ms pause (so that two clients overlap).
struct Server {
    addr: SocketAddr,
    requests: Arc<Mutex<HashMap<String, usize>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    fn start() -> Server {
        let files = mnist_dir();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(HashMap::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (requests, stop) = (requests.clone(), stop.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let (requests, files) = (requests.clone(), files.clone());
                    std::thread::spawn(move || {
                        let _ = serve(stream, &files, &requests);
                    });
                }
            })
        };
        Server {
            addr,
            requests,
            stop,
            thread: Some(thread),
        }
    }

    /// The mirror URL of a behaviour.
    fn url(&self, behaviour: &str) -> String {
        format!("http://{}/{behaviour}/", self.addr)
    }

    /// How many requests `/<behaviour>/<file>` had.
    fn count(&self, behaviour: &str, file: &str) -> usize {
        let requests = self.requests.lock().unwrap();
        requests
            .get(&format!("/{behaviour}/{file}"))
            .copied()
            .unwrap_or(0)
    }

    fn total(&self) -> usize {
        self.requests.lock().unwrap().values().sum()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr); // wakes the accept loop
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(
    mut stream: TcpStream,
    files: &Path,
    requests: &Mutex<HashMap<String, usize>>,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header == "\r\n" {
            break;
        }
    }
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_string();
    let count = {
        let mut requests = requests.lock().unwrap();
        let n = requests.entry(path.clone()).or_insert(0);
        *n += 1;
        *n
    };
    let mut parts = path.trim_start_matches('/').splitn(2, '/');
    let (behaviour, name) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let body = match std::fs::read(files.join(name)) {
        Ok(bytes) if !name.is_empty() && !name.contains('/') && !name.contains("..") => bytes,
        _ => return respond(&mut stream, "404 Not Found", b"not found", None),
    };
    match behaviour {
        "good" => respond(&mut stream, "200 OK", &body, None),
        "slow" => {
            std::thread::sleep(Duration::from_millis(300));
            respond(&mut stream, "200 OK", &body, None)
        }
        "bad" => respond(&mut stream, "200 OK", &gzip(BAD_CONTENT), None),
        "drop" if count == 1 => respond(&mut stream, "200 OK", &body, Some(body.len() / 2)),
        "drop" => respond(&mut stream, "200 OK", &body, None),
        _ => respond(&mut stream, "404 Not Found", b"not found", None),
    }
}

/// Sends `body` with its full length announced, cut after `cut` bytes if
/// given (then the connection closes).
fn respond(
    stream: &mut TcpStream,
    status: &str,
    body: &[u8],
    cut: Option<usize>,
) -> std::io::Result<()> {
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(&body[..cut.unwrap_or(body.len())])?;
    stream.flush()?;
    stream.shutdown(std::net::Shutdown::Both)
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Only the mirrors given, fast retries.
fn options(mirrors: Vec<String>) -> FetchOptions {
    FetchOptions {
        mirrors,
        public_mirrors: false,
        attempts: 3,
        backoff: Duration::from_millis(10),
        connect_timeout: Duration::from_secs(5),
        read_timeout: Duration::from_secs(10),
    }
}

/// A URL on which nothing listens.
fn closed_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}/mnist/")
}

fn names(stem_suffix: &str) -> Vec<String> {
    STEMS.iter().map(|s| format!("{s}{stem_suffix}")).collect()
}

/// The names in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn four_files_and_the_lock() -> Vec<String> {
    let mut expected = names(".gz");
    expected.push(".lock".into());
    expected.sort();
    expected
}

#[test]
fn a_good_fetch_downloads_verifies_and_is_reused() {
    let server = Server::start();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cache").join("mnist");
    let mut events: Vec<FetchProgress> = Vec::new();
    let fetched = fetch::fetch(
        Dataset::Mnist,
        &dir,
        &options(vec![server.url("good")]),
        |p| events.push(p),
    )
    .unwrap();
    assert_eq!(fetched.downloaded.len(), 4);
    assert!(fetched.present.is_empty());
    assert_eq!(listing(&dir), four_files_and_the_lock());
    for name in names(".gz") {
        assert_eq!(server.count("good", &name), 1, "{name}");
        let size = std::fs::metadata(mnist_dir().join(&name)).unwrap().len();
        let of_file: Vec<&FetchProgress> = events.iter().filter(|e| e.file == name).collect();
        assert_eq!(of_file[0].stage, FetchStage::Started);
        assert_eq!(of_file[0].url, format!("{}{name}", server.url("good")));
        assert_eq!(of_file.last().unwrap().stage, FetchStage::Finished);
        let received = of_file
            .iter()
            .rfind(|e| e.stage == FetchStage::Receiving)
            .unwrap();
        assert_eq!((received.done, received.total), (size, Some(size)));
    }

    let data = mnist::load_dataset(Dataset::Mnist, &dir).unwrap();
    assert_eq!((data.train.len(), data.test.len()), (60_000, 10_000));
    assert_eq!(
        &data.train.labels.as_ref().unwrap()[..10],
        &[5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    );
    let sums: Vec<&str> = data.files.iter().map(|f| f.sha256.as_str()).collect();
    assert_eq!(sums, MNIST_SHA256);

    // Again: nothing to do, no request.
    let again = fetch::fetch(
        Dataset::Mnist,
        &dir,
        &options(vec![server.url("good")]),
        |_| {},
    )
    .unwrap();
    assert_eq!((again.downloaded.len(), again.present.len()), (0, 4));
    assert_eq!(server.total(), 4);

    // A cached file that no longer verifies is downloaded again.
    let labels = dir.join("t10k-labels-idx1-ubyte.gz");
    std::fs::write(&labels, gzip(b"damaged")).unwrap();
    let repaired = fetch::fetch(
        Dataset::Mnist,
        &dir,
        &options(vec![server.url("good")]),
        |_| {},
    )
    .unwrap();
    assert_eq!(repaired.downloaded, vec![labels.clone()]);
    assert_eq!(server.count("good", "t10k-labels-idx1-ubyte.gz"), 2);
    assert_eq!(listing(&dir), four_files_and_the_lock());
}

#[test]
fn mirrors_that_are_down_are_skipped_for_the_next() {
    let server = Server::start();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("mnist");
    let mirrors = vec![closed_port_url(), server.url("missing"), server.url("good")];
    let fetched = fetch::fetch(Dataset::Mnist, &dir, &options(mirrors), |_| {}).unwrap();
    assert_eq!(fetched.downloaded.len(), 4);
    for name in names(".gz") {
        // A 404 is not retried; the good mirror is asked once.
        assert_eq!(server.count("missing", &name), 1, "{name}");
        assert_eq!(server.count("good", &name), 1, "{name}");
    }
    assert_eq!(listing(&dir), four_files_and_the_lock());
}

#[test]
fn a_wrong_checksum_is_rejected_and_nothing_is_left() {
    let server = Server::start();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("mnist");
    let err = fetch::fetch(
        Dataset::Mnist,
        &dir,
        &options(vec![server.url("bad")]),
        |_| {},
    )
    .unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, DataError::Download { .. }), "{message}");
    let actual = sha256_hex(BAD_CONTENT);
    for needle in [
        "cannot download train-images-idx3-ubyte.gz",
        "train-images-idx3-ubyte.gz: wrong checksum",
        "SHA-256 of the decompressed file",
        MNIST_SHA256[0],
        &actual,
        "the download was deleted",
    ] {
        assert!(message.contains(needle), "{needle}:\n{message}");
    }
    // A wrong file is not retried from the same mirror.
    assert_eq!(server.count("bad", "train-images-idx3-ubyte.gz"), 1);
    assert_eq!(listing(&dir), vec![".lock"]);
}

#[test]
fn a_dropped_connection_is_retried_and_no_partial_file_is_visible() {
    let server = Server::start();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("mnist");
    let mut starts = HashMap::new();
    let mut partial_seen = Vec::new();
    let fetched = fetch::fetch(
        Dataset::Mnist,
        &dir,
        &options(vec![server.url("drop")]),
        |p| {
            if p.stage == FetchStage::Started {
                *starts.entry(p.file.clone()).or_insert(0) += 1;
            }
            // While bytes arrive, nothing is under the file's real name.
            if p.stage != FetchStage::Finished && dir.join(&p.file).exists() {
                partial_seen.push(p.file.clone());
            }
        },
    )
    .unwrap();
    assert!(partial_seen.is_empty(), "{partial_seen:?}");
    assert_eq!(fetched.downloaded.len(), 4);
    for name in names(".gz") {
        assert_eq!(server.count("drop", &name), 2, "{name}");
        assert_eq!(starts.get(&name), Some(&2), "{name}");
    }
    assert_eq!(listing(&dir), four_files_and_the_lock());
    mnist::load_dataset(Dataset::Mnist, &dir).unwrap();
}

/// Environment variables that turn [`child_fetch`] into a helper process.
const CHILD_DIR: &str = "AELAB_TEST_FETCH_CHILD_DIR";
const CHILD_MIRROR: &str = "AELAB_TEST_FETCH_CHILD_MIRROR";

/// Does nothing in a normal test run. Spawned by
/// `two_processes_fetching_at_once_download_each_file_once` with
/// [`CHILD_DIR`] set, it fetches into that folder and prints what it
/// downloaded.
#[test]
fn child_fetch() {
    let (Some(dir), Some(mirror)) = (
        std::env::var_os(CHILD_DIR),
        std::env::var(CHILD_MIRROR).ok(),
    ) else {
        return;
    };
    let fetched = fetch::fetch(
        Dataset::Mnist,
        Path::new(&dir),
        &options(vec![mirror]),
        |_| {},
    )
    .unwrap();
    println!(
        "CHILD downloaded={} present={}",
        fetched.downloaded.len(),
        fetched.present.len()
    );
}

#[test]
fn two_processes_fetching_at_once_download_each_file_once() {
    let server = Server::start();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("mnist");
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..2)
        .map(|_| {
            std::process::Command::new(&exe)
                .args(["child_fetch", "--exact", "--nocapture", "--test-threads=1"])
                .env(CHILD_DIR, &dir)
                .env(CHILD_MIRROR, server.url("slow"))
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut downloaded = 0;
    for child in children {
        let output = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        // libtest may print the test's name on the same line first.
        let report = stdout
            .lines()
            .find_map(|l| l.split("CHILD ").nth(1))
            .unwrap_or_else(|| panic!("no report from the child:\n{stdout}"));
        let numbers: Vec<usize> = report
            .split(' ')
            .filter_map(|kv| kv.split('=').nth(1)?.parse().ok())
            .collect();
        let [n, present] = numbers[..] else {
            panic!("{report}");
        };
        assert_eq!(n + present, 4, "{report}");
        downloaded += n;
    }
    assert_eq!(
        downloaded, 4,
        "one process downloads, the other finds the files"
    );
    for name in names(".gz") {
        assert_eq!(server.count("slow", &name), 1, "{name}");
    }
    assert_eq!(listing(&dir), four_files_and_the_lock());
}

#[test]
fn a_cache_folder_that_cannot_be_written_is_a_clear_error() {
    let server = Server::start();
    let tmp = tempfile::tempdir().unwrap();
    // Tests may run as root, for whom permissions do not stop writes: a
    // folder under a regular file, and /proc, cannot be written by anyone.
    let file = tmp.path().join("a-file");
    std::fs::write(&file, b"not a folder").unwrap();
    let mut dirs = vec![file.join("mnist")];
    if Path::new("/proc/self").is_dir() {
        dirs.push(PathBuf::from("/proc"));
    }
    for dir in dirs {
        let err = fetch::fetch(
            Dataset::Mnist,
            &dir,
            &options(vec![server.url("good")]),
            |_| {},
        )
        .unwrap_err();
        let message = err.to_string();
        assert!(
            matches!(err, DataError::CacheNotWritable { .. }),
            "{message}"
        );
        assert!(
            message.contains(&format!("cannot write to the data cache {}", dir.display()))
                && message.contains("AELAB_DATA")
                && message.contains("data.dir"),
            "{message}"
        );
    }
    assert_eq!(server.total(), 0);
}

#[test]
fn with_no_server_at_all_the_message_says_what_was_tried_and_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("mnist");
    let (first, second) = (closed_port_url(), closed_port_url());
    let mut opts = options(vec![first.clone(), second.clone()]);
    opts.attempts = 2;
    let err = fetch::fetch(Dataset::Mnist, &dir, &opts, |_| {}).unwrap_err();
    let message = err.to_string();
    let DataError::Download { ref tried, .. } = err else {
        panic!("{message}");
    };
    assert_eq!(tried.len(), 4, "{message}");
    for needle in [
        "cannot download train-images-idx3-ubyte.gz".to_string(),
        format!("{first}train-images-idx3-ubyte.gz (try 1)"),
        format!("{first}train-images-idx3-ubyte.gz (try 2)"),
        format!("{second}train-images-idx3-ubyte.gz (try 2)"),
        "SHA-256 of the decompressed file".into(),
        "data.dir".into(),
        "MNIST_DIR".into(),
        "AELAB_MIRROR".into(),
        dir.display().to_string(),
    ]
    .iter()
    .chain(names(".gz").iter())
    .chain(MNIST_SHA256.map(String::from).iter())
    {
        assert!(message.contains(needle.as_str()), "{needle}:\n{message}");
    }
    assert_eq!(listing(&dir), vec![".lock"]);
}

#[test]
fn a_local_folder_works_as_a_file_mirror_and_resolve_prefers_an_explicit_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("mnist");
    let mirror = format!("file://{}/", mnist_dir().display());
    let fetched = fetch::fetch(Dataset::Mnist, &dir, &options(vec![mirror]), |_| {}).unwrap();
    assert_eq!(fetched.downloaded.len(), 4);
    assert_eq!(listing(&dir), four_files_and_the_lock());

    // An explicit folder is used as it is: no fetch (there is no mirror).
    let explicit = mnist::resolve(Dataset::Kmnist, Some(&dir), &options(vec![]), |_| {});
    assert_eq!(explicit.unwrap(), dir);
    let err = mnist::resolve(
        Dataset::FashionMnist,
        Some(&tmp.path().join("nowhere")),
        &options(vec![]),
        |_| {},
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("Fashion-MNIST folder") && err.contains("nowhere") && err.contains("md5"),
        "{err}"
    );
}
