"""Feature extractors and inputs, without network access."""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgan import metrics
from kerasgan.metrics import features as features_module
from kerasgan.metrics.inputs import iter_batches

NOTOP = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"


@pytest.fixture
def no_network(monkeypatch, tmp_path):
    """An empty Keras cache, and any download attempt fails the test."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))

    def forbidden(*args, **kwargs):
        raise AssertionError("a download was attempted")

    monkeypatch.setattr(keras.utils, "get_file", forbidden)
    return tmp_path / "keras_home"


def test_inception_random_init_runs_on_small_uint8_images():
    images = np.random.default_rng(0).integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
    ext = metrics.InceptionFeatures(weights=None, seed=0)
    feats = metrics.extract_features(images, ext, batch_size=2, verbose=False)
    assert feats.shape == (4, 2048) and feats.dtype == np.float32
    assert np.all(np.isfinite(feats)) and feats.std() > 0
    assert ext.name == "InceptionV3-random-seed0-pool3"
    assert ext.get_config()["weights"] is None
    # The random init is a function of the seed only.
    again = metrics.InceptionFeatures(weights=None, seed=0, image_size=75)
    for a, b in zip(ext.model.weights[:6], again.model.weights[:6]):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_missing_imagenet_weights_error_is_clear_and_offline(no_network):
    expected = os.path.join(str(no_network), "models", NOTOP)
    with pytest.raises(metrics.WeightsNotFoundError) as info:
        metrics.InceptionFeatures(weights="imagenet", allow_download=False)
    message = str(info.value)
    assert expected in message and "weights='/path/to/" in message
    assert "no download attempted" in message


def test_failed_download_is_wrapped(no_network, monkeypatch):
    def offline(*args, **kwargs):
        raise OSError("network unreachable")

    monkeypatch.setattr(keras.utils, "get_file", offline)
    with pytest.raises(metrics.WeightsNotFoundError, match="Download failed: network"):
        metrics.imagenet_weights_path(include_top=False, allow_download=True)


def test_cached_and_explicit_weight_paths(no_network):
    cached = no_network / "models" / NOTOP
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"")
    assert metrics.imagenet_weights_path(allow_download=False) == str(cached)
    with pytest.raises(metrics.WeightsNotFoundError, match="does not exist"):
        metrics.InceptionFeatures(weights=str(no_network / "missing.h5"))


def test_model_features_wrap_any_keras_model():
    model = keras.Sequential([
        keras.Input((16, 16, 3)),
        keras.layers.Conv2D(4, 3, strides=2),
        keras.layers.GlobalAveragePooling2D(),
    ], name="tiny_cnn")
    ext = metrics.get_extractor(model)
    assert isinstance(ext, metrics.ModelFeatures) and ext.name == "tiny_cnn"
    images = np.random.default_rng(1).integers(0, 256, (5, 24, 24, 3), dtype=np.uint8)
    feats = metrics.extract_features(images, model, batch_size=2, verbose=False)
    assert feats.shape == (5, 4)  # resized to the model's 16x16 input
    conv = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(2, 3)])
    with pytest.raises(ValueError, match="pooling"):
        metrics.extract_features(images, conv, verbose=False)
    with pytest.raises(ValueError, match="Unknown extractor"):
        metrics.get_extractor("vgg")


def test_inputs_datasets_floats_and_grayscale():
    rng = np.random.default_rng(2)
    images = rng.integers(0, 256, (10, 4, 4, 1), dtype=np.uint8)
    batches = list(iter_batches(images, batch_size=4))
    assert [len(b) for b in batches] == [4, 4, 2] and batches[0].shape[-1] == 3
    np.testing.assert_array_equal(batches[0][..., 2], images[:4, ..., 0])
    floats = images.astype("float32") / 127.5 - 1
    np.testing.assert_allclose(np.concatenate(list(iter_batches(floats))),
                               np.concatenate(batches), atol=1e-3)
    labelled = tf.data.Dataset.from_tensor_slices((floats, np.arange(10))).batch(3)
    assert sum(len(b) for b in iter_batches(labelled, batch_size=2, num_samples=7)) == 7
    unbatched = tf.data.Dataset.from_tensor_slices({"image": images})
    assert [len(b) for b in iter_batches(unbatched, batch_size=4)] == [4, 4, 2]
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        next(iter_batches(floats * 255))


def test_tiny_features_are_deterministic():
    images = np.random.default_rng(3).integers(0, 256, (6, 20, 20, 3), dtype=np.uint8)
    a = metrics.TinyFeatures(seed=0)(images.astype("float32"))
    b = features_module.get_extractor("tiny")(images.astype("float32"))
    np.testing.assert_array_equal(a, b)
    assert a.shape == (6, 16)
