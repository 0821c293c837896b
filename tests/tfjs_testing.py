"""Writing tiny TensorFlow.js graph models (model.json + one .bin shard) for tests.

Mirrors what the TensorFlow.js converter writes: the GraphDef as protobuf JSON,
the weights as a manifest plus a binary shard (float16 or uint8 quantized when
asked), and fused operations (`_FusedConv2D` without `TArgs`,
`FusedDepthwiseConv2dNative`, `_FusedMatMul`).
"""

import base64
import json
import os

import numpy as np
import tensorflow as tf
from google.protobuf import json_format


def _b64(text):
    return base64.b64encode(text.encode()).decode()


def const(name, dtype="DT_FLOAT"):
    return {"name": name, "op": "Const", "attr": {"dtype": {"type": dtype}}}


def placeholder(name, shape):
    dims = [{"size": str(d)} for d in shape]
    return {"name": name, "op": "Placeholder",
            "attr": {"dtype": {"type": "DT_FLOAT"}, "shape": {"shape": {"dim": dims}}}}


def fused(name, op, inputs, ops, **attrs):
    """A TensorFlow.js fused node (`_FusedConv2D`, `FusedDepthwiseConv2dNative`, `_FusedMatMul`)."""
    attr = {"T": {"type": "DT_FLOAT"}, "num_args": {"i": str(len(inputs) - 2)},
            "fused_ops": {"list": {"s": [_b64(o) for o in ops]}}}
    if op != "_FusedMatMul":
        attr.update({"strides": {"list": {"i": ["1", "1", "1", "1"]}},
                     "padding": {"s": _b64("SAME")}, "data_format": {"s": _b64("NHWC")},
                     "dilations": {"list": {"i": ["1", "1", "1", "1"]}}})
    else:
        attr.update({"transpose_a": {"b": False}, "transpose_b": {"b": False}})
    attr.update(attrs)
    return {"name": name, "op": op, "input": list(inputs), "attr": attr}


def plain(name, op, inputs, **attrs):
    return {"name": name, "op": op, "input": list(inputs),
            "attr": {"T": {"type": "DT_FLOAT"}, **attrs}}


def write(folder, nodes, weights, inputs, outputs, quantize=None):
    """Writes `folder/model.json` + `folder/group1-shard1of1.bin`; returns (path, dequantized).

    Args:
        nodes: Node dicts (protobuf JSON, as the converter writes).
        weights: `{const name: array}`.
        inputs, outputs: Signature tensor names.
        quantize: `{const name: "float16" | "uint8"}`.

    Returns:
        The model.json path and `{name: array}` as the model will see them
        (after quantization), to compute expected outputs with.
    """
    json_format.ParseDict({"node": nodes}, tf.compat.v1.GraphDef())  # the nodes are valid
    os.makedirs(folder, exist_ok=True)
    manifest, chunks, seen = [], [], {}
    for name, value in weights.items():
        value = np.asarray(value)
        entry = {"name": name, "shape": list(value.shape), "dtype": str(value.dtype)}
        q = (quantize or {}).get(name)
        if q == "float16":
            stored = value.astype("float16")
            seen[name] = stored.astype(value.dtype)
            entry["quantization"] = {"dtype": "float16", "original_dtype": str(value.dtype)}
        elif q == "uint8":
            lo, hi = float(value.min()), float(value.max())
            scale = (hi - lo) / 255 or 1.0
            stored = np.round((value - lo) / scale).astype("uint8")
            seen[name] = (stored.astype("float32") * scale + lo).astype(value.dtype)
            entry["quantization"] = {"dtype": "uint8", "scale": scale, "min": lo,
                                     "original_dtype": str(value.dtype)}
        else:
            stored, seen[name] = value, value
        manifest.append(entry)
        chunks.append(stored.tobytes())
    with open(os.path.join(folder, "group1-shard1of1.bin"), "wb") as f:
        f.write(b"".join(chunks))
    spec = {"format": "graph-model", "generatedBy": "tests", "convertedBy": "tests",
            "signature": {"inputs": {n: {"name": n} for n in inputs},
                          "outputs": {n: {"name": n} for n in outputs}},
            "modelTopology": {"node": nodes, "library": {}, "versions": {}},
            "weightsManifest": [{"paths": ["group1-shard1of1.bin"], "weights": manifest}]}
    path = os.path.join(folder, "model.json")
    with open(path, "w") as f:
        json.dump(spec, f)
    return path, seen


def stand_in_centernet(folder, channels=80, cat=15, dog=16):
    """A tiny "COCO CenterNet": its cat heatmap is the red channel, its dog heatmap the blue one.

    A 1x1 convolution (weight 0.03) and a sigmoid, with the real model's tensor
    names, so reddish images are "cats" and bluish ones "dogs".
    """
    from kerasgan.metrics.coco_judge import CENTERNET_HEATMAPS, CENTERNET_INPUT

    w = np.zeros((1, 1, 3, channels), "float32")
    if channels > max(cat, dog):
        w[0, 0, 0, cat] = 0.03
        w[0, 0, 2, dog] = 0.03
    nodes = [placeholder(CENTERNET_INPUT, (-1, -1, -1, 3)), const("w"), const("b"),
             fused(CENTERNET_HEATMAPS, "_FusedConv2D", [CENTERNET_INPUT, "w", "b"],
                   ["BiasAdd", "Sigmoid"])]
    path, _ = write(folder, nodes, {"w": w, "b": np.full(channels, -3.0, "float32")},
                    [CENTERNET_INPUT], [CENTERNET_HEATMAPS])
    return path
