"""kerasgan.utils.tfjs_graph: TensorFlow.js graph models run through TensorFlow."""

import json
import os

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

import tfjs_testing as tj  # noqa: E402

from kerasgan.utils.tfjs_graph import TfjsGraphModel  # noqa: E402


def _weights(rng):
    return {"w1": rng.normal(0, 0.5, (3, 3, 3, 4)).astype("float32"),
            "b1": rng.normal(0, 0.1, 4).astype("float32"),
            "w2": rng.normal(0, 0.5, (3, 3, 4, 1)).astype("float32"),
            "b2": rng.normal(0, 0.1, 4).astype("float32"),
            "w3": rng.normal(0, 0.5, (1, 1, 4, 5)).astype("float32"),
            "b3": rng.normal(0, 0.1, 5).astype("float32"),
            "alpha": rng.uniform(0.1, 0.3, 5).astype("float32"),
            "w4": rng.normal(0, 0.5, (1, 1, 5, 2)).astype("float32"),
            "b4": rng.normal(0, 0.1, 2).astype("float32"),
            "axes": np.array([1, 2], "int32"),
            "w5": rng.normal(0, 0.5, (2, 3)).astype("float32"),
            "b5": rng.normal(0, 0.1, 3).astype("float32")}


def _nodes():
    consts = [tj.const(n) for n in ("w1", "b1", "w2", "b2", "w3", "b3", "alpha", "w4", "b4",
                                     "w5", "b5")] + [tj.const("axes", "DT_INT32")]
    return [tj.placeholder("x", (-1, 6, 6, 3)), *consts,
            tj.fused("c1", "_FusedConv2D", ["x", "w1", "b1"], ["BiasAdd", "Relu"]),
            tj.fused("c2", "FusedDepthwiseConv2dNative", ["c1", "w2", "b2"],
                     ["BiasAdd", "Relu6"]),
            tj.fused("c3", "_FusedConv2D", ["c2", "w3", "b3", "alpha"], ["BiasAdd", "Prelu"]),
            tj.fused("c4", "_FusedConv2D", ["c3", "w4", "b4"], ["BiasAdd", "LeakyRelu"],
                     leakyrelu_alpha={"f": 0.1}),
            tj.plain("mean", "Mean", ["c4", "axes"], Tidx={"type": "DT_INT32"},
                     keep_dims={"b": False}),
            tj.fused("dense", "_FusedMatMul", ["mean", "w5", "b5"], ["BiasAdd"])]


def _expected(x, w):
    c1 = tf.nn.relu(tf.nn.conv2d(x, w["w1"], 1, "SAME") + w["b1"])
    c2 = tf.nn.relu6(tf.nn.depthwise_conv2d(c1, w["w2"], [1, 1, 1, 1], "SAME") + w["b2"])
    z3 = tf.nn.conv2d(c2, w["w3"], 1, "SAME") + w["b3"]
    c3 = tf.where(z3 > 0, z3, w["alpha"] * z3)
    c4 = tf.nn.leaky_relu(tf.nn.conv2d(c3, w["w4"], 1, "SAME") + w["b4"], 0.1)
    dense = tf.reduce_mean(c4, [1, 2]) @ w["w5"] + w["b5"]
    return c4.numpy(), dense.numpy()


@pytest.fixture
def model_json(tmp_path):
    weights = _weights(np.random.default_rng(0))
    path, seen = tj.write(str(tmp_path / "m"), _nodes(), weights, ["x"], ["c4", "dense"],
                          quantize={"w1": "float16", "w2": "uint8"})
    return path, seen


def test_fused_ops_and_quantized_weights_match_plain_tensorflow(model_json):
    path, seen = model_json
    x = np.random.default_rng(1).normal(0, 1, (2, 6, 6, 3)).astype("float32")
    model = TfjsGraphModel(path)
    assert model.input_names == ["x"] and model.output_names == ["c4", "dense"]
    c4, dense = model(x)
    want_c4, want_dense = _expected(x, seen)
    # float32 arithmetic on O(1) values through 4 layers: 1e-5 is ~100 ulps.
    np.testing.assert_allclose(c4, want_c4, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(dense, want_dense, rtol=1e-5, atol=1e-5)
    # The quantized weights really were de-quantized (not read as raw bytes).
    assert np.abs(seen["w2"] - _weights(np.random.default_rng(0))["w2"]).max() < 0.02


def test_outputs_can_be_chosen(model_json):
    path, _ = model_json
    model = TfjsGraphModel(path, outputs=["c2"])
    (c2,) = model(np.zeros((1, 6, 6, 3), "float32"))
    assert c2.shape == (1, 6, 6, 4)
    assert c2.min() >= 0.0 and c2.max() <= 6.0  # Relu6 applied
    with pytest.raises(ValueError, match="takes 1 input"):
        model()
    with pytest.raises(ValueError, match="nope"):
        TfjsGraphModel(path, outputs=["nope"])


def test_truncated_or_missing_weights_are_named(model_json):
    path, _ = model_json
    shard = os.path.join(os.path.dirname(path), "group1-shard1of1.bin")
    data = open(shard, "rb").read()
    with open(shard, "wb") as f:
        f.write(data[:-7])
    with pytest.raises(ValueError, match="truncated"):
        TfjsGraphModel(path)
    with open(shard, "wb") as f:
        f.write(data + b"extra")
    with pytest.raises(ValueError, match="the wrong file"):
        TfjsGraphModel(path)
    os.remove(shard)
    with pytest.raises(FileNotFoundError, match="group1-shard1of1.bin"):
        TfjsGraphModel(path)


def test_bad_model_files_are_named(tmp_path, model_json):
    with pytest.raises(FileNotFoundError, match="model.json"):
        TfjsGraphModel(str(tmp_path / "missing.json"))
    broken = tmp_path / "broken.json"
    broken.write_text('{"modelTopology": {"node": [')
    with pytest.raises(ValueError, match="corrupt or truncated"):
        TfjsGraphModel(str(broken))
    layers = tmp_path / "layers.json"
    layers.write_text(json.dumps({"format": "layers-model", "modelTopology": {},
                                  "weightsManifest": []}))
    with pytest.raises(ValueError, match="graph-model"):
        TfjsGraphModel(str(layers))


def test_unsupported_fusion_is_named(tmp_path):
    nodes = [tj.placeholder("x", (-1, 4, 4, 1)), tj.const("w"), tj.const("b"),
             tj.fused("y", "_FusedConv2D", ["x", "w", "b"], ["BiasAdd", "Swish"])]
    path, _ = tj.write(str(tmp_path / "m"), nodes,
                       {"w": np.ones((1, 1, 1, 1), "float32"), "b": np.zeros(1, "float32")},
                       ["x"], ["y"])
    with pytest.raises(NotImplementedError, match="Swish"):
        TfjsGraphModel(path)


def _one_conv(tmp_path, **write_kwargs):
    nodes = [tj.placeholder("x", (-1, 4, 4, 1)), tj.const("w"), tj.const("b"),
             tj.fused("y", "_FusedConv2D", ["x", "w", "b"], ["BiasAdd", "Relu"])]
    weights = {"w": np.ones((1, 1, 1, 1), "float32"), "b": np.zeros(1, "float32")}
    return tj.write(str(tmp_path / "m"), nodes, weights, ["x"], ["y"], **write_kwargs)[0]


def _edit(path, change):
    with open(path) as f:
        spec = json.load(f)
    change(spec)
    with open(path, "w") as f:
        json.dump(spec, f)


def test_unsupported_quantization_is_named(tmp_path):
    path = _one_conv(tmp_path)
    _edit(path, lambda spec: spec["weightsManifest"][0]["weights"][0].update(
        quantization={"dtype": "int4", "original_dtype": "float32"}))
    with pytest.raises(ValueError, match="quantization 'int4'"):
        TfjsGraphModel(path)


def test_a_weight_without_its_node_is_named(tmp_path):
    path = _one_conv(tmp_path)
    _edit(path, lambda spec: spec["weightsManifest"][0]["weights"][0].update(name="ghost"))
    with pytest.raises(ValueError, match="'ghost'.*matches no node"):
        TfjsGraphModel(path)


def test_a_model_without_signature_needs_tensor_names(tmp_path):
    path = _one_conv(tmp_path)
    _edit(path, lambda spec: spec.pop("signature"))
    with pytest.raises(ValueError, match="has no signature"):
        TfjsGraphModel(path)
    model = TfjsGraphModel(path, inputs=["x"], outputs=["y"])
    (y,) = model(np.full((1, 4, 4, 1), -2.0, "float32"))
    np.testing.assert_allclose(y, np.zeros((1, 4, 4, 1)), atol=1e-6)  # Relu of a negative
    assert model.files == [path, os.path.join(os.path.dirname(path), "group1-shard1of1.bin")]
