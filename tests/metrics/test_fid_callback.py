"""FIDCallback during fit: logs `fid`, keeps the best weights."""

import math
import os

import numpy as np
import pytest

import kerasgan
from kerasgan import metrics


def test_fid_callback_logs_and_checkpoints_best(tmp_path, real_images):
    gan = kerasgan.models.DCGAN(image_size=16, latent_dim=8, generator_width=8,
                                discriminator_width=8)
    gan.compile()
    real_uint8 = kerasgan.utils.images.to_uint8(real_images[:16])
    path = str(tmp_path / "best" / "fid_{epoch:02d}.weights.h5")
    cb = metrics.FIDCallback(real_uint8, every=1, num_samples=16, extractor="tiny",
                             batch_size=8, checkpoint_path=path, verbose=0)
    history = gan.fit(real_images[:16], batch_size=8, epochs=2, verbose=0, callbacks=[cb])
    fids = history.history["fid"]
    assert len(fids) == 2 and all(math.isfinite(v) and v >= 0 for v in fids)
    assert [epoch for epoch, _ in cb.results] == [1, 2]
    assert str(cb.results[0][1]).startswith("FID@16 (TinyRandomFeatures-seed0-d16):")
    assert cb.best == min(fids) and cb.best_epoch == 1 + int(np.argmin(fids))
    # One file per improvement; the last one written is the best epoch's weights.
    improved = [1] + ([2] if fids[1] < fids[0] else [])
    assert sorted(os.listdir(tmp_path / "best")) == [
        f"fid_{e:02d}.weights.h5" for e in improved]
    assert cb.best_path == path.format(epoch=cb.best_epoch)
    restored = kerasgan.models.DCGAN(image_size=16, latent_dim=8, generator_width=8,
                                     discriminator_width=8)
    restored.load_weights(cb.best_path)
    if cb.best_epoch == 2:
        np.testing.assert_array_equal(restored.generate(4, seed=1), gan.generate(4, seed=1))
    # The real statistics were computed once and match a standalone FID.
    standalone = metrics.fid(real_uint8, gan.generate(16, seed=0), extractor="tiny",
                             verbose=False)
    assert float(standalone) == pytest.approx(fids[-1], rel=1e-6)


class _FakeGenerator:
    """Just enough of a GAN for the callback: generate() from a seed."""

    def __init__(self):
        self.shift = 0

    def generate(self, num, seed=None):
        rng = np.random.default_rng(seed)
        return np.clip(rng.integers(0, 256, (num, 8, 8, 3)) - self.shift, 0, 255).astype(
            np.uint8)


def test_fid_callback_every_n_epochs_and_precomputed_statistics():
    rng = np.random.default_rng(0)
    real = rng.integers(0, 256, (32, 8, 8, 3), dtype=np.uint8)
    stats = metrics.compute_statistics(real, metrics.TinyFeatures(), verbose=False)
    cb = metrics.FIDCallback(stats, every=2, num_samples=32, extractor=metrics.TinyFeatures(),
                             verbose=0)
    model = _FakeGenerator()
    cb.set_model(model)
    cb.set_params({"epochs": 5})
    cb.on_train_begin()
    logged = {}
    for epoch in range(5):
        logs = {}
        model.shift = 10 * epoch  # samples get darker: FID grows
        cb.on_epoch_end(epoch, logs)
        if "fid" in logs:
            logged[epoch + 1] = logs["fid"]
    assert sorted(logged) == [2, 4, 5]  # every 2 epochs, and the last
    assert cb.best_epoch == 2 and cb.best == logged[2]
    with pytest.raises(ValueError, match="weights.h5"):
        metrics.FIDCallback(real, checkpoint_path="best.h5")
