"""Loads aelab's `export torch` of a conv network into a reference module of
`shared/reference/torch_conv.py` (its class taken from that file's source)
with `strict=True`, for `xtask/tests/export.rs`.

    python torch_conv_check.py TORCH_CONV_PY CLASS STATE.safetensors INPUTS.f32 ROWS SIGMOID OUT.f32

Writes the module's output on the ROWS 28x28 images (through a sigmoid when
SIGMOID is 1: the Keras models' modules return logits) as little-endian f32.

CLASS `DcaeSequential` is defined here rather than in torch_conv.py: the
`dcae` variant of the test's spec (Deep SVDD's LeNet DCAE with a batch-normed
tanh code) as the Sequentials aelab's export names, one module per layer and
per activation, batch norms in evaluation mode on their running statistics.
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


class DcaeSequential(nn.Module):
    def __init__(self):
        super().__init__()
        bn2 = lambda c: nn.BatchNorm2d(c, eps=1e-4, affine=False)
        leaky = lambda: nn.LeakyReLU(0.01)
        self.enc = nn.Sequential(
            nn.Conv2d(1, 8, 5, padding=2, bias=False), bn2(8), leaky(), nn.MaxPool2d(2),
            nn.Conv2d(8, 4, 5, padding=2, bias=False), bn2(4), leaky(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(4 * 7 * 7, 32, bias=False), nn.BatchNorm1d(32), nn.Tanh())
        self.dec = nn.Sequential(
            nn.Unflatten(1, (2, 4, 4)), leaky(), nn.Upsample(scale_factor=2),
            nn.ConvTranspose2d(2, 4, 5, padding=2, bias=False), bn2(4), leaky(),
            nn.Upsample(scale_factor=2),
            nn.ConvTranspose2d(4, 8, 5, padding=3, bias=False), bn2(8), leaky(),
            nn.Upsample(scale_factor=2),
            nn.ConvTranspose2d(8, 1, 5, padding=2, bias=False), nn.Sigmoid())

    def forward(self, x):
        return self.dec(self.enc(x))


namespace["DcaeSequential"] = DcaeSequential
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
