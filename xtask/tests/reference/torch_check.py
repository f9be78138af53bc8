"""Loads aelab's `export torch` state dict into the reference module itself
(`Stacked` of `shared/reference/torch_ae.py`, its class and activation table
taken from that file's source) with `strict=True`, for
`xtask/tests/export.rs`.

    python torch_check.py TORCH_AE_PY STATE.safetensors INPUTS.f32 ROWS OUT.f32

Writes the reconstructions of the ROWS images (sigmoid of the module's
logits, a VAE decoding its mean) as little-endian f32 and prints the mean
BCE per pixel against the inputs.
"""

import ast
import json
import sys

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import load_file
from torch import nn

reference, state, inputs, rows, out = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
tree = ast.parse(open(reference).read())
namespace = {"nn": nn, "torch": torch}
for node in tree.body:
    if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "ACT" for t in node.targets):
        table = eval(compile(ast.Expression(node.value.value), reference, "eval"), namespace)
    if isinstance(node, ast.ClassDef) and node.name == "Stacked":
        exec(compile(ast.Module([node], []), reference, "exec"), namespace)

with safe_open(state, "pt") as f:
    meta = f.metadata()
assert meta["module"] == "torch_ae.Stacked", meta
namespace["ACT"] = table[meta["activation"]]
model = namespace["Stacked"](json.loads(meta["widths"]), vae=meta["kind"] == "vae", tied=meta["tied"] == "true")
model.load_state_dict(load_file(state), strict=True)
model.eval()
x = torch.from_numpy(np.fromfile(inputs, dtype="<f4").reshape(rows, -1))
with torch.no_grad():
    reconstruction = torch.sigmoid(model(x))
reconstruction.numpy().astype("<f4").tofile(out)
p = reconstruction.double().clamp(1e-7, 1 - 1e-7)
bce = -(x * p.log() + (1 - x) * (1 - p).log()).mean().item()
print(f"torch {torch.__version__}: {meta['architecture']}, BCE {bce:.8f}")
