"""The `ResumableBackup` callback: when to save, what to restore, where training is."""

from __future__ import annotations

import logging
import os
import time
from typing import Any, Callable

import keras
import numpy as np

from kerasgan.callbacks.resume import files as ckpt_files
from kerasgan.callbacks.resume.errors import CorruptCheckpointError
from kerasgan.callbacks.resume.state import (_distributed, check_matches, load_model_state,
                                             model_metadata, save_model_state)
from kerasgan.callbacks.resume.stream import resumable_dataset, source_kind

logger = logging.getLogger("kerasgan")


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
       (`make_epoch(epoch)`), or from a seeded `kerasgan.data` PyDataset
       (`pipeline="pydataset"`, no TensorFlow needed). Unseeded shuffles or
       augmentation, `deterministic=False` and tfds' unseeded file shuffling
       break this.
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
        return ckpt_files.list_checkpoints(self.backup_dir)

    @staticmethod
    def read_checkpoint(path: str) -> dict:
        """The verified metadata of a `ckpt-<step>` directory (`files.read_checkpoint`)."""
        return ckpt_files.read_checkpoint(path)

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
            source: `make_stream()` (recommended), `make_epoch(epoch)`, an
                infinite `tf.data.Dataset`, or a `kerasgan.data`
                PyDataset; see `resumable_dataset`.
            steps_per_epoch: Batches per epoch (required with `make_epoch`).

        Returns:
            A `tf.data.Dataset` (a generator for PyDataset sources) to pass
            to `fit` with `steps_per_epoch`.

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
        self._source_kind = source_kind(source)
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
        ckpt_files.cleanup_temporaries(self.backup_dir)
        selected = self._select()
        if not selected:
            self.global_step, self.epoch, self.batch = 0, 0, 0
            self._restored = True
            return
        path, meta = selected
        check_matches(self.model, path, meta, steps)
        self._load(path, meta)
        self._restored = True
        self.global_step = int(meta["global_step"])
        self.epoch = int(meta["epoch"])
        self.batch = int(meta["batch"])
        self.last_checkpoint = path
        self._last_saved_step = self.global_step
        ckpt_files.discard_newer(self.backup_dir, self.global_step)
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

    def _load(self, path: str, meta: dict) -> None:
        metric_values = load_model_state(self.model, path, meta, self.restore_global_rngs)
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
    def save_now(self) -> str | None:
        """Checkpoints the current state after `fit` returned, e.g. when a time limit
        stopped it between checkpoints (a stop by another callback writes none).

        Returns:
            The new checkpoint's path, or None when the newest checkpoint
            already holds this step (or no step has run).

        Example:
        ```python
        gan.fit(stream, epochs=10, callbacks=[backup, TimeLimit(600)])
        backup.save_now()  # the steps since the last checkpoint are kept
        ```
        """
        if self.model is None or self.global_step == (self._last_saved_step or 0):
            return None
        if self.batch >= self._steps_per_epoch:  # stopped right at an epoch's end
            self.epoch, self.batch = self.epoch + 1, 0
        return self._save()

    def _save(self) -> str:
        """Writes a checkpoint of the current state atomically; returns its path."""
        model = self.model
        meta = {
            "global_step": self.global_step,
            "epoch": self.epoch,
            "batch": self.batch,
            "steps_per_epoch": self._steps_per_epoch,
            **model_metadata(model, self.restore_global_rngs),
            "keras_version": keras.__version__,
            "backend": keras.backend.backend(),
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        final = ckpt_files.write_checkpoint(
            self.backup_dir, self.global_step, lambda tmp: save_model_state(model, tmp), meta)
        self.last_checkpoint = final
        self._last_saved_step = self.global_step
        ckpt_files.prune(self.backup_dir, self.keep)
        return final

    def delete(self) -> None:
        """Removes this callback's checkpoints (and the directory if then empty)."""
        ckpt_files.delete_checkpoints(self.backup_dir)
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
