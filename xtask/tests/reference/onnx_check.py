"""Runs aelab's exported ONNX graphs in onnxruntime for `xtask/tests/export.rs`.

    python onnx_check.py EXPORT_DIR INPUTS.f32 ROWS OUT_DIR

INPUTS.f32 holds ROWS images as little-endian f32, row-major. Writes, as
the same raw f32: code.f32 (encoder.onnx), log_variance.f32 (a VAE's
encoder), decoded.f32 (decoder.onnx on the code) and reconstruction.f32
(autoencoder.onnx), and prints each graph's input and output names and
shapes.
"""

import os
import sys

import numpy as np
import onnxruntime as ort

export, inputs, rows, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
images = np.fromfile(inputs, dtype="<f4").reshape(rows, -1)


def session(name):
    s = ort.InferenceSession(os.path.join(export, name), providers=["CPUExecutionProvider"])
    for v in s.get_inputs() + s.get_outputs():
        print(f"{name} {v.name} {v.shape}")
    return s


encoder = session("encoder.onnx")
names = [o.name for o in encoder.get_outputs()]
outputs = encoder.run(None, {"images": images})
for name, value in zip(names, outputs):
    value.astype("<f4").tofile(os.path.join(out, f"{name}.f32"))
decoded = session("decoder.onnx").run(None, {"code": outputs[0]})[0]
decoded.astype("<f4").tofile(os.path.join(out, "decoded.f32"))
whole = session("autoencoder.onnx").run(None, {"images": images})[0]
whole.astype("<f4").tofile(os.path.join(out, "reconstruction.f32"))
print("onnxruntime", ort.__version__)
