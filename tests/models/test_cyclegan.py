"""CycleGAN on the shared adversarial core: training, translate, saving."""

import keras
import numpy as np
import pytest

import kerasgan
from kerasgan.models.cyclegan import CycleGAN
from kerasgan.schedules import LinearDecay

TINY = dict(image_size=16, generator_width=4, num_residual_blocks=1,
            discriminator_width=4, discriminator_layers=2, pool_size=3)


def _domains():
    """Two small generated domains: dark horizontal vs bright vertical ramps."""
    rng = np.random.default_rng(0)
    ramp = np.linspace(-1, 1, 16, dtype="float32")
    a = -0.5 + 0.3 * ramp[None, :, None, None] * rng.uniform(0.5, 1, (8, 1, 1, 3))
    b = 0.5 + 0.3 * ramp[None, None, :, None] * rng.uniform(0.5, 1, (8, 1, 1, 3))
    a = a + 0.05 * rng.standard_normal((8, 16, 16, 3))
    b = b + 0.05 * rng.standard_normal((8, 16, 16, 3))
    return (np.clip(a, -1, 1).astype("float32"), np.clip(b, -1, 1).astype("float32"))


@pytest.fixture
def domains():
    return _domains()


def _make_comparable():
    model = CycleGAN(**dict(TINY, pool_size=4, seed=1))
    # SGD: the update is linear in the gradient (see test_distribution.py);
    # the schedule is constant for the one step taken.
    model.compile(g_optimizer=keras.optimizers.SGD(LinearDecay(0.1, 1, 1)),
                  d_optimizer=keras.optimizers.SGD(0.1), loss="hinge")
    return model


@pytest.fixture(scope="module")
def trained():
    """A tiny CycleGAN after one step on one device: (model, initial weights, history)."""
    a, b = _domains()
    model = _make_comparable()
    init = model.get_weights()
    before = _snapshot(model)
    history = model.fit(a[:4], b[:4], batch_size=4, epochs=1, shuffle=False, verbose=0)
    return model, init, before, history


def _networks(model):
    return {"generator_ab": model.generator_ab, "generator_ba": model.generator_ba,
            "discriminator_a": model.discriminator_a, "discriminator_b": model.discriminator_b}


def _snapshot(model):
    return {k: [w.numpy().copy() for w in net.trainable_weights]
            for k, net in _networks(model).items()}


def _check_trained(model, before, history):
    for name, weights in _snapshot(model).items():
        moved = max(np.abs(a - b).max() for a, b in zip(weights, before[name]))
        assert moved > 0, f"{name} did not change"
    expected = {"d_loss", "g_loss", "da_real", "da_fake", "db_real", "db_fake",
                "cycle_loss", "identity_loss"}
    assert expected <= set(history.history)
    for key in expected:
        assert np.all(np.isfinite(history.history[key])), key


def test_mirrored_strategy_step_matches_one_device(strategy, domains, trained):
    """A tiny CycleGAN trains on one device and on two; both give the same update.

    Checks that the cycle/identity L1 losses are scaled for replicas and that
    every replica keeps its own history pool (which returns the current images
    while filling, so the first step is the same on 1 and 2 devices).
    """
    import tensorflow as tf

    a, b = domains
    single, init, before, history = trained
    _check_trained(single, before, history)
    with strategy.scope():
        mirrored = _make_comparable()
        mirrored.set_weights(init)
    history = mirrored.fit(tf.data.Dataset.from_tensor_slices((a[:4], b[:4])).batch(4),
                           epochs=1, verbose=0)
    assert mirrored.distribute_strategy.num_replicas_in_sync == 2
    _check_trained(mirrored, before, history)
    for x, y, w in zip(single.get_weights(), mirrored.get_weights(), single.weights):
        if "pool" not in w.path:
            np.testing.assert_allclose(x, y, rtol=1e-4, atol=2e-5, err_msg=w.path)
    # One device stored 4 images; each replica stored its own 2.
    assert single.pool_a.num_stored == single.pool_b.num_stored == 4
    counts = [int(v.numpy()) for v in mirrored.pool_b.count.value.values]
    assert counts == [2, 2]
    assert mirrored.translate(np.zeros((2, 9, 13, 3), "uint8")).shape == (2, 9, 13, 3)


@pytest.mark.multibackend
def test_one_step_trains_all_four_networks_and_fills_the_pools(trained):
    model, _, before, history = trained
    _check_trained(model, before, history)
    assert int(model.g_optimizer.iterations.numpy()) == int(model.d_optimizer.iterations.numpy()) == 1
    assert model.pool_a.num_stored == model.pool_b.num_stored == 4


def test_defaults_follow_the_paper():
    model = CycleGAN(**TINY)
    model.compile()
    assert isinstance(model.adversarial_loss, kerasgan.losses.LeastSquares)
    for opt in (model.g_optimizer, model.d_optimizer):
        assert isinstance(opt, keras.optimizers.Adam)
        assert float(opt.learning_rate) == pytest.approx(2e-4) and opt.beta_1 == 0.5
    assert "identity_loss" in model.objective_metric_names()
    no_identity = CycleGAN(identity_weight=0.0, **TINY)
    no_identity.compile()
    assert "identity_loss" not in no_identity.objective_metric_names()
    assert model.cycle_weight == 10.0 and model.identity_weight == 0.5


@pytest.mark.parametrize("size", [(17, 23), (31, 9), (5, 3), (16, 16)])
def test_translate_keeps_size(size):
    model = CycleGAN(**TINY)
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, size + (3,), dtype=np.uint8)
    for direction in ("a2b", "b2a"):
        out = model.translate(image, direction=direction)
        assert out.shape == image.shape and out.dtype == np.uint8
    batch = model.translate(np.stack([image] * 3), batch_size=2)
    assert batch.shape == (3,) + image.shape
    np.testing.assert_array_equal(batch[2], model.translate(image))


def test_translate_pil_and_lists():
    from PIL import Image

    model = CycleGAN(**TINY)
    rgba = Image.fromarray(np.full((10, 14, 4), 200, np.uint8), "RGBA")
    assert model.translate(rgba).shape == (10, 14, 3)
    gray = Image.fromarray(np.full((7, 6), 30, np.uint8), "L")
    outs = model.translate([gray, np.zeros((12, 20, 3), np.uint8)], direction="b2a")
    assert [o.shape for o in outs] == [(7, 6, 3), (12, 20, 3)]


def test_bad_inputs_give_clear_errors(domains):
    model = CycleGAN(**TINY)
    with pytest.raises(ValueError, match="valid directions are 'a2b', 'b2a'"):
        model.translate(np.zeros((8, 8, 3), np.uint8), direction="ab")
    with pytest.raises(ValueError, match="3 channels"):
        model.translate(np.zeros((8, 8, 4), np.uint8))
    with pytest.raises(ValueError, match="uint8"):
        model.translate(np.zeros((8, 8, 3), np.float32))
    with pytest.raises(ValueError, match="multiple of 4"):
        CycleGAN(image_size=18)
    with pytest.raises(ValueError, match="at least 24x24"):
        CycleGAN(image_size=16, discriminator_layers=3)
    model.compile()
    a, b = domains
    with pytest.raises(ValueError, match=r"\(images_a, images_b\)"):
        model.fit(a, batch_size=2, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="4 channels"):
        model.fit(np.zeros((2, 16, 16, 4), "float32"), b[:2], batch_size=2, verbose=0)
    with pytest.raises(ValueError, match=r"float domain A images scaled to \[-1, 1\].*uint8"):
        model.fit(np.zeros((2, 16, 16, 3), "uint8"), b[:2], batch_size=2, verbose=0)
    with pytest.raises(ValueError, match="16x16 crops"):
        model.fit(np.zeros((2, 32, 32, 3), "float32"), np.zeros((2, 32, 32, 3), "float32"),
                  batch_size=2, verbose=0)


def test_save_load_round_trip(tmp_path, trained):
    model = trained[0]
    path = str(tmp_path / "cyclegan.keras")
    model.save(path)
    restored = keras.saving.load_model(path)
    assert isinstance(restored, CycleGAN)
    assert restored.get_config() == model.get_config()
    assert isinstance(restored.adversarial_loss, kerasgan.losses.Hinge)
    assert restored.g_optimizer.get_config()["learning_rate"]["class_name"] == "LinearDecay"
    assert int(restored.g_optimizer.iterations.numpy()) == 1
    for x, y in zip(model.get_weights(), restored.get_weights()):
        np.testing.assert_array_equal(x, y)
    assert restored.pool_a.num_stored == model.pool_a.num_stored == 4
    image = np.random.default_rng(1).integers(0, 256, (2, 13, 22, 3), dtype=np.uint8)
    for direction in ("a2b", "b2a"):
        np.testing.assert_array_equal(model.translate(image, direction),
                                      restored.translate(image, direction))


def test_preset_round_trip(tmp_path):
    from kerasgan import zoo

    model = CycleGAN(**TINY)
    zoo.save_preset(model, str(tmp_path / "tiny_cyclegan"),
                    weights={"generator_ab": model.generator_ab,
                             "generator_ba": model.generator_ba},
                    metadata={"task": "translate", "description": "test"})
    loaded = zoo.load(str(tmp_path / "tiny_cyclegan"))
    image = np.random.default_rng(2).integers(0, 256, (1, 11, 19, 3), dtype=np.uint8)
    np.testing.assert_array_equal(loaded.translate(image, direction="b2a"),
                                  model.translate(image, direction="b2a"))


def test_linear_decay_schedule():
    lr = LinearDecay.from_epochs(2e-4, constant_epochs=2, decay_epochs=2, steps_per_epoch=10)
    values = [float(lr(s)) for s in (0, 10, 20, 25, 30, 40, 50)]
    np.testing.assert_allclose(values, [2e-4, 2e-4, 2e-4, 1.5e-4, 1e-4, 0.0, 0.0], atol=1e-9)
    clone = LinearDecay.from_config(lr.get_config())
    assert float(clone(25)) == pytest.approx(1.5e-4)
    restored = keras.optimizers.schedules.deserialize(keras.optimizers.schedules.serialize(lr))
    assert isinstance(restored, LinearDecay) and restored.decay_steps == 20
    with pytest.raises(ValueError, match="decay_steps"):
        LinearDecay(1e-3, 0, 0)


@pytest.fixture(scope="module")
def ema_trained():
    """A tiny CycleGAN with EMA generators after two steps of Adam, and its
    EMA generator_ab's weights before them."""
    a, b = _domains()
    model = CycleGAN(**dict(TINY, ema_decay=0.5, seed=3))
    model.compile(g_optimizer=keras.optimizers.Adam(1e-2, beta_1=0.5),
                  d_optimizer=keras.optimizers.Adam(1e-2, beta_1=0.5))
    initial = model.ema_generator_ab.get_weights()
    model.fit(a[:4], b[:4], batch_size=2, epochs=1, shuffle=False, verbose=0)
    return model, initial


def _outputs(network, image):
    x = image.astype("float32") / 127.5 - 1.0
    return kerasgan.utils.images.to_uint8(keras.ops.convert_to_numpy(network(x)))


@pytest.mark.multibackend
def test_ema_generators_average_and_translate(ema_trained):
    model, initial = ema_trained
    assert model.translators == {"a2b": model.ema_generator_ab, "b2a": model.ema_generator_ba}
    for live, ema in ((model.generator_ab, model.ema_generator_ab),
                      (model.generator_ba, model.ema_generator_ba)):
        assert not ema.trainable_weights  # never trained, only averaged
        assert any(not np.allclose(w, e) for w, e in zip(live.get_weights(), ema.get_weights()))
    # The average moved during fit (on every backend, inside the compiled step).
    assert any(not np.allclose(w, e) for w, e in zip(initial, model.ema_generator_ab.get_weights()))
    image = np.random.default_rng(4).integers(0, 256, (2, 16, 16, 3), dtype=np.uint8)
    np.testing.assert_array_equal(model.translate(image, direction="b2a"),
                                  _outputs(model.ema_generator_ba, image))
    assert not np.array_equal(_outputs(model.generator_ba, image),
                              _outputs(model.ema_generator_ba, image))
    # Only the live generators train.
    names = {v.path for v in model.generator_trainable_variables}
    assert names and not any("ema_" in n for n in names)
    with pytest.raises(ValueError, match="ema_decay must be in \\(0, 1\\).*received 1.0"):
        CycleGAN(**dict(TINY, ema_decay=1.0))


def test_ema_save_load_and_preset_round_trip(tmp_path, ema_trained):
    from kerasgan import zoo

    model = ema_trained[0]
    path = str(tmp_path / "ema.keras")
    model.save(path)
    restored = keras.saving.load_model(path)
    assert restored.get_config()["ema_decay"] == 0.5
    for x, y in zip(model.ema_generator_ab.get_weights(), restored.ema_generator_ab.get_weights()):
        np.testing.assert_array_equal(x, y)
    # A preset of the EMA generators stored as the generators translates the same
    # without EMA copies of its own.
    folder = str(tmp_path / "ema_preset")
    zoo.save_preset(model, folder, weights={"generator_ab": model.ema_generator_ab,
                                            "generator_ba": model.ema_generator_ba},
                    metadata={"task": "translate", "description": "test"})
    loaded = zoo.load(folder)
    assert loaded.ema_decay is None and loaded.ema_generator_ab is None
    image = np.random.default_rng(5).integers(0, 256, (1, 12, 20, 3), dtype=np.uint8)
    for direction in ("a2b", "b2a"):
        np.testing.assert_array_equal(loaded.translate(image, direction=direction),
                                      model.translate(image, direction=direction))
