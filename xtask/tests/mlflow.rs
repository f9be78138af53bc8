//! `cargo xtask export mlflow` into a real `mlflow server` (SQLite backend,
//! its artifact proxy) started here on 127.0.0.1, read back with the
//! `mlflow` client's `search_runs`, `get_metric_history` and
//! `list_artifacts`; exporting twice adds nothing; an unreachable server is
//! a clear error.
//!
//! MLflow comes from the Python at `$AELAB_PYTHON` (default `python3`;
//! `.ci/run` makes a venv with it). Without it the test says SKIPPED, and
//! fails under `CI=true`.

mod common;

use common::{python, python_has, run_reference};

use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SPEC: &str = r#"
name = "mlf"
seed = 8
[data]
dir = "MNIST"
limit = 600
validation = 100
[train]
epochs = 2
batch_size = 50
optimizer = "adam"
[eval]
detail = "light"
tsne = { points = 0 }
[sweep]
"train.lr" = [0.001, 0.004]
"#;

/// The server, stopped when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Whether `GET /health` answers 200.
fn healthy(port: u16) -> bool {
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    if stream
        .write_all(b"GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut reply = String::new();
    let _ = stream.read_to_string(&mut reply);
    reply.starts_with("HTTP/1.") && reply.contains(" 200 ")
}

#[test]
fn an_archive_exports_into_an_mlflow_server_once() {
    if !python_has("mlflow.server, flask, sqlalchemy", false) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (_, archive) = common::run_to_archive(tmp.path(), "mlf", SPEC);

    // An unreachable server: a clear error, exit code 1.
    let refused = common::xtask()
        .args([
            "export",
            "mlflow",
            archive.to_str().unwrap(),
            "--tracking-uri",
            "http://127.0.0.1:9",
        ])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("MLflow tracking server http://127.0.0.1:9"),
        "{stderr}"
    );

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let store = tmp.path().join("mlflow");
    std::fs::create_dir_all(&store).unwrap();
    let _server = Server(
        Command::new(python())
            .args([
                "-m",
                "mlflow",
                "server",
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
            ])
            .arg("--backend-store-uri")
            .arg(format!("sqlite:///{}", store.join("mlflow.db").display()))
            .arg("--artifacts-destination")
            .arg(store.join("artifacts"))
            .current_dir(&store)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let started = Instant::now();
    while !healthy(port) {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "mlflow server did not start"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    let uri = format!("http://127.0.0.1:{port}");
    let export = || {
        let out = common::xtask()
            .args([
                "export",
                "mlflow",
                archive.to_str().unwrap(),
                "--tracking-uri",
                &uri,
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let first = export();
    assert_eq!(
        first.matches("exported as MLflow run").count(),
        2,
        "{first}"
    );
    let second = export();
    assert_eq!(second.matches("already there").count(), 2, "{second}");

    let printed = run_reference("mlflow_check.py", &[uri.as_ref(), "mlf".as_ref()]);
    let runs: serde_json::Value = serde_json::from_str(&printed).unwrap();
    let runs = runs.as_array().unwrap();
    assert_eq!(runs.len(), 2, "exported once: {runs:?}");
    for (run, lr) in runs.iter().zip(["0.001", "0.004"]) {
        let name = run["name"].as_str().unwrap();
        let summary = common::json(&archive.join("runs").join(name).join("summary.json"));
        assert_eq!(run["status"], "FINISHED");
        assert_eq!(run["params"]["train.lr"], lr, "{run}");
        assert_eq!(run["params"]["model.layers"], "[100, 30]");
        assert_eq!(run["tags"]["seed"], "8");
        assert_eq!(run["tags"]["identity"], summary["identity"]);
        assert!(run["tags"]["git_revision"]
            .as_str()
            .is_some_and(|r| !r.is_empty()));
        assert!(run["tags"]
            .as_object()
            .unwrap()
            .keys()
            .any(|k| k.starts_with("data_sha256.")));
        assert_eq!(run["val_loss_steps"], serde_json::json!([1, 2]));
        let test_mse = run["metrics"]["test_mse"].as_f64().unwrap();
        assert!((test_mse - summary["test_mse"].as_f64().unwrap()).abs() < 1e-9);
        let artifacts: Vec<&str> = run["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        for file in [
            "summary.json",
            "config.toml",
            "weights.safetensors",
            "archive/report.html",
        ] {
            assert!(artifacts.contains(&file), "{name}: {file} in {artifacts:?}");
        }
    }
}
