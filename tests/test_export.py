"""SavedModel and TFLite exports compute what the Keras model computes."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasgan
from kerasgan.export import export_generator, run_tflite


@pytest.fixture
def gan():
    g = kerasgan.models.DCGAN(image_size=16, latent_dim=8, generator_width=8,
                              discriminator_width=8, seed=0)
    g.compile()
    x = np.random.default_rng(0).uniform(-1, 1, (8, 16, 16, 3)).astype("float32")
    g.fit(x, batch_size=8, epochs=1, verbose=0)  # non-trivial BatchNorm statistics
    return g


def test_saved_model_matches_keras(gan, tmp_path):
    path = export_generator(gan, str(tmp_path / "sm"))
    z = gan.latents(5, seed=3)
    loaded = tf.saved_model.load(path)  # keep a reference: it owns the variables
    served = loaded.serve(tf.constant(z)).numpy()
    assert served.dtype == np.uint8 and served.shape == (5, 16, 16, 3)
    # The SavedModel runs TensorFlow's graph optimizer (fused kernels), Keras
    # runs the layers one by one: equal up to float rounding, 1 grey level.
    np.testing.assert_allclose(served.astype(int), gan.generate(5, latents=z).astype(int),
                               atol=1)


def test_tflite_matches_keras(gan, tmp_path):
    path = export_generator(gan, str(tmp_path / "g.tflite"), format="tflite")
    z = gan.latents(1, seed=4)
    out = run_tflite(path, z)
    assert out.dtype == np.uint8
    np.testing.assert_allclose(out.astype(int), gan.generate(1, latents=z).astype(int), atol=1)


def test_image_to_image_network_pads_and_crops(tmp_path):
    # A fully convolutional network needing even sides, exported with padding.
    inp = keras.Input((None, None, 3))
    x = keras.layers.Conv2D(4, 3, strides=2, padding="same")(inp)
    x = keras.layers.Conv2DTranspose(3, 3, strides=2, padding="same", activation="tanh")(x)
    net = keras.Model(inp, x)
    path = export_generator(net, str(tmp_path / "i2i"), pad_multiple=2)
    img = np.random.default_rng(0).integers(0, 256, (1, 7, 9, 3), dtype=np.uint8)
    loaded = tf.saved_model.load(path)
    out = loaded.serve(tf.constant(img)).numpy()
    assert out.shape == (1, 7, 9, 3) and out.dtype == np.uint8
    padded = np.pad(img.astype("float32") / 127.5 - 1, [(0, 0), (0, 1), (0, 1), (0, 0)], mode="reflect")
    expected = kerasgan.utils.images.to_uint8(net(padded).numpy()[:, :7, :9])
    np.testing.assert_allclose(out.astype(int), expected.astype(int), atol=1)


def test_bad_format_and_model(gan, tmp_path):
    with pytest.raises(ValueError, match="format must be one of"):
        export_generator(gan, str(tmp_path / "x"), format="onnx")
    with pytest.raises(TypeError, match="Cannot export"):
        export_generator(object(), str(tmp_path / "x"))


def test_export_command(gan, tmp_path, capsys):
    from kerasgan import cli, zoo

    zoo.save_preset(gan, str(tmp_path / "tiny_gan"))
    out = str(tmp_path / "tiny.tflite")
    assert cli.main(["export", str(tmp_path / "tiny_gan"), "--format", "tflite",
                     "--output", out]) == 0
    z = gan.latents(1, seed=0)
    np.testing.assert_allclose(run_tflite(out, z).astype(int),
                               gan.generate(1, latents=z).astype(int), atol=1)
    assert cli.main(["export", "no_such_model", "--output", out]) == 1
    assert "Unknown model" in capsys.readouterr().err
