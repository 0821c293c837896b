"""Running a TensorFlow.js graph model (`model.json` + weight shards) with TensorFlow.

Some useful pretrained models are published only in TensorFlow.js's graph
format (for example through the npm registry). `TfjsGraphModel` reads one
without the `tensorflowjs` package: it parses the graph, fills in the weights
(de-quantizing float16 and uint8/uint16 shards), and rewrites the fused
operations TensorFlow.js adds (`_FusedConv2D`, `FusedDepthwiseConv2dNative`,
`_FusedMatMul`) into the plain TensorFlow operations they stand for. Needs
TensorFlow, imported only when a model is loaded.
"""

from __future__ import annotations

import json
import os
from typing import Sequence

import numpy as np

#: The activations a TensorFlow.js fused operation may end with, that `TfjsGraphModel` rewrites.
FUSED_ACTIVATIONS = ("Relu", "Relu6", "Elu", "Sigmoid", "Tanh", "LeakyRelu", "Prelu")
_QUANTIZED = {"float16": np.float16, "uint8": np.uint8, "uint16": np.uint16}
_PLAIN = {"Conv2D": ("strides", "padding", "explicit_paddings", "data_format", "dilations",
                     "use_cudnn_on_gpu"),
          "DepthwiseConv2dNative": ("strides", "padding", "explicit_paddings", "data_format",
                                    "dilations"),
          "MatMul": ("transpose_a", "transpose_b")}
_FUSED = {"_FusedConv2D": "Conv2D", "FusedDepthwiseConv2dNative": "DepthwiseConv2dNative",
          "_FusedMatMul": "MatMul"}


def _read_json(path: str) -> dict:
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No TensorFlow.js model at {path!r}: pass the path of its "
                                f"model.json (the weight shards lie next to it).")
    try:
        with open(path, encoding="utf-8") as f:
            spec = json.load(f)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{path!r} is not a TensorFlow.js model.json (corrupt or truncated?): "
                         f"{e}") from None
    if not isinstance(spec, dict) or "modelTopology" not in spec or "weightsManifest" not in spec:
        raise ValueError(f"{path!r} is not a TensorFlow.js graph model: it needs "
                         f"'modelTopology' and 'weightsManifest'; received keys "
                         f"{sorted(spec) if isinstance(spec, dict) else type(spec).__name__}.")
    if spec.get("format", "graph-model") != "graph-model":
        raise ValueError(f"{path!r} is a TensorFlow.js {spec.get('format')!r}; only "
                         f"'graph-model' files are supported.")
    return spec


def _numpy_dtype(name: str) -> np.dtype:
    return np.dtype(bool if name == "bool" else name)


def _read_shards(shards: list[str]) -> bytes:
    chunks = []
    for shard in shards:
        with open(shard, "rb") as f:
            chunks.append(f.read())
    return b"".join(chunks)


def shard_paths(path: str, manifest: list) -> list[str]:
    """The weight shard files a model.json's `weightsManifest` names, next to it."""
    folder = os.path.dirname(os.path.abspath(path))
    return [os.path.join(folder, p) for group in manifest for p in group["paths"]]


def read_weights(path: str, manifest: list) -> dict[str, np.ndarray]:
    """The weights a TensorFlow.js manifest describes, de-quantized, by name.

    Args:
        path: The model.json's path (shards are read from its folder).
        manifest: Its `weightsManifest`.

    Returns:
        `{name: array}` in each weight's own dtype and shape.

    Raises:
        ValueError: A shard is shorter or longer than the manifest says, or a
            dtype is unsupported.
    """
    weights = {}
    for group in manifest:
        shards = shard_paths(path, [group])
        missing = [s for s in shards if not os.path.isfile(s)]
        if missing:
            raise FileNotFoundError(f"Weight shard(s) {missing} of {path!r} are missing.")
        buffer = _read_shards(shards)
        offset = 0
        for w in group["weights"]:
            shape = [int(d) for d in w["shape"]]
            count = int(np.prod(shape)) if shape else 1
            q = w.get("quantization")
            if q and q["dtype"] not in _QUANTIZED:
                raise ValueError(f"Weight {w['name']!r} uses quantization {q['dtype']!r}; "
                                 f"supported: {sorted(_QUANTIZED)}.")
            stored = np.dtype(_QUANTIZED[q["dtype"]]) if q else _numpy_dtype(w["dtype"])
            size = count * stored.itemsize
            if offset + size > len(buffer):
                raise ValueError(f"The weight shards {group['paths']} of {path!r} hold "
                                 f"{len(buffer)} bytes but the manifest needs more (at "
                                 f"{w['name']!r}): truncated or the wrong file.")
            value = np.frombuffer(buffer, stored, count, offset)
            offset += size
            if q and q["dtype"] in ("uint8", "uint16"):
                value = value.astype("float32") * q["scale"] + q["min"]
            weights[w["name"]] = value.astype(_numpy_dtype(w["dtype"])).reshape(shape)
        if offset != len(buffer):
            raise ValueError(f"The weight shards {group['paths']} of {path!r} hold "
                             f"{len(buffer)} bytes; the manifest describes {offset}: "
                             f"the wrong file?")
    return weights


def _node(tf, name, op, inputs, dtype, attrs=None):
    node = tf.compat.v1.NodeDef(name=name, op=op, input=list(inputs))
    node.attr["T"].type = dtype
    for key, value in (attrs or {}).items():
        node.attr[key].CopyFrom(value)
    return node


def unfuse(graph_def):
    """Rewrites TensorFlow.js fused operations into plain TensorFlow ones, in place.

    `_FusedConv2D`, `FusedDepthwiseConv2dNative` and `_FusedMatMul` with
    `fused_ops` `[BiasAdd]` or `[BiasAdd, activation]` (see `FUSED_ACTIVATIONS`)
    become the convolution / product, a `BiasAdd` and the activation, the last
    one keeping the fused node's name.

    Raises:
        NotImplementedError: Another fusion (the message names it).
    """
    import tensorflow as tf

    nodes = []
    for node in graph_def.node:
        if node.op not in _FUSED:
            nodes.append(node)
            continue
        ops = [o.decode() for o in node.attr["fused_ops"].list.s]
        data = [i for i in node.input if not i.startswith("^")]
        control = [i for i in node.input if i.startswith("^")]
        dtype = node.attr["T"].type or tf.float32.as_datatype_enum
        act = ops[1:] if ops[:1] == ["BiasAdd"] else None
        if act is None or len(act) > 1 or (act and act[0] not in FUSED_ACTIVATIONS):
            raise NotImplementedError(f"Fused operation {node.name!r} ({node.op}) does "
                                      f"{ops}; supported: BiasAdd, then at most one of "
                                      f"{FUSED_ACTIVATIONS}.")
        plain = _FUSED[node.op]
        attrs = {k: node.attr[k] for k in _PLAIN[plain] if k in node.attr}
        base = f"{node.name}/_unfused"
        nodes.append(_node(tf, f"{base}/{plain}", plain, data[:2] + control, dtype, attrs))
        last = f"{base}/{plain}"
        biased = node.name if not act else f"{base}/BiasAdd"
        bias_attrs = {"data_format": node.attr["data_format"]} if "data_format" in node.attr \
            else {}
        nodes.append(_node(tf, biased, "BiasAdd", [last, data[2]], dtype, bias_attrs))
        if not act:
            continue
        if act[0] == "Prelu":  # relu(x) - alpha * relu(-x)
            negated = _node(tf, f"{base}/Neg", "Neg", [biased], dtype)
            positive = _node(tf, f"{base}/Relu", "Relu", [biased], dtype)
            negative = _node(tf, f"{base}/NegRelu", "Relu", [negated.name], dtype)
            scaled = _node(tf, f"{base}/Mul", "Mul", [data[3], negative.name], dtype)
            nodes += [negated, positive, negative, scaled,
                      _node(tf, node.name, "Sub", [positive.name, scaled.name], dtype)]
        else:
            extra = {}
            if act[0] == "LeakyRelu":
                extra["alpha"] = tf.compat.v1.AttrValue(
                    f=node.attr["leakyrelu_alpha"].f if "leakyrelu_alpha" in node.attr else 0.2)
            nodes.append(_node(tf, node.name, act[0], [biased], dtype, extra))
    del graph_def.node[:]
    graph_def.node.extend(nodes)
    return graph_def


def _tensor_name(name: str) -> str:
    return name if ":" in name else name + ":0"


def _signature_names(signature: dict, key: str) -> list[str]:
    return [v.get("name", k) for k, v in signature.get(key, {}).items()]


class TfjsGraphModel:
    """A TensorFlow.js graph model, callable on numpy arrays through TensorFlow.

    Args:
        path: The model's `model.json` (weight shards next to it).
        inputs: Input tensor names; default: the model's signature.
        outputs: Output tensor names; default: the model's signature.

    Attributes:
        files: The model.json and its weight shards (to checksum or copy).

    Example:
    ```python
    model = TfjsGraphModel("models/centernet.json", outputs=["tower_0/keypoints"])
    (heatmaps,) = model(np.zeros((1, 512, 512, 3), "float32"))
    ```
    """

    def __init__(self, path: str, inputs: Sequence[str] | None = None,
                 outputs: Sequence[str] | None = None):
        from google.protobuf import json_format

        from kerasgan.utils.optional import require_tensorflow

        tf = require_tensorflow("kerasgan.utils.tfjs_graph (TensorFlow.js graph models)")
        spec = _read_json(path)
        self.path = path
        self.files = [path, *shard_paths(path, spec["weightsManifest"])]
        self.signature = spec.get("signature") or spec.get("userDefinedMetadata", {}).get(
            "signature") or {}
        graph_def = json_format.ParseDict(spec["modelTopology"], tf.compat.v1.GraphDef(),
                                          ignore_unknown_fields=True)
        by_name = {n.name: n for n in graph_def.node}
        for name, value in read_weights(path, spec["weightsManifest"]).items():
            if name not in by_name:
                raise ValueError(f"Weight {name!r} of {path!r} matches no node of its graph.")
            by_name[name].attr["value"].tensor.CopyFrom(tf.make_tensor_proto(value))
        unfuse(graph_def)
        self.input_names = list(inputs or _signature_names(self.signature, "inputs"))
        self.output_names = list(outputs or _signature_names(self.signature, "outputs"))
        if not self.input_names or not self.output_names:
            raise ValueError(f"{path!r} has no signature: pass inputs= and outputs= "
                             f"(tensor names).")

        def graph():
            tf.compat.v1.import_graph_def(graph_def, name="")

        wrapped = tf.compat.v1.wrap_function(graph, [])
        try:
            tensors = [[wrapped.graph.get_tensor_by_name(_tensor_name(n)) for n in names]
                       for names in (self.input_names, self.output_names)]
        except (KeyError, ValueError) as e:
            raise ValueError(f"{path!r}: {e}. Its nodes include e.g. "
                             f"{[n.name for n in graph_def.node][:5]}.") from None
        self._function = wrapped.prune(*tensors)
        self._tf = tf

    def __call__(self, *inputs) -> list[np.ndarray]:
        """Runs the model; returns its outputs as numpy arrays, in `output_names` order."""
        if len(inputs) != len(self.input_names):
            raise ValueError(f"The model takes {len(self.input_names)} input(s) "
                             f"{self.input_names}; received {len(inputs)}.")
        tensors = [self._tf.convert_to_tensor(x) for x in inputs]
        return [np.asarray(t) for t in self._function(*tensors)]

    def __repr__(self) -> str:
        return (f"TfjsGraphModel({self.path!r}, inputs={self.input_names}, "
                f"outputs={self.output_names})")
