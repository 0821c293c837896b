"""The training-health monitor fires on broken setups and stays quiet on healthy ones."""

import logging

import keras
import numpy as np
import pytest

import kerasgan
from kerasgan.callbacks import TrainingMonitor, batch_diversity


def tiny(**kw):
    return kerasgan.models.DCGAN(image_size=16, latent_dim=8, generator_width=8,
                                 discriminator_width=8, seed=0, **kw)


def _diversity_float64(images, size=16):
    """The definition of batch_diversity, computed pair by pair in float64."""
    x = images.astype("float64") / 127.5 - 1.0
    n, h, w, c = x.shape
    fh, fw = h // size, w // size
    x = x.reshape(n, h // fh, fh, w // fw, fw, c).mean(axis=(2, 4)).reshape(n, -1)
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    return np.mean([np.sqrt(np.mean((x[i] - x[j]) ** 2)) for i, j in pairs])


def test_batch_diversity():
    rng = np.random.default_rng(0)
    same = np.repeat(rng.integers(0, 255, (1, 16, 16, 3), dtype=np.uint8), 8, axis=0)
    # A collapsed batch measures 0 exactly: identical images pool to identical
    # rows, whose differences are exact zeros (no cancellation involved).
    assert batch_diversity(same) < 1e-6
    bright = np.full((8, 32, 32, 3), 255, np.uint8)  # large values: the float32 worst case
    assert batch_diversity(bright) < 1e-6
    assert batch_diversity(rng.integers(0, 255, (8, 16, 16, 3), dtype=np.uint8)) > 0.1
    with pytest.raises(ValueError, match="at least 2"):
        batch_diversity(same[:1])
    with pytest.raises(ValueError, match=r"\(n, h, w, c\)"):
        batch_diversity(same[0])


def test_batch_diversity_is_accurate_for_nearly_identical_images():
    # One grey level apart in a few pixels of bright images: tiny distances
    # (~1e-3) on values near 1, where the Gram-matrix identity used to lose
    # every significant digit in float32.
    rng = np.random.default_rng(1)
    base = np.full((6, 32, 32, 3), 250, np.uint8)
    base[:, rng.integers(0, 32, 40), rng.integers(0, 32, 40)] -= rng.integers(
        0, 2, (6, 40, 1)).astype(np.uint8)
    expected = _diversity_float64(base)
    assert 0 < expected < 1e-2
    # float32 pooling rounds at ~6e-8 per value: far below 1e-4 relative here.
    assert batch_diversity(base) == pytest.approx(expected, rel=1e-4)
    diverse = rng.integers(0, 256, (5, 48, 48, 3), dtype=np.uint8)
    assert batch_diversity(diverse) == pytest.approx(_diversity_float64(diverse), rel=1e-5)


def test_discriminator_winning_is_reported(real_images, caplog):
    # A discriminator learning rate 100x the generator's.
    gan = tiny()
    gan.compile(g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
                d_optimizer=keras.optimizers.Adam(2e-2, beta_1=0.5))
    monitor = TrainingMonitor(patience=2, on_failure="stop")
    with caplog.at_level(logging.WARNING, logger="kerasgan"):
        hist = gan.fit(real_images, batch_size=8, epochs=15, verbose=0, callbacks=[monitor])
    assert [e["symptom"] for e in monitor.events] == ["discriminator_wins"]
    assert "label_smoothing" in caplog.text  # names the remedies
    assert len(hist.history["d_loss"]) < 15  # stopped early


def test_collapsed_generator_is_reported_and_rolled_back(real_images):
    # A generator whose output ignores its latent input.
    g = keras.Sequential([
        keras.Input((8,)),
        keras.layers.Lambda(lambda z: z * 0.0),
        keras.layers.Dense(16 * 16 * 3, activation="tanh"),
        keras.layers.Reshape((16, 16, 3)),
    ])
    d = kerasgan.networks.dcgan_discriminator(16, width=8)
    gan = kerasgan.models.GAN(g, d, seed=0)
    gan.compile()
    monitor = TrainingMonitor(real_images[:16], patience=1, on_failure="rollback")
    w0 = [w.numpy().copy() for w in gan.weights]
    gan.fit(real_images, batch_size=8, epochs=3, verbose=0, callbacks=[monitor])
    assert monitor.events[0]["symptom"] == "mode_collapse"
    assert monitor.events[0]["epoch"] == 1
    assert monitor.history[0]["diversity_ratio"] < 0.01
    # Collapsed from the first epoch: rolled back to the initial weights.
    for a, b in zip(w0, gan.weights):
        np.testing.assert_array_equal(a, b.numpy())


def test_non_finite_losses_stop_training(real_images):
    gan = tiny()
    gan.compile()
    bad = real_images.copy()
    bad[3, 0, 0, 0] = np.nan
    monitor = TrainingMonitor(on_failure="stop")
    hist = gan.fit(bad, batch_size=8, epochs=5, shuffle=False, verbose=0, callbacks=[monitor])
    assert monitor.events[0]["symptom"] == "non_finite"
    assert len(hist.history["d_loss"]) == 1


def test_healthy_run_stays_quiet(real_images):
    gan = tiny()
    gan.compile()
    monitor = TrainingMonitor(real_images[:16], patience=2, on_failure="stop")
    hist = gan.fit(real_images, batch_size=8, epochs=4, verbose=0, callbacks=[monitor])
    assert monitor.events == []
    assert len(hist.history["d_loss"]) == 4
    assert all("diversity_ratio" in r for r in monitor.history)


def test_bad_arguments():
    with pytest.raises(ValueError, match="on_failure"):
        TrainingMonitor(on_failure="explode")
    cfg = TrainingMonitor(patience=3).get_config()
    assert TrainingMonitor.from_config(cfg).patience == 3


def test_collapse_after_a_healthy_start_is_reported():
    rng = np.random.default_rng(0)
    real = rng.integers(0, 255, (16, 16, 16, 3), dtype=np.uint8)

    class FakeGAN:
        stop_training = False
        diverse = True
        weights = []

        def generate(self, num, seed=None):
            if self.diverse:
                return np.random.default_rng(seed).integers(0, 255, (num, 16, 16, 3),
                                                            dtype=np.uint8)
            base = real[:1].astype("int16")
            return np.clip(base + rng.integers(-3, 4, (num, 16, 16, 3)), 0, 255).astype(np.uint8)

    fake = FakeGAN()
    monitor = TrainingMonitor(real, patience=2, on_failure="stop")
    monitor.set_model(fake)
    for epoch in range(2):
        monitor.on_epoch_end(epoch, {"d_loss": 1.0, "g_loss": 1.0})
    assert monitor.events == []
    fake.diverse = False  # nearly identical samples from now on
    for epoch in range(2, 4):
        monitor.on_epoch_end(epoch, {"d_loss": 1.0, "g_loss": 1.0})
    assert [e["symptom"] for e in monitor.events] == ["mode_collapse"]
    assert monitor.events[0]["epoch"] == 4  # after `patience` epochs
    assert fake.stop_training
