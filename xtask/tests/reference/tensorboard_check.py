"""Reads a run's TensorBoard log with the tensorboard package's own readers,
for `xtask/tests/tensorboard.rs`, and prints what it found as JSON:
every scalar tag with its steps and values, the image tags with their
sizes, the HParams plugin's session start (hyperparameters, group) and end
(status), and the Embedding Projector's config with the shape of its
tensor.

    python tensorboard_check.py RUN_DIR/tensorboard
"""

import json
import os
import sys

from google.protobuf import text_format
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.hparams import metadata as hparams
from tensorboard.plugins.projector.projector_config_pb2 import ProjectorConfig

log = sys.argv[1]
accumulator = EventAccumulator(log, size_guidance={"scalars": 0, "images": 0, "tensors": 0})
accumulator.Reload()
tags = accumulator.Tags()
out = {
    "scalars": {
        tag: [[e.step, e.value] for e in accumulator.Scalars(tag)] for tag in tags["scalars"]
    },
    "images": {
        tag: [[e.step, e.width, e.height] for e in accumulator.Images(tag)] for tag in tags["images"]
    },
}
content = accumulator.PluginTagToContent(hparams.PLUGIN_NAME)
start = hparams.parse_session_start_info_plugin_data(content[hparams.SESSION_START_INFO_TAG])
end = hparams.parse_session_end_info_plugin_data(content[hparams.SESSION_END_INFO_TAG])
values = {}
for key, value in start.hparams.items():
    kind = value.WhichOneof("kind")
    values[key] = getattr(value, kind)
out["hparams"] = {"values": values, "group": start.group_name, "end_status": end.status}
config = text_format.Parse(open(os.path.join(log, "projector_config.pbtxt")).read(), ProjectorConfig())
embedding = config.embeddings[0]
rows = [line.split("\t") for line in open(os.path.join(log, embedding.tensor_path)).read().splitlines()]
labels = open(os.path.join(log, embedding.metadata_path)).read().splitlines()
out["projector"] = {
    "tensor_name": embedding.tensor_name,
    "rows": len(rows),
    "columns": len(rows[0]) if rows else 0,
    "labels": len(labels),
}
print(json.dumps(out))
