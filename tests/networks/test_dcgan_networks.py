"""The DCGAN discriminator's minibatch standard deviation layer (ProGAN)."""

import keras
import numpy as np
import pytest

import kerasgan
from kerasgan.networks import MinibatchStdDev


def _reference(x, group_size):
    """Loops over ProGAN's groups: image i in group i mod (n / g)."""
    n = len(x)
    g = min(group_size, n)
    g = g if n % g == 0 else n
    m = n // g
    out = np.empty(x.shape[:3] + (1,))
    for j in range(m):
        members = np.arange(j, n, m)
        out[members] = np.sqrt(x[members].astype("float64").var(0) + 1e-8).mean()
    return np.concatenate([x, out], axis=-1)


@pytest.mark.parametrize("batch", [8, 6, 3, 1])  # divides, falls back, smaller, single
def test_matches_loop_reference(batch):
    rng = np.random.default_rng(batch)
    scale = rng.uniform(0.2, 3.0, (batch, 1, 1, 1))
    x = (rng.standard_normal((batch, 4, 4, 5)) * scale).astype("float32")
    y = keras.ops.convert_to_numpy(MinibatchStdDev(4)(x))
    assert y.shape == (batch, 4, 4, 6)
    np.testing.assert_array_equal(y[..., :5], x)  # the input passes through
    # float32 mean/var of 4-5 numbers against float64: a few ulps of ~1.
    np.testing.assert_allclose(y, _reference(x, 4), rtol=1e-5, atol=1e-6)


def test_identical_images_give_zero_std_and_varied_ones_do_not():
    rng = np.random.default_rng(0)
    one = rng.standard_normal((1, 4, 4, 3)).astype("float32")
    same = keras.ops.convert_to_numpy(MinibatchStdDev(4)(np.repeat(one, 8, axis=0)))
    # Zero variance leaves sqrt(epsilon) = 1e-4 (plus float32 rounding of the mean).
    np.testing.assert_allclose(same[..., 3], 0.0, atol=2e-4)
    varied = keras.ops.convert_to_numpy(MinibatchStdDev(4)(
        rng.standard_normal((8, 4, 4, 3)).astype("float32")))
    assert varied[..., 3].min() > 0.3  # std of unit normals over 4 images: ~0.8
    # Groups are separate: images 0, 2, 4, 6 identical, 1, 3, 5, 7 varied.
    mixed = rng.standard_normal((8, 4, 4, 3)).astype("float32")
    mixed[0::2] = one
    out = keras.ops.convert_to_numpy(MinibatchStdDev(4)(mixed))[..., 3]
    assert out[0::2].max() < 2e-4 and out[1::2].min() > 0.3


def test_dynamic_batch_under_tf_function():
    tf = pytest.importorskip("tensorflow")
    if keras.backend.backend() != "tensorflow":
        pytest.skip("tf.function tracing with an unknown batch size")
    layer = MinibatchStdDev(4)
    fn = tf.function(layer, input_signature=[tf.TensorSpec((None, 4, 4, 2))])
    rng = np.random.default_rng(1)
    for batch in (8, 6):  # one trace; the group size is chosen in the graph
        x = rng.standard_normal((batch, 4, 4, 2)).astype("float32")
        np.testing.assert_allclose(fn(x).numpy(), _reference(x, 4), rtol=1e-5, atol=1e-6)


def test_config_round_trip_and_bad_group():
    layer = MinibatchStdDev(group_size=2, epsilon=1e-6, name="mbstd")
    again = MinibatchStdDev.from_config(layer.get_config())
    assert (again.group_size, again.epsilon, again.name) == (2, 1e-6, "mbstd")
    with pytest.raises(ValueError, match="group_size must be an integer >= 2; received 1"):
        MinibatchStdDev(1)


@pytest.mark.parametrize("norm", ["batch", "spectral"])
def test_discriminator_option(norm):
    d = kerasgan.networks.dcgan_discriminator(16, width=4, norm=norm, minibatch_std=True,
                                              minibatch_std_group=2)
    layer = d.get_layer("minibatch_std")
    assert layer.group_size == 2
    # One more input channel for the last 4x4 convolution: 2 * width + 1.
    assert tuple(layer.output.shape) == (None, 4, 4, 9)
    plain = kerasgan.networks.dcgan_discriminator(16, width=4, norm=norm)
    assert d.count_params() - plain.count_params() == 4 * 4 * 1  # one 4x4 kernel slice
    x = np.random.default_rng(0).uniform(-1, 1, (4, 16, 16, 3)).astype("float32")
    assert tuple(d(x).shape) == (4, 1)
