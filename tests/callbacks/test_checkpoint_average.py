"""Checkpoint averaging: the mean of a network over ResumableBackup checkpoints."""

import os

import keras
import numpy as np
import pytest

import kerasgan
from kerasgan.callbacks import ResumableBackup, average_checkpoints, newest_checkpoints
from kerasgan.callbacks.resume import CorruptCheckpointError, WEIGHTS_FILE

STEPS = 4


class RecordWeights(keras.callbacks.Callback):
    """Copies the generator's weights after each step (after the backup wrote them)."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def on_train_batch_end(self, batch, logs=None):
        self.seen.append([np.array(w) for w in self.model.generator.get_weights()])


def _trained(backup_dir, keep=3):
    gan = kerasgan.models.DCGAN(image_size=16, latent_dim=4, generator_width=4,
                                discriminator_width=4, seed=0)
    gan.compile()
    images = np.random.default_rng(0).uniform(-1, 1, (8, 16, 16, 3)).astype("float32")
    record = RecordWeights()
    backup = ResumableBackup(str(backup_dir), save_freq=1, keep=keep, delete_checkpoint=False)
    gan.fit(images, batch_size=2, epochs=1, steps_per_epoch=STEPS, shuffle=False, verbose=0,
            callbacks=[backup, record])
    return gan, record.seen


def _numpy(variables):
    return [keras.ops.convert_to_numpy(v).copy() for v in variables]


def test_generator_is_the_mean_of_the_kept_checkpoints_and_nothing_else_moves(tmp_path):
    gan, seen = _trained(tmp_path / "backup", keep=3)
    assert len(seen) == STEPS
    ckpts = newest_checkpoints(str(tmp_path / "backup"), 3)
    assert [os.path.basename(p) for p in ckpts] == [f"ckpt-{s:012d}" for s in (2, 3, 4)]
    others = _numpy(gan.discriminator.weights) + _numpy(gan.g_optimizer.variables) \
        + _numpy(gan.d_optimizer.variables)
    last = _numpy(gan.generator.weights)
    for mine, final in zip(last, seen[-1]):
        np.testing.assert_allclose(mine, final, rtol=1e-6, atol=1e-7)

    average_checkpoints(gan, ckpts, ["generator"])
    expected = [np.mean([np.asarray(step[i], "float64") for step in seen[1:]], axis=0)
                for i in range(len(seen[0]))]
    moved = 0.0
    for got, want, final in zip(gan.generator.get_weights(), expected, last):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
        moved = max(moved, float(np.abs(got - final).max()))
    assert moved > 1e-5, "the mean of 3 different steps must differ from the last step"
    # The discriminator and the optimizers keep the state they had: these are
    # copies of the same float32 values, so they match exactly.
    after = _numpy(gan.discriminator.weights) + _numpy(gan.g_optimizer.variables) \
        + _numpy(gan.d_optimizer.variables)
    for a, b in zip(others, after):
        np.testing.assert_array_equal(a, b)


def test_whole_model_and_weights_files(tmp_path):
    gan, seen = _trained(tmp_path / "backup", keep=2)
    files = [os.path.join(p, WEIGHTS_FILE) for p in newest_checkpoints(str(tmp_path / "backup"), 2)]
    average_checkpoints(gan, files)  # networks=None: every weight of the model
    for got, a, b in zip(gan.generator.get_weights(), seen[-2], seen[-1]):
        np.testing.assert_allclose(got, (np.float64(a) + b) / 2, rtol=1e-5, atol=1e-6)


def test_errors_name_the_problem(tmp_path):
    gan, _ = _trained(tmp_path / "backup", keep=2)
    backup = str(tmp_path / "backup")
    with pytest.raises(ValueError, match=r"last 5 checkpoints needs 5; .* holds 2.*keep=5"):
        newest_checkpoints(backup, 5)
    with pytest.raises(ValueError, match="positive integer"):
        newest_checkpoints(backup, 0)
    ckpts = newest_checkpoints(backup, 2)
    with pytest.raises(ValueError, match=r"no network 'generator_ab'.*'generator'"):
        average_checkpoints(gan, ckpts, ["generator_ab"])
    with pytest.raises(ValueError, match="at least one checkpoint"):
        average_checkpoints(gan, [], ["generator"])
    with pytest.raises(FileNotFoundError, match="No checkpoint at"):
        average_checkpoints(gan, [str(tmp_path / "nowhere")], ["generator"])
    weights = os.path.join(ckpts[0], WEIGHTS_FILE)
    with open(weights, "r+b") as f:
        f.truncate(os.path.getsize(weights) // 2)
    before = _numpy(gan.generator.weights)
    with pytest.raises(CorruptCheckpointError, match="truncated"):
        average_checkpoints(gan, ckpts, ["generator"])
    for a, b in zip(before, _numpy(gan.generator.weights)):
        np.testing.assert_array_equal(a, b)  # untouched: checked before loading
