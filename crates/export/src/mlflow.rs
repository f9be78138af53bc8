//! Finished runs into an MLflow tracking server, over its REST API
//! (`/api/2.0/mlflow/...`): the experiment found by name or created, each
//! run created with its params, metric histories and tags in batches
//! within MLflow's limits, its files uploaded through the server's
//! artifact proxy (`mlflow-artifacts:/`, or a local artifact root), then
//! marked finished. A run carries the tag `aelab_key` (archive and run),
//! set last: a run already exported (found by that tag) is not exported
//! again, and a run an interrupted export left has no key, is marked
//! failed, and is exported again whole next time.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{json, Value};

use crate::ExportError;

/// MLflow's limits on one `log-batch` request.
const BATCH_PARAMS: usize = 100;
const BATCH_METRICS: usize = 1000;
const BATCH_TAGS: usize = 100;
/// MLflow's longest param value (MLflow 2.x).
const PARAM_VALUE_MAX: usize = 6000;
/// The tag that says which aelab run an MLflow run is.
pub const KEY_TAG: &str = "aelab_key";

/// One metric value at one step.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricPoint {
    pub key: String,
    pub value: f64,
    pub step: i64,
    pub timestamp_ms: i64,
}

/// What one aelab run becomes in MLflow.
#[derive(Debug, Clone, PartialEq)]
pub struct MlflowRun {
    pub name: String,
    /// The value of [`KEY_TAG`].
    pub key: String,
    pub start_ms: i64,
    pub end_ms: i64,
    pub finished: bool,
    pub params: Vec<(String, String)>,
    pub metrics: Vec<MetricPoint>,
    pub tags: Vec<(String, String)>,
    /// Files to upload: the artifact's path in the run, and the file.
    pub artifacts: Vec<(String, PathBuf)>,
}

/// What happened to one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exported {
    /// Created now, with this MLflow run id.
    Created(String),
    /// Exported before: its run id.
    AlreadyThere(String),
}

/// A tracking server at a base URI (`http://host:port`).
pub struct MlflowClient {
    agent: ureq::Agent,
    base: String,
}

impl MlflowClient {
    pub fn new(tracking_uri: &str) -> Result<MlflowClient, ExportError> {
        let base = tracking_uri.trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(ExportError::Tracking {
                uri: tracking_uri.into(),
                message: "not an http(s):// tracking server (MLflow's file store is in maintenance mode; start `mlflow server --backend-store-uri sqlite:///mlflow.db` for a local one)".into(),
            });
        }
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_per_read(Some(Duration::from_secs(120)))
            .user_agent(concat!("aelab/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Ok(MlflowClient { agent, base })
    }

    fn error(&self, message: String) -> ExportError {
        ExportError::Tracking {
            uri: self.base.clone(),
            message,
        }
    }

    /// `POST /api/2.0/mlflow/{endpoint}` with `body`; the JSON reply, or
    /// `Ok(None)` for a 404.
    fn call(&self, endpoint: &str, body: &Value) -> Result<Option<Value>, ExportError> {
        let url = format!("{}/api/2.0/mlflow/{endpoint}", self.base);
        let reply = self
            .agent
            .post(&url)
            .header("Content-Type", "application/json")
            .send(body.to_string())
            .map_err(|e| self.error(format!("{endpoint}: {e}")))?;
        self.reply(endpoint, reply)
    }

    fn reply(
        &self,
        endpoint: &str,
        mut reply: ureq::http::Response<ureq::Body>,
    ) -> Result<Option<Value>, ExportError> {
        let status = reply.status().as_u16();
        let text = reply.body_mut().read_to_string().unwrap_or_default();
        match status {
            200..=299 => Ok(Some(serde_json::from_str(&text).unwrap_or(Value::Null))),
            404 => Ok(None),
            _ => Err(self.error(format!("{endpoint}: HTTP {status}: {text}"))),
        }
    }

    /// The id of the experiment `name`, created if there is none.
    pub fn experiment_id(&self, name: &str) -> Result<String, ExportError> {
        let url = format!("{}/api/2.0/mlflow/experiments/get-by-name", self.base);
        let reply = self
            .agent
            .get(&url)
            .query("experiment_name", name)
            .call()
            .map_err(|e| self.error(format!("experiments/get-by-name: {e}")))?;
        if let Some(found) = self.reply("experiments/get-by-name", reply)? {
            if let Some(id) = found["experiment"]["experiment_id"].as_str() {
                return Ok(id.to_string());
            }
        }
        let created = self
            .call("experiments/create", &json!({ "name": name }))?
            .ok_or_else(|| self.error("experiments/create: 404".into()))?;
        created["experiment_id"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| self.error(format!("experiments/create: no id in {created}")))
    }

    /// The run of `experiment` tagged with `key`, if any.
    fn find(&self, experiment: &str, key: &str) -> Result<Option<String>, ExportError> {
        let found = self.call(
            "runs/search",
            &json!({
                "experiment_ids": [experiment],
                "filter": format!("tags.{KEY_TAG} = '{}'", key.replace('\'', "\\'")),
                "max_results": 1,
            }),
        )?;
        Ok(found.and_then(|f| f["runs"][0]["info"]["run_id"].as_str().map(str::to_string)))
    }

    /// Exports `run` into `experiment` unless it is there already.
    pub fn export(&self, experiment: &str, run: &MlflowRun) -> Result<Exported, ExportError> {
        if let Some(id) = self.find(experiment, &run.key)? {
            return Ok(Exported::AlreadyThere(id));
        }
        let created = self
            .call(
                "runs/create",
                &json!({
                    "experiment_id": experiment,
                    "run_name": run.name,
                    "start_time": run.start_ms,
                    "tags": [{ "key": "mlflow.runName", "value": run.name }],
                }),
            )?
            .ok_or_else(|| self.error("runs/create: 404".into()))?;
        let info = &created["run"]["info"];
        let id = info["run_id"]
            .as_str()
            .ok_or_else(|| self.error(format!("runs/create: no run id in {created}")))?
            .to_string();
        let artifact_uri = info["artifact_uri"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        match self.fill(&id, &artifact_uri, run) {
            Ok(()) => Ok(Exported::Created(id)),
            Err(e) => {
                // left without its key: the next export makes it again
                let _ = self.call(
                    "runs/update",
                    &json!({ "run_id": id, "status": "FAILED", "end_time": run.end_ms }),
                );
                Err(e)
            }
        }
    }

    fn fill(&self, id: &str, artifact_uri: &str, run: &MlflowRun) -> Result<(), ExportError> {
        let params: Vec<Value> = run
            .params
            .iter()
            .map(|(k, v)| {
                let mut value = v.clone();
                if value.len() > PARAM_VALUE_MAX {
                    let mut end = PARAM_VALUE_MAX - 3;
                    while !value.is_char_boundary(end) {
                        end -= 1;
                    }
                    value.truncate(end);
                    value.push_str("...");
                }
                json!({ "key": k, "value": value })
            })
            .collect();
        let metrics: Vec<Value> = run
            .metrics
            .iter()
            .filter(|m| m.value.is_finite())
            .map(|m| json!({ "key": m.key, "value": m.value, "step": m.step, "timestamp": m.timestamp_ms }))
            .collect();
        let tags: Vec<Value> = run
            .tags
            .iter()
            .map(|(k, v)| json!({ "key": k, "value": v }))
            .collect();
        for chunk in params.chunks(BATCH_PARAMS) {
            self.call("runs/log-batch", &json!({ "run_id": id, "params": chunk }))?;
        }
        for chunk in metrics.chunks(BATCH_METRICS) {
            self.call("runs/log-batch", &json!({ "run_id": id, "metrics": chunk }))?;
        }
        for chunk in tags.chunks(BATCH_TAGS) {
            self.call("runs/log-batch", &json!({ "run_id": id, "tags": chunk }))?;
        }
        for (path, file) in &run.artifacts {
            self.upload(artifact_uri, path, file)?;
        }
        self.call(
            "runs/update",
            &json!({
                "run_id": id,
                "status": if run.finished { "FINISHED" } else { "FAILED" },
                "end_time": run.end_ms,
            }),
        )?;
        self.call(
            "runs/set-tag",
            &json!({ "run_id": id, "key": KEY_TAG, "value": run.key }),
        )?;
        Ok(())
    }

    /// Uploads `file` as the run's artifact `path`: through the server's
    /// proxy for `mlflow-artifacts:/` roots, by copying for a local root.
    fn upload(
        &self,
        artifact_uri: &str,
        path: &str,
        file: &std::path::Path,
    ) -> Result<(), ExportError> {
        let bytes = std::fs::read(file)
            .map_err(|e| self.error(format!("cannot read {}: {e}", file.display())))?;
        if let Some(rest) = artifact_uri.strip_prefix("mlflow-artifacts:/") {
            let url = format!(
                "{}/api/2.0/mlflow-artifacts/artifacts/{}/{path}",
                self.base,
                rest.trim_start_matches('/')
            );
            let reply = self
                .agent
                .put(&url)
                .send(&bytes[..])
                .map_err(|e| self.error(format!("artifact {path}: {e}")))?;
            self.reply("mlflow-artifacts", reply)?.ok_or_else(|| {
                self.error(format!(
                    "artifact {path}: 404 (does the server serve artifacts?)"
                ))
            })?;
            return Ok(());
        }
        let local = artifact_uri.strip_prefix("file://").unwrap_or(artifact_uri);
        if !local.starts_with('/') {
            return Err(self.error(format!(
                "artifact root {artifact_uri} is neither the server's proxy (mlflow-artifacts:/) nor a local folder"
            )));
        }
        let target = std::path::Path::new(local).join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| self.error(format!("cannot create {}: {e}", parent.display())))?;
        }
        std::fs::write(&target, bytes)
            .map_err(|e| self.error(format!("cannot write {}: {e}", target.display())))
    }
}
