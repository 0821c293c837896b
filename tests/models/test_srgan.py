"""SRResNet / SRGAN: networks, upscale (any size, tiled), both training stages, saving."""


import keras
import numpy as np
import pytest

from kerasgan.losses.content import PerceptualLoss, PixelLoss, vgg19_features
from kerasgan.models.srgan import SRGAN, SRResNet
from kerasgan.networks.srgan import PixelShuffle, srgan_discriminator, srresnet_generator

TINY = dict(num_blocks=1, width=8)


def _pairs(n=8, hr=16, scale=4, seed=0):
    rng = np.random.default_rng(seed)
    base = np.linspace(-1, 1, hr, dtype="float32")
    hr_images = (base[None, :, None, None] * rng.uniform(0.3, 1, (n, 1, 1, 3))
                 + 0.1 * rng.standard_normal((n, hr, hr, 3))).clip(-1, 1).astype("float32")
    lr_images = hr_images.reshape(n, hr // scale, scale, hr // scale, scale, 3).mean((2, 4))
    return lr_images.astype("float32"), hr_images


def test_networks_shapes_and_paper_layout():
    g = srresnet_generator(scale=4, num_blocks=16, width=64)
    assert tuple(g.input.shape) == (None, None, None, 3)
    assert g(np.zeros((1, 5, 7, 3), "float32")).shape == (1, 20, 28, 3)
    # Ledig et al.'s SRResNet: ~1.5 M parameters (per-channel PReLU here).
    assert 1.5e6 < g.count_params() < 1.6e6
    d = srgan_discriminator(96)
    assert d(np.zeros((2, 96, 96, 3), "float32")).shape == (2, 1)
    assert [l.filters for l in d.layers if isinstance(l, keras.layers.Conv2D)] == \
        [64, 64, 128, 128, 256, 256, 512, 512]
    assert srgan_discriminator(16, width=4).get_layer("dense").units == 64
    with pytest.raises(ValueError, match="multiple of 16"):
        srgan_discriminator(40)
    with pytest.raises(ValueError, match="scale must be one of"):
        srresnet_generator(scale=5)
    no_bn = srresnet_generator(num_blocks=2, width=8, batch_norm=False, output_activation="linear")
    assert not any(isinstance(l, keras.layers.BatchNormalization) for l in no_bn.layers)
    assert srresnet_generator(scale=3, **TINY)(np.zeros((1, 3, 5, 3))).shape == (1, 9, 15, 3)


def test_pixel_shuffle_matches_depth_to_space():
    import tensorflow as tf

    x = np.random.default_rng(0).standard_normal((2, 3, 5, 12)).astype("float32")
    np.testing.assert_array_equal(PixelShuffle(2)(x), tf.nn.depth_to_space(x, 2))


def test_upscale_exact_size_odd_inputs_batches_and_lists():
    model = SRResNet(**TINY)
    rng = np.random.default_rng(0)
    odd = rng.integers(0, 256, (7, 5, 3), dtype=np.uint8)
    out = model.upscale(odd)
    assert out.dtype == np.uint8 and out.shape == (28, 20, 3)
    batch = rng.integers(0, 256, (3, 9, 11, 3), dtype=np.uint8)
    assert model.upscale(batch).shape == (3, 36, 44, 3)
    outs = model.upscale([odd, batch[0], odd[..., 0]])  # list, grayscale too
    assert [o.shape for o in outs] == [(28, 20, 3), (36, 44, 3), (28, 20, 3)]
    np.testing.assert_array_equal(outs[0], out)
    # A batch of 3 and a batch of 1 may run different convolution kernels: one
    # float rounding can move a value across a .5 boundary, so 1 grey level.
    np.testing.assert_allclose(model.upscale(batch)[1].astype(int),
                               model.upscale(batch[1]).astype(int), atol=1)
    with pytest.raises(TypeError, match="uint8"):
        model.upscale(odd.astype("float32"))


def test_tiled_and_untiled_upscale_agree():
    model = SRResNet(num_blocks=2, width=8)
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (37, 43, 3), dtype=np.uint8)
    whole = model.upscale(image, tile=None)
    tiled = model.upscale(image, tile=12, overlap=16, batch_size=5)
    assert tiled.shape == whole.shape == (148, 172, 3)
    assert np.abs(tiled.astype(int) - whole.astype(int)).max() <= 1
    # Without context the tile borders show: the overlap is what makes it seamless.
    seamy = model.upscale(image, tile=12, overlap=0)
    assert np.abs(seamy.astype(int) - whole.astype(int)).max() > 1


@pytest.mark.multibackend
def test_srresnet_stage_trains_with_fit_and_round_trips(tmp_path):
    lr, hr = _pairs()
    model = SRResNet(**TINY)
    with pytest.raises(ValueError, match="hr must be 4x the size of lr"):
        model.compile()
        model.fit(lr, hr[:, :12, :12], batch_size=4, verbose=0)
    model.compile()
    assert isinstance(model.loss, PixelLoss) and model.loss.kind == "mse"
    before = [w.copy() for w in model.generator.get_weights()]
    history = model.fit(lr, hr, batch_size=4, epochs=2, verbose=0)
    assert all(np.isfinite(history.history["loss"]))
    assert any(not np.allclose(a, b) for a, b in zip(before, model.generator.get_weights()))
    path = str(tmp_path / "srresnet.keras")
    model.save(path)
    restored = keras.saving.load_model(path)
    assert isinstance(restored, SRResNet) and restored.num_blocks == 1
    image = np.random.default_rng(2).integers(0, 256, (6, 9, 3), dtype=np.uint8)
    np.testing.assert_array_equal(restored.upscale(image), model.upscale(image))
    assert restored.optimizer.iterations.numpy() == model.optimizer.iterations.numpy() == 4


@pytest.mark.multibackend
def test_srgan_stage_trains_adversarially_and_round_trips(tmp_path):
    lr, hr = _pairs()
    stage1 = SRResNet(**TINY)
    gan = SRGAN(generator=stage1, hr_patch=16, discriminator_width=4,
                content_loss="feature_matching", seed=0)
    np.testing.assert_array_equal(gan.generator.get_weights()[0],
                                  stage1.generator.get_weights()[0])
    assert gan.pixel_weight == 1.0 and gan.feature_layers[0] == "block2_act"
    gan.compile()
    assert float(gan.g_optimizer.learning_rate) == pytest.approx(1e-4)
    g0 = [w.copy() for w in gan.generator.get_weights()]
    d0 = [w.copy() for w in gan.discriminator.get_weights()]
    history = gan.fit(lr, hr, batch_size=4, epochs=1, verbose=0)
    for key in ("d_loss", "g_loss", "content_loss", "pixel_loss", "g_adv", "d_real", "d_fake"):
        assert np.isfinite(history.history[key]).all(), key
    assert any(not np.allclose(a, b) for a, b in zip(g0, gan.generator.get_weights()))
    assert any(not np.allclose(a, b) for a, b in zip(d0, gan.discriminator.get_weights()))
    # The stage-1 model is a copy, not shared.
    np.testing.assert_array_equal(stage1.generator.get_weights()[0], g0[0])

    path = str(tmp_path / "srgan.keras")
    gan.save(path)
    restored = keras.saving.load_model(path)
    assert isinstance(restored, SRGAN) and restored.hr_patch == 16
    image = np.random.default_rng(3).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    np.testing.assert_array_equal(restored.upscale(image), gan.upscale(image))
    assert restored.g_optimizer.iterations.numpy() == gan.g_optimizer.iterations.numpy() == 2


def test_srgan_batch_validation():
    gan = SRGAN(hr_patch=16, discriminator_width=4, **TINY)
    gan.compile()
    lr, hr = _pairs()
    with pytest.raises(ValueError, match="16x16 HR patches"):
        gan.fit(lr[:, :2, :2], hr[:, :8, :8], batch_size=4, verbose=0)
    with pytest.raises(ValueError, match="dtype uint8"):
        gan.fit(lr.astype("uint8"), hr, batch_size=4, verbose=0)
    with pytest.raises(ValueError, match="Unknown content_loss"):
        SRGAN(hr_patch=16, content_loss="ssim", **TINY)


def _tiny_extractor():
    inputs = keras.Input((None, None, 3))
    x = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="f1")(inputs)
    return keras.Model(inputs, keras.layers.AveragePooling2D(2)(x), name="tiny_features")


def test_perceptual_loss_with_injected_extractor(tmp_path):
    extractor = _tiny_extractor()
    loss = PerceptualLoss(extractor, feature_scale=0.5)
    lr, hr = _pairs(4)
    assert float(loss(hr, hr)) == pytest.approx(0.0, abs=1e-7)
    value = float(loss(hr, hr[::-1]))
    f = lambda x: 0.5 * keras.ops.convert_to_numpy(extractor(x))  # noqa: E731
    assert value == pytest.approx(np.mean((f(hr) - f(hr[::-1])) ** 2), rel=1e-5)
    clone = PerceptualLoss.from_config(loss.get_config())
    assert clone.feature_scale == 0.5 and clone.distance == "mse"

    gan = SRGAN(hr_patch=16, discriminator_width=4, content_loss=loss, seed=0, **TINY)
    assert gan.pixel_weight == 0.0 and gan.content_extractor is extractor
    gan.compile(run_eagerly=True)  # eager: tiny, and skips a second graph trace
    history = gan.fit(lr, hr, batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(history.history["content_loss"]).all()
    path = str(tmp_path / "srgan_perceptual.keras")
    gan.save(path)
    restored = keras.saving.load_model(path)
    np.testing.assert_allclose(restored.content_extractor.get_weights()[0],
                               extractor.get_weights()[0])


def test_vgg19_offline_error_is_clear_and_never_downloads(tmp_path, monkeypatch):
    from kerasgan.metrics import WeightsNotFoundError

    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "empty_keras_home"))

    def no_network(*args, **kwargs):
        raise AssertionError("a download was attempted")

    monkeypatch.setattr(keras.utils, "get_file", no_network)
    with pytest.raises(WeightsNotFoundError) as err:
        vgg19_features("block5_conv4")
    message = str(err.value)
    assert "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5" in message
    assert "~/.keras/models/" in message and "weights=" in message
    assert "feature_matching" in message and "no download attempted" in message
    with pytest.raises(WeightsNotFoundError, match="does not exist"):
        vgg19_features(weights=str(tmp_path / "missing.h5"))
    with pytest.raises(WeightsNotFoundError):
        SRGAN(hr_patch=16, content_loss="vgg54", **TINY)


def test_vgg19_features_random_init_shapes():
    model = vgg19_features("block2_conv2", weights=None)
    assert not model.trainable
    out = model(np.zeros((1, 32, 24, 3), "float32"))
    assert out.shape == (1, 16, 12, 128)
    with pytest.raises(ValueError, match="has no layer"):
        vgg19_features("block9_conv1", weights=None)
