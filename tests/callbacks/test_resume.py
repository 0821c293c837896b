"""ResumableBackup: a run killed with SIGKILL mid-epoch and restarted ends where an
uninterrupted run ends; checkpoints are atomic, verified and complete."""

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
import traceback

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasgan
from kerasgan.callbacks import ResumableBackup, resumable_dataset
from kerasgan.callbacks.resume import CheckpointMismatchError, CorruptCheckpointError
from kerasgan.callbacks.resume.state import _extra_variables

HERE = os.path.dirname(os.path.abspath(__file__))
WORKER = os.path.join(HERE, "resume_worker.py")
ROOT = os.path.dirname(os.path.dirname(HERE))


# ------------------------------------------------------------ the kill test
def _worker(backup_dir, out, *extra, log):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3",
               PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.Popen([sys.executable, WORKER, str(backup_dir), str(out), *extra],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def _load(out):
    with np.load(out) as f:
        return json.loads(str(f["info"])), {k: f[k] for k in f.files if k != "info"}


def test_sigkill_mid_epoch_then_restart_matches_uninterrupted_run(tmp_path):
    # 3 epochs x 8 steps, checkpoints every 3 steps and at epoch ends, keep 2.
    # The victim is killed with SIGKILL while writing the checkpoint of step 15
    # (epoch 1, batch 7), its weights file half written: the newest committed
    # checkpoint is step 12 (epoch 1, batch 4), mid-epoch.
    logs = {name: open(tmp_path / f"{name}.log", "w+") for name in ("ref", "victim", "resumed")}
    ready = tmp_path / "ready"
    ref = _worker(tmp_path / "ref_backup", tmp_path / "ref.npz", log=logs["ref"])
    victim = _worker(tmp_path / "backup", tmp_path / "victim.npz",
                     "--block-in-save-at", "15", "--ready", str(ready), log=logs["victim"])
    try:
        deadline = time.monotonic() + 120
        while not ready.exists():
            if victim.poll() is not None or time.monotonic() > deadline:
                logs["victim"].seek(0)
                pytest.fail(f"worker never reached step 15:\n{logs['victim'].read()[-3000:]}")
            time.sleep(0.05)
        os.kill(victim.pid, signal.SIGKILL)
        assert victim.wait(30) == -signal.SIGKILL
    finally:
        if victim.poll() is None:
            victim.kill()
    assert not (tmp_path / "victim.npz").exists()
    names = sorted(p.name for p in (tmp_path / "backup").iterdir())
    assert names[0] == f".tmp-ckpt-000000000015-{victim.pid}"  # the interrupted write
    assert names[1:] == ["ckpt-000000000009", "ckpt-000000000012"]
    meta = ResumableBackup.read_checkpoint(str(tmp_path / "backup" / names[-1]))
    assert (meta["global_step"], meta["epoch"], meta["batch"]) == (12, 1, 4)

    resumed = _worker(tmp_path / "backup", tmp_path / "resumed.npz", log=logs["resumed"])
    for name, proc in (("resumed", resumed), ("ref", ref)):
        if proc.wait(120) != 0:
            logs[name].seek(0)
            pytest.fail(f"{name} worker failed:\n{logs[name].read()[-3000:]}")
    ref_info, ref_state = _load(tmp_path / "ref.npz")
    info, state = _load(tmp_path / "resumed.npz")

    # Counters: resumed at step 12 = epoch 1 batch 4; trained exactly steps 13..24.
    assert (info["initial_step"], info["initial_epoch"], info["initial_batch"]) == (12, 1, 4)
    assert info["trained_steps"] == list(range(13, 25))
    assert ref_info["trained_steps"] == list(range(1, 25))
    assert info["epochs_run"] == [1, 2]
    for key in ("global_step", "epoch", "g_iterations", "d_iterations"):
        assert info[key] == ref_info[key], key
    assert info["g_iterations"] == info["d_iterations"] == 24
    # Epoch metrics of the resumed epoch cover all its batches, as uninterrupted.
    for name, values in ref_info["history"].items():
        assert info["history"][name] == values[1:], name
    # Exactly the same weights, EMA generator, optimizer slots and metrics.
    assert sorted(state) == sorted(ref_state) and len(state) > 60
    for key in ref_state:
        np.testing.assert_array_equal(state[key], ref_state[key], err_msg=key)
    # fit completed: the checkpoints are gone.
    assert not info["backup_dir_left"]
    for log in logs.values():
        log.close()


# ------------------------------------------------------------ in-process helpers
DATA = np.random.default_rng(0).uniform(-1, 1, (16, 16, 16, 3)).astype("float32")
SPE = 4  # 16 images, batch 4


def _source():
    return (tf.data.Dataset.from_tensor_slices(DATA).shuffle(16, seed=3)
            .batch(4, drop_remainder=True).repeat())


def _gan(seed=0, width=8, ema=None, **compile_kwargs):
    gan = kerasgan.models.DCGAN(image_size=16, latent_dim=8, generator_width=8,
                                discriminator_width=width, ema_decay=ema, seed=seed)
    gan.compile(**compile_kwargs)
    return gan


def _fit(gan, backup, epochs=1, **kw):
    stream = backup.dataset(_source)
    kw.setdefault("initial_epoch", backup.initial_epoch)
    return gan.fit(stream, steps_per_epoch=SPE, epochs=epochs, callbacks=[backup],
                   verbose=0, **kw)


def _state(gan):
    variables = (list(gan.variables) + list(gan.g_optimizer.variables)
                 + list(gan.d_optimizer.variables) + list(gan.metrics_variables))
    return [keras.ops.convert_to_numpy(v).copy() for v in variables]


def _assert_same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        # In-process, without op determinism: equal up to float reassociation.
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------ in-process tests
def test_what_save_weights_holds_and_what_the_backup_adds(tmp_path):
    # mixed_float16: both optimizers are LossScaleOptimizers; EMA generator on.
    keras.mixed_precision.set_global_policy("mixed_float16")
    gan = _gan(ema=0.9)
    assert isinstance(gan.g_optimizer, keras.optimizers.LossScaleOptimizer)
    gan.g_optimizer.dynamic_scale.assign(1024.0)
    gan.fit(_source(), steps_per_epoch=2, epochs=1, verbose=0)
    path = str(tmp_path / "w.weights.h5")
    gan.save_weights(path)
    other = _gan(seed=5, ema=0.9)
    other.load_weights(path)

    def values(vs):
        return [keras.ops.convert_to_numpy(v) for v in vs]

    # In save_weights: layers (incl. BatchNorm statistics and the EMA generator)
    # and both optimizers' variables, the loss scale and iterations included.
    for a, b in [(gan.weights, other.weights), (gan.g_optimizer.variables,
                 other.g_optimizer.variables), (gan.d_optimizer.variables,
                 other.d_optimizer.variables)]:
        for x, y in zip(values(a), values(b)):
            np.testing.assert_array_equal(x, y)
    assert float(other.g_optimizer.dynamic_scale.numpy()) == 1024.0
    assert int(other.g_optimizer.iterations.numpy()) == 2
    assert {id(v) for v in gan.ema_generator.weights} <= {id(v) for v in gan.weights}
    # Not in save_weights: the seed-generator state and the metric accumulators.
    extras = _extra_variables(gan)
    assert {v.path for v in extras} >= {v.path for v in gan.metrics_variables}
    assert any("seed_generator_state" in v.path for v in extras)
    seed_state = [v for v in other.variables if "seed_generator_state" in v.path][0]
    assert seed_state.numpy()[0] != gan.seed_generator.state.numpy()[0]
    assert float(other.metrics_variables[0].numpy()) != float(gan.metrics_variables[0].numpy())


def test_mid_epoch_resume_restores_the_full_state(tmp_path):
    keras.mixed_precision.set_global_policy("mixed_float16")
    backup_dir = str(tmp_path / "backup")
    gan = _gan(ema=0.9)
    gan.g_optimizer.dynamic_scale.assign(1024.0)
    history = _fit(gan, ResumableBackup(backup_dir, save_freq=2, delete_checkpoint=False))
    final = _state(gan)
    assert sorted(os.listdir(backup_dir)) == ["ckpt-000000000002", "ckpt-000000000004"]

    # Resume a fresh model (another noise seed, fresh optimizers) from step 2:
    # epoch 0, batch 2. It trains the 2 remaining batches of epoch 0.
    shutil.rmtree(os.path.join(backup_dir, "ckpt-000000000004"))
    other = _gan(seed=5, ema=0.9)
    backup = ResumableBackup(backup_dir, save_freq=2, delete_checkpoint=False)
    assert (backup.initial_step, backup.initial_epoch, backup.initial_batch) == (2, 0, 2)
    resumed = _fit(other, backup)
    assert backup.global_step == 4 and (backup.epoch, backup.batch) == (1, 0)
    assert int(other.g_optimizer.iterations.numpy()) == 4
    _assert_same(_state(other), final)  # weights, EMA, optimizers, loss scale, seed, metrics
    for name, values in history.history.items():
        np.testing.assert_allclose(resumed.history[name], values, rtol=1e-5, err_msg=name)


@pytest.mark.slow
def test_mid_epoch_resume_under_mirrored_strategy(strategy, tmp_path):
    def gan(seed):
        with strategy.scope():
            return _gan(seed=seed)

    backup_dir = str(tmp_path / "backup")
    first = gan(0)
    history = _fit(first, ResumableBackup(backup_dir, save_freq=2, delete_checkpoint=False))
    final = _state(first)
    shutil.rmtree(os.path.join(backup_dir, "ckpt-000000000004"))
    other = gan(5)
    backup = ResumableBackup(backup_dir, save_freq=2, delete_checkpoint=False)
    resumed = _fit(other, backup)
    assert backup.initial_step == 2 and backup.global_step == 4
    _assert_same(_state(other), final)
    for name, values in history.history.items():
        np.testing.assert_allclose(resumed.history[name], values, rtol=1e-5, err_msg=name)


def test_corrupt_checkpoints_fall_back_or_fail_clearly(tmp_path, caplog):
    backup_dir = tmp_path / "backup"
    gan = _gan()
    _fit(gan, ResumableBackup(str(backup_dir), save_freq=2, delete_checkpoint=False))
    newest = backup_dir / "ckpt-000000000004"
    # A kill during a write leaves a temporary directory; a disk error a
    # truncated file.
    (backup_dir / ".tmp-ckpt-000000000006-123").mkdir()
    (backup_dir / ".tmp-ckpt-000000000006-123" / "model.weights.h5").write_bytes(b"\0" * 10)
    weights = newest / "model.weights.h5"
    weights.write_bytes(weights.read_bytes()[:1000])

    backup = ResumableBackup(str(backup_dir), save_freq=2, delete_checkpoint=False)
    with caplog.at_level(logging.WARNING, logger="kerasgan"):
        assert backup.initial_step == 2
    assert "ckpt-000000000004" in caplog.text and "truncated" in caplog.text
    other = _gan()
    _fit(other, backup)
    assert backup.global_step == 4
    names = sorted(os.listdir(backup_dir))
    assert "ckpt-000000000004" in names and "ckpt-000000000002" in names  # rewritten
    assert not any(n.startswith(".tmp-") for n in names)
    assert any(n.startswith("ckpt-000000000004.corrupt-") for n in names)  # set aside

    # Every checkpoint unreadable: a clear error, never a silent fresh start.
    for name in ("ckpt-000000000002", "ckpt-000000000004"):
        (backup_dir / name / "metadata.json").write_text("{not json")
    with pytest.raises(CorruptCheckpointError, match="No usable checkpoint.*Delete the directory"):
        ResumableBackup(str(backup_dir)).initial_step


@pytest.mark.filterwarnings("ignore:The discriminator")
def test_checkpoint_of_another_setup_is_refused(tmp_path):
    backup_dir = str(tmp_path / "backup")
    _fit(_gan(), ResumableBackup(backup_dir, save_freq=2, delete_checkpoint=False))

    with pytest.raises(CheckpointMismatchError,
                       match=r"does not match this DCGAN.*shape \(4, 4, 3, 8\).*\(4, 4, 3, 16\)"):
        _fit(_gan(width=16), ResumableBackup(backup_dir))
    with pytest.raises(CheckpointMismatchError, match="does not match this DCGAN"):
        _fit(_gan(ema=0.9), ResumableBackup(backup_dir))
    counts = r"holds (\d+) variables; this DCGAN has (?!\1)\d+ .*'d_penalty/total'"
    with pytest.raises(CheckpointMismatchError, match=counts):
        _fit(_gan(penalty="r1"), ResumableBackup(backup_dir))
    backup = ResumableBackup(backup_dir)
    with pytest.raises(CheckpointMismatchError,
                       match="written with 4 steps per epoch; this fit runs 2"):
        _gan().fit(backup.dataset(_source), steps_per_epoch=2, epochs=2,
                   initial_epoch=backup.initial_epoch, callbacks=[backup], verbose=0)
    with pytest.raises(ValueError, match=r"fit started at epoch 0: pass initial_epoch=backup"):
        _fit(_gan(), ResumableBackup(backup_dir), epochs=2, initial_epoch=0)
    with pytest.raises(ValueError, match="needs a known number of steps per epoch"):
        unknown_length = tf.data.Dataset.from_tensor_slices(DATA).batch(4).filter(
            lambda x: True)
        _gan().fit(unknown_length, epochs=1, verbose=0,
                   callbacks=[ResumableBackup(str(tmp_path / "other"))])


def test_resumable_dataset_starts_the_stream_at_a_step():
    def batches(ds, n):
        return [b.numpy().tolist() for b in ds.take(n)]

    def make_stream():
        return tf.data.Dataset.range(10).shuffle(10, seed=1).batch(2, drop_remainder=True).repeat()

    stream = resumable_dataset(make_stream)
    full = batches(stream, 12)
    assert full[:5] != full[5:10]  # each repetition reshuffled
    assert batches(stream, 12) == full  # ... yet every iterator yields the same sequence
    assert batches(resumable_dataset(make_stream, start_step=7), 5) == full[7:12]
    # make_stream() runs as written, not rewritten by AutoGraph (which warned
    # about every os.walk/os.path call of a folder-listing make_stream).
    where = []

    def listing_stream():
        where.extend(frame.filename for frame in traceback.extract_stack())
        return make_stream()

    assert batches(resumable_dataset(listing_stream), 12) == full
    assert where and not any("autograph_generated" in name for name in where), where
    # A dataset object is skipped too (its reshuffling state is shared between
    # its iterators: this is its first).
    assert batches(resumable_dataset(make_stream(), start_step=7), 5) == full[7:12]

    def make_epoch(epoch):
        order = tf.data.Dataset.range(10).map(lambda i: tf.random.experimental.index_shuffle(
            i, tf.stack([tf.constant(5, tf.int64), epoch]), 9))
        return order.batch(2)

    full = batches(resumable_dataset(make_epoch, steps_per_epoch=4), 12)
    assert full[:4] != full[4:8]  # a new order each epoch
    for start in (3, 4, 9):
        assert batches(resumable_dataset(make_epoch, start, steps_per_epoch=4), 3) == \
            full[start:start + 3]
    with pytest.raises(ValueError, match="finite dataset of 5 batches.*repeat"):
        resumable_dataset(tf.data.Dataset.range(10).batch(2))
    with pytest.raises(ValueError, match="needs steps_per_epoch"):
        resumable_dataset(make_epoch)
    with pytest.raises(ValueError, match="yields 5 batches, fewer than steps_per_epoch=6"):
        resumable_dataset(make_epoch, steps_per_epoch=6)
    with pytest.raises(ValueError, match="make_stream\\(\\) is a finite dataset of 5 batches"):
        resumable_dataset(lambda: tf.data.Dataset.range(10).batch(2))
    with pytest.raises(TypeError, match="make_stream\\(\\) or make_epoch\\(epoch\\).*received 3"):
        resumable_dataset(3)
    with pytest.raises(TypeError, match="make_epoch\\(epoch\\) must return a tf.data.Dataset"):
        resumable_dataset(lambda epoch: [1, 2], steps_per_epoch=2)


# ------------------------------------------------------------ PyDataset sources
@pytest.fixture
def image_dir(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(2)
    folder = tmp_path / "images"
    folder.mkdir()
    for i in range(10):
        Image.fromarray(rng.integers(0, 256, (20, 18, 3), dtype=np.uint8)).save(
            folder / f"{i}.png")
    return str(folder)


def _pydataset(image_dir, **kw):
    return kerasgan.data.image_folder(image_dir, 16, 2, seed=4, augment_flip=True, cache=True,
                                      pipeline="pydataset", **kw)


def test_pydataset_source_resumes_exactly(image_dir, tmp_path):
    # 2 epochs x 5 steps, a checkpoint every 3 steps. Resumed from step 3
    # (epoch 0, batch 3): the resumed epoch ends early, the next one runs in
    # full, on the same stream of batches (read ahead by 2 threads).
    backup_dir = str(tmp_path / "backup")

    def run(gan, backup):
        stream = backup.dataset(lambda: _pydataset(image_dir, workers=2))
        return gan.fit(stream, steps_per_epoch=5, epochs=2, initial_epoch=backup.initial_epoch,
                       callbacks=[backup], verbose=0)

    gan = _gan(ema=0.9)
    history = run(gan, ResumableBackup(backup_dir, save_freq=3, keep=10,
                                       delete_checkpoint=False))
    final = _state(gan)
    assert sorted(os.listdir(backup_dir)) == [f"ckpt-{s:012d}" for s in (3, 5, 6, 9, 10)]
    for step in (5, 6, 9, 10):
        shutil.rmtree(os.path.join(backup_dir, f"ckpt-{step:012d}"))
    other = _gan(seed=5, ema=0.9)
    backup = ResumableBackup(backup_dir, save_freq=3, delete_checkpoint=False)
    assert (backup.initial_step, backup.initial_epoch, backup.initial_batch) == (3, 0, 3)
    resumed = run(other, backup)
    assert backup.global_step == 10 and (backup.epoch, backup.batch) == (2, 0)
    assert int(other.g_optimizer.iterations.numpy()) == 10
    _assert_same(_state(other), final)
    for name, values in history.history.items():
        np.testing.assert_allclose(resumed.history[name], values, rtol=1e-5, err_msg=name)


def test_resumable_dataset_positions_a_pydataset(image_dir):
    ds = _pydataset(image_dir, workers=1)
    full = [ds.get_batch(*divmod(n, 5)) for n in range(12)]
    for source in (ds, lambda: ds):
        stream = resumable_dataset(source, start_step=7)
        for n in range(7, 12):
            np.testing.assert_array_equal(next(stream)[0], full[n])
    # steps_per_epoch shorter than the dataset's epochs: the first batches of each.
    stream = resumable_dataset(ds, start_step=4, steps_per_epoch=3)
    for epoch, index in ((1, 1), (1, 2), (2, 0)):
        np.testing.assert_array_equal(next(stream)[0], ds.get_batch(epoch, index))
    with pytest.raises(ValueError, match="steps_per_epoch=6 is more than the 5 batches"):
        resumable_dataset(ds, steps_per_epoch=6)

    class Finite(keras.utils.PyDataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return DATA[:2]

    with pytest.raises(TypeError, match="cannot position Finite, a finite PyDataset without "
                                        "get_batch.*SeededPyDataset"):
        resumable_dataset(Finite())

    class Forever(Finite):
        @property
        def num_batches(self):
            return None

        def __getitem__(self, i):
            return np.full((2, 3), i, "float32")

    (batch,) = next(resumable_dataset(Forever(), start_step=9))
    np.testing.assert_array_equal(batch, np.full((2, 3), 9.0))
    with pytest.raises(TypeError, match="make_epoch\\(epoch\\) returned a PyDataset"):
        resumable_dataset(lambda epoch: ds, steps_per_epoch=5)


def test_config_and_arguments():
    cb = ResumableBackup("/tmp/x", save_freq=100, keep=3, delete_checkpoint=False)
    again = ResumableBackup.from_config(cb.get_config())
    assert again.get_config() == cb.get_config()
    assert cb.get_config()["save_freq"] == 100
    assert ResumableBackup("/tmp/x", save_freq=None).save_freq == "epoch"
    with pytest.raises(ValueError, match="save_freq must be .*received 0"):
        ResumableBackup("/tmp/x", save_freq=0)
    with pytest.raises(ValueError, match="keep must be a positive integer; received 0"):
        ResumableBackup("/tmp/x", keep=0)
    with pytest.raises(ValueError, match="backup_dir"):
        ResumableBackup("")
