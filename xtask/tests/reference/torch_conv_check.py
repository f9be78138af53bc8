"""Loads aelab's `export torch` of a conv network into a reference module of
`shared/reference/torch_conv.py` (its class taken from that file's source)
with `strict=True`, for `xtask/tests/export.rs`.

    python torch_conv_check.py TORCH_CONV_PY CLASS STATE.safetensors INPUTS.f32 ROWS SIGMOID OUT.f32

Writes the module's output on the ROWS 28x28 images (through a sigmoid when
SIGMOID is 1: the Keras models' modules return logits) as little-endian f32.
"""

import ast
import sys

import numpy as np
import torch
from safetensors.torch import load_file
from torch import nn

reference, name, state, inputs, rows, sigmoid, out = sys.argv[1:8]
tree = ast.parse(open(reference).read())
namespace = {"nn": nn, "torch": torch}
for node in tree.body:
    if isinstance(node, ast.ClassDef) and node.name == name:
        exec(compile(ast.Module([node], []), reference, "exec"), namespace)
model = namespace[name]()
model.load_state_dict(load_file(state), strict=True)
model.eval()
x = torch.from_numpy(np.fromfile(inputs, dtype="<f4").reshape(int(rows), 1, 28, 28))
with torch.no_grad():
    y = model(x)
    if sigmoid == "1":
        y = torch.sigmoid(y)
y.reshape(int(rows), -1).numpy().astype("<f4").tofile(out)
print(f"torch {torch.__version__}: {name} loaded strictly")
