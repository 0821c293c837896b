"""`ResumableBackup`: kill-safe, mid-epoch, full-state resume of `fit`.

Interrupt `fit` at any point -- Ctrl-C, a pre-empted VM, `kill -9` -- start
the same script again, and training continues from the last checkpoint as if
it had never stopped: same weights, both optimizers' state (moments, iteration
counts, a `LossScaleOptimizer`'s scale), EMA generator, BatchNorm statistics,
seed-generator state, the running epoch metrics, the epoch and step counters
and Python's and NumPy's global random generators -- *and* the data stream
continues at the batch after the last one the checkpoint had trained on.

What Keras' own `BackupAndRestore` does not give, and this module does:

- **Atomic checkpoints.** Each checkpoint is a directory `ckpt-<step>` holding
  the weights (`model.save_weights`), the state `save_weights` leaves out
  (metric accumulators, seed-generator states) and a metadata file with the
  files' sha256. It is written under a temporary name and committed with one
  `os.replace`; a kill mid-write leaves only a temporary directory, which is
  ignored (and removed on the next start). The `keep` newest checkpoints are
  kept; a checkpoint that fails its checksum on restore is skipped, with a
  warning, in favour of the previous one.
- **Mid-epoch resume without re-training batches.** Keras restarts an
  interrupted epoch from its first batch. Here the data is one infinite,
  deterministic stream of batches, the batch at position `n` being the one
  global step `n` trains on; `ResumableBackup.dataset` starts that stream at
  the checkpoint's step, and the callback ends the resumed epoch after its
  remaining batches, so every epoch and step counter lines up with an
  uninterrupted run.
- **A check that the checkpoint belongs to this model** (class, dtype policy,
  every variable's shape and dtype, steps per epoch), with an error naming the
  first difference.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
import os
import random
import re
import shutil
import time
from typing import Any, Callable

import keras
import numpy as np

logger = logging.getLogger("kerasgan")

FORMAT = "kerasgan.ResumableBackup"
FORMAT_VERSION = 1
WEIGHTS_FILE = "model.weights.h5"
STATE_FILE = "state.npz"
METADATA_FILE = "metadata.json"
_CKPT_RE = re.compile(r"^ckpt-(\d{12})$")
_TMP_PREFIX = ".tmp-ckpt-"
_TRASH_PREFIX = ".trash-ckpt-"


class CheckpointMismatchError(ValueError):
    """A checkpoint was written by a different model or training setup."""


class CorruptCheckpointError(OSError):
    """No checkpoint in the backup directory can be read."""


# --------------------------------------------------------------------- data
def _tf():
    try:
        import tensorflow as tf
    except ImportError as err:  # JAX/PyTorch installs without TensorFlow
        raise ImportError(
            "kerasgan.callbacks.resumable_dataset builds a tf.data pipeline and needs "
            "TensorFlow: pip install tensorflow. (ResumableBackup itself does not; "
            "without it, position your own deterministic data at "
            "backup.initial_step.)"
        ) from err
    return tf


def _source_kind(source) -> str:
    """'dataset', 'stream' (make_stream()) or 'epoch' (make_epoch(epoch))."""
    tf = _tf()

    if isinstance(source, tf.data.Dataset):
        return "dataset"
    if callable(source):
        try:
            params = inspect.signature(source).parameters.values()
        except (TypeError, ValueError):  # some builtins have no signature
            params = None
        if params is not None:
            required = [p for p in params if p.default is p.empty and p.kind in
                        (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
            if len(required) == 0:
                return "stream"
            if len(required) == 1:
                return "epoch"
    raise TypeError(
        "source must be a function make_stream() or make_epoch(epoch) returning a "
        f"tf.data.Dataset, or a tf.data.Dataset; received {source!r}."
    )


def _require_dataset(ds, what: str):
    tf = _tf()

    if not isinstance(ds, tf.data.Dataset):
        raise TypeError(f"{what} must return a tf.data.Dataset; received {ds!r}.")
    return ds


def _require_infinite(ds, what: str) -> None:
    cardinality = int(ds.cardinality())
    if cardinality >= 0:
        raise ValueError(
            f"resumable_dataset needs an infinite stream of batches; {what} is a "
            f"finite dataset of {cardinality} batches. Call .repeat() on it (before "
            ".batch() or after), use kerasgan.data.image_folder(..., repeat=True), "
            "or pass a make_epoch(epoch) function."
        )


def resumable_dataset(source: Callable[..., Any] | Any, start_step: int = 0,
                      steps_per_epoch: int | None = None):
    """An infinite, deterministic stream of batches that starts at `start_step`.

    The stream's `n`-th batch is the one global training step `n` trains on, so
    a run resumed at step `n` sees exactly the batches an uninterrupted run
    would have seen from there on. Pass it to `fit` with `steps_per_epoch`.

    The order must be the same in every process: seeded shuffles, no
    `deterministic=False`, no unseeded random augmentation (tfds' file
    shuffling is unseeded by default). Every iterator of the returned dataset
    yields the same sequence when `source` is a function: the pipeline is
    built afresh inside each iterator, so its random state is never shared.

    Args:
        source: One of
            - `make_stream()`: a function returning an infinite stream of
              batches (`.repeat()`ed, e.g. `kerasgan.data.image_folder(...,
              seed=0, repeat=True)`); it is `.skip()`ped by `start_step`,
              which runs the input pipeline over the skipped batches (cheap
              for in-memory or cached data). The recommended form.
            - `make_epoch(epoch)`: a function returning the finite dataset of
              the batches of epoch `epoch`, a scalar int64 tensor. Derive the
              epoch's order from it with stateless ops
              (`tf.random.experimental.index_shuffle`, `tf.random.stateless_*`;
              `Dataset.shuffle(seed=<tensor>)` fails when TensorFlow's global
              seed is 0). Epoch `e` of the stream is the first
              `steps_per_epoch` batches of `make_epoch(e)`; epochs before
              `start_step` are never built, only the batches of the current
              epoch before it are skipped.
            - a `tf.data.Dataset` (infinite), `.skip()`ped. Only safe when
              its order does not depend on how often it was iterated before:
              a `shuffle(reshuffle_each_iteration=True)` in it shares its
              random state between iterators, and Keras iterates the dataset
              once (reading ahead) before training under a `tf.distribute`
              strategy. Prefer `make_stream`.
        start_step: Global step to start at (`ResumableBackup.initial_step`).
        steps_per_epoch: Batches per epoch; required with `make_epoch`. It
            must equal the `steps_per_epoch` given to `fit`.

    Returns:
        A `tf.data.Dataset` of batches, infinite.

    Example:
    ```python
    stream = kerasgan.callbacks.resumable_dataset(
        lambda: kerasgan.data.image_folder("faces/", 64, 64, seed=0, repeat=True),
        start_step=backup.initial_step)

    images = ...  # float32 (n, 64, 64, 3) in [-1, 1]

    def make_epoch(epoch):  # a permutation of the images per (seed, epoch)
        n = len(images)
        order = tf.data.Dataset.range(n).map(
            lambda i: tf.random.experimental.index_shuffle(
                i, tf.stack([tf.constant(1234, tf.int64), epoch]), n - 1))
        return order.map(lambda i: tf.gather(images, i)).batch(64, drop_remainder=True)

    stream = kerasgan.callbacks.resumable_dataset(
        make_epoch, start_step=backup.initial_step, steps_per_epoch=len(images) // 64)
    ```
    """
    tf = _tf()

    if not isinstance(start_step, (int, np.integer)) or isinstance(start_step, bool) \
            or start_step < 0:
        raise ValueError(f"start_step must be a non-negative integer; received {start_step!r}.")
    start_step = int(start_step)
    if steps_per_epoch is not None and (
        isinstance(steps_per_epoch, bool)
        or not isinstance(steps_per_epoch, (int, np.integer)) or steps_per_epoch < 1
    ):
        raise ValueError(
            f"steps_per_epoch must be a positive integer or None; received {steps_per_epoch!r}."
        )
    kind = _source_kind(source)
    if kind == "dataset":
        _require_infinite(source, "the dataset")
        stream, offset = source, start_step
    elif kind == "stream":
        _require_infinite(_require_dataset(source(), "make_stream()"), "make_stream()")
        stream = tf.data.Dataset.from_tensors(tf.constant(0, tf.int64)).flat_map(
            lambda _: source())
        offset = start_step
    else:
        if steps_per_epoch is None:
            raise ValueError(
                "resumable_dataset(make_epoch, ...) needs steps_per_epoch: the number "
                "of batches of each epoch that the stream takes (the steps_per_epoch "
                "you pass to fit)."
            )
        steps_per_epoch = int(steps_per_epoch)
        first_epoch, offset = divmod(start_step, steps_per_epoch)
        probe = _require_dataset(source(tf.constant(first_epoch, tf.int64)), "make_epoch(epoch)")
        known = int(probe.cardinality())
        if 0 <= known < steps_per_epoch:
            raise ValueError(
                f"make_epoch(epoch) yields {known} batches, fewer than steps_per_epoch="
                f"{steps_per_epoch}; epochs of the stream would not line up with fit's "
                "epochs. Lower steps_per_epoch or make each epoch longer."
            )
        stream = tf.data.Dataset.counter(first_epoch).flat_map(
            lambda epoch: source(epoch).take(steps_per_epoch))
    if offset:
        stream = stream.skip(offset)
    stream = stream.apply(tf.data.experimental.assert_cardinality(tf.data.INFINITE_CARDINALITY))
    return stream.prefetch(tf.data.AUTOTUNE)


# --------------------------------------------------------------- file utils
def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync_file(path: str) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def _fsync_dir(path: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # e.g. Windows: directories cannot be opened
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _describe(v) -> list:
    return [v.path, [int(d) for d in v.shape], str(v.dtype)]


# --------------------------------------------------------- model state
def _optimizers(model) -> dict:
    """The model's optimizers by attribute: GANs have two, other models one.

    A GAN's `model.optimizer` is None or (on JAX) a view of the two optimizers
    for the trainer: it is not counted again.
    """
    found = {}
    for name in ("g_optimizer", "d_optimizer"):
        opt = getattr(model, name, None)
        if isinstance(opt, keras.optimizers.Optimizer):
            found[name] = opt
    if not found and isinstance(getattr(model, "optimizer", None), keras.optimizers.Optimizer):
        found["optimizer"] = model.optimizer
    return found


def _build_optimizers(model) -> None:
    """Creates optimizer variables (so there is something to load into)."""
    for name, opt in _optimizers(model).items():
        if opt.built:
            continue
        if name == "g_optimizer":
            variables = model.generator_trainable_variables
        elif name == "d_optimizer":
            variables = model.discriminator_trainable_variables
        else:
            variables = model.trainable_variables
        opt.build(variables)


def _extra_variables(model) -> list:
    """State `save_weights` leaves out: seed-generator states and metrics.

    `model.weights` (layers' weights) and the optimizers' variables are in
    `save_weights`; `model.variables` adds seed-generator states and
    `metrics_variables` the running metric accumulators, which are not.
    """
    saved = {id(v) for v in model.weights}
    extras, seen = [], set(saved)
    for v in list(model.variables) + list(model.metrics_variables):
        if id(v) not in seen:
            extras.append(v)
            seen.add(id(v))
    return extras


def _signature(model) -> list:
    entries = [["weights"] + _describe(v) for v in model.weights]
    for name, opt in _optimizers(model).items():
        entries += [[name] + _describe(v) for v in opt.variables]
    entries += [["extra"] + _describe(v) for v in _extra_variables(model)]
    return entries


def _to_numpy(v) -> np.ndarray:
    return np.asarray(keras.ops.convert_to_numpy(v))


def _rng_state() -> dict:
    py = random.getstate()
    np_state = np.random.get_state()
    return {
        "python": [py[0], list(py[1]), py[2]],
        "numpy": [np_state[0], np_state[1].tolist(), int(np_state[2]), int(np_state[3]),
                  float(np_state[4])],
    }


def _set_rng_state(state: dict) -> None:
    py = state["python"]
    random.setstate((py[0], tuple(py[1]), py[2]))
    n = state["numpy"]
    np.random.set_state((n[0], np.asarray(n[1], dtype=np.uint32), n[2], n[3], n[4]))


def _distributed(model) -> bool:
    """Whether `fit` runs under an explicit `tf.distribute` strategy."""
    if keras.backend.backend() != "tensorflow":
        return False
    import tensorflow as tf

    strategy = getattr(model, "distribute_strategy", None)
    default = tf.distribute.get_strategy()
    return strategy is not None and (strategy is not default
                                     or strategy.num_replicas_in_sync > 1)


# ------------------------------------------------------ end-of-epoch marker
class _EndResumedEpoch:
    """Truthy value put in `model.stop_training` to end the resumed epoch.

    Every Keras trainer ends the epoch's batch loop when `stop_training` is
    truthy and, after `on_epoch_end`, stops `fit` if it still is. The callback
    puts this marker there after the resumed epoch's last batch and clears it
    in `on_epoch_end` only if it is still this marker, so a real stop request
    by another callback (which sets `True`) is never lost.
    """

    def __bool__(self) -> bool:
        return True

    def __repr__(self) -> str:
        return "<end of the resumed epoch>"


_END_RESUMED_EPOCH = _EndResumedEpoch()


# ------------------------------------------------------------------ callback
@keras.saving.register_keras_serializable(package="kerasgan")
class ResumableBackup(keras.callbacks.Callback):
    """Backs up the full training state atomically and resumes mid-epoch.

    A drop-in successor to `keras.callbacks.BackupAndRestore` for exact
    resumption: run the same script after an interruption (even `kill -9`)
    and `fit` continues from the last checkpoint with everything restored, on
    exactly the batches an uninterrupted run would have trained on.

    **Contract.** Resumption is exact when:

    1. The training data is one infinite stream of batches whose `n`-th batch
       is a deterministic function of the seed and `n` -- the same in every
       process. Build it with `backup.dataset(...)` (see
       `resumable_dataset`) from a function that builds an infinite seeded
       `tf.data` pipeline (`make_stream()`) or one epoch of it
       (`make_epoch(epoch)`). Unseeded shuffles or augmentation,
       `deterministic=False` and tfds' unseeded file shuffling break this.
    2. `fit` gets `steps_per_epoch` (the same every run) and
       `initial_epoch=backup.initial_epoch`; the callback raises an error if
       `fit` starts at a different epoch than the checkpoint's.
    3. The model and its compile arguments are the same (checked: class,
       dtype policy, every variable's shape and dtype).
    4. One process writes to `backup_dir`; the directory holds nothing else.

    Bitwise-identical weights further need deterministic kernels
    (`tf.config.experimental.enable_op_determinism()`) and the same
    hardware and library versions; otherwise the resumed run is the same
    computation up to floating-point non-associativity.

    Use one `ResumableBackup` per `fit` call (a later `fit` with the same
    instance continues from the model in memory and does not restore). Put it
    first in the `callbacks` list, so other callbacks see the restored
    state. In the resumed epoch the `batch` indices callbacks receive start at
    0 again (Keras counts the batches of the current `fit` call); the
    `global_step`, `epoch` and `batch` attributes give the true position.

    What is saved: everything in `model.save_weights` (layers' weights
    including BatchNorm statistics and the EMA generator; both optimizers'
    variables -- iterations, moments and a `LossScaleOptimizer`'s scale and
    step counter), plus what it leaves out: seed-generator states and the
    running metric accumulators (restored into the resumed epoch, so its
    epoch-end logs equal an uninterrupted run's), and Python's and NumPy's
    global random states. kerasgan's adversarial noise is a function of the
    generator optimizer's iteration count, so it continues unchanged.
    Not saved: TensorFlow's global random generator and any state outside
    the model (other callbacks' counters, files they write).

    Args:
        backup_dir: Directory of the checkpoints (`ckpt-<global step>/`).
        save_freq: Save every this many global steps (an int), or `"epoch"`
            (only at epoch ends), or None (same as `"epoch"`).
        save_on_epoch_end: Also save at the end of each epoch (after
            validation). Ignored (always True) with `save_freq="epoch"`.
        keep: Number of newest checkpoints kept (>= 1); with 2 or more, a
            corrupt newest checkpoint falls back to the previous one.
        delete_checkpoint: Remove the checkpoints when `fit` completes (as
            `BackupAndRestore`), so the next run starts afresh. A `fit`
            stopped early by another callback also counts as completed.
        restore_global_rngs: Save and restore Python's `random` and NumPy's
            global random states.

    Example:
    ```python
    backup = kerasgan.callbacks.ResumableBackup("runs/dcgan/backup", save_freq=500)
    stream = backup.dataset(
        lambda: kerasgan.data.image_folder("faces/", 64, 128, seed=0, repeat=True))
    gan.fit(stream, steps_per_epoch=num_images // 128, epochs=20,
            initial_epoch=backup.initial_epoch,
            callbacks=[backup, kerasgan.callbacks.SampleGrid("samples/")])
    ```
    """

    def __init__(self, backup_dir: str, save_freq: int | str | None = "epoch",
                 save_on_epoch_end: bool = True, keep: int = 2,
                 delete_checkpoint: bool = True, restore_global_rngs: bool = True):
        super().__init__()
        if not backup_dir or not isinstance(backup_dir, (str, os.PathLike)):
            raise ValueError(f"backup_dir must be a non-empty path; received {backup_dir!r}.")
        if save_freq is None or save_freq == "epoch":
            save_freq, save_on_epoch_end = "epoch", True
        elif isinstance(save_freq, bool) or not isinstance(save_freq, (int, np.integer)) \
                or save_freq < 1:
            raise ValueError(
                f"save_freq must be a positive integer (global steps), 'epoch' or None; "
                f"received {save_freq!r}."
            )
        if isinstance(keep, bool) or not isinstance(keep, (int, np.integer)) or keep < 1:
            raise ValueError(f"keep must be a positive integer; received {keep!r}.")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq if save_freq == "epoch" else int(save_freq)
        self.save_on_epoch_end = bool(save_on_epoch_end)
        self.keep = int(keep)
        self.delete_checkpoint = bool(delete_checkpoint)
        self.restore_global_rngs = bool(restore_global_rngs)
        # Where training is: completed global steps, current epoch and batches
        # of it completed.
        self.global_step = 0
        self.epoch = 0
        self.batch = 0
        self.last_checkpoint: str | None = None
        self._selected = None          # (path, metadata) or False when none
        self._restored = False
        self._positioned_at = None     # start step given to self.dataset()
        self._source_kind = None
        self._dataset_steps_per_epoch = None
        self._resume = None            # what on_epoch_begin must apply
        self._first_epoch = True
        self._steps_per_epoch = None
        self._steps_in_call = 0        # steps of the current epoch in this fit call
        self._last_saved_step = None

    # ---------------------------------------------------------- selection
    def _checkpoints(self) -> list[tuple[int, str]]:
        """`(step, path)` of the checkpoint directories, newest first."""
        if not os.path.isdir(self.backup_dir):
            return []
        found = []
        for name in os.listdir(self.backup_dir):
            match = _CKPT_RE.match(name)
            path = os.path.join(self.backup_dir, name)
            if match and os.path.isdir(path):
                found.append((int(match.group(1)), path))
        return sorted(found, reverse=True)

    @staticmethod
    def read_checkpoint(path: str) -> dict:
        """Reads and verifies one checkpoint directory's metadata and files.

        Args:
            path: A `ckpt-<step>` directory.

        Returns:
            The metadata dict.

        Raises:
            CorruptCheckpointError: naming what is missing or does not match
                its checksum.
        """
        meta_path = os.path.join(path, METADATA_FILE)
        try:
            with open(meta_path, encoding="utf-8") as f:
                meta = json.load(f)
        except (OSError, ValueError) as err:
            raise CorruptCheckpointError(f"{meta_path} is missing or unreadable ({err})") from err
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise CorruptCheckpointError(f"{meta_path} is not a {FORMAT} metadata file")
        if meta.get("version", 0) > FORMAT_VERSION:
            raise CorruptCheckpointError(
                f"{path} was written by a newer kerasgan (format version "
                f"{meta.get('version')}; this one reads up to {FORMAT_VERSION})"
            )
        files = meta.get("files")
        if not isinstance(files, dict) or not {WEIGHTS_FILE, STATE_FILE} <= set(files):
            raise CorruptCheckpointError(f"{meta_path} does not list the checkpoint's files")
        for name, info in files.items():
            file_path = os.path.join(path, name)
            if not os.path.isfile(file_path):
                raise CorruptCheckpointError(f"{file_path} is missing")
            size = os.path.getsize(file_path)
            if size != info["size"]:
                raise CorruptCheckpointError(
                    f"{file_path} has {size} bytes, the metadata says {info['size']} "
                    "(truncated or overwritten)"
                )
            if _sha256(file_path) != info["sha256"]:
                raise CorruptCheckpointError(f"{file_path} does not match its sha256 (corrupt)")
        return meta

    def _select(self):
        """Finds the newest readable checkpoint (once); False when there is none."""
        if self._selected is not None:
            return self._selected
        problems = []
        for _, path in self._checkpoints():
            try:
                meta = self.read_checkpoint(path)
            except CorruptCheckpointError as err:
                logger.warning("ResumableBackup: skipping checkpoint %s: %s.", path, err)
                problems.append(f"{os.path.basename(path)}: {err}")
                continue
            if problems:
                logger.warning("ResumableBackup: resuming from the older checkpoint %s.", path)
            self._selected = (path, meta)
            return self._selected
        if problems:
            raise CorruptCheckpointError(
                f"No usable checkpoint in {self.backup_dir!r}; " + "; ".join(problems)
                + ". Delete the directory to start training from scratch."
            )
        self._selected = False
        return self._selected

    def _position(self) -> tuple[int, int, int]:
        selected = self._select()
        if not selected:
            return 0, 0, 0
        meta = selected[1]
        return int(meta["global_step"]), int(meta["epoch"]), int(meta["batch"])

    @property
    def checkpoint(self) -> str | None:
        """The checkpoint directory training resumes from, or None."""
        selected = self._select()
        return selected[0] if selected else None

    @property
    def initial_step(self) -> int:
        """Global steps completed by the checkpoint resumed from (0 if none)."""
        return self._position()[0]

    @property
    def initial_epoch(self) -> int:
        """Epoch to pass to `fit(initial_epoch=...)` (0 if no checkpoint)."""
        return self._position()[1]

    @property
    def initial_batch(self) -> int:
        """Batches of `initial_epoch` already trained on by the checkpoint."""
        return self._position()[2]

    def dataset(self, source: Callable[..., Any] | Any, steps_per_epoch: int | None = None):
        """The training stream, started at this backup's `initial_step`.

        Args:
            source: `make_stream()` (recommended), `make_epoch(epoch)` or an
                infinite `tf.data.Dataset`; see `resumable_dataset`.
            steps_per_epoch: Batches per epoch (required with `make_epoch`).

        Returns:
            A `tf.data.Dataset` to pass to `fit` with `steps_per_epoch`.

        Example:
        ```python
        stream = backup.dataset(
            lambda: kerasgan.data.image_folder("faces/", 64, 128, seed=0, repeat=True))
        gan.fit(stream, steps_per_epoch=100, epochs=10,
                initial_epoch=backup.initial_epoch, callbacks=[backup])
        ```
        """
        start = self.initial_step
        stream = resumable_dataset(source, start, steps_per_epoch)
        self._positioned_at = start
        self._source_kind = _source_kind(source)
        self._dataset_steps_per_epoch = steps_per_epoch
        return stream

    # ------------------------------------------------------------ restore
    def on_train_begin(self, logs=None):
        steps = (self.params or {}).get("steps")
        if not steps:
            raise ValueError(
                "ResumableBackup needs a known number of steps per epoch: pass "
                "steps_per_epoch to fit (with an infinite stream from "
                f"ResumableBackup.dataset); received steps={steps!r}."
            )
        steps = int(steps)
        if self._dataset_steps_per_epoch is not None and self._dataset_steps_per_epoch != steps:
            raise ValueError(
                f"The stream was built with steps_per_epoch={self._dataset_steps_per_epoch} "
                f"but fit runs {steps} steps per epoch; pass the same value to both."
            )
        spe_exec = int(getattr(self.model, "steps_per_execution", 1) or 1)
        if spe_exec > 1 and (steps % spe_exec or
                             (self.save_freq != "epoch" and self.save_freq % spe_exec)):
            raise ValueError(
                f"With steps_per_execution={spe_exec}, steps_per_epoch ({steps}) and "
                f"save_freq ({self.save_freq}) must be multiples of it, so that "
                "checkpoints fall between executions."
            )
        self._steps_per_epoch = steps
        self._first_epoch = True
        self._resume = None
        if self._restored:
            # A later fit() with the same callback: the model in memory is at
            # least as new as any checkpoint; keep counting from it.
            return
        if self._source_kind == "dataset" and _distributed(self.model):
            logger.warning(
                "ResumableBackup: under a tf.distribute strategy Keras iterates the "
                "training dataset once before training, reading ahead; if it "
                "reshuffles each iteration, the order then differs between runs. "
                "Pass a function that builds the stream, backup.dataset(lambda: ...).")
        self._cleanup_temporaries()
        selected = self._select()
        if not selected:
            self.global_step, self.epoch, self.batch = 0, 0, 0
            self._restored = True
            return
        path, meta = selected
        self._check_matches(path, meta, steps)
        self._load(path, meta)
        self._restored = True
        self.global_step = int(meta["global_step"])
        self.epoch = int(meta["epoch"])
        self.batch = int(meta["batch"])
        self.last_checkpoint = path
        self._last_saved_step = self.global_step
        self._discard_newer(self.global_step)
        if self._positioned_at is None and self.global_step:
            logger.warning(
                "ResumableBackup resumes at global step %d, but the training data was "
                "not positioned with backup.dataset(...): unless your dataset starts "
                "at that step, the resumed run trains on other batches than an "
                "uninterrupted run would.", self.global_step)
        elif self._positioned_at is not None and self._positioned_at != self.global_step:
            raise ValueError(
                f"The stream was positioned at step {self._positioned_at} but the "
                f"checkpoint {path} is at step {self.global_step}; call "
                "backup.dataset(...) after creating the callback, before fit."
            )
        logger.info("ResumableBackup: resumed from %s (epoch %d, batch %d, step %d).",
                    path, self.epoch, self.batch, self.global_step)

    def _check_matches(self, path: str, meta: dict, steps: int) -> None:
        model = self.model
        _build_optimizers(model)
        name = type(model).__name__
        if meta["model_class"] != name:
            raise CheckpointMismatchError(
                f"The checkpoint {path} was written by a {meta['model_class']} model; "
                f"this model is a {name}. Use another backup_dir, or delete this one "
                "to start from scratch."
            )
        policy = model.dtype_policy.name
        if meta["dtype_policy"] != policy:
            raise CheckpointMismatchError(
                f"The checkpoint {path} was written under the {meta['dtype_policy']!r} "
                f"dtype policy; this model uses {policy!r}. Set the same policy "
                "(keras.mixed_precision.set_global_policy) before building the model."
            )
        if meta["steps_per_epoch"] != steps:
            raise CheckpointMismatchError(
                f"The checkpoint {path} was written with {meta['steps_per_epoch']} steps "
                f"per epoch; this fit runs {steps}. Pass steps_per_epoch="
                f"{meta['steps_per_epoch']} to fit (and to the stream)."
            )
        ours, theirs = _signature(model), meta["variables"]
        for i, (a, b) in enumerate(zip(theirs, ours)):
            if a[0] != b[0] or a[2] != b[2] or a[3] != b[3]:
                raise CheckpointMismatchError(
                    f"The checkpoint {path} does not match this {name}: its variable "
                    f"#{i} is {a[0]} {a[1]!r} with shape {tuple(a[2])} and dtype {a[3]}; "
                    f"here it is {b[0]} {b[1]!r} with shape {tuple(b[2])} and dtype "
                    f"{b[3]}. Build and compile the model as in the run that wrote it, "
                    "or use another backup_dir."
                )
        if len(theirs) != len(ours):
            longer = theirs if len(theirs) > len(ours) else ours
            extra = longer[min(len(theirs), len(ours))]
            raise CheckpointMismatchError(
                f"The checkpoint {path} holds {len(theirs)} variables; this {name} has "
                f"{len(ours)} (first unmatched: {extra[0]} {extra[1]!r}). Build and "
                "compile the model as in the run that wrote it (same optimizers, EMA, "
                "metrics), or use another backup_dir."
            )

    def _load(self, path: str, meta: dict) -> None:
        model = self.model
        try:
            model.load_weights(os.path.join(path, WEIGHTS_FILE))
            with np.load(os.path.join(path, STATE_FILE)) as state:
                extras = [state[f"v{i}"] for i in range(len(state.files))]
        except Exception as err:  # h5py / numpy raise many types
            raise CorruptCheckpointError(
                f"The checkpoint {path} passed its checksum but could not be loaded "
                f"({type(err).__name__}: {err}). Delete it to fall back to the "
                "previous one."
            ) from err
        variables = _extra_variables(model)
        metrics = {id(v) for v in model.metrics_variables}
        metric_values = []
        for v, value in zip(variables, extras):
            if id(v) in metrics:
                metric_values.append((v, value))
            else:
                v.assign(value)
        for name, opt in _optimizers(model).items():
            expected = meta["optimizer_iterations"].get(name)
            got = int(keras.ops.convert_to_numpy(opt.iterations))
            if expected is not None and got != expected:
                raise CorruptCheckpointError(
                    f"The checkpoint {path} is inconsistent: its metadata says "
                    f"{name}.iterations = {expected}, its weights {got}."
                )
        if self.restore_global_rngs and meta.get("rng"):
            _set_rng_state(meta["rng"])
        # fit() resets the metrics when the epoch begins: put the running
        # values of the interrupted epoch back then.
        self._resume = {"epoch": int(meta["epoch"]), "batch": int(meta["batch"]),
                        "metrics": metric_values, "path": path}

    # ----------------------------------------------------------- training
    def on_epoch_begin(self, epoch, logs=None):
        resume = self._resume
        if self._first_epoch:
            self._first_epoch = False
            if resume is not None and epoch != resume["epoch"]:
                raise ValueError(
                    f"ResumableBackup restored {resume['path']} (epoch {resume['epoch']}, "
                    f"batch {resume['batch']}, step {self.global_step}) but fit started "
                    f"at epoch {epoch}: pass initial_epoch=backup.initial_epoch to fit."
                )
            if resume is not None and resume["batch"]:
                for v, value in resume["metrics"]:
                    v.assign(value)
            self.batch = resume["batch"] if resume is not None else 0
        else:
            self.batch = 0
        self._resume = None
        self.epoch = epoch
        self._steps_in_call = 0

    def on_train_batch_end(self, batch, logs=None):
        done = int(batch) + 1  # steps of this epoch run in this fit call
        advanced = done - self._steps_in_call
        self._steps_in_call = done
        self.global_step += advanced
        self.batch += advanced
        model = self.model
        if self.batch >= self._steps_per_epoch:
            # The epoch's last batch: the epoch-end save covers it. A resumed
            # epoch has fewer batches left than fit runs per epoch: end it here.
            if self._steps_in_call < self._steps_per_epoch and not model.stop_training:
                model.stop_training = _END_RESUMED_EPOCH
            return
        if self.save_freq != "epoch" and self._crossed_save_point():
            self._save()

    def _crossed_save_point(self) -> bool:
        last = self._last_saved_step or 0
        return self.global_step // self.save_freq > last // self.save_freq

    def on_epoch_end(self, epoch, logs=None):
        model = self.model
        if model.stop_training is _END_RESUMED_EPOCH:
            model.stop_training = False
        elif model.stop_training:
            return  # stopped by another callback: no checkpoint of that state
        if self.batch >= self._steps_per_epoch:
            self.epoch, self.batch = epoch + 1, 0
        # else: the data ran out mid-epoch; record the true position.
        if self.save_on_epoch_end or (self.save_freq != "epoch" and self._crossed_save_point()):
            self._save()

    def on_train_end(self, logs=None):
        if self.delete_checkpoint:
            self.delete()

    # --------------------------------------------------------------- save
    def _save(self) -> str:
        """Writes a checkpoint of the current state atomically; returns its path."""
        model = self.model
        os.makedirs(self.backup_dir, exist_ok=True)
        step = self.global_step
        final = os.path.join(self.backup_dir, f"ckpt-{step:012d}")
        tmp = os.path.join(self.backup_dir, f"{_TMP_PREFIX}{step:012d}-{os.getpid()}")
        if os.path.exists(tmp):
            shutil.rmtree(tmp)
        os.makedirs(tmp)
        weights_path = os.path.join(tmp, WEIGHTS_FILE)
        model.save_weights(weights_path)
        extras = _extra_variables(model)
        state_path = os.path.join(tmp, STATE_FILE)
        with open(state_path, "wb") as f:
            np.savez(f, **{f"v{i}": _to_numpy(v) for i, v in enumerate(extras)})
        files = {}
        for name in (WEIGHTS_FILE, STATE_FILE):
            file_path = os.path.join(tmp, name)
            _fsync_file(file_path)
            files[name] = {"sha256": _sha256(file_path), "size": os.path.getsize(file_path)}
        meta = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "global_step": step,
            "epoch": self.epoch,
            "batch": self.batch,
            "steps_per_epoch": self._steps_per_epoch,
            "model_class": type(model).__name__,
            "dtype_policy": model.dtype_policy.name,
            "optimizer_iterations": {
                name: int(keras.ops.convert_to_numpy(opt.iterations))
                for name, opt in _optimizers(model).items()
            },
            "variables": _signature(model),
            "files": files,
            "rng": _rng_state() if self.restore_global_rngs else None,
            "keras_version": keras.__version__,
            "backend": keras.backend.backend(),
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        meta_path = os.path.join(tmp, METADATA_FILE)
        with open(meta_path, "w", encoding="utf-8") as f:
            json.dump(meta, f)
            f.flush()
            os.fsync(f.fileno())
        _fsync_dir(tmp)
        trash = None
        if os.path.exists(final):  # same step saved again (e.g. at an epoch end)
            trash = os.path.join(self.backup_dir, f"{_TRASH_PREFIX}{step:012d}-{os.getpid()}")
            os.replace(final, trash)
        os.replace(tmp, final)  # the commit point
        _fsync_dir(self.backup_dir)
        if trash:
            shutil.rmtree(trash, ignore_errors=True)
        self.last_checkpoint = final
        self._last_saved_step = step
        for _, old in self._checkpoints()[self.keep:]:
            shutil.rmtree(old, ignore_errors=True)
        return final

    def _cleanup_temporaries(self) -> None:
        """Removes what an interrupted save left behind."""
        if not os.path.isdir(self.backup_dir):
            return
        for name in os.listdir(self.backup_dir):
            if name.startswith((_TMP_PREFIX, _TRASH_PREFIX)):
                shutil.rmtree(os.path.join(self.backup_dir, name), ignore_errors=True)

    def _discard_newer(self, step: int) -> None:
        """Sets aside checkpoints newer than the one resumed from (unreadable ones)."""
        for other, path in self._checkpoints():
            if other > step:
                os.replace(path, f"{path}.corrupt-{int(time.time())}")

    def delete(self) -> None:
        """Removes this callback's checkpoints (and the directory if then empty)."""
        if not os.path.isdir(self.backup_dir):
            return
        for name in os.listdir(self.backup_dir):
            if _CKPT_RE.match(name.split(".corrupt-")[0]) or name.startswith(
                (_TMP_PREFIX, _TRASH_PREFIX)
            ):
                shutil.rmtree(os.path.join(self.backup_dir, name), ignore_errors=True)
        try:
            os.rmdir(self.backup_dir)
        except OSError:
            pass
        self._selected = None

    def get_config(self) -> dict[str, Any]:
        return {
            "backup_dir": self.backup_dir,
            "save_freq": self.save_freq,
            "save_on_epoch_end": self.save_on_epoch_end,
            "keep": self.keep,
            "delete_checkpoint": self.delete_checkpoint,
            "restore_global_rngs": self.restore_global_rngs,
        }

    @classmethod
    def from_config(cls, config: dict) -> "ResumableBackup":
        return cls(**config)
