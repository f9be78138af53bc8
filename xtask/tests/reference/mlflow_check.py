"""Reads an experiment back with the mlflow client, for
`xtask/tests/mlflow.rs`, and prints JSON: each run's name, status, params,
tags, the steps of its `val_loss` history and its artifacts' paths.

    python mlflow_check.py TRACKING_URI EXPERIMENT
"""

import json
import sys

from mlflow.tracking import MlflowClient

uri, name = sys.argv[1], sys.argv[2]
client = MlflowClient(tracking_uri=uri)
experiment = client.get_experiment_by_name(name)
runs = client.search_runs([experiment.experiment_id], max_results=1000)
out = []
for run in runs:
    history = client.get_metric_history(run.info.run_id, "val_loss")
    artifacts = [a.path for a in client.list_artifacts(run.info.run_id)]
    artifacts += [a.path for a in client.list_artifacts(run.info.run_id, "archive")]
    out.append({
        "name": run.info.run_name,
        "status": run.info.status,
        "params": run.data.params,
        "tags": {k: v for k, v in run.data.tags.items() if not k.startswith("mlflow.")},
        "metrics": run.data.metrics,
        "val_loss_steps": sorted(m.step for m in history),
        "artifacts": sorted(artifacts),
    })
print(json.dumps(sorted(out, key=lambda r: r["name"])))
